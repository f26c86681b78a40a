//! `slowstart`: after a server comes back up, its weight grows linearly from 1 to 100% over
//! the slowstart period (configuration manual, `slowstart`). Never applied at process start;
//! the caller passes how long the server has been up.

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
}
