//! What one check found: HAProxy's check status (`HCHK_STATUS_*`), with the reason text, the
//! HTTP code and the info string its log lines print.

use std::time::Duration;

/// HAProxy's check statuses, in HAProxy's order (a status at or after [`CheckStatus::L7Ok`]
/// prints its `code:`, as `srv_append_status()` does for `HCHK_STATUS_L57DATA` and up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckStatus {
    /// The check could not even start (no address, socket creation failed).
    SocketError,
    /// TCP connection accepted and nothing more was asked.
    L4Ok,
    /// No answer to the connection attempt within the connect timeout.
    L4Timeout,
    /// The connection was refused or reset.
    L4Con,
    /// The server accepted but did not answer in time.
    L7Timeout,
    /// The answer could not be parsed, was empty, or its content did not match.
    L7Response,
    /// The answer was valid and matched.
    L7Ok,
    /// The answer passed, asking to stop sending new traffic (`disable-on-404`).
    L7OkConditional,
    /// The status (or a header) was not the one expected.
    L7Status,
    /// `observe`: enough consecutive errors were seen on live traffic.
    HealthAnalyze,
}

impl CheckStatus {
    /// The `reason:` text HAProxy prints for this status.
    pub fn reason(self) -> &'static str {
        match self {
            CheckStatus::SocketError => "Socket error",
            CheckStatus::L4Ok => "Layer4 check passed",
            CheckStatus::L4Timeout => "Layer4 timeout",
            CheckStatus::L4Con => "Layer4 connection problem",
            CheckStatus::L7Timeout => "Layer7 timeout",
            CheckStatus::L7Response => "Layer7 invalid response",
            CheckStatus::L7Ok => "Layer7 check passed",
            CheckStatus::L7OkConditional => "Layer7 check conditionally passed",
            CheckStatus::L7Status => "Layer7 wrong status",
            CheckStatus::HealthAnalyze => "Health analyze",
        }
    }

    /// HAProxy's short name, as in the stats page's `check_status` column.
    pub fn short_name(self) -> &'static str {
        match self {
            CheckStatus::SocketError => "SOCKERR",
            CheckStatus::L4Ok => "L4OK",
            CheckStatus::L4Timeout => "L4TOUT",
            CheckStatus::L4Con => "L4CON",
            CheckStatus::L7Timeout => "L7TOUT",
            CheckStatus::L7Response => "L7RSP",
            CheckStatus::L7Ok => "L7OK",
            CheckStatus::L7OkConditional => "L7OKC",
            CheckStatus::L7Status => "L7STS",
            CheckStatus::HealthAnalyze => "HANA",
        }
    }

    pub fn passed(self) -> bool {
        matches!(
            self,
            CheckStatus::L4Ok | CheckStatus::L7Ok | CheckStatus::L7OkConditional
        )
    }

    /// HAProxy's `HCHK_STATUS_*` number, as `show servers state` prints it
    /// (`srv_check_status`); 1 (`INI`) stands for "not checked yet".
    pub fn haproxy_code(self) -> u8 {
        match self {
            CheckStatus::HealthAnalyze => 4,
            CheckStatus::SocketError => 5,
            CheckStatus::L4Ok => 6,
            CheckStatus::L4Timeout => 7,
            CheckStatus::L4Con => 8,
            CheckStatus::L7Timeout => 12,
            CheckStatus::L7Response => 13,
            CheckStatus::L7Ok => 15,
            CheckStatus::L7OkConditional => 16,
            CheckStatus::L7Status => 17,
        }
    }

    /// Whether log lines print `code: N` for this status.
    pub(crate) fn shows_code(self) -> bool {
        matches!(
            self,
            CheckStatus::L7Ok | CheckStatus::L7OkConditional | CheckStatus::L7Status
        )
    }
}

/// The result of one check, as reported in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub status: CheckStatus,
    /// HTTP status code (0 for tcp-check and agent results, as HAProxy prints them).
    pub code: u16,
    /// The `info: "…"` text: a reason phrase, an errno text, which step failed.
    pub info: Option<String>,
    /// Filled in by the driver, which owns the clock.
    pub duration: Duration,
}

impl CheckOutcome {
    pub fn new(status: CheckStatus) -> Self {
        CheckOutcome {
            status,
            code: 0,
            info: None,
            duration: Duration::ZERO,
        }
    }

    pub fn with_code(mut self, code: u16) -> Self {
        self.code = code;
        self
    }

    pub fn with_info(mut self, info: impl Into<String>) -> Self {
        let info = info.into();
        self.info = if info.is_empty() { None } else { Some(info) };
        self
    }

    pub fn passed(&self) -> bool {
        self.status.passed()
    }

    /// `reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: 1ms`, the
    /// part every check and state-change line shares (HAProxy's `srv_append_status()`).
    pub fn describe(&self) -> String {
        let mut s = format!("reason: {}", self.status.reason());
        if self.status.shows_code() {
            s.push_str(&format!(", code: {}", self.code));
        }
        if let Some(info) = &self.info {
            s.push_str(&format!(", info: \"{info}\""));
        }
        s.push_str(&format!(
            ", check duration: {}ms",
            self.duration.as_millis()
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_reads_like_haproxy() {
        let o = CheckOutcome::new(CheckStatus::L4Con).with_info("Connection refused");
        assert_eq!(
            o.describe(),
            "reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms"
        );
    }

    #[test]
    fn layer7_statuses_print_their_code() {
        let mut o = CheckOutcome::new(CheckStatus::L7Ok).with_code(200);
        o.duration = Duration::from_millis(4);
        assert_eq!(
            o.describe(),
            "reason: Layer7 check passed, code: 200, check duration: 4ms"
        );
        let o = CheckOutcome::new(CheckStatus::L7Status)
            .with_code(404)
            .with_info("File not found");
        assert_eq!(
            o.describe(),
            "reason: Layer7 wrong status, code: 404, info: \"File not found\", check duration: 0ms"
        );
        // An invalid response has no code, even when one was read.
        let o = CheckOutcome::new(CheckStatus::L7Response).with_code(200);
        assert_eq!(
            o.describe(),
            "reason: Layer7 invalid response, check duration: 0ms"
        );
    }

    #[test]
    fn only_ok_statuses_pass() {
        assert!(CheckStatus::L4Ok.passed());
        assert!(CheckStatus::L7Ok.passed());
        assert!(!CheckStatus::L7Status.passed());
        assert!(!CheckStatus::L4Timeout.passed());
    }
}
