//! `vrrp_sync_group`: instances that change state together, as keepalived 2.2.7 does it.
//!
//! The driver owns the instances in a slice; a [`SyncGroup`] names members by index. Three
//! rules (keepalived's `vrrp_sync.c`):
//! - MASTER only together: a member whose master-down timer expires merely *wants* master
//!   ([`Instance::wants_master`]) and re-arms its timer; when every member wants it (or is
//!   master), all go MASTER at once. This prefers BACKUP over thrashing.
//! - one member leaving MASTER (a higher-priority advert) takes the others to BACKUP.
//! - one member in FAULT takes the others to FAULT; when no member has a fault of its own
//!   left, all return to BACKUP.
//!
//! Call [`SyncGroup::reconcile`] after every event the driver feeds to any member, and report
//! faults through [`SyncGroup::set_fault`] instead of [`Instance::set_fault`].

use std::time::Instant;

use crate::action::{Action, State};
use crate::instance::Instance;

/// One `vrrp_sync_group` over instances held by the driver.
#[derive(Debug, Clone)]
pub struct SyncGroup {
    name: String,
    members: Vec<usize>,
    /// Faults reported for the member itself through [`SyncGroup::set_fault`].
    own_fault: Vec<bool>,
    /// Members held in FAULT only because another member is faulty.
    forced: Vec<bool>,
    state: State,
}

impl SyncGroup {
    /// Create the group and mark its members (indices into `instances`; out-of-range
    /// indices are ignored) so they wait for each other before becoming master.
    pub fn new(name: impl Into<String>, members: Vec<usize>, instances: &mut [Instance]) -> Self {
        let members: Vec<usize> = members
            .into_iter()
            .filter(|i| *i < instances.len())
            .collect();
        for &i in &members {
            instances[i].set_sync_member(true);
        }
        SyncGroup {
            name: name.into(),
            own_fault: vec![false; members.len()],
            forced: vec![false; members.len()],
            members,
            state: State::Backup,
        }
    }

    /// The group name (`vrrp_sync_group G1` → `G1`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The member indices.
    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// The group's state as keepalived reports it to group notify scripts.
    pub fn state(&self) -> State {
        self.state
    }

    /// A tracked thing of `member` (an index into `instances`) failed or recovered. A member
    /// whose own fault clears stays in FAULT while another member is still faulty.
    pub fn set_fault(
        &mut self,
        now: Instant,
        instances: &mut [Instance],
        member: usize,
        fault: bool,
    ) -> Vec<Action> {
        if let Some(pos) = self.members.iter().position(|m| *m == member) {
            self.own_fault[pos] = fault;
            if fault {
                self.forced[pos] = false;
                instances[member].set_fault(now, true);
            } else if self.own_fault.iter().any(|f| *f) {
                self.forced[pos] = true;
            } else {
                instances[member].set_fault(now, false);
            }
        }
        self.reconcile(now, instances)
    }

    /// Bring the members in line after an event; returns the group's own log lines and its
    /// notify (for `vrrp_sync_group { notify … }`), in keepalived's words. Also copes with a
    /// driver that calls [`Instance::set_fault`] on a member directly.
    pub fn reconcile(&mut self, now: Instant, instances: &mut [Instance]) -> Vec<Action> {
        let mut out = Vec::new();
        let own: Vec<bool> = (0..self.members.len())
            .map(|p| {
                self.own_fault[p]
                    || (instances[self.members[p]].state() == State::Fault && !self.forced[p])
            })
            .collect();
        if own.iter().any(|f| *f) {
            for p in 0..self.members.len() {
                if !own[p] && instances[self.members[p]].state() != State::Fault {
                    instances[self.members[p]].sync_to(now, State::Fault);
                    self.forced[p] = true;
                }
            }
            if self.state != State::Fault {
                self.announce(State::Fault, &mut out);
            }
            return out;
        }
        if self.forced.iter().any(|f| *f) || self.state == State::Fault {
            for p in 0..self.members.len() {
                if std::mem::take(&mut self.forced[p]) {
                    instances[self.members[p]].set_fault(now, false);
                }
            }
            self.announce(State::Backup, &mut out);
            return out;
        }
        let states: Vec<State> = self.members.iter().map(|&m| instances[m].state()).collect();
        if self.state == State::Master && states.contains(&State::Backup) {
            self.sync_all(now, instances, State::Backup, &mut out);
            return out;
        }
        if self.state != State::Master && !self.members.is_empty() {
            let ready = self
                .members
                .iter()
                .all(|&m| instances[m].state() == State::Master || instances[m].wants_master());
            if ready {
                self.sync_all(now, instances, State::Master, &mut out);
            }
        }
        out
    }

    fn sync_all(
        &mut self,
        now: Instant,
        instances: &mut [Instance],
        to: State,
        out: &mut Vec<Action>,
    ) {
        for &m in &self.members {
            instances[m].sync_to(now, to);
        }
        self.announce(to, out);
    }

    fn announce(&mut self, to: State, out: &mut Vec<Action>) {
        out.push(Action::Log {
            detail: false,
            line: format!(
                "VRRP_Group({}) Syncing instances to {} state",
                self.name,
                to.keepalived_name()
            ),
        });
        self.state = to;
        out.push(Action::Notify(to));
    }
}
