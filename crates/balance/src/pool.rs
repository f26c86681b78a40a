//! The servers of one backend as the algorithms see them: configured weight, `backup`,
//! numeric id, `maxconn`, and the live state (up or down, current weight, connections served).
//!
//! This is the single source of truth the algorithms read; they keep only derived structures
//! (a map, a ring, round-robin counters) that `Balancer` refreshes through the `Algorithm`
//! trait whenever a server goes up, down or changes weight here.
//!
//! Which servers take traffic follows HAProxy (`recount_servers()`, `update_backend_weight()`):
//! the usable active servers; if there is none, the first usable backup, or every usable
//! backup with `option allbackups`. A server is usable when it is up and its weight is not 0.

use crate::ServerId;

/// A `server` line, as far as balancing is concerned (after `default-server` is applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// `weight`, 0..=256; 0 takes no new traffic.
    pub weight: u32,
    pub backup: bool,
    /// HAProxy's numeric server id (`id`, else assigned in order, see [`assign_ids`]); it
    /// places the server on the consistent-hash ring and orders `balance first`.
    pub id: u32,
    /// `maxconn`, 0 = unlimited.
    pub maxconn: u32,
    /// `disabled`: starts in maintenance, i.e. down.
    pub disabled: bool,
}

impl ServerSpec {
    /// A server with weight 1 and the given id, as `server NAME ADDR` alone gives.
    pub fn new(id: u32) -> ServerSpec {
        ServerSpec {
            weight: 1,
            backup: false,
            id,
            maxconn: 0,
            disabled: false,
        }
    }
}

/// HAProxy's automatic server ids: servers without `id` get the smallest unused number not
/// below their position (1-based), positions counting every server, numbered or not.
pub fn assign_ids(explicit: &[Option<u32>]) -> Vec<u32> {
    let used: Vec<u32> = explicit.iter().flatten().copied().collect();
    let mut taken = used.clone();
    let mut next: u32 = 1;
    let mut out = Vec::with_capacity(explicit.len());
    for e in explicit {
        match e {
            Some(id) => out.push(*id),
            None => {
                while taken.contains(&next) {
                    next = next.saturating_add(1);
                }
                taken.push(next);
                out.push(next);
            }
        }
        next = next.saturating_add(1);
    }
    out
}

/// Which servers currently take new traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServingGroup {
    /// At least one active server is usable.
    Active,
    /// No active server; only this backup (the first usable one, without `allbackups`).
    FirstBackup(ServerId),
    /// No active server; every usable backup (`option allbackups`).
    Backups,
    /// Nothing is usable.
    Empty,
}

#[derive(Debug, Clone)]
struct Slot {
    spec: ServerSpec,
    /// Current user weight (`set weight` at run time changes it).
    weight: u32,
    up: bool,
    served: u32,
}

/// The servers of one backend with their live state.
#[derive(Debug, Clone)]
pub struct ServerPool {
    slots: Vec<Slot>,
    all_backups: bool,
    group: ServingGroup,
    /// Sum of the weights of the serving group (0 when empty).
    group_weight: u32,
    group_len: usize,
    total_served: u64,
}

impl ServerPool {
    pub fn new(servers: Vec<ServerSpec>, all_backups: bool) -> ServerPool {
        let slots = servers
            .into_iter()
            .map(|spec| Slot {
                weight: spec.weight.min(crate::MAX_WEIGHT),
                up: !spec.disabled,
                served: 0,
                spec,
            })
            .collect();
        let mut p = ServerPool {
            slots,
            all_backups,
            group: ServingGroup::Empty,
            group_weight: 0,
            group_len: 0,
            total_served: 0,
        };
        p.recount();
        p
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn spec(&self, id: ServerId) -> &ServerSpec {
        &self.slots[id].spec
    }

    pub fn is_up(&self, id: ServerId) -> bool {
        self.slots.get(id).is_some_and(|s| s.up)
    }

    pub fn weight(&self, id: ServerId) -> u32 {
        self.slots.get(id).map_or(0, |s| s.weight)
    }

    pub fn is_backup(&self, id: ServerId) -> bool {
        self.slots.get(id).is_some_and(|s| s.spec.backup)
    }

    /// Up with a non-zero weight: may receive new traffic.
    pub fn usable(&self, id: ServerId) -> bool {
        self.slots.get(id).is_some_and(|s| s.up && s.weight > 0)
    }

    /// Connections the server is serving now.
    pub fn served(&self, id: ServerId) -> u32 {
        self.slots.get(id).map_or(0, |s| s.served)
    }

    /// Connections served by the whole backend (bounded-load hashing divides this).
    pub fn total_served(&self) -> u64 {
        self.total_served
    }

    /// Whether the server is below its `maxconn`.
    pub fn has_room(&self, id: ServerId) -> bool {
        self.slots
            .get(id)
            .is_some_and(|s| s.spec.maxconn == 0 || s.served < s.spec.maxconn)
    }

    pub fn all_backups(&self) -> bool {
        self.all_backups
    }

    pub fn serving_group(&self) -> ServingGroup {
        self.group
    }

    /// Sum of the weights of the servers in the serving group.
    pub fn group_weight(&self) -> u32 {
        self.group_weight
    }

    /// How many servers are in the serving group (HAProxy's `tot_used`).
    pub fn group_len(&self) -> usize {
        self.group_len
    }

    /// Whether `id` belongs to the serving group right now.
    pub fn in_group(&self, id: ServerId) -> bool {
        match self.group {
            ServingGroup::Active => self.usable(id) && !self.is_backup(id),
            ServingGroup::FirstBackup(b) => id == b,
            ServingGroup::Backups => self.usable(id) && self.is_backup(id),
            ServingGroup::Empty => false,
        }
    }

    /// The servers of the serving group, in configuration order.
    pub fn group_members(&self) -> impl Iterator<Item = ServerId> + '_ {
        (0..self.slots.len()).filter(|&id| self.in_group(id))
    }

    /// Sets the state; returns whether it changed. Use `Balancer::set_up` so the algorithm
    /// learns about it.
    pub(crate) fn set_up(&mut self, id: ServerId, up: bool) -> bool {
        match self.slots.get_mut(id) {
            Some(s) if s.up != up => {
                s.up = up;
                self.recount();
                true
            }
            _ => false,
        }
    }

    pub(crate) fn set_weight(&mut self, id: ServerId, weight: u32) -> bool {
        let weight = weight.min(crate::MAX_WEIGHT);
        match self.slots.get_mut(id) {
            Some(s) if s.weight != weight => {
                s.weight = weight;
                self.recount();
                true
            }
            _ => false,
        }
    }

    /// Records how many connections a server serves now (the proxy owns the real counts).
    pub fn set_served(&mut self, id: ServerId, served: u32) {
        if let Some(s) = self.slots.get_mut(id) {
            self.total_served = self.total_served - u64::from(s.served) + u64::from(served);
            s.served = served;
        }
    }

    pub fn conn_started(&mut self, id: ServerId) {
        let n = self.served(id).saturating_add(1);
        self.set_served(id, n);
    }

    pub fn conn_ended(&mut self, id: ServerId) {
        let n = self.served(id).saturating_sub(1);
        self.set_served(id, n);
    }

    /// Recomputes the serving group after any state or weight change.
    fn recount(&mut self) {
        let usable = |s: &Slot| s.up && s.weight > 0;
        let active: Vec<&Slot> = self
            .slots
            .iter()
            .filter(|s| usable(s) && !s.spec.backup)
            .collect();
        if !active.is_empty() {
            self.group = ServingGroup::Active;
            self.group_weight = active.iter().map(|s| s.weight).sum();
            self.group_len = active.len();
            return;
        }
        let first_backup = self.slots.iter().position(|s| usable(s) && s.spec.backup);
        match first_backup {
            None => {
                self.group = ServingGroup::Empty;
                self.group_weight = 0;
                self.group_len = 0;
            }
            Some(b) if !self.all_backups => {
                self.group = ServingGroup::FirstBackup(b);
                self.group_weight = self.slots[b].weight;
                self.group_len = 1;
            }
            Some(_) => {
                let backups = self.slots.iter().filter(|s| usable(s) && s.spec.backup);
                self.group = ServingGroup::Backups;
                self.group_weight = backups.clone().map(|s| s.weight).sum();
                self.group_len = backups.count();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(weight: u32, backup: bool) -> ServerSpec {
        ServerSpec {
            weight,
            backup,
            ..ServerSpec::new(0)
        }
    }

    #[test]
    fn ids_follow_haproxy_numbering() {
        assert_eq!(assign_ids(&[None, None, None]), vec![1, 2, 3]);
        // The position counter advances past explicitly numbered servers too.
        assert_eq!(assign_ids(&[None, Some(7), None]), vec![1, 7, 3]);
        assert_eq!(assign_ids(&[Some(2), None, None]), vec![2, 3, 4]);
        // The first server skips the taken 1 and takes 2; the counter then moves on from there.
        assert_eq!(assign_ids(&[None, Some(1), None]), vec![2, 1, 4]);
    }

    #[test]
    fn active_servers_serve_first() {
        let p = ServerPool::new(vec![spec(2, false), spec(3, false), spec(1, true)], false);
        assert_eq!(p.serving_group(), ServingGroup::Active);
        assert_eq!(p.group_weight(), 5);
        assert_eq!(p.group_members().collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn backups_when_no_active_is_usable() {
        let mut p = ServerPool::new(
            vec![spec(1, false), spec(0, false), spec(2, true), spec(3, true)],
            false,
        );
        assert!(p.set_up(0, false));
        assert_eq!(p.serving_group(), ServingGroup::FirstBackup(2));
        assert_eq!(p.group_weight(), 2);
        let mut all = ServerPool::new(vec![spec(1, false), spec(2, true), spec(3, true)], true);
        all.set_up(0, false);
        assert_eq!(all.serving_group(), ServingGroup::Backups);
        assert_eq!(all.group_weight(), 5);
        all.set_up(1, false);
        all.set_up(2, false);
        assert_eq!(all.serving_group(), ServingGroup::Empty);
    }

    #[test]
    fn weight_zero_and_disabled_take_no_traffic() {
        let mut s = spec(1, false);
        s.disabled = true;
        let mut p = ServerPool::new(vec![s, spec(0, false), spec(4, false)], false);
        assert!(!p.usable(0) && !p.usable(1) && p.usable(2));
        assert!(p.set_weight(2, 0));
        assert_eq!(p.serving_group(), ServingGroup::Empty);
        assert!(p.set_weight(2, 1000));
        assert_eq!(p.weight(2), crate::MAX_WEIGHT);
    }

    #[test]
    fn served_counts_and_room() {
        let mut s = spec(1, false);
        s.maxconn = 2;
        let mut p = ServerPool::new(vec![s, spec(1, false)], false);
        p.conn_started(0);
        assert!(p.has_room(0));
        p.conn_started(0);
        assert!(!p.has_room(0));
        assert_eq!(p.total_served(), 2);
        p.conn_ended(0);
        p.conn_ended(0);
        p.conn_ended(0);
        assert_eq!(p.served(0), 0);
        assert_eq!(p.total_served(), 0);
    }
}
