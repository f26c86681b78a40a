//! Whether an access line is logged and at which level: `option dontlognull`,
//! `option dontlog-normal` and `option log-separate-errors` (configuration manual 4.2, 8.3).

use haproxy_cfg::model::ProxyOptions;

use crate::record::LogRecord;
use crate::syslog::Level;

/// The level to log `rec` at, or `None` when the proxy's options say not to log it.
pub fn access_level(options: &ProxyOptions, rec: &LogRecord<'_>) -> Option<Level> {
    // HAProxy tests only the request byte count here (stream.c: `!NULLNOLOG || req->total`):
    // a probe that connects and closes (usually `CR--`) is not logged, error or not.
    if options.dontlognull && rec.is_null() {
        return None;
    }
    let error = rec.is_error();
    if options.dontlog_normal && !error {
        return None;
    }
    Some(Level::for_access(error, options.log_separate_errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::termination::{SessionPhase, TerminationCause, TerminationState};

    #[test]
    fn options_select_and_filter() {
        let mut o = ProxyOptions::default();
        let ok = LogRecord {
            bytes_uploaded: 10,
            status: Some(200),
            ..LogRecord::default()
        };
        let null = LogRecord::default();
        let failed = LogRecord {
            status: Some(503),
            bytes_uploaded: 80,
            termination: TerminationState::new(
                TerminationCause::ServerAbort,
                SessionPhase::Connect,
            ),
            ..LogRecord::default()
        };
        assert_eq!(access_level(&o, &null), Some(Level::Info));
        assert_eq!(access_level(&o, &failed), Some(Level::Info));
        o.dontlognull = true;
        assert_eq!(access_level(&o, &null), None);
        let probe = LogRecord {
            termination: TerminationState::new(
                TerminationCause::ClientAbort,
                SessionPhase::Request,
            ),
            ..LogRecord::default()
        };
        assert_eq!(access_level(&o, &probe), None);
        assert_eq!(access_level(&o, &ok), Some(Level::Info));
        o.log_separate_errors = true;
        assert_eq!(access_level(&o, &failed), Some(Level::Err));
        o.dontlog_normal = true;
        assert_eq!(access_level(&o, &ok), None);
        assert_eq!(access_level(&o, &failed), Some(Level::Err));
    }
}
