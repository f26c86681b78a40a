//! `bind ADDR [, ...] [options]` (configuration manual 4.2 "bind" and 5.1 bind options).

use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Bind, Proxy};
use crate::values::{parse_listen_addrs, parse_uint};

/// Bind options that take a value (manual 5.1).
pub const BIND_VALUE_OPTIONS: &[&str] = &[
    "accept-netscaler-cip",
    "alpn",
    "backlog",
    "curves",
    "ecdhe",
    "ca-file",
    "ca-ignore-err",
    "ca-sign-file",
    "ca-sign-pass",
    "ca-verify-file",
    "ciphers",
    "ciphersuites",
    "crl-file",
    "crt",
    "crt-ignore-err",
    "crt-list",
    "expose-fd",
    "gid",
    "group",
    "id",
    "interface",
    "level",
    "severity-output",
    "maxconn",
    "mode",
    "mss",
    "name",
    "namespace",
    "nice",
    "npn",
    "process",
    "proto",
    "quic-cc-algo",
    "shards",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-ut",
    "thread",
    "tls-ticket-keys",
    "uid",
    "user",
    "verify",
];

/// Bind options that take no value (manual 5.1, plus halb's `freebind`).
pub const BIND_FLAGS: &[&str] = &[
    "accept-proxy",
    "allow-0rtt",
    "defer-accept",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "force-tlsv12",
    "force-tlsv13",
    "generate-certificates",
    "no-ca-names",
    "no-sslv3",
    "no-tls-tickets",
    "no-tlsv10",
    "no-tlsv11",
    "no-tlsv12",
    "no-tlsv13",
    "prefer-client-ciphers",
    "quic-force-retry",
    "ssl",
    "strict-sni",
    "tfo",
    "transparent",
    "freebind",
    "v4v6",
    "v6only",
];

pub(crate) const KEYWORDS: &[Keyword] = &[Keyword::new(
    "bind",
    Scope::FE_ONLY,
    Support::Partial("TCP over IPv4/IPv6 and unix sockets; TLS options are not supported yet"),
    Handler::Proxy(bind),
)];

fn bind(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    let (addr, opts) = a
        .split_first()
        .ok_or("'bind' expects an address (e.g. ':80', '192.168.0.1:8080', 'unix@/run/x.sock')")?;
    let addrs = parse_listen_addrs(addr).map_err(|e| format!("'bind {addr}' : {e}"))?;
    let mut b = new_bind(addrs, c);
    apply_bind_options(&mut b, opts, addr, c)?;
    p.binds.push(b);
    Ok(())
}

pub(crate) fn new_bind(addrs: Vec<crate::model::ListenAddr>, c: &Ctx<'_>) -> Bind {
    Bind {
        addrs,
        name: None,
        maxconn: None,
        backlog: None,
        transparent: false,
        freebind: false,
        v4v6: false,
        v6only: false,
        interface: None,
        defer_accept: false,
        tfo: false,
        accept_proxy: false,
        mode: None,
        ssl: false,
        unsupported: Vec::new(),
        legacy: false,
        location: c.loc.clone(),
    }
}

fn apply_bind_options(
    b: &mut Bind,
    opts: &[String],
    addr: &str,
    c: &mut Ctx<'_>,
) -> Result<(), String> {
    let mut i = 0;
    while i < opts.len() {
        let o = opts[i].as_str();
        if BIND_FLAGS.contains(&o) {
            match o {
                "transparent" => b.transparent = true,
                "freebind" => b.freebind = true,
                "v4v6" => b.v4v6 = true,
                "v6only" => b.v6only = true,
                "defer-accept" => b.defer_accept = true,
                "tfo" => b.tfo = true,
                "accept-proxy" => {
                    b.accept_proxy = true;
                    b.unsupported.push(o.to_string());
                }
                "ssl" => {
                    b.ssl = true;
                    b.unsupported.push(o.to_string());
                }
                _ => b.unsupported.push(o.to_string()),
            }
            i += 1;
            continue;
        }
        if BIND_VALUE_OPTIONS.contains(&o) {
            let v = opts
                .get(i + 1)
                .ok_or_else(|| format!("'bind {addr}' : '{o}' expects an argument"))?;
            match o {
                "name" => b.name = Some(v.clone()),
                "maxconn" => {
                    b.maxconn = Some(parse_uint(v, "bind maxconn", i32::MAX as u64)? as u32);
                    // Kept in the model, but the data plane only limits per frontend and globally.
                    b.unsupported.push(o.to_string());
                }
                "backlog" => {
                    b.backlog = Some(parse_uint(v, "bind backlog", i32::MAX as u64)? as u32)
                }
                "interface" => b.interface = Some(v.clone()),
                "mode" => {
                    b.mode = Some(u32::from_str_radix(v, 8).map_err(|_| {
                        format!("'bind {addr}' : invalid mode '{v}' (octal expected)")
                    })?)
                }
                "id" | "process" | "thread" | "shards" | "nice" => {}
                _ => b.unsupported.push(o.to_string()),
            }
            i += 2;
            continue;
        }
        let mut cands: Vec<&str> = BIND_FLAGS.to_vec();
        cands.extend_from_slice(BIND_VALUE_OPTIONS);
        let hint = super::suggest(o, &cands)
            .map(|s| format!("; did you mean '{s}' maybe ?"))
            .unwrap_or_default();
        return Err(format!("'bind {addr}' unknown keyword '{o}'{hint}"));
    }
    if !b.unsupported.is_empty() {
        c.warn(format!(
            "'bind {addr}' : options not supported yet by halb (ignored): {}",
            b.unsupported.join(", ")
        ));
    }
    Ok(())
}
