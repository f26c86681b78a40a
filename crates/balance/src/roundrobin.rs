//! `balance roundrobin`: each server in turn, in proportion to its weight, with weights
//! changeable at run time (configuration manual 4.2, "roundrobin").
//!
//! Smooth weighted round robin: at every pick each candidate's credit grows by its weight and
//! the richest is chosen and pays the total. Over one cycle each server is chosen exactly
//! `weight` times, interleaved rather than in bursts. HAProxy's `lb_fwrr.c` reaches the same
//! shares with a different tree; the exact order of picks differs. Servers at `maxconn` are
//! skipped; when all are full the caller queues.

use crate::pool::ServerPool;
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug, Clone, Default)]
pub struct RoundRobin {
    credit: Vec<i64>,
}

impl RoundRobin {
    pub fn new(pool: &ServerPool) -> RoundRobin {
        RoundRobin {
            credit: vec![0; pool.len()],
        }
    }

    fn pick_among(
        &mut self,
        pool: &ServerPool,
        allowed: impl Fn(ServerId) -> bool,
    ) -> Option<ServerId> {
        let mut total: i64 = 0;
        let mut best: Option<ServerId> = None;
        for id in pool.group_members() {
            if !allowed(id) || !pool.has_room(id) {
                continue;
            }
            let w = i64::from(pool.weight(id));
            self.credit[id] += w;
            total += w;
            if best.is_none_or(|b| self.credit[id] > self.credit[b]) {
                best = Some(id);
            }
        }
        let b = best?;
        self.credit[b] -= total;
        Some(b)
    }
}

impl Algorithm for RoundRobin {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        if self.credit.len() < pool.len() {
            self.credit.resize(pool.len(), 0);
        }
        self.pick_among(pool, |id| Some(id) != key.avoid)
            .or_else(|| self.pick_among(pool, |_| true))
    }

    fn server_up(&mut self, _pool: &ServerPool, id: ServerId) {
        // A returning server starts even, neither owed nor owing picks.
        if let Some(c) = self.credit.get_mut(id) {
            *c = 0;
        }
    }

    fn server_down(&mut self, _pool: &ServerPool, id: ServerId) {
        if let Some(c) = self.credit.get_mut(id) {
            *c = 0;
        }
    }

    fn set_weight(&mut self, _pool: &ServerPool, _id: ServerId) {
        // Weights are read at each pick: nothing to rebuild.
    }
}
