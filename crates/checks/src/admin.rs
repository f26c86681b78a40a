//! The runtime admin commands' vocabulary (`set server B/S state …`, `set weight`,
//! `enable|disable health|agent`): who set an admin state, and the refusals in HAProxy's
//! words. The commands themselves act through `driver::ServerAdmin`; this part is pure so the
//! runtime API can parse and answer without the driver.

use crate::server::AdminState;
use crate::weight::WeightError;

/// Who put a server in MAINT or DRAIN (the stats page and `show servers state` tell them
/// apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSource {
    /// `disabled` on the server line.
    Config,
    /// The runtime API or the stats page admin form.
    Cli,
    /// The server's agent (`agent-check` answered `maint` or `drain`).
    Agent,
}

/// A refused admin command; `Display` is HAProxy's text without its final newline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("No such backend.")]
    NoSuchBackend,
    #[error("No such server.")]
    NoSuchServer,
    #[error("Require 'backend/server'.")]
    BadPath,
    #[error("'set server <srv> state' expects 'ready', 'drain' and 'maint'.")]
    BadState,
    #[error("{0}")]
    Weight(#[from] WeightError),
    #[error("Health check was not configured on this server, cannot enable.")]
    HealthNotConfigured,
    #[error("Agent was not configured on this server, cannot enable.")]
    AgentNotConfigured,
}

impl AdminError {
    /// The exact bytes HAProxy's CLI answers with.
    pub fn cli_output(&self) -> String {
        match self {
            AdminError::Weight(w) if !w.ends_with_newline() => self.to_string(),
            _ => format!("{self}\n"),
        }
    }
}

impl AdminState {
    /// `ready`, `drain` or `maint`, as `set server B/S state` takes them.
    pub fn parse(word: &str) -> Result<AdminState, AdminError> {
        match word {
            "ready" => Ok(AdminState::Ready),
            "drain" => Ok(AdminState::Drain),
            "maint" => Ok(AdminState::Maint),
            _ => Err(AdminError::BadState),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_texts_are_haproxys() {
        assert_eq!(AdminError::NoSuchServer.cli_output(), "No such server.\n");
        assert_eq!(AdminError::NoSuchBackend.cli_output(), "No such backend.\n");
        assert_eq!(
            AdminError::from(WeightError::NotANumber).cli_output(),
            "Empty weight string empty or preceded by garbage"
        );
        assert_eq!(
            AdminError::from(WeightError::OutOfRange).cli_output(),
            "Absolute weight can only be between 0 and 256 inclusive.\n"
        );
        assert_eq!(
            AdminState::parse("foo").unwrap_err().to_string(),
            "'set server <srv> state' expects 'ready', 'drain' and 'maint'."
        );
        assert_eq!(AdminState::parse("drain"), Ok(AdminState::Drain));
    }
}
