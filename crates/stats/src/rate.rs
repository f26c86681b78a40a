//! Per-thread event rates: HAProxy's "over the last second" counters (`rate`, `req_rate`,
//! `conn_rate` and their `_max`).
//!
//! Each thread keeps, per rate, the count of the current second and of the one before,
//! packed with the second they belong to. The caller passes `now_sec` (any monotonic second
//! counter), so the window needs no clock and tests roll seconds over by hand.
//!
//! Reading at `now_sec` gives the larger of "events so far in `now_sec`" and "events in
//! `now_sec - 1`": without sub-second time this is the closest honest stand-in for HAProxy's
//! sliding one-second window, and it does not drop to zero at each second boundary.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Which rate an event counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Rate {
    /// Sessions: `rate`/`rate_max` (frontend sessions, backend/server sessions assigned).
    Sessions,
    /// Accepted connections: `conn_rate`/`conn_rate_max` (frontends).
    Connections,
    /// HTTP requests: `req_rate`/`req_rate_max` (frontends).
    Requests,
}

impl Rate {
    pub const COUNT: usize = 3;
}

fn pack(sec: u32, count: u32) -> u64 {
    (u64::from(sec) << 32) | u64::from(count)
}

fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

/// One thread's rate windows. Written only by its thread.
#[derive(Debug, Default)]
pub(crate) struct RateShard {
    cur: [AtomicU64; Rate::COUNT],
    prev: [AtomicU64; Rate::COUNT],
    /// This thread's busiest completed or current second.
    max: [AtomicU32; Rate::COUNT],
}

impl RateShard {
    pub(crate) fn tick(&self, rate: Rate, now_sec: u32) {
        let i = rate as usize;
        let (sec, count) = unpack(self.cur[i].load(Ordering::Relaxed));
        let count = if sec == now_sec {
            count.saturating_add(1)
        } else {
            // A new second: the current window becomes the previous one only if it is the
            // second just before; an older one counts as an empty previous second.
            let prev = if sec.wrapping_add(1) == now_sec {
                pack(sec, count)
            } else {
                pack(now_sec.wrapping_sub(1), 0)
            };
            self.prev[i].store(prev, Ordering::Relaxed);
            1
        };
        self.cur[i].store(pack(now_sec, count), Ordering::Relaxed);
        if count > self.max[i].load(Ordering::Relaxed) {
            self.max[i].store(count, Ordering::Relaxed);
        }
    }

    pub(crate) fn read(&self, rate: Rate, now_sec: u32) -> u32 {
        let i = rate as usize;
        let mut best = 0;
        for slot in [&self.cur[i], &self.prev[i]] {
            let (sec, count) = unpack(slot.load(Ordering::Relaxed));
            if count != 0 && (sec == now_sec || sec.wrapping_add(1) == now_sec) {
                best = best.max(count);
            }
        }
        best
    }

    pub(crate) fn max(&self, rate: Rate) -> u32 {
        self.max[rate as usize].load(Ordering::Relaxed)
    }

    pub(crate) fn clear_max(&self) {
        for m in &self.max {
            m.store(0, Ordering::Relaxed);
        }
    }

    pub(crate) fn clear(&self) {
        for slot in self.cur.iter().chain(self.prev.iter()) {
            slot.store(0, Ordering::Relaxed);
        }
        self.clear_max();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_rolls_over_with_a_fake_now() {
        let r = RateShard::default();
        for _ in 0..5 {
            r.tick(Rate::Requests, 100);
        }
        assert_eq!(r.read(Rate::Requests, 100), 5);
        // Next second: the last full second still counts until the new one overtakes it.
        r.tick(Rate::Requests, 101);
        assert_eq!(r.read(Rate::Requests, 101), 5);
        for _ in 0..6 {
            r.tick(Rate::Requests, 101);
        }
        assert_eq!(r.read(Rate::Requests, 101), 7);
        // One quiet second: only second 101 is still "the last second".
        assert_eq!(r.read(Rate::Requests, 102), 7);
        // Two quiet seconds: nothing.
        assert_eq!(r.read(Rate::Requests, 103), 0);
        assert_eq!(r.max(Rate::Requests), 7);
        // Other rates are independent.
        assert_eq!(r.read(Rate::Sessions, 101), 0);
    }

    #[test]
    fn a_gap_does_not_carry_an_old_second_forward() {
        let r = RateShard::default();
        for _ in 0..9 {
            r.tick(Rate::Sessions, 10);
        }
        r.tick(Rate::Sessions, 20);
        assert_eq!(r.read(Rate::Sessions, 20), 1);
        assert_eq!(r.read(Rate::Sessions, 21), 1);
    }

    #[test]
    fn clear_forgets_windows_and_max() {
        let r = RateShard::default();
        r.tick(Rate::Connections, 7);
        r.clear_max();
        assert_eq!(r.max(Rate::Connections), 0);
        assert_eq!(r.read(Rate::Connections, 7), 1);
        r.clear();
        assert_eq!(r.read(Rate::Connections, 7), 0);
    }
}
