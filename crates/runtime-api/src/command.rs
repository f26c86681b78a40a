//! One CLI command, parsed from its words (management manual 9.3), with the level it needs.
//!
//! The session cuts the input into commands and words; this module turns words into a
//! [`Command`] or into the error HAProxy would print. Errors that HAProxy reports only
//! after checking the level (and, for server commands, after looking the server up)
//! carry what is needed to keep that order.

use std::time::Duration;

use crate::arguments::{
    check, get_weight_arg, parse_sess_id, parse_set_server, parse_set_timeout, parse_show_info,
    parse_show_stat, server_arg, unreachable_keyword,
};
use crate::keywords;
use crate::level::Level;
use crate::target::{
    AdminState, CheckKind, ForcedHealth, InfoQuery, ProxyKey, ServerRef, StatQuery,
};
use crate::weight::{parse_weight, WeightSpec};
use crate::words::atoi;

/// A command the CLI understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `help [words]`: the words after `help`.
    Help(Vec<String>),
    /// `prompt`: toggle interactive mode.
    Prompt,
    /// `quit`: close the connection.
    Quit,
    /// `operator` / `user` [`-`]: lower the session's level; `-` suppresses the newline
    /// printed after the command.
    LowerLevel {
        to: Level,
        no_newline: bool,
    },
    ShowCliLevel,
    ShowVersion,
    ShowInfo(InfoQuery),
    ShowStat(StatQuery),
    /// `show servers state [backend]`.
    ShowServersState(Option<String>),
    ShowBackend,
    /// `show sess [id|all]`: `None` lists all.
    ShowSess(Option<u64>),
    /// `show errors [proxy] [request|response]`.
    ShowErrors(Option<ProxyKey>),
    /// `disable server` (Maint), `enable server` (Ready), `set server B/S state S`.
    SetAdminState(ServerRef, AdminState),
    /// `set weight B/S W`, `set server B/S weight W`.
    SetWeight(ServerRef, WeightSpec),
    GetWeight(ServerRef),
    /// `enable|disable health|agent B/S`.
    SetCheck {
        server: ServerRef,
        kind: CheckKind,
        enabled: bool,
    },
    /// `set server B/S health up|stopping|down`.
    ForceHealth(ServerRef, ForcedHealth),
    /// `set server B/S agent up|down`; `None` for any other word, answered with
    /// "expects 'up' or 'down'" once the agent is known to be enabled (HAProxy's order).
    ForceAgent(ServerRef, Option<bool>),
    ShutdownSessions(ServerRef),
    ClearCounters {
        all: bool,
    },
    /// `set timeout cli N` (seconds unless a unit is given).
    SetCliTimeout(Duration),
}

/// Why a command line was not turned into a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No such command: answer with the usage text and suggestions.
    Unknown,
    /// A known command with bad arguments. `message` is printed only if the session has
    /// `level`; if `server` is set, a failed lookup of that server is printed instead.
    Invalid {
        level: Level,
        server: Option<ServerRef>,
        message: String,
    },
}

impl ParseError {
    pub(crate) fn invalid(level: Level, message: &str) -> Self {
        ParseError::Invalid {
            level,
            server: None,
            message: message.to_string(),
        }
    }

    pub(crate) fn after_lookup(level: Level, server: ServerRef, message: String) -> Self {
        ParseError::Invalid {
            level,
            server: Some(server),
            message,
        }
    }
}

impl Command {
    /// The least level a session needs to run this command.
    pub fn required_level(&self) -> Level {
        match self {
            Command::Help(_)
            | Command::Prompt
            | Command::Quit
            | Command::ShowCliLevel
            | Command::ShowVersion
            | Command::ShowInfo(_)
            | Command::ShowStat(_)
            | Command::ShowServersState(_)
            | Command::ShowBackend
            | Command::GetWeight(_)
            | Command::SetCliTimeout(_) => Level::User,
            Command::LowerLevel { to, .. } => *to,
            Command::ShowSess(_)
            | Command::ShowErrors(_)
            | Command::ClearCounters { all: false } => Level::Operator,
            Command::ClearCounters { all: true }
            | Command::SetAdminState(..)
            | Command::SetWeight(..)
            | Command::SetCheck { .. }
            | Command::ForceHealth(..)
            | Command::ForceAgent(..)
            | Command::ShutdownSessions(_) => Level::Admin,
        }
    }

    /// Parses one command's words (see [`split_words`](crate::split_words)).
    pub fn parse(words: &[String]) -> Result<Command, ParseError> {
        let kw = keywords::find(words).ok_or(ParseError::Unknown)?;
        let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let cmd = match kw.words {
            ["help"] => Command::Help(words[1..].to_vec()),
            ["prompt"] => Command::Prompt,
            ["quit"] => Command::Quit,
            ["operator"] => Command::LowerLevel {
                to: Level::Operator,
                no_newline: arg(1) == "-",
            },
            ["user"] => Command::LowerLevel {
                to: Level::User,
                no_newline: arg(1) == "-",
            },
            ["show", "cli", "level"] => Command::ShowCliLevel,
            ["show", "version"] => Command::ShowVersion,
            ["show", "backend"] => Command::ShowBackend,
            ["show", "info"] => Command::ShowInfo(parse_show_info(&words[2..])),
            ["show", "stat"] => Command::ShowStat(parse_show_stat(&words[2..])?),
            ["show", "servers", "state"] => Command::ShowServersState(words.get(3).cloned()),
            ["show", "sess"] => Command::ShowSess(parse_sess_id(arg(2))),
            ["show", "errors"] => Command::ShowErrors(words.get(2).map(|w| ProxyKey {
                word: w.clone(),
                id: atoi(w),
            })),
            ["clear", "counters"] => Command::ClearCounters {
                all: arg(2) == "all",
            },
            ["set", "timeout"] => parse_set_timeout(arg(2), arg(3))?,
            ["disable", "server"] => Command::SetAdminState(server_arg(arg(2))?, AdminState::Maint),
            ["enable", "server"] => Command::SetAdminState(server_arg(arg(2))?, AdminState::Ready),
            ["disable", "health"] => check(arg(2), CheckKind::Health, false)?,
            ["enable", "health"] => check(arg(2), CheckKind::Health, true)?,
            ["disable", "agent"] => check(arg(2), CheckKind::Agent, false)?,
            ["enable", "agent"] => check(arg(2), CheckKind::Agent, true)?,
            ["shutdown", "sessions", "server"] => Command::ShutdownSessions(server_arg(arg(3))?),
            ["get", "weight"] => Command::GetWeight(get_weight_arg(arg(2))?),
            ["set", "weight"] => {
                let server = server_arg(arg(2))?;
                let weight = parse_weight(arg(3)).map_err(|e| {
                    ParseError::after_lookup(Level::Admin, server.clone(), e.to_string())
                })?;
                Command::SetWeight(server, weight)
            }
            ["set", "server"] => parse_set_server(server_arg(arg(2))?, arg(3), arg(4))?,
            other => unreachable_keyword(other)?,
        };
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{OutputFormat, StatScope};

    fn parse(s: &str) -> Result<Command, ParseError> {
        Command::parse(&crate::words::split_words(s.as_bytes()))
    }

    fn sref(b: &str, s: &str) -> ServerRef {
        ServerRef {
            backend: b.into(),
            server: s.into(),
        }
    }

    fn message(e: Result<Command, ParseError>) -> String {
        match e {
            Err(ParseError::Invalid { message, .. }) => message,
            other => panic!("expected an invalid command, got {other:?}"),
        }
    }

    #[test]
    fn server_commands() {
        assert_eq!(
            parse("disable server be/s1"),
            Ok(Command::SetAdminState(sref("be", "s1"), AdminState::Maint))
        );
        assert_eq!(
            parse("enable server be/s1"),
            Ok(Command::SetAdminState(sref("be", "s1"), AdminState::Ready))
        );
        assert_eq!(
            parse("set server be/s1 state drain"),
            Ok(Command::SetAdminState(sref("be", "s1"), AdminState::Drain))
        );
        assert_eq!(
            parse("set server be/s1 weight 50%"),
            Ok(Command::SetWeight(
                sref("be", "s1"),
                WeightSpec::Relative(50)
            ))
        );
        assert_eq!(
            parse("set weight be/s1 7"),
            Ok(Command::SetWeight(
                sref("be", "s1"),
                WeightSpec::Absolute(7)
            ))
        );
        assert_eq!(
            parse("get weight be/s1 extra"),
            Ok(Command::GetWeight(sref("be", "s1")))
        );
        assert_eq!(
            parse("disable health be/s1"),
            Ok(Command::SetCheck {
                server: sref("be", "s1"),
                kind: CheckKind::Health,
                enabled: false
            })
        );
        assert_eq!(
            parse("shutdown sessions server be/s1"),
            Ok(Command::ShutdownSessions(sref("be", "s1")))
        );
        assert_eq!(
            parse("set server be/s1 health stopping"),
            Ok(Command::ForceHealth(
                sref("be", "s1"),
                ForcedHealth::Stopping
            ))
        );
    }

    #[test]
    fn server_argument_needs_backend_slash_server() {
        for line in [
            "disable server be",
            "disable server",
            "set weight /s1 3",
            "set server be/ state ready",
            "shutdown sessions server x",
        ] {
            assert_eq!(
                message(parse(line)),
                "Require 'backend/server'.\n",
                "{line}"
            );
        }
        // get weight accepts an empty backend (then "No such backend.").
        assert_eq!(
            parse("get weight /s1"),
            Ok(Command::GetWeight(sref("", "s1")))
        );
        assert_eq!(
            message(parse("get weight be")),
            "Require 'backend/server'.\n"
        );
    }

    #[test]
    fn argument_errors_wait_for_the_server_lookup() {
        match parse("set server be/s1 state foo") {
            Err(ParseError::Invalid {
                level: Level::Admin,
                server: Some(s),
                message,
            }) => {
                assert_eq!(s, sref("be", "s1"));
                assert_eq!(
                    message,
                    "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            message(parse("set weight be/s1 abc")),
            "Empty weight string empty or preceded by garbage"
        );
        assert_eq!(
            message(parse("set server be/s1 weight")),
            "Require <weight> or <weight%>.\n"
        );
        assert!(message(parse("set server be/s1 foo"))
            .starts_with("usage: set server <backend>/<server> addr | agent"));
    }

    #[test]
    fn show_stat_arguments() {
        let Ok(Command::ShowStat(q)) = parse("show stat 3 4 -1 typed desc") else {
            panic!()
        };
        assert_eq!(
            q.scope,
            Some(StatScope {
                proxy: ProxyKey {
                    word: "3".into(),
                    id: 3
                },
                types: 4,
                sid: -1
            })
        );
        assert_eq!(q.format, OutputFormat::Typed);
        assert!(q.desc);
        // Fewer than three words: no scope, the words are flags (unknown ones ignored).
        let Ok(Command::ShowStat(q)) = parse("show stat be 1") else {
            panic!()
        };
        assert_eq!(q.scope, None);
        let Ok(Command::ShowStat(q)) = parse("show stat domain proxy be -1 -1 json up no-maint")
        else {
            panic!()
        };
        assert_eq!(q.scope.map(|s| s.proxy.word), Some("be".to_string()));
        assert_eq!(
            (q.format, q.up_only, q.no_maint),
            (OutputFormat::Json, true, true)
        );
        assert_eq!(
            message(parse("show stat domain foo")),
            "Invalid statistics domain.\n"
        );
    }

    #[test]
    fn show_info_arguments() {
        assert_eq!(
            parse("show info json desc float bogus"),
            Ok(Command::ShowInfo(InfoQuery {
                format: OutputFormat::Json,
                desc: true,
                float: true
            }))
        );
    }

    #[test]
    fn set_timeout_cli() {
        assert_eq!(
            parse("set timeout cli 10"),
            Ok(Command::SetCliTimeout(Duration::from_secs(10)))
        );
        assert_eq!(
            parse("set timeout cli 2m"),
            Ok(Command::SetCliTimeout(Duration::from_secs(120)))
        );
        assert_eq!(
            message(parse("set timeout cli")),
            "Expects an integer value.\n"
        );
        for bad in ["0", "abc", "-5", "99999999999", "5x", "2147483648"] {
            assert_eq!(
                message(parse(&format!("set timeout cli {bad}"))),
                "Invalid timeout value.\n",
                "{bad}"
            );
        }
        assert_eq!(
            message(parse("set timeout foo 3")),
            "'set timeout' only supports 'cli'.\n"
        );
    }

    #[test]
    fn levels_of_commands() {
        let level = |s: &str| parse(s).map(|c| c.required_level());
        assert_eq!(level("show stat"), Ok(Level::User));
        assert_eq!(level("show sess"), Ok(Level::Operator));
        assert_eq!(level("clear counters"), Ok(Level::Operator));
        assert_eq!(level("clear counters all"), Ok(Level::Admin));
        assert_eq!(level("operator"), Ok(Level::Operator));
        assert_eq!(level("user"), Ok(Level::User));
        assert_eq!(level("set weight be/s 1"), Ok(Level::Admin));
        assert_eq!(level("get weight be/s"), Ok(Level::User));
    }

    #[test]
    fn unknown_commands() {
        assert_eq!(parse(""), Err(ParseError::Unknown));
        assert_eq!(parse("show"), Err(ParseError::Unknown));
        assert_eq!(parse("SHOW VERSION"), Err(ParseError::Unknown));
    }
}
