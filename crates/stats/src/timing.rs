//! Per-thread latency records for one row: HAProxy's `qtime`/`ctime`/`rtime`/`ttime`
//! (averages over about the last 1024 requests) and their `_max`, plus halb's p50/p90/p99.
//!
//! Recording is a handful of relaxed loads and stores into the calling thread's own shard:
//! no lock, no allocation. Percentiles come from a log-linear histogram (8 buckets per power
//! of two, so a reported percentile is at most 12.5% above the true value, and exact below
//! 8 ms); they are computed on read by summing the threads' histograms.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Which duration a sample measures (HAProxy's `Tw`, `Tc`, `Tr`, `Ta`/`Tt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Timer {
    /// Time waiting in a queue for a server slot (`qtime`).
    Queue,
    /// Time to connect to the server (`ctime`).
    Connect,
    /// Server response time: request sent to response head received (`rtime`).
    Response,
    /// Total request time (`ttime`).
    Total,
}

impl Timer {
    pub const COUNT: usize = 4;
    pub const ALL: [Timer; Timer::COUNT] =
        [Timer::Queue, Timer::Connect, Timer::Response, Timer::Total];
}

/// HAProxy's window for its sliding averages.
const WINDOW: u64 = 1024;
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Values below `SUB` have a bucket each; then `SUB` buckets per power of two up to 2^32.
pub(crate) const BUCKETS: usize = SUB + (32 - SUB_BITS as usize) * SUB;

fn bucket_of(v: u32) -> usize {
    if (v as usize) < SUB {
        return v as usize;
    }
    let exp = 31 - v.leading_zeros(); // >= SUB_BITS
    let sub = ((v >> (exp - SUB_BITS)) as usize) & (SUB - 1);
    SUB + (exp - SUB_BITS) as usize * SUB + sub
}

/// The largest value that falls in bucket `b`.
fn bucket_high(b: usize) -> u32 {
    if b < SUB {
        return b as u32;
    }
    let exp = (b - SUB) / SUB + SUB_BITS as usize;
    let sub = ((b - SUB) % SUB) as u64;
    let low = (1u64 << exp) + (sub << (exp - SUB_BITS as usize));
    let high = low + (1u64 << (exp - SUB_BITS as usize)) - 1;
    high.min(u64::from(u32::MAX)) as u32
}

#[derive(Debug)]
struct TimerCell {
    /// Sliding sum: about `avg * min(count, 1024)` (HAProxy's `swrate`).
    swrate: AtomicU64,
    count: AtomicU64,
    /// Sum of every sample since start (Prometheus summaries export it).
    sum: AtomicU64,
    max: AtomicU32,
    buckets: [AtomicU32; BUCKETS],
}

impl Default for TimerCell {
    fn default() -> Self {
        TimerCell {
            swrate: AtomicU64::new(0),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            max: AtomicU32::new(0),
            buckets: std::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

/// One thread's timers for one row. Written only by its thread.
#[derive(Debug, Default)]
pub(crate) struct TimerShard {
    cells: [TimerCell; Timer::COUNT],
}

impl TimerShard {
    pub(crate) fn record(&self, timer: Timer, ms: u32) {
        let c = &self.cells[timer as usize];
        let count = c.count.load(Ordering::Relaxed);
        let sum = c.swrate.load(Ordering::Relaxed);
        let v = u64::from(ms);
        let sum = if count < WINDOW {
            sum + v
        } else {
            sum - sum.div_ceil(WINDOW) + v
        };
        c.swrate.store(sum, Ordering::Relaxed);
        c.count.store(count + 1, Ordering::Relaxed);
        let total = c.sum.load(Ordering::Relaxed);
        c.sum.store(total.wrapping_add(v), Ordering::Relaxed);
        if ms > c.max.load(Ordering::Relaxed) {
            c.max.store(ms, Ordering::Relaxed);
        }
        let b = &c.buckets[bucket_of(ms)];
        b.store(b.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    pub(crate) fn clear_max(&self) {
        for c in &self.cells {
            c.max.store(0, Ordering::Relaxed);
        }
    }

    pub(crate) fn clear(&self) {
        for c in &self.cells {
            c.swrate.store(0, Ordering::Relaxed);
            c.count.store(0, Ordering::Relaxed);
            c.sum.store(0, Ordering::Relaxed);
            c.max.store(0, Ordering::Relaxed);
            for b in &c.buckets {
                b.store(0, Ordering::Relaxed);
            }
        }
    }
}

/// What a reader gets for one timer of one row, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerSummary {
    /// Samples recorded since start or the last `clear counters all`.
    pub count: u64,
    /// Sum of those samples, in ms.
    pub sum: u64,
    /// Average over about the last 1024 samples (HAProxy's `qtime`… columns).
    pub avg: u32,
    /// Highest sample since start or the last `clear counters` (`qtime_max`…).
    pub max: u32,
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
}

impl TimerSummary {
    pub(crate) fn merge<'a>(shards: impl Iterator<Item = &'a TimerShard>, timer: Timer) -> Self {
        let mut hist = [0u64; BUCKETS];
        let (mut sum, mut window, mut count, mut max) = (0u64, 0u64, 0u64, 0u32);
        let mut total_ms = 0u64;
        for s in shards {
            let c = &s.cells[timer as usize];
            let n = c.count.load(Ordering::Relaxed);
            count += n;
            total_ms = total_ms.wrapping_add(c.sum.load(Ordering::Relaxed));
            window += n.min(WINDOW);
            sum += c.swrate.load(Ordering::Relaxed);
            max = max.max(c.max.load(Ordering::Relaxed));
            for (h, b) in hist.iter_mut().zip(c.buckets.iter()) {
                *h += u64::from(b.load(Ordering::Relaxed));
            }
        }
        let avg = sum.checked_div(window).unwrap_or(0);
        let total: u64 = hist.iter().sum();
        let pct = |p: u64| -> u32 {
            if total == 0 {
                return 0;
            }
            // Rank of the p-th percentile (nearest-rank method), 1-based.
            let rank = (total * p).div_ceil(100).max(1);
            let mut seen = 0;
            for (b, n) in hist.iter().enumerate() {
                seen += n;
                if seen >= rank {
                    // Never report more than the largest sample actually seen.
                    let high = bucket_high(b);
                    return if max != 0 { high.min(max) } else { high };
                }
            }
            max
        };
        TimerSummary {
            count,
            sum: total_ms,
            avg: avg.min(u64::from(u32::MAX)) as u32,
            max,
            p50: pct(50),
            p90: pct(90),
            p99: pct(99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(shards: &[TimerShard], t: Timer) -> TimerSummary {
        TimerSummary::merge(shards.iter(), t)
    }

    #[test]
    fn buckets_cover_every_u32_in_order() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(7), 7);
        assert_eq!(bucket_of(8), 8);
        assert_eq!(bucket_of(u32::MAX), BUCKETS - 1);
        assert_eq!(bucket_high(BUCKETS - 1), u32::MAX);
        for v in [
            8u32,
            9,
            15,
            16,
            17,
            100,
            1000,
            65_535,
            1 << 20,
            3_000_000_000,
        ] {
            let b = bucket_of(v);
            assert!(bucket_high(b) >= v, "{v} above its bucket");
            assert!(b == 0 || bucket_high(b - 1) < v, "{v} below its bucket");
            // Bucket width bounds the error to 1/8 of the value.
            assert!(u64::from(bucket_high(b) - v) * 8 <= u64::from(v), "{v}");
        }
    }

    #[test]
    fn percentiles_on_one_to_a_hundred() {
        let shards = [TimerShard::default(), TimerShard::default()];
        for v in 1..=100u32 {
            shards[(v % 2) as usize].record(Timer::Response, v);
        }
        let s = summary(&shards, Timer::Response);
        assert_eq!(s.count, 100);
        assert_eq!(s.sum, 5050);
        assert_eq!(s.avg, 50); // 5050 / 100
        assert_eq!(s.max, 100);
        // True values 50, 90, 99; buckets of width 8 above 64 bound the error.
        assert!((50..=55).contains(&s.p50), "{s:?}");
        assert!((90..=95).contains(&s.p90), "{s:?}");
        assert!((99..=100).contains(&s.p99), "{s:?}");
    }

    #[test]
    fn small_values_are_exact() {
        let shard = TimerShard::default();
        for v in [0u32, 1, 1, 2, 2, 2, 3, 3, 3, 7] {
            shard.record(Timer::Connect, v);
        }
        let s = summary(std::slice::from_ref(&shard), Timer::Connect);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (2, 3, 7, 7));
        assert_eq!(
            summary(std::slice::from_ref(&shard), Timer::Queue),
            TimerSummary::default()
        );
    }

    #[test]
    fn average_slides_over_the_last_1024_samples() {
        let shard = TimerShard::default();
        for _ in 0..1024 {
            shard.record(Timer::Total, 1000);
        }
        assert_eq!(
            summary(std::slice::from_ref(&shard), Timer::Total).avg,
            1000
        );
        for _ in 0..10_000 {
            shard.record(Timer::Total, 10);
        }
        let s = summary(std::slice::from_ref(&shard), Timer::Total);
        // After ~10 windows of 10 ms the old 1000 ms samples have decayed away.
        assert!((10..=12).contains(&s.avg), "{s:?}");
        assert_eq!(s.max, 1000);
        // p99 still sees the old slow requests: the histogram is since start.
        assert_eq!(s.p50, 10);
    }
}
