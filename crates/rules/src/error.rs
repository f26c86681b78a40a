//! Why a rule, an ACL or a userlist could not be compiled, with the `file:line` it came from.
//! The binary renders these as HAProxy does:
//! `[ALERT] (pid) : config : parsing [file:line] : 'acl url_static' : unknown fetch method 'path_bgin'`.

use haproxy_cfg::{Diagnostic, Location};

/// A configuration line the rules compiler refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{context} : {kind}")]
pub struct CompileError {
    pub location: Location,
    /// The line's keyword and first words, quoted as HAProxy quotes them: `'acl url_static'`.
    pub context: String,
    pub kind: CompileErrorKind,
}

impl CompileError {
    pub(crate) fn new(
        location: &Location,
        context: impl Into<String>,
        kind: CompileErrorKind,
    ) -> Self {
        CompileError {
            location: location.clone(),
            context: context.into(),
            kind,
        }
    }

    /// The error as a configuration diagnostic, for the binary's usual `[ALERT]` rendering.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::alert(Some(self.location.clone()), self.to_string())
    }
}

/// What was wrong with the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileErrorKind {
    #[error("unknown fetch method '{0}' in ACL expression")]
    UnknownFetch(String),
    #[error("fetch method '{fetch}' : {reason}")]
    BadFetchArgs { fetch: String, reason: String },
    #[error("unknown converter '{0}'")]
    UnknownConverter(String),
    #[error("converter '{conv}' : {reason}")]
    BadConverterArgs { conv: String, reason: String },
    #[error("unknown matching method '{0}' (expected one of found, bool, int, ip, bin, len, str, sub, reg, beg, end, dir, dom)")]
    UnknownMatch(String),
    #[error("matching method '{method}' cannot be used with fetch '{fetch}'")]
    IncompatibleMatch { method: String, fetch: String },
    #[error("'{flag}' expects an argument")]
    MissingFlagArgument { flag: String },
    #[error("{0}")]
    BadPattern(String),
    #[error("failed to open pattern file '{path}' : {reason}")]
    PatternFile { path: String, reason: String },
    #[error("no such ACL : '{0}'")]
    NoSuchAcl(String),
    #[error("{0}")]
    BadCondition(String),
    #[error("unknown action '{action}' (expected one of {expected})")]
    UnknownAction {
        action: String,
        expected: &'static str,
    },
    #[error("{0}")]
    BadAction(String),
    #[error("unable to find required backend '{0}'")]
    NoSuchBackend(String),
    #[error("unable to find server '{0}' in backend")]
    NoSuchServer(String),
    #[error("unable to find userlist '{0}'")]
    NoSuchUserlist(String),
    #[error("user '{user}' : unsupported password hash (expected $1$, $5$ or $6$ crypt)")]
    BadPasswordHash { user: String },
    #[error("log-format : {0}")]
    LogFormat(String),
    #[error("'{0}' is not supported by halb")]
    Unsupported(String),
}
