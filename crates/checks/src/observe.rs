//! `observe layer4|layer7`, `error-limit`, `on-error`: errors seen on live traffic count
//! against a server; after `error-limit` consecutive ones the `on-error` action fires
//! (configuration manual, `observe` and `on-error`). The data plane reports each response or
//! connection; this module only counts and decides.

/// `observe <mode>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserveMode {
    /// Only connection successes and failures count.
    Layer4,
    /// HTTP responses count too (http proxies only).
    Layer7,
}

impl ObserveMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "layer4" => Some(ObserveMode::Layer4),
            "layer7" => Some(ObserveMode::Layer7),
            _ => None,
        }
    }
}

/// `on-error <mode>`; `fail-check` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Force `fastinter` for the next check.
    FastInter,
    /// Count a failed check, and force `fastinter`.
    #[default]
    FailCheck,
    /// Leave the server one failed check away from down, and force `fastinter`.
    SuddenDeath,
    /// Mark the server down at once, and force `fastinter`.
    MarkDown,
}

impl OnError {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fastinter" => Some(OnError::FastInter),
            "fail-check" => Some(OnError::FailCheck),
            "sudden-death" => Some(OnError::SuddenDeath),
            "mark-down" => Some(OnError::MarkDown),
            _ => None,
        }
    }
}

/// Whether an HTTP status seen on live traffic counts as healthy for `observe layer7`: the
/// manual's "100 to 499, 501 and 505".
pub fn layer7_status_ok(code: u16) -> bool {
    (100..=499).contains(&code) || code == 501 || code == 505
}

/// What the data plane saw on live traffic, with HAProxy's text for it (`analyze_statuses`)
/// and how each mode counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    L4Ok,
    L4Error,
    HttpOk,
    HttpWrongStatus,
    HttpInvalid,
    HttpReadError,
    HttpReadTimeout,
    HttpBrokenPipe,
}

impl Observed {
    pub fn text(self) -> &'static str {
        match self {
            Observed::L4Ok => "L4 successful connection",
            Observed::L4Error => "L4 unsuccessful connection",
            Observed::HttpOk => "Correct http response",
            Observed::HttpWrongStatus => "Wrong http response",
            Observed::HttpInvalid => "Invalid http response",
            Observed::HttpReadError => "Read error (http)",
            Observed::HttpReadTimeout => "Read timeout (http)",
            Observed::HttpBrokenPipe => "Close from server (http)",
        }
    }

    /// An HTTP response status seen on live traffic (`observe layer7`).
    pub fn from_status(code: u16) -> Observed {
        if layer7_status_ok(code) {
            Observed::HttpOk
        } else {
            Observed::HttpWrongStatus
        }
    }

    /// `Some(true)` counts as a success, `Some(false)` as an error, `None` is ignored in this
    /// mode: layer4 looks at connections only; layer7 at responses, and at failed connects.
    pub fn counts_in(self, mode: ObserveMode) -> Option<bool> {
        match (self, mode) {
            (Observed::L4Ok, ObserveMode::Layer4) => Some(true),
            (Observed::L4Ok, ObserveMode::Layer7) => None,
            (Observed::L4Error, _) => Some(false),
            (_, ObserveMode::Layer4) => None,
            (Observed::HttpOk, ObserveMode::Layer7) => Some(true),
            (_, ObserveMode::Layer7) => Some(false),
        }
    }
}

/// Consecutive observed errors of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorObserver {
    pub mode: ObserveMode,
    pub limit: u32,
    pub on_error: OnError,
    consecutive: u32,
}

impl ErrorObserver {
    /// `error-limit` defaults to 10; 0 is taken as 1 (an action on every error).
    pub fn new(mode: ObserveMode, limit: u32, on_error: OnError) -> Self {
        ErrorObserver {
            mode,
            limit: limit.max(1),
            on_error,
            consecutive: 0,
        }
    }

    pub fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// A success (or a passed health check) clears the count.
    pub fn record_ok(&mut self) {
        self.consecutive = 0;
    }

    /// One more error; the action to take when the limit is reached (the count then restarts).
    pub fn record_error(&mut self) -> Option<(OnError, u32)> {
        self.consecutive += 1;
        if self.consecutive < self.limit {
            return None;
        }
        let n = self.consecutive;
        self.consecutive = 0;
        Some((self.on_error, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_after_error_limit_consecutive_errors() {
        let mut o = ErrorObserver::new(ObserveMode::Layer4, 3, OnError::MarkDown);
        assert_eq!(o.record_error(), None);
        assert_eq!(o.record_error(), None);
        assert_eq!(o.record_error(), Some((OnError::MarkDown, 3)));
        assert_eq!(o.consecutive(), 0);
    }

    #[test]
    fn a_success_resets_the_count() {
        let mut o = ErrorObserver::new(ObserveMode::Layer7, 2, OnError::FailCheck);
        assert_eq!(o.record_error(), None);
        o.record_ok();
        assert_eq!(o.record_error(), None);
        assert!(o.record_error().is_some());
    }

    #[test]
    fn layer7_valid_statuses_are_the_manuals() {
        assert!(layer7_status_ok(200));
        assert!(layer7_status_ok(404));
        assert!(layer7_status_ok(501));
        assert!(layer7_status_ok(505));
        assert!(!layer7_status_ok(500));
        assert!(!layer7_status_ok(502));
        assert!(!layer7_status_ok(503));
        assert!(!layer7_status_ok(99));
    }

    #[test]
    fn each_mode_counts_its_own_events() {
        use ObserveMode::*;
        assert_eq!(Observed::L4Ok.counts_in(Layer4), Some(true));
        assert_eq!(Observed::L4Ok.counts_in(Layer7), None);
        assert_eq!(Observed::L4Error.counts_in(Layer7), Some(false));
        assert_eq!(Observed::from_status(503).counts_in(Layer7), Some(false));
        assert_eq!(Observed::from_status(404).counts_in(Layer7), Some(true));
        assert_eq!(Observed::from_status(503).counts_in(Layer4), None);
        assert_eq!(Observed::HttpReadTimeout.text(), "Read timeout (http)");
    }

    #[test]
    fn modes_parse() {
        assert_eq!(OnError::parse("sudden-death"), Some(OnError::SuddenDeath));
        assert_eq!(OnError::parse("explode"), None);
        assert_eq!(ObserveMode::parse("layer7"), Some(ObserveMode::Layer7));
    }
}
