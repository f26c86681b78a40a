//! Address and route lines: the syntax shared by `virtual_ipaddress`,
//! `virtual_ipaddress_excluded` and `static_ipaddress` (`ADDR[/PREFIX] [brd X] [dev IF]
//! [scope S] [label L] ...`), and by `virtual_routes` and `static_routes` (`ip route`-like).

use crate::keyword::Ctx;
use crate::model::Location;
use crate::tree::Node;
use std::net::{IpAddr, Ipv4Addr};

/// An address with its prefix length (`10.0.0.0/8`, `2001:db8::1/64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPrefix {
    pub addr: IpAddr,
    pub prefix_len: u8,
}

/// The broadcast address of an IPv4 address line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    Addr(Ipv4Addr),
    /// `brd +`: the address with all host bits set.
    HostBitsSet,
    /// `brd -`: the address with all host bits cleared.
    HostBitsCleared,
}

/// One line of `virtual_ipaddress` (or `_excluded`, or `static_ipaddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualAddress {
    pub addr: IpAddr,
    /// As written, or 32 (IPv4) / 128 (IPv6) when absent, as keepalived does.
    pub prefix_len: u8,
    pub broadcast: Option<Broadcast>,
    /// `dev IF`; `None` means the instance's `interface`.
    pub dev: Option<String>,
    /// `scope host|link|site|global|NUMBER` as written.
    pub scope: Option<String>,
    pub label: Option<String>,
    pub peer: Option<IpPrefix>,
    /// Bare options as written: `home`, `-nodad`, `mngtmpaddr`, `noprefixroute`,
    /// `autojoin`, `no_track`, `use_vmac`.
    pub flags: Vec<String>,
    pub track_group: Option<String>,
    pub preferred_lft: Option<String>,
    pub location: Location,
}

/// The destination of a route line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteDest {
    /// `default` (or `0.0.0.0/0`, kept as a prefix when written so).
    Default,
    Prefix(IpPrefix),
}

/// One line of `virtual_routes` or `static_routes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualRoute {
    /// `blackhole`, `unreachable`, `prohibit`, `throw` when given first; `None` = unicast.
    pub kind: Option<String>,
    pub dest: RouteDest,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    pub src: Option<IpAddr>,
    pub table: Option<String>,
    /// `metric`, `priority` or `preference`.
    pub metric: Option<u32>,
    pub scope: Option<String>,
    pub protocol: Option<String>,
    /// Every other word, in order, as written (`onlink`, `mtu 1400`, `nexthop ...`, ...).
    pub options: Vec<String>,
    pub location: Location,
}

/// Parses `ADDR` or `ADDR/PREFIX`; `None` when invalid.
pub(crate) fn parse_prefix(word: &str) -> Option<IpPrefix> {
    let (addr, len) = match word.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (word, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix_len = match len {
        Some(l) => {
            if l.is_empty() || !l.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let v: u8 = l.parse().ok()?;
            if v > max {
                return None;
            }
            v
        }
        None => max,
    };
    Some(IpPrefix { addr, prefix_len })
}

const ADDRESS_FLAGS: &[&str] = &[
    "home",
    "-nodad",
    "nodad",
    "mngtmpaddr",
    "noprefixroute",
    "autojoin",
    "no_track",
    "use_vmac",
];

/// Parses one address line. An invalid address is an error (keepalived: "VRRP parsed
/// invalid IP ... skipping IP" and `-t` fails); halb refuses rather than run without it.
pub(crate) fn parse_address(ctx: &mut Ctx<'_>, node: &Node) -> Option<VirtualAddress> {
    let first = node.keyword();
    let Some(prefix) = parse_prefix(first) else {
        ctx.error(node.loc, format!("invalid IP address '{first}'"));
        return None;
    };
    let mut a = VirtualAddress {
        addr: prefix.addr,
        prefix_len: prefix.prefix_len,
        broadcast: None,
        dev: None,
        scope: None,
        label: None,
        peer: None,
        flags: Vec::new(),
        track_group: None,
        preferred_lft: None,
        location: ctx.location(node.loc),
    };
    let mut words = node.args().iter();
    while let Some(w) = words.next() {
        let w = w.as_str();
        if ADDRESS_FLAGS.contains(&w) {
            a.flags.push(w.to_string());
            continue;
        }
        let takes_value = matches!(
            w,
            "brd"
                | "broadcast"
                | "dev"
                | "scope"
                | "label"
                | "peer"
                | "track_group"
                | "preferred_lft"
        );
        if !takes_value {
            ctx.error(node.loc, format!("address {first}: unknown option '{w}'"));
            return None;
        }
        let Some(v) = words.next() else {
            ctx.error(
                node.loc,
                format!("address {first}: '{w}' is missing its value"),
            );
            return None;
        };
        match w {
            "brd" | "broadcast" => {
                let b = match v.as_str() {
                    "+" => Some(Broadcast::HostBitsSet),
                    "-" => Some(Broadcast::HostBitsCleared),
                    s => s.parse::<Ipv4Addr>().ok().map(Broadcast::Addr),
                };
                match b {
                    Some(b) if a.addr.is_ipv4() => a.broadcast = Some(b),
                    _ => {
                        ctx.error(
                            node.loc,
                            format!("address {first}: invalid broadcast '{v}'"),
                        );
                        return None;
                    }
                }
            }
            "dev" => a.dev = Some(v.clone()),
            "scope" => a.scope = Some(v.clone()),
            "label" => a.label = Some(v.clone()),
            "peer" => match parse_prefix(v) {
                Some(p) => a.peer = Some(p),
                None => {
                    ctx.error(node.loc, format!("address {first}: invalid peer '{v}'"));
                    return None;
                }
            },
            "track_group" => a.track_group = Some(v.clone()),
            _ => a.preferred_lft = Some(v.clone()),
        }
    }
    Some(a)
}

const ROUTE_KINDS: &[&str] = &["blackhole", "unreachable", "prohibit", "throw"];

/// Parses one route line. The destination, `via`/`gw` and `src` must be valid addresses;
/// everything else is kept as written.
pub(crate) fn parse_route(ctx: &mut Ctx<'_>, node: &Node) -> Option<VirtualRoute> {
    let mut r = VirtualRoute {
        kind: None,
        dest: RouteDest::Default,
        via: None,
        dev: None,
        src: None,
        table: None,
        metric: None,
        scope: None,
        protocol: None,
        options: Vec::new(),
        location: ctx.location(node.loc),
    };
    let mut dest_seen = false;
    let mut words = node.words.iter().map(String::as_str);
    while let Some(w) = words.next() {
        let addr_value = |ctx: &mut Ctx<'_>, v: Option<&str>| -> Option<IpAddr> {
            let parsed = v.and_then(|v| v.parse::<IpAddr>().ok());
            if parsed.is_none() {
                ctx.error(
                    node.loc,
                    format!("route: invalid address for '{w}': '{}'", v.unwrap_or("")),
                );
            }
            parsed
        };
        match w {
            "via" | "gw" => r.via = Some(addr_value(ctx, words.next())?),
            "src" => r.src = Some(addr_value(ctx, words.next())?),
            "dev" | "oif" => r.dev = words.next().map(str::to_string),
            "table" => r.table = words.next().map(str::to_string),
            "scope" => r.scope = words.next().map(str::to_string),
            "protocol" | "proto" => r.protocol = words.next().map(str::to_string),
            "metric" | "priority" | "preference" => {
                let v = words.next().unwrap_or("");
                match crate::value::uint(v, 0, u64::from(u32::MAX)) {
                    Ok(m) => r.metric = u32::try_from(m).ok(),
                    Err(e) => {
                        ctx.error(node.loc, format!("route: {w}: {e}"));
                        return None;
                    }
                }
            }
            k if !dest_seen && r.kind.is_none() && ROUTE_KINDS.contains(&k) => {
                r.kind = Some(k.to_string());
            }
            "to" if !dest_seen => {}
            "default" if !dest_seen => {
                dest_seen = true;
                r.dest = RouteDest::Default;
            }
            d if !dest_seen => {
                let Some(p) = parse_prefix(d) else {
                    ctx.error(node.loc, format!("route: invalid destination '{d}'"));
                    return None;
                };
                dest_seen = true;
                r.dest = RouteDest::Prefix(p);
            }
            other => r.options.push(other.to_string()),
        }
    }
    if !dest_seen {
        ctx.error(node.loc, "route: no destination");
        return None;
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_default_to_host_length() {
        let p = parse_prefix("192.168.43.100").expect("v4");
        assert_eq!(p.prefix_len, 32);
        assert_eq!(parse_prefix("fe80::1").map(|p| p.prefix_len), Some(128));
        assert_eq!(parse_prefix("10.0.0.1/24").map(|p| p.prefix_len), Some(24));
        assert!(parse_prefix("192.168.43.333").is_none());
        assert!(parse_prefix("10.0.0.1/33").is_none());
        assert!(parse_prefix("10.0.0.1/").is_none());
        assert!(parse_prefix("192.168.100./24").is_none());
    }
}
