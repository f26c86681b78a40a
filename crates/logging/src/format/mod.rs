//! HAProxy's custom log formats (configuration manual 8.2.6): a `log-format` string is
//! compiled once per proxy into a [`CompiledFormat`] (a list of nodes), and rendered for every
//! session or request from a [`crate::LogRecord`] into a reused buffer.

mod builtin;
mod compile;
mod escape;
mod render;
mod vars;

pub use builtin::{
    format_for_proxy, LogMoment, ProxyLogFormat, CLF_LOG_FORMAT, DEFAULT_LOG_FORMAT,
    HTTP_LOG_FORMAT, TCP_LOG_FORMAT,
};
pub use compile::LogFormatError;

use vars::{Sample, Var};

/// Per-variable flags (`%{+Q,-X,+E}var`); `%o` sets the defaults for what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Flags {
    /// `Q`: quote strings.
    pub quote: bool,
    /// `X`: hexadecimal numbers and addresses.
    pub hex: bool,
    /// `E`: backslash-escape `"`, `\` and `]` (RFC 5424 PARAM-VALUE).
    pub escape: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Literal bytes, copied as they are.
    Text(Box<[u8]>),
    /// A run of spaces in the format: one space, never two in a row.
    Separator,
    Var(Var, Flags),
    Sample(Sample, Flags),
}

/// A compiled `log-format` (or `log-format-sd`) string, ready to render.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompiledFormat {
    nodes: Vec<Node>,
}

/// The entry point: `LogFormat::compile("%ci:%cp [%tr] ...")`.
pub struct LogFormat;

impl LogFormat {
    /// Compiles a format string as HAProxy reads it: `%var`, `%{+Q,-E,+X}var`, `%%`,
    /// `%[sample]` (a supported subset, see [`LogFormatError::UnsupportedSample`]), runs of
    /// spaces merged into one separator.
    pub fn compile(format: &str) -> Result<CompiledFormat, LogFormatError> {
        compile::compile(format).map(|nodes| CompiledFormat { nodes })
    }

    /// Like [`LogFormat::compile`] for a proxy's mode: with `http == false` the variables
    /// HAProxy reserves for HTTP (`%r`, `%HU`, `%TR`, `%tsc`…) are an error, as in HAProxy.
    pub fn compile_for_mode(format: &str, http: bool) -> Result<CompiledFormat, LogFormatError> {
        compile::compile_for(format, http).map(|nodes| CompiledFormat { nodes })
    }
}

impl CompiledFormat {
    /// True for an empty format (`log-format ""`), which HAProxy reads as "log nothing".
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
