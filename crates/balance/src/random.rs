//! `balance random[(DRAWS)]`: a random point on the consistent-hash ring, `DRAWS` times
//! (default 2), keeping the least loaded server for its weight — the "power of two random
//! choices" (configuration manual 4.2, "random"; `get_server_rnd()` in `backend.c`).
//!
//! The generator is seeded by the caller (pure crate, no global randomness). A chosen server
//! at `maxconn` means "none": the caller queues.

use crate::consistent::ConsistentRing;
use crate::pool::ServerPool;
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug, Clone)]
pub struct RandomBalance {
    ring: ConsistentRing,
    draws: u32,
    state: u64,
}

impl RandomBalance {
    pub fn new(pool: &ServerPool, draws: u32, balance_factor: u32, seed: u64) -> RandomBalance {
        RandomBalance {
            ring: ConsistentRing::new(pool, balance_factor),
            draws: draws.max(1),
            // xorshift must not start at 0.
            state: seed | 1,
        }
    }

    /// xorshift64*: fast, good enough to spread picks, reproducible from its seed.
    fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

impl Algorithm for RandomBalance {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        if pool.group_weight() == 0 {
            return None;
        }
        let mut curr: Option<ServerId> = None;
        for _ in 0..self.draws {
            let prev = curr;
            let h = self.next_u32();
            curr = self.ring.lookup(pool, h, key.avoid);
            let (Some(c), Some(p)) = (curr, prev) else {
                if curr.is_none() {
                    break;
                }
                continue;
            };
            if c != p {
                // Compare served/weight without dividing.
                let wc = u64::from(pool.served(c)) * u64::from(pool.weight(p));
                let wp = u64::from(pool.served(p)) * u64::from(pool.weight(c));
                if wc > wp {
                    curr = Some(p);
                }
            }
        }
        curr.filter(|&c| pool.has_room(c))
    }

    fn server_up(&mut self, pool: &ServerPool, id: ServerId) {
        self.ring.sync_server(pool, id);
    }

    fn server_down(&mut self, pool: &ServerPool, id: ServerId) {
        self.ring.sync_server(pool, id);
    }

    fn set_weight(&mut self, pool: &ServerPool, id: ServerId) {
        self.ring.sync_server(pool, id);
    }
}
