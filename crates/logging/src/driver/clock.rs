//! The wall clock as a [`LogTime`]: `SystemTime` for the instant, `localtime_r` for the UTC
//! offset (cached per second: it only changes at DST transitions, and `localtime_r` takes a
//! glibc lock we do not want on every log line).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::LogTime;

/// Packed (second << 20) | (offset + 2^19): one atomic, so second and offset always match.
static CACHE: AtomicI64 = AtomicI64::new(i64::MIN);
const OFFSET_BIAS: i64 = 1 << 19;

/// Now, with the local UTC offset.
pub fn now() -> LogTime {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    LogTime::new(secs, d.subsec_micros(), offset_at(secs))
}

fn offset_at(secs: i64) -> i32 {
    let cached = CACHE.load(Ordering::Relaxed);
    if cached != i64::MIN && cached >> 20 == secs {
        return ((cached & ((1 << 20) - 1)) - OFFSET_BIAS) as i32;
    }
    let offset = local_offset(secs);
    CACHE.store(
        (secs << 20) | (i64::from(offset) + OFFSET_BIAS),
        Ordering::Relaxed,
    );
    offset
}

fn local_offset(secs: i64) -> i32 {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fills; both pointers are valid for the call.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_after_2020_and_offset_is_sane() {
        let n = now();
        assert!(n.unix_secs > 1_577_836_800);
        assert!(n.micros < 1_000_000);
        assert!(n.utc_offset_secs.abs() <= 14 * 3600);
        // Same second, same offset from the cache.
        assert_eq!(offset_at(n.unix_secs), n.utc_offset_secs);
    }
}
