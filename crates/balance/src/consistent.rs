//! The consistent-hash ring (HAProxy's `lb_chash.c`), for `hash-type consistent` and
//! `balance random`.
//!
//! Each usable server owns `weight × 16` points; point `j` of the server with id `puid` sits at
//! `full_hash(puid × 4096 + j)`, so the ring is the same on every load balancer that numbers
//! its servers alike, and HAProxy and halb agree. A key goes to the point closest to its hash
//! (before or after, ties to the one before). When a server goes down only its points leave,
//! so only the keys that were on it move; a weight change adds or removes its last points.
//! Active and backup servers live on separate rings.
//!
//! `hash-balance-factor` (bounded loads, Mirrokni–Thorup–Zadimoghaddam) skips servers already
//! serving more than their share of the backend's connections.

use crate::pool::{ServerPool, ServingGroup};
use crate::ServerId;

/// Points per unit of weight (HAProxy's `BE_WEIGHT_SCALE`).
pub const POINTS_PER_WEIGHT: u32 = 16;
/// Spacing between two servers' point numbers (HAProxy's `SRV_EWGHT_RANGE` = 256 × 16).
const POINT_RANGE: u32 = 4096;

#[derive(Debug, Clone, Default)]
pub struct ConsistentRing {
    /// (key, server), sorted by key; keys are distinct (full_hash is a bijection).
    active: Vec<(u32, ServerId)>,
    backup: Vec<(u32, ServerId)>,
    /// Points each server has on its ring now.
    points: Vec<u32>,
    /// Sum of the effective weights of the usable servers before each one, per kind (HAProxy's
    /// `cumulative_weight`, used by bounded loads).
    cumulative: Vec<u32>,
    /// Key of the point the round-robin fallback visited last.
    last: Option<u32>,
    /// `hash-balance-factor`; 0 disables bounded loads.
    balance_factor: u32,
    /// Scratch for new points.
    scratch: Vec<(u32, ServerId)>,
}

/// The ring key of point `j` of the server numbered `puid`.
pub fn point_key(puid: u32, j: u32) -> u32 {
    crate::hash::full_hash(puid.wrapping_mul(POINT_RANGE).wrapping_add(j))
}

impl ConsistentRing {
    pub fn new(pool: &ServerPool, balance_factor: u32) -> ConsistentRing {
        let mut r = ConsistentRing {
            points: vec![0; pool.len()],
            cumulative: vec![0; pool.len()],
            balance_factor,
            ..ConsistentRing::default()
        };
        for id in 0..pool.len() {
            let want = Self::eweight(pool, id);
            let ring = if pool.is_backup(id) {
                &mut r.backup
            } else {
                &mut r.active
            };
            ring.extend((0..want).map(|j| (point_key(pool.spec(id).id, j), id)));
            r.points[id] = want;
        }
        r.active.sort_unstable();
        r.backup.sort_unstable();
        r.recount(pool);
        r
    }

    /// Effective weight: the number of points a server should have now.
    fn eweight(pool: &ServerPool, id: ServerId) -> u32 {
        if pool.usable(id) {
            pool.weight(id) * POINTS_PER_WEIGHT
        } else {
            0
        }
    }

    /// Brings one server's points in line with its state and weight: removes its last points
    /// or adds the missing ones, touching no other server.
    pub fn sync_server(&mut self, pool: &ServerPool, id: ServerId) {
        if id >= self.points.len() {
            return;
        }
        let want = Self::eweight(pool, id);
        let have = self.points[id];
        let puid = pool.spec(id).id;
        let ring = if pool.is_backup(id) {
            &mut self.backup
        } else {
            &mut self.active
        };
        if want < have {
            self.scratch.clear();
            self.scratch
                .extend((want..have).map(|j| (point_key(puid, j), id)));
            self.scratch.sort_unstable();
            let gone = &self.scratch;
            ring.retain(|e| e.1 != id || gone.binary_search(e).is_err());
        } else if want > have {
            self.scratch.clear();
            self.scratch
                .extend((have..want).map(|j| (point_key(puid, j), id)));
            ring.extend_from_slice(&self.scratch);
            ring.sort_unstable();
        }
        self.points[id] = want;
        self.recount(pool);
    }

    fn recount(&mut self, pool: &ServerPool) {
        let (mut act, mut bck) = (0u32, 0u32);
        for id in 0..pool.len() {
            let w = Self::eweight(pool, id);
            let acc = if pool.is_backup(id) {
                &mut bck
            } else {
                &mut act
            };
            self.cumulative[id] = *acc;
            *acc += w;
        }
    }

    fn ring_for(&self, pool: &ServerPool) -> Result<&[(u32, ServerId)], Option<ServerId>> {
        match pool.serving_group() {
            ServingGroup::Active => Ok(&self.active),
            ServingGroup::Backups => Ok(&self.backup),
            ServingGroup::FirstBackup(b) => Err(Some(b)),
            ServingGroup::Empty => Err(None),
        }
    }

    /// Number of points on the serving ring.
    pub fn len(&self) -> usize {
        self.active.len() + self.backup.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a server may take one more connection under `hash-balance-factor`
    /// (HAProxy's `chash_server_is_eligible()`).
    fn eligible(&self, pool: &ServerPool, id: ServerId) -> bool {
        let tot_weight = u64::from(pool.group_weight() * POINTS_PER_WEIGHT);
        if tot_weight == 0 {
            return true;
        }
        let factor = u64::from(self.balance_factor);
        let tot_slots = ((pool.total_served() + 1) * factor).div_ceil(100);
        let per_weight = tot_slots / tot_weight;
        let remainder = tot_slots % tot_weight;
        let cur = u64::from(Self::eweight(pool, id));
        let cum = u64::from(self.cumulative[id]);
        let mut slots = cur * per_weight;
        slots += ((cum + cur) * remainder) / tot_weight - (cum * remainder) / tot_weight;
        let slots = slots.max(1);
        u64::from(pool.served(id)) < slots
    }

    /// The server for `hash` (`chash_get_server_hash()`): the closest point, then onwards
    /// past `avoid` and, with bounded loads, past servers over their share.
    pub fn lookup(
        &self,
        pool: &ServerPool,
        hash: u32,
        avoid: Option<ServerId>,
    ) -> Option<ServerId> {
        let ring = match self.ring_for(pool) {
            Ok(r) => r,
            Err(direct) => return direct,
        };
        let n = ring.len();
        if n == 0 {
            return None;
        }
        let mut next = ring.partition_point(|&(k, _)| k < hash);
        if next == n {
            next = 0;
        }
        let prev = if next == 0 { n - 1 } else { next - 1 };
        let dp = hash.wrapping_sub(ring[prev].0);
        let dn = ring[next].0.wrapping_sub(hash);
        let mut i = if dp <= dn { prev } else { next };
        let mut server = ring[i].1;
        let mut wraps = 0;
        while Some(server) == avoid || (self.balance_factor != 0 && !self.eligible(pool, server)) {
            i += 1;
            if i == n {
                i = 0;
                // Protection against looping forever when nobody qualifies.
                wraps += 1;
                if wraps > 1 {
                    break;
                }
            }
            server = ring[i].1;
        }
        Some(server)
    }

    /// The round-robin fallback when the key is missing (`chash_get_next_server()`): walks
    /// the ring point by point, skipping full servers and `avoid` (unless nothing else).
    pub fn next_rr(&mut self, pool: &ServerPool, avoid: Option<ServerId>) -> Option<ServerId> {
        let ring = match pool.serving_group() {
            ServingGroup::Active => &self.active,
            ServingGroup::Backups => &self.backup,
            ServingGroup::FirstBackup(b) => return Some(b),
            ServingGroup::Empty => return None,
        };
        let n = ring.len();
        if n == 0 {
            return None;
        }
        let start = match self.last {
            Some(k) => ring.partition_point(|&(key, _)| key <= k) % n,
            None => 0,
        };
        let mut avoided = None;
        for step in 0..n {
            let (key, s) = ring[(start + step) % n];
            self.last = Some(key);
            if pool.has_room(s) {
                if Some(s) != avoid {
                    return Some(s);
                }
                avoided = Some((key, s));
            }
        }
        let (key, s) = avoided?;
        self.last = Some(key);
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::ServerSpec;

    fn pool(n: u32) -> ServerPool {
        ServerPool::new((1..=n).map(ServerSpec::new).collect(), false)
    }

    #[test]
    fn points_follow_weight() {
        let mut specs: Vec<ServerSpec> = (1..=3).map(ServerSpec::new).collect();
        specs[1].weight = 3;
        let p = ServerPool::new(specs, false);
        let r = ConsistentRing::new(&p, 0);
        assert_eq!(r.active.len(), 16 * 5);
        assert!(r.active.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn down_removes_only_that_servers_points() {
        let mut p = pool(4);
        let mut r = ConsistentRing::new(&p, 0);
        let before: Vec<_> = (0..2000u32)
            .map(|k| r.lookup(&p, crate::hash::full_hash(k), None))
            .collect();
        p.set_up(2, false);
        r.sync_server(&p, 2);
        assert_eq!(r.active.len(), 48);
        for (k, b) in before.iter().enumerate() {
            let now = r.lookup(&p, crate::hash::full_hash(k as u32), None);
            if *b != Some(2) {
                assert_eq!(now, *b, "key {k} moved although its server stayed up");
            } else {
                assert_ne!(now, Some(2));
            }
        }
        p.set_up(2, true);
        r.sync_server(&p, 2);
        let after: Vec<_> = (0..2000u32)
            .map(|k| r.lookup(&p, crate::hash::full_hash(k), None))
            .collect();
        assert_eq!(before, after);
    }

    #[test]
    fn weight_change_adds_and_removes_last_points() {
        let mut p = pool(2);
        let mut r = ConsistentRing::new(&p, 0);
        p.set_weight(0, 4);
        r.sync_server(&p, 0);
        assert_eq!(r.points[0], 64);
        p.set_weight(0, 1);
        r.sync_server(&p, 0);
        let fresh = ConsistentRing::new(&p, 0);
        assert_eq!(r.active, fresh.active);
    }

    #[test]
    fn avoid_moves_to_the_next_point() {
        let p = pool(3);
        let r = ConsistentRing::new(&p, 0);
        for h in [0u32, 12345, u32::MAX] {
            let first = r.lookup(&p, h, None).unwrap();
            let other = r.lookup(&p, h, Some(first)).unwrap();
            assert_ne!(first, other);
        }
        let one = pool(1);
        let r1 = ConsistentRing::new(&one, 0);
        // Nothing else exists: the avoided server is still returned.
        assert_eq!(r1.lookup(&one, 7, Some(0)), Some(0));
    }

    #[test]
    fn bounded_load_skips_busy_servers() {
        let mut p = pool(2);
        let r = ConsistentRing::new(&p, 125);
        let h = 99u32;
        let home = r.lookup(&p, h, None).unwrap();
        for _ in 0..3 {
            p.conn_started(home);
        }
        // 4 connections × 1.25 = 5 slots, 2.5 per server: the home server at 3 is over.
        assert_ne!(r.lookup(&p, h, None), Some(home));
    }

    #[test]
    fn rr_fallback_visits_everyone_by_weight() {
        let mut specs: Vec<ServerSpec> = (1..=2).map(ServerSpec::new).collect();
        specs[0].weight = 3;
        let p = ServerPool::new(specs, false);
        let mut r = ConsistentRing::new(&p, 0);
        let mut counts = [0usize; 2];
        for _ in 0..64 * 10 {
            counts[r.next_rr(&p, None).unwrap()] += 1;
        }
        assert_eq!(counts, [480, 160]);
    }
}
