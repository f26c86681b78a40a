//! The second counter the stats' rates and `lastsess` use: seconds since the process
//! started (plus one, so 0 can mean "never"). Read from `CLOCK_MONOTONIC_COARSE`, which the
//! vDSO answers from memory without reading the TSC: rates need seconds, and the request
//! path reads this on every request.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static START_COARSE: AtomicI64 = AtomicI64::new(i64::MIN);

#[inline]
fn read_clock(id: libc::clockid_t) -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts
}

fn coarse_secs() -> i64 {
    read_clock(libc::CLOCK_MONOTONIC_COARSE).tv_sec
}

/// When the proxy started (the first call fixes it; [`crate::Proxy::bind`] makes that call).
pub fn start() -> Instant {
    *START.get_or_init(|| {
        START_COARSE.store(coarse_secs(), Ordering::Relaxed);
        Instant::now()
    })
}

/// Seconds since [`start`], plus one.
#[inline]
pub fn now_sec() -> u32 {
    let mut base = START_COARSE.load(Ordering::Relaxed);
    if base == i64::MIN {
        start();
        base = START_COARSE.load(Ordering::Relaxed);
    }
    (coarse_secs() - base).clamp(0, i64::from(u32::MAX - 1)) as u32 + 1
}

/// A point on the monotonic clock in nanoseconds: what transactions are timed with. Plain
/// integers make the per-request timer arithmetic a subtraction (std's `Instant` goes
/// through a normalising `timespec` subtraction each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Mono(pub u64);

impl Mono {
    #[inline]
    pub fn now() -> Mono {
        let ts = read_clock(libc::CLOCK_MONOTONIC);
        Mono(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }

    /// Whole milliseconds from `earlier` to `self` (0 if `earlier` is later).
    #[inline]
    pub fn ms_since(self, earlier: Mono) -> u64 {
        self.0.saturating_sub(earlier.0) / 1_000_000
    }

    /// The duration from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Mono) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `self` moved back by `d` (saturating at the clock's origin).
    pub fn before(self, d: std::time::Duration) -> Mono {
        Mono(
            self.0
                .saturating_sub(d.as_nanos().min(u128::from(u64::MAX)) as u64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_start_at_one_and_never_go_back() {
        let a = now_sec();
        assert!(a >= 1);
        let b = now_sec();
        assert!(b >= a);
    }
}
