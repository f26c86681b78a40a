//! Diagnostics shaped like HAProxy's, so operators and their log tooling read them unchanged:
//! `[ALERT]    (pid) : config : parsing [file:line] : message`.
//!
//! The library only builds [`Diagnostic`] values; the binary decides where they go and fills in
//! the process id when it renders them.

use std::fmt;
use std::sync::Arc;

/// A place in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
}

impl Location {
    pub fn new(file: &Arc<str>, line: u32) -> Self {
        Location {
            file: Arc::clone(file),
            line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Notice,
    Warning,
    Alert,
}

impl Severity {
    /// HAProxy pads the tag so that the pid column lines up.
    fn tag(self) -> &'static str {
        match self {
            Severity::Notice => "[NOTICE]   ",
            Severity::Warning => "[WARNING]  ",
            Severity::Alert => "[ALERT]    ",
        }
    }
}

/// One message about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Option<Location>,
    pub message: String,
}

impl Diagnostic {
    pub fn alert(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Alert,
            location,
            message: message.into(),
        }
    }

    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location,
            message: message.into(),
        }
    }

    pub fn notice(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Notice,
            location,
            message: message.into(),
        }
    }

    pub fn is_alert(&self) -> bool {
        self.severity == Severity::Alert
    }

    /// The line HAProxy would print for this message from process `pid`.
    pub fn render(&self, pid: u32) -> String {
        match &self.location {
            Some(loc) => format!(
                "{}({}) : config : parsing [{}] : {}",
                self.severity.tag(),
                pid,
                loc,
                self.message
            ),
            None => format!(
                "{}({}) : config : {}",
                self.severity.tag(),
                pid,
                self.message
            ),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "parsing [{}] : {}", loc, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// The configuration could not be loaded: every alert found, plus the warnings before them.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} fatal error(s) in configuration; first: {}", self.alerts().count(), self.first())]
pub struct ConfigErrors {
    pub diagnostics: Vec<Diagnostic>,
    /// The files that held at least one alert, in the order first seen.
    pub files_with_errors: Vec<Arc<str>>,
}

impl ConfigErrors {
    pub fn alerts(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_alert())
    }

    fn first(&self) -> String {
        self.alerts()
            .next()
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_haproxy() {
        let loc = Location::new(&Arc::from("/etc/haproxy/haproxy.cfg"), 27);
        let d = Diagnostic::alert(Some(loc), "unknown keyword 'x' in 'global' section");
        assert_eq!(
            d.render(4123),
            "[ALERT]    (4123) : config : parsing [/etc/haproxy/haproxy.cfg:27] : unknown keyword 'x' in 'global' section"
        );
        let w = Diagnostic::warning(None, "something");
        assert_eq!(w.render(1), "[WARNING]  (1) : config : something");
    }
}
