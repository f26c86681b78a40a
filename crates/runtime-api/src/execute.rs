//! Running one parsed command against the target: level checks in HAProxy's order,
//! then the target call, then the answer text.
//!
//! Called by the [`CliSession`](crate::CliSession) for each command it cuts out of the
//! input; it changes the session's own settings (prompt, level, timeout) through
//! [`SessionSettings`].

use std::time::Duration;

use crate::command::{Command, ParseError};
use crate::keywords;
use crate::level::Level;
use crate::render;
use crate::target::{RuntimeError, RuntimeTarget, ServerRef};

/// HAProxy's `cli_permission_denied_msg`.
pub const PERMISSION_DENIED: &str = "Permission denied\n";

/// The per-connection settings commands may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    pub level: Level,
    pub prompt: bool,
    /// Set by `set timeout cli`; `None` keeps the socket's `stats timeout`.
    pub cli_timeout: Option<Duration>,
}

/// What one command produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// The answer, exactly as sent (usually ending in `\n`, sometimes not).
    pub text: String,
    /// `quit`: close without printing the prompt.
    pub close: bool,
    /// `operator -` / `user -`: no newline after this command.
    pub no_newline: bool,
}

impl Reply {
    fn text(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            ..Reply::default()
        }
    }
}

const AGENT_EXPECTS: &str = "'set server <srv> agent' expects 'up' or 'down'.\n";

/// `Err(AgentNotEnabled)` unless the server's agent check is enabled (bit 0x04 of
/// `srv_agent_state` in `show servers state`).
fn agent_enabled(target: &dyn RuntimeTarget, server: &ServerRef) -> Result<(), RuntimeError> {
    let rows = target
        .servers_state(Some(&server.backend))
        .unwrap_or_default();
    let enabled = rows
        .iter()
        .any(|r| r.srv_name == server.server && r.srv_agent_state & 0x04 != 0);
    if enabled {
        Ok(())
    } else {
        Err(RuntimeError::AgentNotEnabled)
    }
}

/// Runs the command made of `words` for a session with `settings`.
pub fn run(words: &[String], settings: &mut SessionSettings, target: &dyn RuntimeTarget) -> Reply {
    let cmd = match Command::parse(words) {
        Ok(cmd) => cmd,
        Err(ParseError::Unknown) => return Reply::text(keywords::usage_message(words)),
        Err(ParseError::Invalid {
            level,
            server,
            message,
        }) => {
            if settings.level < level {
                return Reply::text(PERMISSION_DENIED);
            }
            if let Some(server) = server {
                if let Err(e) = target.find_server(&server) {
                    return Reply::text(e.to_string());
                }
            }
            return Reply::text(message);
        }
    };
    if settings.level < cmd.required_level() {
        return Reply::text(PERMISSION_DENIED);
    }
    let done = |r: Result<(), RuntimeError>| {
        Reply::text(r.err().map(|e| e.to_string()).unwrap_or_default())
    };
    match cmd {
        Command::Help(_) => Reply::text(keywords::usage_message(words)),
        Command::Prompt => {
            settings.prompt = !settings.prompt;
            Reply::default()
        }
        Command::Quit => Reply {
            close: true,
            ..Reply::default()
        },
        Command::LowerLevel { to, no_newline } => {
            settings.level = to;
            Reply {
                no_newline,
                ..Reply::default()
            }
        }
        Command::ShowCliLevel => Reply::text(format!("{}\n", settings.level.as_str())),
        Command::ShowVersion => Reply::text(format!("{}\n", target.version())),
        Command::ShowInfo(q) => Reply::text(target.show_info(&q)),
        Command::ShowStat(q) => Reply::text(target.show_stat(&q).unwrap_or_else(|e| e.to_string())),
        Command::ShowServersState(backend) => {
            Reply::text(match target.servers_state(backend.as_deref()) {
                Ok(rows) => render::servers_state(&rows),
                Err(e) => e.to_string(),
            })
        }
        Command::ShowBackend => Reply::text(render::backends(&target.backend_names())),
        Command::ShowSess(id) => {
            let sessions = target.sessions();
            let lines: String = sessions
                .iter()
                .filter(|s| id.is_none_or(|id| id == s.id))
                .map(render::session_line)
                .collect();
            if id.is_some() && lines.is_empty() {
                Reply::text("Session not found.\n")
            } else {
                Reply::text(lines)
            }
        }
        Command::ShowErrors(proxy) => Reply::text(
            target
                .show_errors(proxy.as_ref())
                .unwrap_or_else(|e| e.to_string()),
        ),
        Command::SetAdminState(server, state) => done(target.set_admin_state(&server, state)),
        Command::SetWeight(server, weight) => done(target.set_weight(&server, weight)),
        Command::GetWeight(server) => Reply::text(match target.get_weight(&server) {
            Ok(w) => format!("{} (initial {})\n", w.current, w.initial),
            Err(e) => e.to_string(),
        }),
        Command::SetCheck {
            server,
            kind,
            enabled,
        } => done(target.set_check_enabled(&server, kind, enabled)),
        Command::ForceHealth(server, health) => done(
            target
                .find_server(&server)
                .and_then(|()| target.force_health(&server, health)),
        ),
        Command::ForceAgent(server, Some(up)) => done(
            target
                .find_server(&server)
                .and_then(|()| target.force_agent(&server, up)),
        ),
        Command::ForceAgent(server, None) => done(
            target
                .find_server(&server)
                .and_then(|()| agent_enabled(target, &server))
                .and_then(|()| Err(RuntimeError::Other(AGENT_EXPECTS.to_string()))),
        ),
        Command::ShutdownSessions(server) => done(target.shutdown_sessions(&server)),
        Command::ClearCounters { all } => {
            target.clear_counters(all);
            Reply::default()
        }
        Command::SetCliTimeout(t) => {
            settings.cli_timeout = Some(t);
            Reply::default()
        }
    }
}
