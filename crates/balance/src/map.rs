//! The static server map (HAProxy's `lb_map.c`): a table with one slot per unit of effective
//! weight, filled so that servers are spread out and the first declared comes first. Used by
//! `static-rr` (walk the table in turn) and by every hash algorithm with `hash-type map-based`
//! (slot `hash % total weight`).
//!
//! Effective weights are the configured weights divided by their greatest common divisor,
//! fixed at start: the map is static, so a run-time weight change only matters when it makes
//! a server usable or not (0 or not), exactly as HAProxy ignores it otherwise.

use crate::pool::{ServerPool, ServingGroup};
use crate::ServerId;

#[derive(Debug, Clone)]
pub struct ServerMap {
    /// Effective weight of each server (configured weight / gcd of all weights).
    eweights: Vec<u32>,
    table: Vec<ServerId>,
    /// Next slot for round robin.
    rr_idx: usize,
    /// Scratch scores, kept to avoid allocating on rebuild.
    wscore: Vec<i64>,
}

impl ServerMap {
    pub fn new(pool: &ServerPool) -> ServerMap {
        let weights: Vec<u32> = (0..pool.len()).map(|id| pool.spec(id).weight).collect();
        // HAProxy's init_server_map(): gcd over the configured weights, skipping zeros.
        let gcd = weights
            .iter()
            .copied()
            .filter(|&w| w > 0)
            .fold(0u32, gcd)
            .max(1);
        let eweights = weights.iter().map(|w| w.div_ceil(gcd)).collect();
        let mut m = ServerMap {
            eweights,
            table: Vec::new(),
            rr_idx: 0,
            wscore: vec![0; pool.len()],
        };
        m.rebuild(pool);
        m
    }

    fn eweight(&self, pool: &ServerPool, id: ServerId) -> u32 {
        if pool.usable(id) {
            self.eweights.get(id).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// HAProxy's `recalc_server_map()`, after `recount_servers()`: rebuilds the table for the
    /// current serving group.
    pub fn rebuild(&mut self, pool: &ServerPool) {
        self.table.clear();
        let backup = match pool.serving_group() {
            ServingGroup::Empty => return,
            ServingGroup::Active => false,
            ServingGroup::FirstBackup(_) | ServingGroup::Backups => true,
        };
        // The table size: the serving group's total effective weight, or only the first
        // backup's when backups are used one at a time.
        let tot: i64 = match pool.serving_group() {
            ServingGroup::FirstBackup(b) => i64::from(self.eweight(pool, b)),
            _ => (0..pool.len())
                .filter(|&id| pool.is_backup(id) == backup)
                .map(|id| i64::from(self.eweight(pool, id)))
                .sum(),
        };
        if tot == 0 {
            return;
        }
        self.wscore.clear();
        self.wscore.resize(pool.len(), 0);
        for _ in 0..tot {
            let mut best: Option<ServerId> = None;
            let mut max: i64 = 0;
            for id in 0..pool.len() {
                // HAProxy lets every usable backup into the table even when only the first
                // should serve, so a heavier second backup can take slots; the manual says
                // only the first backup serves, and so does halb.
                if !pool.in_group(id) || self.eweight(pool, id) == 0 {
                    continue;
                }
                if tot == 1 {
                    best = Some(id);
                    break;
                }
                self.wscore[id] += i64::from(self.eweight(pool, id));
                let v = (self.wscore[id] + tot) / tot;
                if best.is_none() || v > max {
                    max = v;
                    best = Some(id);
                }
            }
            if let Some(b) = best {
                self.table.push(b);
                self.wscore[b] -= tot;
            }
        }
    }

    /// Table size, HAProxy's `tot_weight` for map-based algorithms.
    pub fn total_weight(&self) -> usize {
        self.table.len()
    }

    /// The server at slot `hash % total weight` (`map_get_server_hash()`).
    pub fn lookup(&self, hash: u32) -> Option<ServerId> {
        if self.table.is_empty() {
            return None;
        }
        self.table.get(hash as usize % self.table.len()).copied()
    }

    /// The next server in turn that has room, avoiding `avoid` unless it is the only one
    /// (`map_get_server_rr()`).
    pub fn next_rr(&mut self, pool: &ServerPool, avoid: Option<ServerId>) -> Option<ServerId> {
        let tot = self.table.len();
        if tot == 0 {
            return None;
        }
        if self.rr_idx >= tot {
            self.rr_idx = 0;
        }
        let start = self.rr_idx;
        let mut idx = start;
        let mut avoided: Option<(ServerId, usize)> = None;
        loop {
            let srv = self.table[idx];
            idx += 1;
            if pool.has_room(srv) {
                avoided = Some((srv, idx));
                if Some(srv) != avoid {
                    self.rr_idx = idx;
                    return Some(srv);
                }
            }
            if idx == tot {
                idx = 0;
            }
            if idx == start {
                break;
            }
        }
        let (srv, at) = avoided?;
        self.rr_idx = at;
        Some(srv)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::ServerSpec;

    fn pool(weights: &[u32]) -> ServerPool {
        let specs = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| ServerSpec {
                weight: w,
                ..ServerSpec::new(i as u32 + 1)
            })
            .collect();
        ServerPool::new(specs, false)
    }

    #[test]
    fn table_follows_weights_divided_by_gcd() {
        let m = ServerMap::new(&pool(&[2, 4, 6]));
        assert_eq!(m.total_weight(), 6);
        let count = |id| m.table.iter().filter(|&&s| s == id).count();
        assert_eq!((count(0), count(1), count(2)), (1, 2, 3));
    }

    #[test]
    fn first_declared_comes_first_and_servers_interleave() {
        let m = ServerMap::new(&pool(&[1, 1, 1]));
        assert_eq!(m.table, vec![0, 1, 2]);
        let m = ServerMap::new(&pool(&[1, 2]));
        assert_eq!(m.table[0], 0);
        assert_eq!(m.table.len(), 3);
    }

    #[test]
    fn round_robin_skips_full_servers() {
        let mut specs = vec![ServerSpec::new(1), ServerSpec::new(2)];
        specs[0].maxconn = 1;
        let mut p = ServerPool::new(specs, false);
        let mut m = ServerMap::new(&p);
        p.conn_started(0);
        assert_eq!(m.next_rr(&p, None), Some(1));
        assert_eq!(m.next_rr(&p, None), Some(1));
        // Avoiding the only server with room still returns it.
        assert_eq!(m.next_rr(&p, Some(1)), Some(1));
        // Everyone full: nothing, the caller queues.
        p.conn_started(1);
        let mut specs = vec![ServerSpec::new(1)];
        specs[0].maxconn = 1;
        let mut full = ServerPool::new(specs, false);
        full.conn_started(0);
        assert_eq!(ServerMap::new(&full).next_rr(&full, None), None);
    }

    #[test]
    fn empty_pool_gives_nothing() {
        let mut p = pool(&[0, 0]);
        let mut m = ServerMap::new(&p);
        assert_eq!(m.lookup(42), None);
        assert_eq!(m.next_rr(&p, None), None);
        p.set_weight(0, 3);
        m.rebuild(&p);
        // Static: a server configured with weight 0 keeps no slot, as in HAProxy.
        assert_eq!(m.lookup(42), None);
    }
}
