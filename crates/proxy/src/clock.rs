//! The second counter the stats' rates and `lastsess` use: seconds since the process
//! started (plus one, so 0 can mean "never"), read from the monotonic clock.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

/// When the proxy started (the first call fixes it; [`crate::Proxy::bind`] makes that call).
pub fn start() -> Instant {
    *START.get_or_init(Instant::now)
}

/// Seconds since [`start`], plus one.
#[inline]
pub fn now_sec() -> u32 {
    start().elapsed().as_secs().min(u64::from(u32::MAX - 1)) as u32 + 1
}
