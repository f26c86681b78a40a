//! `slowstart`: after a server comes back up, its weight grows linearly from 1 to 100% over
//! the slowstart period, and so does its connection limit (configuration manual,
//! `slowstart`, `minconn`, `maxconn`; HAProxy's `srv_dynamic_maxconn`). Never applied at
//! process start; the caller passes how long the server has been up.

use std::time::Duration;

/// The weight to use `since_up` after the server came back, for a configured `weight`.
pub fn ramp_weight(weight: u32, since_up: Duration, slowstart: Duration) -> u32 {
    if weight == 0 || slowstart.is_zero() || since_up >= slowstart {
        return weight;
    }
    let num = u128::from(weight) * since_up.as_nanos();
    let den = slowstart.as_nanos();
    let w = num.div_ceil(den) as u32;
    w.clamp(1, weight)
}

/// How far into its ramp a server is, in thousandths: 0 right after it came back, 1000 once
/// `slowstart` has elapsed (and when there is no ramp).
pub fn ramp_permille(since_up: Duration, slowstart: Duration) -> u32 {
    if slowstart.is_zero() || since_up >= slowstart {
        return 1000;
    }
    (since_up.as_nanos() * 1000 / slowstart.as_nanos()) as u32
}

/// A connection limit ramped by `permille` (from [`ramp_permille`]): never below 1 while
/// ramping, as HAProxy keeps at least one connection going. 0 (no limit) stays 0.
pub fn ramp_maxconn(maxconn: u32, permille: u32) -> u32 {
    if maxconn == 0 || permille >= 1000 {
        return maxconn;
    }
    ((u64::from(maxconn) * u64::from(permille) / 1000) as u32).max(1)
}

/// The server's connection limit now, as HAProxy computes it: with `minconn` below
/// `maxconn` and a backend `fullconn`, the limit grows with the backend's load
/// (`max(minconn, backend_conns * maxconn / fullconn)`, `maxconn` once the backend is full),
/// then the slowstart ramp applies. 0 means no limit.
pub fn dynamic_maxconn(
    minconn: u32,
    maxconn: u32,
    fullconn: Option<u32>,
    backend_conns: u32,
    permille: u32,
) -> u32 {
    let max = match fullconn {
        Some(full) if full > 0 && backend_conns < full && minconn != maxconn && maxconn != 0 => {
            let scaled = u64::from(backend_conns) * u64::from(maxconn) / u64::from(full);
            (scaled as u32).max(minconn)
        }
        _ => maxconn,
    };
    ramp_maxconn(max, permille)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(10);

    #[test]
    fn grows_linearly_from_one_to_full() {
        assert_eq!(ramp_weight(100, Duration::ZERO, S), 1);
        assert_eq!(ramp_weight(100, Duration::from_secs(1), S), 10);
        assert_eq!(ramp_weight(100, Duration::from_secs(5), S), 50);
        assert_eq!(ramp_weight(100, Duration::from_secs(10), S), 100);
        assert_eq!(ramp_weight(100, Duration::from_secs(60), S), 100);
    }

    #[test]
    fn never_above_the_weight_nor_below_one() {
        for ms in (0..12_000).step_by(250) {
            let w = ramp_weight(3, Duration::from_millis(ms), S);
            assert!((1..=3).contains(&w), "{ms}ms -> {w}");
        }
        assert_eq!(ramp_weight(0, Duration::from_secs(1), S), 0);
        assert_eq!(ramp_weight(7, Duration::from_secs(1), Duration::ZERO), 7);
    }

    #[test]
    fn maxconn_ramps_with_a_fake_clock() {
        // A server with maxconn 200 and slowstart 10s, back up at t0: its limit is read at
        // successive instants of a virtual clock.
        let limit = |secs: f64| {
            let since = Duration::from_secs_f64(secs);
            ramp_maxconn(200, ramp_permille(since, S))
        };
        assert_eq!(limit(0.0), 1, "at least one connection");
        assert_eq!(limit(1.0), 20);
        assert_eq!(limit(2.5), 50);
        assert_eq!(limit(5.0), 100);
        assert_eq!(limit(9.999), 199);
        assert_eq!(limit(10.0), 200);
        assert_eq!(limit(3600.0), 200);
        let mut last = 0;
        for ms in (0..=10_000).step_by(100) {
            let l = ramp_maxconn(200, ramp_permille(Duration::from_millis(ms), S));
            assert!(l >= last && (1..=200).contains(&l), "{ms}ms -> {l}");
            last = l;
        }
        assert_eq!(ramp_maxconn(0, 0), 0, "no limit stays no limit");
        assert_eq!(ramp_permille(Duration::from_secs(1), Duration::ZERO), 1000);
    }

    #[test]
    fn minconn_fullconn_then_ramp() {
        // minconn 10, maxconn 100, fullconn 1000: 500 backend connections -> 50.
        assert_eq!(dynamic_maxconn(10, 100, Some(1000), 500, 1000), 50);
        assert_eq!(dynamic_maxconn(10, 100, Some(1000), 0, 1000), 10);
        assert_eq!(dynamic_maxconn(10, 100, Some(1000), 1000, 1000), 100);
        assert_eq!(dynamic_maxconn(10, 100, None, 0, 1000), 100);
        assert_eq!(dynamic_maxconn(10, 100, Some(1000), 500, 500), 25);
        assert_eq!(dynamic_maxconn(0, 0, Some(1000), 5, 300), 0);
    }
}
