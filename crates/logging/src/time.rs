//! Wall-clock instants as log lines show them: the proxy (or the driver's clock) hands in a
//! [`LogTime`] — seconds since the Unix epoch, microseconds and the local UTC offset — and the
//! renderers break it down with [`CivilTime`] without touching the clock or the TZ database.

/// One wall-clock instant plus the UTC offset in force at that instant (from `localtime_r`'s
/// `tm_gmtoff` in the driver; `0` means the process logs in UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogTime {
    pub unix_secs: i64,
    /// 0..=999_999.
    pub micros: u32,
    /// Seconds east of UTC.
    pub utc_offset_secs: i32,
}

impl LogTime {
    pub fn new(unix_secs: i64, micros: u32, utc_offset_secs: i32) -> Self {
        LogTime {
            unix_secs,
            micros: micros.min(999_999),
            utc_offset_secs,
        }
    }

    pub fn millis(&self) -> u32 {
        self.micros / 1000
    }

    /// The broken-down local time (what `localtime_r` would give).
    pub fn local(&self) -> CivilTime {
        CivilTime::from_unix(self.unix_secs + i64::from(self.utc_offset_secs))
    }

    /// The broken-down UTC time (what `gmtime_r` would give).
    pub fn utc(&self) -> CivilTime {
        CivilTime::from_unix(self.unix_secs)
    }

    /// This instant plus `ms` milliseconds (the request date is the accept date plus Th + Ti).
    pub fn plus_millis(&self, ms: u64) -> LogTime {
        let total_us = u64::from(self.micros) + (ms % 1000) * 1000;
        let secs = self
            .unix_secs
            .saturating_add((ms / 1000) as i64)
            .saturating_add((total_us / 1_000_000) as i64);
        LogTime::new(secs, (total_us % 1_000_000) as u32, self.utc_offset_secs)
    }
}

/// A broken-down calendar time (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl CivilTime {
    /// Howard Hinnant's `civil_from_days`: exact for every `i64` day count we can meet.
    pub fn from_unix(secs: i64) -> CivilTime {
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        CivilTime {
            year,
            month,
            day,
            hour: (sod / 3600) as u8,
            minute: (sod % 3600 / 60) as u8,
            second: (sod % 60) as u8,
        }
    }

    pub fn month_name(&self) -> &'static str {
        MONTHS[usize::from(self.month.clamp(1, 12)) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_down_known_instants() {
        // 2026-11-23T14:57:37Z, the instant of the HAProxy fixtures.
        let t = CivilTime::from_unix(1_795_445_857);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 11, 23, 14, 57, 37)
        );
        let e = CivilTime::from_unix(0);
        assert_eq!((e.year, e.month, e.day), (1970, 1, 1));
        let leap = CivilTime::from_unix(951_782_400); // 2000-02-29
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
        let before = CivilTime::from_unix(-1);
        assert_eq!((before.year, before.hour, before.second), (1969, 23, 59));
    }

    #[test]
    fn local_time_applies_the_offset() {
        let t = LogTime::new(1_795_445_857, 966_000, 3600);
        assert_eq!(t.local().hour, 15);
        assert_eq!(t.utc().hour, 14);
        assert_eq!(t.millis(), 966);
    }

    #[test]
    fn plus_millis_carries_into_seconds() {
        let t = LogTime::new(10, 999_500, 0).plus_millis(1_001);
        assert_eq!((t.unix_secs, t.micros), (12, 500));
    }
}
