//! `log` targets (global and per proxy), `log-format`, `log-tag`, `capture` (configuration
//! manual 3.1 "log", 4.2 "log", 8).

use super::args::one;
use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Capture, LogDest, LogFormat, LogTarget, Proxy};
use crate::values::parse_uint;

const FACILITIES: &[&str] = &[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// Parses `log ADDR [len N] [format F] [sample R:S] FACILITY [LEVEL [MINLEVEL]]`.
pub(crate) fn parse_log_target(a: &[String], c: &Ctx<'_>) -> Result<LogTarget, String> {
    let (addr, mut rest) = a
        .split_first()
        .ok_or("'log' expects either <address[:port]> and <facility> or 'global' as arguments")?;
    let dest = parse_dest(addr)?;
    let mut len = None;
    let mut format = LogFormat::Rfc3164;
    loop {
        match rest {
            [k, v, tail @ ..] if k == "len" => {
                let n = v.parse::<u64>().ok().filter(|n| (80..=65535).contains(n));
                let Some(n) = n else {
                    return Err(format!(
                        "log : invalid log length '{v}', must be between 80 and 65535"
                    ));
                };
                len = Some(n as usize);
                rest = tail;
            }
            [k, v, tail @ ..] if k == "format" => {
                format = match v.as_str() {
                    "rfc3164" => LogFormat::Rfc3164,
                    "rfc5424" => LogFormat::Rfc5424,
                    "raw" => LogFormat::Raw,
                    "short" => LogFormat::Short,
                    "timed" => LogFormat::Timed,
                    "iso" => LogFormat::Iso,
                    "local" => LogFormat::Local,
                    "priority" => LogFormat::Priority,
                    f => return Err(format!("'log' : unknown log format '{f}' (expected rfc3164, rfc5424, raw, short, timed, iso, local or priority)")),
                };
                rest = tail;
            }
            [k, _, tail @ ..] if k == "sample" => rest = tail,
            _ => break,
        }
    }
    let (facility, levels) = rest
        .split_first()
        .ok_or_else(|| format!("'log {addr}' : missing facility (e.g. local0)"))?;
    if !FACILITIES.contains(&facility.as_str()) {
        return Err(format!("unknown log facility '{facility}'"));
    }
    let level = levels.first().cloned();
    let min_level = levels.get(1).cloned();
    for l in level.iter().chain(min_level.iter()) {
        if !LEVELS.contains(&l.as_str()) {
            return Err(format!("unknown optional log level '{l}'"));
        }
    }
    if levels.len() > 2 {
        return Err(format!("'log' : unexpected argument '{}'", levels[2]));
    }
    Ok(LogTarget {
        dest,
        format,
        len,
        facility: facility.clone(),
        level,
        min_level,
        location: c.loc.clone(),
    })
}

fn parse_dest(s: &str) -> Result<LogDest, String> {
    match s {
        "stdout" => return Ok(LogDest::Stdout),
        "stderr" => return Ok(LogDest::Stderr),
        _ => {}
    }
    if s.starts_with('/') {
        return Ok(LogDest::Unix(s.into()));
    }
    if let Some(p) = s.strip_prefix("unix@") {
        return Ok(LogDest::Unix(p.into()));
    }
    if s.starts_with("ring@") || s.starts_with("fd@") {
        return Err(format!(
            "'log {s}' : ring and fd log targets are not supported yet by halb"
        ));
    }
    let rest = s
        .strip_prefix("udp@")
        .or_else(|| s.strip_prefix("udp4@"))
        .or_else(|| s.strip_prefix("ipv4@"))
        .or_else(|| s.strip_prefix("udp6@"))
        .or_else(|| s.strip_prefix("ipv6@"))
        .unwrap_or(s);
    // The port is optional for log targets: 514 by default.
    let with_port = if rest.parse::<std::net::IpAddr>().is_ok() && !rest.starts_with('[') {
        if rest.contains(':') {
            format!("[{rest}]:514")
        } else {
            format!("{rest}:514")
        }
    } else {
        rest.to_string()
    };
    with_port
        .parse::<std::net::SocketAddr>()
        .map(LogDest::Udp)
        .map_err(|_| {
            format!("'log' : invalid address '{s}' (expected IP[:port], /path, stdout or stderr)")
        })
}

fn proxy_log(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    if c.negated {
        p.logs.clear();
        return Ok(());
    }
    if a.len() == 1 && a[0] == "global" {
        // Resolved against the global targets once every section is read.
        p.logs.push(LogTarget {
            dest: LogDest::Stderr,
            format: LogFormat::Rfc3164,
            len: None,
            facility: "global".into(),
            level: None,
            min_level: None,
            location: c.loc.clone(),
        });
        return Ok(());
    }
    let t = parse_log_target(a, c)?;
    p.logs.push(t);
    Ok(())
}

fn capture(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String], request: bool) -> Result<(), String> {
    let kw = if request {
        "capture request header"
    } else {
        "capture response header"
    };
    match a {
        [name, l, n] if l == "len" => {
            let len = parse_uint(n, kw, 65535)? as usize;
            p.captures.push(Capture {
                request,
                header: name.clone(),
                len,
            });
            let _ = c;
            Ok(())
        }
        _ => Err(format!("'{kw}' expects <header name> 'len' <len>")),
    }
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "log",
        Scope::GLOBAL,
        Support::Yes,
        Handler::Global(|g, c, a| {
            let t = parse_log_target(a, c)?;
            g.logs.push(t);
            Ok(())
        }),
    ),
    Keyword::new(
        "log",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(proxy_log),
    )
    .negatable(),
    Keyword::new(
        "log-format",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            p.log_format = Some(one("log-format", a)?.to_string());
            p.log_format_location = Some(c.loc.clone());
            Ok(())
        }),
    ),
    Keyword::new(
        "log-format-sd",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            p.log_format_sd = Some(one("log-format-sd", a)?.to_string());
            p.log_format_location = Some(c.loc.clone());
            Ok(())
        }),
    ),
    Keyword::new(
        "unique-id-format",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            p.unique_id_format = Some(one("unique-id-format", a)?.to_string());
            p.unique_id_format_location = Some(c.loc.clone());
            Ok(())
        }),
    ),
    Keyword::new(
        "unique-id-header",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            p.unique_id_header = Some(one("unique-id-header", a)?.to_string());
            Ok(())
        }),
    ),
    Keyword::new(
        "log-tag",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            p.log_tag = Some(one("log-tag", a)?.to_string());
            Ok(())
        }),
    ),
    Keyword::new(
        "capture request header",
        Scope::FE_ONLY,
        Support::Yes,
        Handler::Proxy(|p, c, a| capture(p, c, a, true)),
    ),
    Keyword::new(
        "capture response header",
        Scope::FE_ONLY,
        Support::Yes,
        Handler::Proxy(|p, c, a| capture(p, c, a, false)),
    ),
    Keyword::new(
        "capture cookie",
        Scope::FE_ONLY,
        Support::NotYet,
        Handler::Accept,
    ),
];
