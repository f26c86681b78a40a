//! Where check results and state changes go. Today: stderr, in HAProxy's `[WARNING]  (pid) :`
//! form; the proxy's log targets plug in through [`CheckLog`] once logging lands.

/// Syslog severity HAProxy gives each line (DOWN is `alert`, UP `notice`, no server `emerg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Emerg,
    Alert,
    Notice,
}

/// One line to report: `text` is the syslog form, `stderr` the form HAProxy prints on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckEvent {
    pub severity: Severity,
    pub text: String,
    pub stderr: String,
}

pub trait CheckLog: Send + Sync {
    fn emit(&self, event: &CheckEvent);
}

/// Prints `[WARNING]  (pid) : …` / `[ALERT]    (pid) : …` lines, as HAProxy does in the
/// foreground.
#[derive(Debug, Default)]
pub struct StderrLog;

impl CheckLog for StderrLog {
    fn emit(&self, e: &CheckEvent) {
        let tag = match e.severity {
            Severity::Emerg => "[ALERT]   ",
            Severity::Alert | Severity::Notice => "[WARNING] ",
        };
        eprintln!("{tag} ({}) : {}", std::process::id(), e.stderr);
    }
}
