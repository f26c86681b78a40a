//! How long a check may take, as the manual's `timeout check` entry defines it:
//! with `timeout check`, the connection gets `min(timeout connect, inter)` and the reply
//! `timeout check` once connected; without it, `inter` bounds the whole check (connect + read),
//! and the connection attempt still gets at most `timeout connect`.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckTimeouts {
    pub connect: Duration,
    /// `timeout check`: the read budget counted from the moment the connection is up.
    pub check: Option<Duration>,
    pub inter: Duration,
}

impl CheckTimeouts {
    pub fn new(
        inter: Duration,
        timeout_connect: Option<Duration>,
        timeout_check: Option<Duration>,
    ) -> Self {
        let connect = timeout_connect.map_or(inter, |c| c.min(inter));
        CheckTimeouts {
            connect,
            check: timeout_check,
            inter,
        }
    }

    /// When the connection attempt started at `start` must have succeeded.
    pub fn connect_deadline(&self, start: Instant) -> Instant {
        start + self.connect
    }

    /// When the reply must be complete, for a check started at `start` whose connection came
    /// up at `connected`.
    pub fn read_deadline(&self, start: Instant, connected: Instant) -> Instant {
        match self.check {
            Some(t) => connected + t,
            None => start + self.inter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_check_is_an_additional_read_timeout() {
        let t = CheckTimeouts::new(
            Duration::from_secs(2),
            Some(Duration::from_secs(5)),
            Some(Duration::from_millis(500)),
        );
        assert_eq!(
            t.connect,
            Duration::from_secs(2),
            "min(timeout connect, inter)"
        );
        let start = Instant::now();
        let up = start + Duration::from_millis(300);
        assert_eq!(t.read_deadline(start, up), up + Duration::from_millis(500));
    }

    #[test]
    fn without_timeout_check_inter_bounds_the_whole_check() {
        let t = CheckTimeouts::new(
            Duration::from_secs(2),
            Some(Duration::from_millis(800)),
            None,
        );
        assert_eq!(t.connect, Duration::from_millis(800));
        let start = Instant::now();
        let up = start + Duration::from_millis(300);
        assert_eq!(t.read_deadline(start, up), start + Duration::from_secs(2));
        let t = CheckTimeouts::new(Duration::from_secs(2), None, None);
        assert_eq!(t.connect, Duration::from_secs(2));
    }
}
