//! Diagnostics: every warning and error the parser reports, with the file and line it points
//! at. `Display` writes keepalived's shape, `(keepalived.conf: Line 12) message`, so operators
//! see the lines they already know from `keepalived -t`.

use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The configuration loads; something was ignored, defaulted or is not served by halb.
    Warning,
    /// The configuration is refused.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One message about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as it was named (the `-f` argument, or the include path as resolved).
    pub file: String,
    /// 1-based line number; 0 when the message is about the whole configuration.
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "({}) {}", self.file, self.message)
        } else {
            write!(f, "({}: Line {}) {}", self.file, self.line, self.message)
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The main configuration file could not be read at all.
    #[error("cannot read configuration file '{path}': {reason}")]
    Read { path: String, reason: String },
    /// The configuration was read and has at least one error. `diagnostics` holds every
    /// diagnostic in file order, warnings included, so a `-t` run can print them all.
    #[error(
        "{} error(s) in configuration; first: {}",
        count_errors(diagnostics),
        first_error(diagnostics)
    )]
    Invalid { diagnostics: Vec<Diagnostic> },
}

impl ConfigError {
    /// Every diagnostic of severity `Error`.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        match self {
            ConfigError::Read { .. } => Vec::new(),
            ConfigError::Invalid { diagnostics } => diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect(),
        }
    }

    /// Every diagnostic, warnings included (empty for `Read`).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid { diagnostics } => diagnostics,
        }
    }
}

fn count_errors(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn first_error(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .find(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Where a statement came from: an index into the list of files read, and a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
}

/// Collects diagnostics while parsing; owns the table of file names that `Loc` indexes.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    pub files: Vec<String>,
    pub list: Vec<Diagnostic>,
}

impl Diags {
    pub fn add_file(&mut self, name: String) -> u32 {
        self.files.push(name);
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    pub fn file_name(&self, loc: Loc) -> String {
        self.files
            .get(loc.file as usize)
            .cloned()
            .unwrap_or_default()
    }

    pub fn push(&mut self, loc: Loc, severity: Severity, message: String) {
        let file = self.file_name(loc);
        self.list.push(Diagnostic {
            file,
            line: loc.line,
            severity,
            message,
        });
    }

    pub fn warn(&mut self, loc: Loc, message: impl Into<String>) {
        self.push(loc, Severity::Warning, message.into());
    }

    pub fn error(&mut self, loc: Loc, message: impl Into<String>) {
        self.push(loc, Severity::Error, message.into());
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_keepalived_shape() {
        let d = Diagnostic {
            file: "keepalived.conf".into(),
            line: 12,
            severity: Severity::Warning,
            message: "vrrp_instance VI_1: unknown keyword 'priorty' (did you mean 'priority'?)"
                .into(),
        };
        assert_eq!(
            d.to_string(),
            "(keepalived.conf: Line 12) vrrp_instance VI_1: unknown keyword 'priorty' (did you mean 'priority'?)"
        );
    }
}
