//! Argument parsers of the CLI commands (management manual 9.3): `backend/server`, weights,
//! `show stat` scopes and flags, session ids, timeouts. Used by [`Command::parse`](crate::Command::parse);
//! each returns HAProxy's error text for bad arguments.

use std::time::Duration;

use crate::command::{Command, ParseError};
use crate::level::Level;
use crate::target::{
    AdminState, CheckKind, ForcedHealth, InfoQuery, OutputFormat, ProxyKey, ServerRef, StatQuery,
    StatScope,
};
use crate::weight::parse_weight;
use crate::words::atoi;

pub(crate) const REQUIRE_BACKEND_SERVER: &str = "Require 'backend/server'.\n";

/// Every entry of the keyword table has an arm above; this keeps a new table entry
/// without an arm from panicking.
pub(crate) fn unreachable_keyword(_: &[&str]) -> Result<Command, ParseError> {
    Err(ParseError::Unknown)
}

pub(crate) fn check(word: &str, kind: CheckKind, enabled: bool) -> Result<Command, ParseError> {
    Ok(Command::SetCheck {
        server: server_arg(word)?,
        kind,
        enabled,
    })
}

/// `backend/server` for commands that change a server: both parts must be non-empty.
pub(crate) fn server_arg(word: &str) -> Result<ServerRef, ParseError> {
    match word.split_once('/') {
        Some((b, s)) if !b.is_empty() && !s.is_empty() => Ok(ServerRef {
            backend: b.to_string(),
            server: s.to_string(),
        }),
        _ => Err(ParseError::invalid(Level::Admin, REQUIRE_BACKEND_SERVER)),
    }
}

/// `get weight` only insists on a `/` and a server name; an empty backend name is then
/// "No such backend." (HAProxy's `cli_parse_get_weight`).
pub(crate) fn get_weight_arg(word: &str) -> Result<ServerRef, ParseError> {
    match word.split_once('/') {
        Some((b, s)) if !s.is_empty() => Ok(ServerRef {
            backend: b.to_string(),
            server: s.to_string(),
        }),
        _ => Err(ParseError::invalid(Level::User, REQUIRE_BACKEND_SERVER)),
    }
}

pub(crate) fn parse_set_server(
    server: ServerRef,
    what: &str,
    value: &str,
) -> Result<Command, ParseError> {
    let bad = |msg: &str| {
        Err(ParseError::after_lookup(
            Level::Admin,
            server.clone(),
            msg.to_string(),
        ))
    };
    match what {
        "weight" => match parse_weight(value) {
            Ok(w) => Ok(Command::SetWeight(server, w)),
            Err(e) => bad(&e.to_string()),
        },
        "state" => match value {
            "ready" => Ok(Command::SetAdminState(server, AdminState::Ready)),
            "drain" => Ok(Command::SetAdminState(server, AdminState::Drain)),
            "maint" => Ok(Command::SetAdminState(server, AdminState::Maint)),
            _ => bad("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"),
        },
        "health" => match value {
            "up" => Ok(Command::ForceHealth(server, ForcedHealth::Up)),
            "stopping" => Ok(Command::ForceHealth(server, ForcedHealth::Stopping)),
            "down" => Ok(Command::ForceHealth(server, ForcedHealth::Down)),
            _ => bad("'set server <srv> health' expects 'up', 'stopping', or 'down'.\n"),
        },
        "agent" => match value {
            "up" => Ok(Command::ForceAgent(server, Some(true))),
            "down" => Ok(Command::ForceAgent(server, Some(false))),
            // HAProxy checks that the agent is enabled before looking at the value.
            _ => Ok(Command::ForceAgent(server, None)),
        },
        "addr" | "agent-addr" | "agent-port" | "agent-send" | "check-addr" | "check-port" | "fqdn" | "ssl" => {
            bad(&format!("'set server <srv> {what}' is not supported by halb yet.\n"))
        }
        _ => bad("usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n"),
    }
}

pub(crate) fn parse_show_info(args: &[String]) -> InfoQuery {
    let mut q = InfoQuery::default();
    for a in args {
        match a.as_str() {
            "typed" => q.format = OutputFormat::Typed,
            "json" => q.format = OutputFormat::Json,
            "desc" => q.desc = true,
            "float" => q.float = true,
            _ => {}
        }
    }
    q
}

pub(crate) fn parse_show_stat(mut args: &[String]) -> Result<StatQuery, ParseError> {
    let mut q = StatQuery::default();
    if args.first().is_some_and(|a| a == "domain") {
        match args.get(1).map(String::as_str) {
            Some("proxy") => args = &args[2..],
            Some("resolvers") => {
                return Err(ParseError::invalid(
                    Level::User,
                    "'show stat domain resolvers' is not supported by halb.\n",
                ))
            }
            _ => {
                return Err(ParseError::invalid(
                    Level::User,
                    "Invalid statistics domain.\n",
                ))
            }
        }
    }
    if let [p, t, s, rest @ ..] = args {
        q.scope = Some(StatScope {
            proxy: ProxyKey {
                word: p.clone(),
                id: atoi(p),
            },
            types: atoi(t),
            sid: atoi(s),
        });
        args = rest;
    }
    for a in args {
        match a.as_str() {
            "typed" => q.format = OutputFormat::Typed,
            "json" => q.format = OutputFormat::Json,
            "desc" => q.desc = true,
            "no-maint" => q.no_maint = true,
            "up" => q.up_only = true,
            _ => {}
        }
    }
    Ok(q)
}

/// `show sess ID`: C `strtoul(ID, NULL, 0)` (hex with `0x`, octal with `0`); 0 and
/// `all` list every session.
pub(crate) fn parse_sess_id(word: &str) -> Option<u64> {
    if word.is_empty() || word == "all" {
        return None;
    }
    let (digits, radix) =
        if let Some(h) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
            (h, 16)
        } else if word.len() > 1 && word.starts_with('0') {
            (&word[1..], 8)
        } else {
            (word, 10)
        };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    match u64::from_str_radix(&digits[..end], radix) {
        Ok(0) | Err(_) => None,
        Ok(id) => Some(id),
    }
}

pub(crate) fn parse_set_timeout(what: &str, value: &str) -> Result<Command, ParseError> {
    if what != "cli" {
        return Err(ParseError::invalid(
            Level::User,
            "'set timeout' only supports 'cli'.\n",
        ));
    }
    if value.is_empty() {
        return Err(ParseError::invalid(
            Level::User,
            "Expects an integer value.\n",
        ));
    }
    match parse_seconds(value) {
        Some(secs) if secs >= 1 => Ok(Command::SetCliTimeout(Duration::from_secs(secs))),
        _ => Err(ParseError::invalid(Level::User, "Invalid timeout value.\n")),
    }
}

/// A HAProxy time with seconds as the default unit (`10`, `10s`, `2m`, `1500ms`), in whole
/// seconds rounded up, as HAProxy's `parse_time_err`: `None` if it does not start with a
/// digit, has an unknown unit, or reaches 2^31 seconds. Characters after a valid unit are
/// ignored (HAProxy only warns about them).
fn parse_seconds(s: &str) -> Option<u64> {
    let ndigits = s.bytes().take_while(u8::is_ascii_digit).count();
    if ndigits == 0 {
        return None;
    }
    let value = s[..ndigits].bytes().fold(0u64, |v, b| {
        v.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    let unit = &s.as_bytes()[ndigits..];
    let (mult, div): (u64, u64) = match unit {
        [] | [b's', ..] => (1, 1),
        [b'u', b's', ..] => (1, 1_000_000),
        [b'm', b's', ..] => (1, 1000),
        [b'm', ..] => (60, 1),
        [b'h', ..] => (3600, 1),
        [b'd', ..] => (86400, 1),
        _ => return None,
    };
    let secs = value.saturating_mul(mult).saturating_add(div - 1) / div;
    (secs < 1 << 31).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sess_ids_like_strtoul() {
        assert_eq!(parse_sess_id("0x1f"), Some(31));
        assert_eq!(parse_sess_id("17"), Some(17));
        assert_eq!(parse_sess_id("010"), Some(8));
        assert_eq!(parse_sess_id("all"), None);
        assert_eq!(parse_sess_id("foo"), None);
        assert_eq!(parse_sess_id("0xzz"), None);
    }
}
