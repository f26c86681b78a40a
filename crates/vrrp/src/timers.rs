//! VRRP timer arithmetic: Skew_Time and Master_Down_Interval, with keepalived's rounding.
//!
//! keepalived computes in microseconds: v2 Skew_Time = (256 − priority) / 256 s whatever the
//! advert interval (RFC 3768 §6.1); v3 Skew_Time = ((256 − priority) × Master_Adver_Interval)
//! / 256 with the interval in centiseconds (RFC 5798 §6.1).

use std::time::Duration;

use crate::codec::Version;

/// Skew_Time for `priority` (the effective priority) and the master's advert interval.
pub fn skew_time(version: Version, priority: u8, master_adver_int: Duration) -> Duration {
    let p = 256 - u64::from(priority);
    match version {
        Version::V2 => Duration::from_micros(p * 1_000_000 / 256),
        Version::V3 => {
            let cs = (master_adver_int.as_millis() / 10) as u64;
            Duration::from_micros(p * cs * 625 / 16)
        }
    }
}

/// Master_Down_Interval = `down_timer_adverts` × Master_Adver_Interval + Skew_Time.
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_int: Duration,
    down_timer_adverts: u32,
) -> Duration {
    master_adver_int * down_timer_adverts + skew_time(version, priority, master_adver_int)
}

/// The v2 advert interval in whole seconds: rounded half up, clamped to 1..=255
/// (keepalived turns `advert_int 0.1` into 1 s for v2).
pub fn v2_interval_secs(d: Duration) -> u16 {
    let us = d.as_micros();
    ((us + 500_000) / 1_000_000).clamp(1, 255) as u16
}

/// The v3 advert interval in centiseconds, rounded half up, clamped to 1..=4095.
pub fn v3_interval_cs(d: Duration) -> u16 {
    let us = d.as_micros();
    ((us + 5_000) / 10_000).clamp(1, 4095) as u16
}

/// The interval actually used on the wire for `version`, as a duration.
pub fn wire_interval(version: Version, d: Duration) -> Duration {
    match version {
        Version::V2 => Duration::from_secs(u64::from(v2_interval_secs(d))),
        Version::V3 => Duration::from_millis(10 * u64::from(v3_interval_cs(d))),
    }
}

/// keepalived's correction of a configured interval (0 = the default 1 s) and the warning it
/// prints for it, without the `(NAME) ` prefix; `None` when the value is used as is.
pub fn normalize_interval(version: Version, d: Duration) -> (Duration, Option<String>) {
    if d.is_zero() {
        return (Duration::from_secs(1), None);
    }
    let secs = d.as_secs_f64();
    let fixed = wire_interval(version, d);
    let warning = match version {
        Version::V2 if d >= Duration::from_secs(256) => Some(format!(
            "VRRPv2 advertisement interval {secs:.2}s is out of range. Must be less than 256s. Setting to 255s"
        )),
        Version::V3 if d >= Duration::from_millis(40_960) => Some(format!(
            "VRRPv3 advertisement interval {secs:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s"
        )),
        Version::V2 if fixed != d => Some(format!(
            "VRRPv2 advertisement interval {secs:.6}s must be an integer. rounding"
        )),
        Version::V3 if fixed != d => Some(format!(
            "VRRPv3 advertisement interval {secs:.6}s must be in units of 10ms - rounding"
        )),
        _ => None,
    };
    (fixed, warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_skew_is_independent_of_interval() {
        // Priority 90 at advert 1 s: 166/256 s = 648.4375 ms, the 0.65 s the bench measured.
        let s = skew_time(Version::V2, 90, Duration::from_secs(1));
        assert_eq!(s, Duration::from_micros(648_437));
        assert_eq!(skew_time(Version::V2, 90, Duration::from_secs(5)), s);
    }

    #[test]
    fn v3_skew_scales_with_interval() {
        // 0.1 s = 10 cs: 166 × 10 × 625 / 16 µs = 64.84 ms, the 65 ms the bench measured.
        let s = skew_time(Version::V3, 90, Duration::from_millis(100));
        assert_eq!(s, Duration::from_micros(64_843));
    }

    #[test]
    fn master_down_is_three_adverts_plus_skew() {
        let d = master_down_interval(Version::V2, 100, Duration::from_secs(1), 3);
        assert_eq!(d, Duration::from_micros(3_000_000 + 609_375));
    }

    #[test]
    fn intervals_round_and_clamp() {
        assert_eq!(v2_interval_secs(Duration::from_millis(100)), 1);
        assert_eq!(v2_interval_secs(Duration::from_millis(2600)), 3);
        assert_eq!(v2_interval_secs(Duration::from_secs(1000)), 255);
        assert_eq!(v3_interval_cs(Duration::from_millis(100)), 10);
        assert_eq!(v3_interval_cs(Duration::from_millis(1)), 1);
        assert_eq!(v3_interval_cs(Duration::from_secs(100)), 4095);
    }

    #[test]
    fn interval_warnings_in_keepalived_words() {
        let (d, w) = normalize_interval(Version::V2, Duration::from_millis(100));
        assert_eq!(d, Duration::from_secs(1));
        assert_eq!(
            w.as_deref(),
            Some("VRRPv2 advertisement interval 0.100000s must be an integer. rounding")
        );
        let (d, w) = normalize_interval(Version::V3, Duration::from_millis(100));
        assert_eq!((d, w), (Duration::from_millis(100), None));
        let (d, w) = normalize_interval(Version::V3, Duration::from_secs(50));
        assert_eq!(d, Duration::from_millis(40_950));
        assert!(w.is_some_and(|w| w.ends_with("Setting to 40.95s")));
        let (d, w) = normalize_interval(Version::V2, Duration::ZERO);
        assert_eq!((d, w), (Duration::from_secs(1), None));
    }
}
