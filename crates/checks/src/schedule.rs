//! When each server's first check runs: spread over the shortest interval, so a restart does
//! not send every check at once (HAProxy's `start_checks()`: server `k` of `n` starts after
//! `mininter * k / n`).

use std::time::Duration;

/// The start offset of check `k` (0-based) among `n`, over `min_inter`.
pub fn first_check_offset(k: usize, n: usize, min_inter: Duration) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    let k = k.min(n - 1) as u128;
    let nanos = min_inter.as_nanos() * k / n as u128;
    Duration::from_nanos(nanos.min(u128::from(u64::MAX)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_spread_and_within_the_interval() {
        let inter = Duration::from_millis(2000);
        let offs: Vec<_> = (0..4).map(|k| first_check_offset(k, 4, inter)).collect();
        assert_eq!(
            offs,
            vec![
                Duration::ZERO,
                Duration::from_millis(500),
                Duration::from_millis(1000),
                Duration::from_millis(1500)
            ]
        );
        assert_eq!(first_check_offset(0, 0, inter), Duration::ZERO);
        assert!(first_check_offset(99, 4, inter) < inter);
    }
}
