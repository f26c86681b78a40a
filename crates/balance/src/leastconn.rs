//! `balance leastconn`: the server with the fewest connections for its weight; servers with
//! the same load take turns (configuration manual 4.2, "leastconn"; `lb_fwlc.c`).
//!
//! The load key is HAProxy's: 0 for an idle server, else `(served + 1) × 4096 / (weight × 16)`.
//! Ties go to the server that was picked longest ago. Servers at `maxconn` are skipped.

use crate::pool::ServerPool;
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug, Clone, Default)]
pub struct LeastConn {
    /// When each server was last picked (a counter, not a clock): older wins ties.
    last_pick: Vec<u64>,
    picks: u64,
}

impl LeastConn {
    pub fn new(pool: &ServerPool) -> LeastConn {
        LeastConn {
            last_pick: vec![0; pool.len()],
            picks: 0,
        }
    }

    fn load(pool: &ServerPool, id: ServerId) -> u64 {
        let served = u64::from(pool.served(id));
        if served == 0 {
            return 0;
        }
        let eweight = u64::from(pool.weight(id).max(1)) * 16;
        (served + 1) * 4096 / eweight
    }
}

impl Algorithm for LeastConn {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        if self.last_pick.len() < pool.len() {
            self.last_pick.resize(pool.len(), 0);
        }
        let mut best: Option<(u64, u64, ServerId)> = None;
        let mut avoided = None;
        for id in pool.group_members() {
            if !pool.has_room(id) {
                continue;
            }
            if Some(id) == key.avoid {
                avoided = Some(id);
                continue;
            }
            let rank = (Self::load(pool, id), self.last_pick[id], id);
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
            }
        }
        let chosen = best.map(|b| b.2).or(avoided)?;
        self.picks += 1;
        self.last_pick[chosen] = self.picks;
        Some(chosen)
    }

    fn server_up(&mut self, _pool: &ServerPool, _id: ServerId) {}

    fn server_down(&mut self, _pool: &ServerPool, _id: ServerId) {}

    fn set_weight(&mut self, _pool: &ServerPool, _id: ServerId) {}
}
