//! `server` and `default-server` lines (configuration manual 4.2 "server", 5.2 server options).

use std::time::Duration;

use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Proxy, Server, ServerDefaults};
use crate::values::{parse_server_addr, parse_time, parse_uint};

/// Server options that take a value (manual 5.2).
pub const SERVER_VALUE_OPTIONS: &[&str] = &[
    "addr",
    "agent-send",
    "agent-inter",
    "agent-addr",
    "agent-port",
    "alpn",
    "ca-file",
    "check-alpn",
    "check-proto",
    "check-sni",
    "ciphers",
    "ciphersuites",
    "cookie",
    "crl-file",
    "crt",
    "error-limit",
    "fall",
    "id",
    "init-addr",
    "inter",
    "fastinter",
    "downinter",
    "log-proto",
    "maxconn",
    "maxqueue",
    "max-reuse",
    "minconn",
    "namespace",
    "npn",
    "observe",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    "pool-low-conn",
    "pool-max-conn",
    "pool-purge-delay",
    "port",
    "proto",
    "redir",
    "rise",
    "resolve-opts",
    "resolve-prefer",
    "resolve-net",
    "resolvers",
    "proxy-v2-options",
    "slowstart",
    "sni",
    "source",
    "ssl-max-ver",
    "ssl-min-ver",
    "socks4",
    "tcp-ut",
    "track",
    "verify",
    "verifyhost",
    "weight",
    "ws",
];

/// Server options that take no value (manual 5.2).
pub const SERVER_FLAGS: &[&str] = &[
    "agent-check",
    "allow-0rtt",
    "backup",
    "check",
    "check-send-proxy",
    "check-ssl",
    "check-via-socks4",
    "disabled",
    "enabled",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "force-tlsv12",
    "force-tlsv13",
    "no-agent-check",
    "no-backup",
    "no-check",
    "no-check-ssl",
    "no-send-proxy",
    "no-send-proxy-v2",
    "no-send-proxy-v2-ssl",
    "no-send-proxy-v2-ssl-cn",
    "no-ssl",
    "no-ssl-reuse",
    "no-sslv3",
    "no-tls-tickets",
    "no-tlsv10",
    "no-tlsv11",
    "no-tlsv12",
    "no-tlsv13",
    "no-verifyhost",
    "no-tfo",
    "non-stick",
    "send-proxy",
    "send-proxy-v2",
    "send-proxy-v2-ssl",
    "send-proxy-v2-ssl-cn",
    "ssl",
    "ssl-reuse",
    "stick",
    "tfo",
    "tls-tickets",
];

/// Options the data plane acts on today; any other option is accepted with a warning.
const ACTED_ON: &[&str] = &[
    "weight",
    "maxconn",
    "maxqueue",
    "minconn",
    "backup",
    "no-backup",
    "disabled",
    "enabled",
    "id",
    // Persistence (the balance crate).
    "cookie",
    // Health checks (the checks crate).
    "check",
    "no-check",
    "inter",
    "fastinter",
    "downinter",
    "rise",
    "fall",
    "port",
    "addr",
    "check-send-proxy",
    "agent-check",
    "no-agent-check",
    "agent-port",
    "agent-inter",
    "observe",
    "error-limit",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    // Weight and maxconn ramp (checks crate, connection slots).
    "slowstart",
];

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "server",
        Scope::BE_ONLY,
        Support::Partial("address, weight, maxconn, maxqueue, backup, disabled, cookie, health and agent checks, observe, slowstart, on-marked-down/up; TLS and the options listed as warned are not acted on yet"),
        Handler::Proxy(server),
    ),
    Keyword::new(
        "default-server",
        Scope::BE,
        Support::Partial("as for 'server'"),
        Handler::Proxy(default_server),
    ),
];

fn server(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    let name = a
        .first()
        .ok_or("'server' expects <name> and <addr>[:<port>] as arguments")?;
    let addr = a.get(1).ok_or_else(|| {
        format!("'server {name}' : expects <name> and <addr>[:<port>] as arguments")
    })?;
    let what = format!("'server {}/{}'", c.section_name, name);
    let (addr, port) = parse_server_addr(addr).map_err(|e| format!("{what} : {e}"))?;
    let mut d = p.default_server.clone();
    let mut cookie = None;
    let ignored = apply_options(&mut d, &mut cookie, &a[2..], &what)?;
    if !ignored.is_empty() {
        c.warn(format!(
            "{what} : options not supported yet by halb (ignored): {}",
            ignored.join(", ")
        ));
    }
    let s = Server {
        name: name.clone(),
        addr,
        port,
        id: explicit_id(&a[2..]),
        weight: d.weight.unwrap_or(1),
        maxconn: d.maxconn.unwrap_or(0),
        minconn: d.minconn.unwrap_or(0),
        maxqueue: d.maxqueue.unwrap_or(0),
        backup: d.backup.unwrap_or(false),
        disabled: d.disabled.unwrap_or(false),
        check: d.check.unwrap_or(false),
        inter: d.inter.unwrap_or(Duration::from_secs(2)),
        fastinter: d.fastinter,
        downinter: d.downinter,
        rise: d.rise.unwrap_or(2),
        fall: d.fall.unwrap_or(3),
        check_port: d.port,
        check_addr: d.addr,
        cookie,
        send_proxy: d.send_proxy.unwrap_or(false),
        check_send_proxy: d.check_send_proxy.unwrap_or(false),
        slowstart: d.slowstart,
        agent_check: d.agent_check.unwrap_or(false),
        agent_port: d.agent_port,
        agent_inter: d.agent_inter,
        observe: d.observe.clone(),
        error_limit: d.error_limit.unwrap_or(10),
        on_error: d.on_error.clone(),
        on_marked_down: d.on_marked_down.clone(),
        on_marked_up: d.on_marked_up.clone(),
        unsupported: ignored,
        location: c.loc.clone(),
    };
    p.servers.push(s);
    Ok(())
}

/// The `id N` option of a server line (validated by `apply_options`).
fn explicit_id(opts: &[String]) -> Option<u32> {
    opts.windows(2)
        .find(|w| w[0] == "id")
        .and_then(|w| w[1].parse().ok())
        .filter(|id| *id > 0)
}

fn default_server(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    let mut d = p.default_server.clone();
    let mut cookie = None;
    let ignored = apply_options(&mut d, &mut cookie, a, "'default-server'")?;
    if cookie.is_some() {
        return Err("'default-server' : 'cookie' is not permitted here".into());
    }
    if !ignored.is_empty() {
        c.warn(format!(
            "'default-server' : options not supported yet by halb (ignored): {}",
            ignored.join(", ")
        ));
    }
    p.default_server = d;
    Ok(())
}

/// Applies server options to `d`; returns the options accepted but not acted on.
fn apply_options(
    d: &mut ServerDefaults,
    cookie: &mut Option<String>,
    opts: &[String],
    what: &str,
) -> Result<Vec<String>, String> {
    let mut ignored = Vec::new();
    let mut i = 0;
    let time = |v: &str, o: &str| {
        parse_time(v, o).map_err(|_| {
            format!("{what} : unexpected value '{v}' for '{o}' (a time such as 2000, 2s, 1m)")
        })
    };
    let uint =
        |v: &str, o: &str, max: u64| parse_uint(v, o, max).map_err(|e| format!("{what} : {e}"));
    while i < opts.len() {
        let o = opts[i].as_str();
        if !ACTED_ON.contains(&o) && !ignored.iter().any(|x: &String| x == o) {
            ignored.push(o.to_string());
        }
        if SERVER_FLAGS.contains(&o) {
            match o {
                "backup" => d.backup = Some(true),
                "no-backup" => d.backup = Some(false),
                "check" => d.check = Some(true),
                "no-check" => d.check = Some(false),
                "disabled" => d.disabled = Some(true),
                "enabled" => d.disabled = Some(false),
                "send-proxy" => d.send_proxy = Some(true),
                "no-send-proxy" => d.send_proxy = Some(false),
                "check-send-proxy" => d.check_send_proxy = Some(true),
                "agent-check" => d.agent_check = Some(true),
                "no-agent-check" => d.agent_check = Some(false),
                _ => {}
            }
            i += 1;
            continue;
        }
        if !SERVER_VALUE_OPTIONS.contains(&o) {
            let mut cands: Vec<&str> = SERVER_FLAGS.to_vec();
            cands.extend_from_slice(SERVER_VALUE_OPTIONS);
            let hint = super::suggest(o, &cands)
                .map(|s| format!("; did you mean '{s}' maybe ?"))
                .unwrap_or_default();
            return Err(format!("{what} : unknown keyword '{o}'{hint}"));
        }
        let v = opts
            .get(i + 1)
            .ok_or_else(|| format!("{what} : '{o}' expects an argument"))?
            .as_str();
        match o {
            "weight" => {
                let w = parse_uint(v, "weight", u64::MAX)
                    .ok()
                    .filter(|w| *w <= 256)
                    .ok_or_else(|| format!("{what} : weight is not within 0 and 256 ({v})"))?;
                d.weight = Some(w as u32);
            }
            "maxconn" => d.maxconn = Some(uint(v, o, i32::MAX as u64)? as u32),
            "minconn" => d.minconn = Some(uint(v, o, i32::MAX as u64)? as u32),
            "maxqueue" => d.maxqueue = Some(uint(v, o, i32::MAX as u64)? as u32),
            "inter" => d.inter = Some(nonzero(time(v, o)?, what, o)?),
            "fastinter" => d.fastinter = Some(nonzero(time(v, o)?, what, o)?),
            "downinter" => d.downinter = Some(nonzero(time(v, o)?, what, o)?),
            "slowstart" => d.slowstart = Some(time(v, o)?),
            "agent-inter" => d.agent_inter = Some(nonzero(time(v, o)?, what, o)?),
            "rise" => d.rise = Some(positive(uint(v, o, i32::MAX as u64)?, what, o)?),
            "fall" => d.fall = Some(positive(uint(v, o, i32::MAX as u64)?, what, o)?),
            "error-limit" => d.error_limit = Some(uint(v, o, i32::MAX as u64)? as u32),
            "port" => d.port = Some(port(v, what)?),
            "agent-port" => d.agent_port = Some(port(v, what)?),
            "addr" => {
                d.addr = Some(
                    v.parse()
                        .map_err(|_| format!("{what} : invalid check address '{v}'"))?,
                )
            }
            "cookie" => *cookie = Some(v.to_string()),
            "id" if uint(v, o, i32::MAX as u64)? == 0 => {
                return Err(format!("{what} : 'id' must be a positive integer"));
            }
            "observe" => {
                if v != "layer4" && v != "layer7" {
                    return Err(format!(
                        "{what} : 'observe' expects 'layer4' or 'layer7', got '{v}'"
                    ));
                }
                d.observe = Some(v.to_string());
            }
            "on-error" => d.on_error = Some(v.to_string()),
            "on-marked-down" => d.on_marked_down = Some(v.to_string()),
            "on-marked-up" => d.on_marked_up = Some(v.to_string()),
            "resolvers" => d.resolvers = Some(v.to_string()),
            "init-addr" => d.init_addr = Some(v.to_string()),
            _ => {}
        }
        i += 2;
    }
    Ok(ignored)
}

fn nonzero(t: Duration, what: &str, o: &str) -> Result<Duration, String> {
    if t.is_zero() {
        Err(format!("{what} : '{o}' must be greater than 0"))
    } else {
        Ok(t)
    }
}

fn positive(v: u64, what: &str, o: &str) -> Result<u32, String> {
    if v == 0 {
        Err(format!("{what} : '{o}' must be greater than 0"))
    } else {
        Ok(v as u32)
    }
}

fn port(v: &str, what: &str) -> Result<u16, String> {
    match v.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("{what} : invalid port '{v}'")),
    }
}
