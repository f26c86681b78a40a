//! Value syntaxes shared by many keywords: times (manual 2.5), sizes, integers, listening and
//! server addresses (`ip:port`, `*:port`, `:port`, `[v6]:port`, `ipv4@`, `ipv6@`, `unix@`, `fd@`,
//! port ranges) and networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::model::{IpNet, ListenAddr, ServerAddr, ServerPort};

/// HAProxy stores times as signed 32-bit milliseconds.
const MAX_TIME_MS: u64 = i32::MAX as u64;

/// Parses a time such as `5000`, `10s`, `1m`, `250us`; a bare number is milliseconds.
/// The error is the message HAProxy gives after the keyword name.
pub fn parse_time(s: &str, what: &str) -> Result<Duration, String> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(match s.chars().next() {
            None => {
                format!("'{what}' expects a time value (in milliseconds unless a unit is given)")
            }
            Some(c) => format!("unexpected character '{c}' in '{what}'"),
        });
    }
    let n: u64 = s[..digits]
        .parse()
        .map_err(|_| format!("timer overflow in argument '{s}' to '{what}' (maximum value is 2147483647 ms or ~24.8 days)"))?;
    let unit_us: u64 = match &s[digits..] {
        "" | "ms" => 1_000,
        "us" => 1,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        rest => {
            let c = rest.chars().next().unwrap_or('?');
            return Err(format!("unexpected character '{c}' in '{what}'"));
        }
    };
    let us = n
        .checked_mul(unit_us)
        .filter(|us| us / 1000 <= MAX_TIME_MS)
        .ok_or_else(|| {
            format!("timer overflow in argument '{s}' to '{what}' (maximum value is 2147483647 ms or ~24.8 days)")
        })?;
    Ok(Duration::from_micros(us))
}

/// Parses a size such as `16384`, `16k`, `1m`, `2g` (powers of 1024).
pub fn parse_size(s: &str, what: &str) -> Result<u64, String> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!("'{what}' expects a size, got '{s}'"));
    }
    let n: u64 = s[..digits]
        .parse()
        .map_err(|_| format!("'{what}': value '{s}' is too large"))?;
    let mult: u64 = match &s[digits..] {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        rest => {
            return Err(format!(
                "'{what}': unknown size unit '{rest}' in '{s}' (expected k, m or g)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{what}': value '{s}' is too large"))
}

/// Parses a non-negative integer that must fit `max`.
pub fn parse_uint(s: &str, what: &str, max: u64) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{what}' expects an integer argument, got '{s}'"));
    }
    match s.parse::<u64>() {
        Ok(v) if v <= max => Ok(v),
        _ => Err(format!(
            "'{what}' : value '{s}' is out of range (maximum {max})"
        )),
    }
}

/// A family forced by an `ipv4@`/`ipv6@` prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Any,
    V4,
    V6,
}

/// Splits an address prefix such as `ipv4@` off `s`.
fn split_prefix(s: &str) -> (Option<&str>, &str) {
    match s.find('@') {
        Some(p) if s[..p].bytes().all(|b| b.is_ascii_alphanumeric()) => {
            (Some(&s[..p]), &s[p + 1..])
        }
        _ => (None, s),
    }
}

/// Splits `host:port`; the host may be bracketed (`[::1]:80`) or a bare IPv6 address whose
/// last colon starts the port, as HAProxy reads it (`:::80`).
fn split_host_port(s: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(rest) = s.strip_prefix('[') {
        let close = rest
            .find(']')
            .ok_or_else(|| format!("missing ']' in address '{s}'"))?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!("unexpected '{after}' after ']' in address '{s}'")),
        };
    }
    match s.rfind(':') {
        Some(p) => Ok((&s[..p], Some(&s[p + 1..]))),
        None => Ok((s, None)),
    }
}

/// Parses an IPv4 literal and says what is wrong with near misses (`192.168.43.333`).
fn parse_ipv4(s: &str) -> Result<Option<Ipv4Addr>, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Ok(None);
    }
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Ok(Some(a));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return Err(format!(
            "invalid address '{s}' (expected four dotted octets)"
        ));
    }
    if parts
        .iter()
        .any(|p| p.parse::<u32>().map_or(true, |v| v > 255))
    {
        return Err(format!("invalid address '{s}' (octet out of range)"));
    }
    Err(format!("invalid address '{s}'"))
}

fn parse_host_ip(host: &str, family: Family) -> Result<Option<IpAddr>, String> {
    if host.is_empty() || host == "*" {
        return Ok(Some(match family {
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }));
    }
    if let Some(v4) = parse_ipv4(host)? {
        if family == Family::V6 {
            return Ok(Some(IpAddr::V6(v4.to_ipv6_mapped())));
        }
        return Ok(Some(IpAddr::V4(v4)));
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        if family == Family::V4 {
            return Err(format!("'{host}' is an IPv6 address but 'ipv4@' was given"));
        }
        return Ok(Some(IpAddr::V6(v6)));
    }
    Ok(None)
}

fn parse_port(p: &str, whole: &str) -> Result<u16, String> {
    match p.parse::<u32>() {
        Ok(v) if (1..=65535).contains(&v) && p.bytes().all(|b| b.is_ascii_digit()) => Ok(v as u16),
        _ => Err(format!("invalid port '{p}' in '{whole}'")),
    }
}

/// Parses the address list of a `bind` line or a `stats socket`: comma-separated, each with an
/// optional protocol prefix and a port or port range.
pub fn parse_listen_addrs(s: &str) -> Result<Vec<ListenAddr>, String> {
    let mut out = Vec::new();
    for one in s.split(',') {
        out.extend(parse_one_listen_addr(one)?);
    }
    Ok(out)
}

fn parse_one_listen_addr(s: &str) -> Result<Vec<ListenAddr>, String> {
    if s.is_empty() {
        return Err("empty address".into());
    }
    if s.starts_with('/') {
        return Ok(vec![ListenAddr::Unix(PathBuf::from(s))]);
    }
    let (prefix, rest) = split_prefix(s);
    let family = match prefix {
        None | Some("tcp") | Some("stream") => Family::Any,
        Some("ipv4") | Some("tcp4") => Family::V4,
        Some("ipv6") | Some("tcp6") => Family::V6,
        Some("unix") => return Ok(vec![ListenAddr::Unix(PathBuf::from(rest))]),
        Some("fd") => {
            let n = rest
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("invalid file descriptor '{rest}' in '{s}'"))?;
            return Ok(vec![ListenAddr::Fd(n)]);
        }
        Some(p) => {
            return Err(format!(
                "unsupported address family '{p}@' in '{s}' (expected ipv4@, ipv6@, unix@ or fd@)"
            ))
        }
    };
    let (host, port) = split_host_port(rest)?;
    let port = port.ok_or_else(|| format!("missing port number: '{s}'"))?;
    if port.is_empty() {
        return Err(format!("missing port number: '{s}'"));
    }
    let ip = match parse_host_ip(host, family)? {
        Some(ip) => ip,
        None if host == "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        None => {
            return Err(format!(
                "could not parse address '{host}' in '{s}' (host names are not supported in bind addresses: use an IP address)"
            ))
        }
    };
    let (lo, hi) = match port.split_once('-') {
        Some((a, b)) => (parse_port(a, s)?, parse_port(b, s)?),
        None => {
            let p = parse_port(port, s)?;
            (p, p)
        }
    };
    if lo > hi {
        return Err(format!(
            "invalid port range '{port}' in '{s}' (first port above last)"
        ));
    }
    Ok((lo..=hi)
        .map(|p| ListenAddr::Tcp(SocketAddr::new(ip, p)))
        .collect())
}

/// Parses a `server` address: `ip[:port]`, `host[:port]`, `:+N`/`:-N` port offsets, `unix@path`.
pub fn parse_server_addr(s: &str) -> Result<(ServerAddr, ServerPort), String> {
    if s.is_empty() {
        return Err("missing address".into());
    }
    if s.starts_with('/') {
        return Ok((ServerAddr::Unix(PathBuf::from(s)), ServerPort::Same));
    }
    let (prefix, rest) = split_prefix(s);
    let family = match prefix {
        None | Some("tcp") => Family::Any,
        Some("ipv4") | Some("tcp4") => Family::V4,
        Some("ipv6") | Some("tcp6") => Family::V6,
        Some("unix") => return Ok((ServerAddr::Unix(PathBuf::from(rest)), ServerPort::Same)),
        Some(p) => {
            return Err(format!(
                "unsupported address family '{p}@' in '{s}' (expected ipv4@, ipv6@ or unix@)"
            ))
        }
    };
    // As in HAProxy, the last colon starts the port: a bare IPv6 address needs brackets or
    // `ipv6@` with an explicit port.
    let (host, port) = split_host_port(rest)?;
    let port = match port {
        None | Some("") => ServerPort::Same,
        Some(p) if p.starts_with('+') || p.starts_with('-') => {
            let v: i32 = p
                .parse()
                .map_err(|_| format!("invalid port offset '{p}' in '{s}'"))?;
            if v.unsigned_abs() > 65535 {
                return Err(format!("invalid port offset '{p}' in '{s}'"));
            }
            ServerPort::Offset(v)
        }
        Some("0") => ServerPort::Same,
        Some(p) => ServerPort::Fixed(parse_port(p, s)?),
    };
    if host.is_empty() || host == "*" {
        return Err(format!("missing address in '{s}'"));
    }
    if let Some(ip) = parse_host_ip(host, family)? {
        return Ok((ServerAddr::Ip(ip), port));
    }
    let valid_name = host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !valid_name {
        return Err(format!("invalid address '{host}' in '{s}'"));
    }
    Ok((ServerAddr::Host(host.to_string()), port))
}

/// Parses `ADDR[/PREFIX]` or `ADDR/MASK` (dotted mask) as used by `except` and ACLs.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("invalid network address '{s}'"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(v) if v <= max => v,
            Ok(_) => return Err(format!("invalid prefix length in '{s}' (0 to {max})")),
            Err(_) => match (ip, l.parse::<Ipv4Addr>()) {
                (IpAddr::V4(_), Ok(mask)) => {
                    let m = u32::from(mask);
                    if m.leading_ones() + m.trailing_zeros() != 32 {
                        return Err(format!("non-contiguous netmask in '{s}'"));
                    }
                    m.leading_ones() as u8
                }
                _ => return Err(format!("invalid netmask in '{s}'")),
            },
        },
    };
    Ok(IpNet { addr: ip, prefix })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("5000", "t"), Ok(Duration::from_millis(5000)));
        assert_eq!(parse_time("5000ms", "t"), Ok(Duration::from_millis(5000)));
        assert_eq!(parse_time("10s", "t"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_time("1m", "t"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_time("2h", "t"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_time("1d", "t"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_time("250us", "t"), Ok(Duration::from_micros(250)));
        assert_eq!(
            parse_time("5x", "timeout client"),
            Err("unexpected character 'x' in 'timeout client'".into())
        );
        assert!(parse_time("", "t").is_err());
        assert!(parse_time("s", "t").is_err());
        assert!(parse_time("25d", "t").unwrap_err().contains("overflow"));
        assert!(parse_time("99999999999999999999999", "t")
            .unwrap_err()
            .contains("overflow"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16384", "s"), Ok(16384));
        assert_eq!(parse_size("16k", "s"), Ok(16384));
        assert_eq!(parse_size("1m", "s"), Ok(1 << 20));
        assert_eq!(parse_size("2G", "s"), Ok(2 << 30));
        assert!(parse_size("1t", "s").is_err());
        assert!(parse_size("k", "s").is_err());
        assert!(parse_size("99999999999999999999g", "s").is_err());
    }

    fn tcp(s: &str) -> ListenAddr {
        ListenAddr::Tcp(s.parse().unwrap())
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen_addrs("*:80").unwrap(), [tcp("0.0.0.0:80")]);
        assert_eq!(parse_listen_addrs(":80").unwrap(), [tcp("0.0.0.0:80")]);
        assert_eq!(
            parse_listen_addrs("192.168.43.100:80").unwrap(),
            [tcp("192.168.43.100:80")]
        );
        assert_eq!(
            parse_listen_addrs("[::1]:8080").unwrap(),
            [tcp("[::1]:8080")]
        );
        assert_eq!(parse_listen_addrs(":::80").unwrap(), [tcp("[::]:80")]);
        assert_eq!(parse_listen_addrs("ipv6@:80").unwrap(), [tcp("[::]:80")]);
        assert_eq!(
            parse_listen_addrs("ipv4@127.0.0.1:80").unwrap(),
            [tcp("127.0.0.1:80")]
        );
        assert_eq!(
            parse_listen_addrs("unix@/run/x.sock").unwrap(),
            [ListenAddr::Unix("/run/x.sock".into())]
        );
        assert_eq!(
            parse_listen_addrs("/run/x.sock").unwrap(),
            [ListenAddr::Unix("/run/x.sock".into())]
        );
        assert_eq!(parse_listen_addrs("fd@3").unwrap(), [ListenAddr::Fd(3)]);
        assert_eq!(
            parse_listen_addrs("127.0.0.1:8000-8002").unwrap(),
            [
                tcp("127.0.0.1:8000"),
                tcp("127.0.0.1:8001"),
                tcp("127.0.0.1:8002")
            ]
        );
        assert_eq!(
            parse_listen_addrs(":80,:443").unwrap(),
            [tcp("0.0.0.0:80"), tcp("0.0.0.0:443")]
        );
        assert!(parse_listen_addrs("1.2.3.4")
            .unwrap_err()
            .contains("missing port"));
        assert!(parse_listen_addrs("1.2.3.4:99999")
            .unwrap_err()
            .contains("invalid port '99999'"));
        assert!(parse_listen_addrs("1.2.3.4:0").is_err());
        assert!(parse_listen_addrs("1.2.3.4:90-80").is_err());
        assert!(parse_listen_addrs("1.2.3.444:80")
            .unwrap_err()
            .contains("octet out of range"));
        assert!(parse_listen_addrs("quic4@:443").is_err());
        assert!(parse_listen_addrs("fd@x").is_err());
        assert!(parse_listen_addrs("ipv4@[::1]:80").is_err());
        assert!(parse_listen_addrs("[::1:80").is_err());
    }

    #[test]
    fn server_addresses() {
        let ip = |s: &str| ServerAddr::Ip(s.parse().unwrap());
        assert_eq!(
            parse_server_addr("10.0.0.1:80").unwrap(),
            (ip("10.0.0.1"), ServerPort::Fixed(80))
        );
        assert_eq!(
            parse_server_addr("10.0.0.1").unwrap(),
            (ip("10.0.0.1"), ServerPort::Same)
        );
        assert_eq!(
            parse_server_addr("10.0.0.1:+1000").unwrap(),
            (ip("10.0.0.1"), ServerPort::Offset(1000))
        );
        assert_eq!(
            parse_server_addr("10.0.0.1:-1").unwrap(),
            (ip("10.0.0.1"), ServerPort::Offset(-1))
        );
        assert_eq!(
            parse_server_addr("[::1]:80").unwrap(),
            (ip("::1"), ServerPort::Fixed(80))
        );
        assert_eq!(
            parse_server_addr("ipv6@::1:80").unwrap(),
            (ip("::1"), ServerPort::Fixed(80))
        );
        assert_eq!(
            parse_server_addr("web1.example.com:8080").unwrap(),
            (
                ServerAddr::Host("web1.example.com".into()),
                ServerPort::Fixed(8080)
            )
        );
        assert_eq!(
            parse_server_addr("unix@/run/app.sock").unwrap().0,
            ServerAddr::Unix("/run/app.sock".into())
        );
        let e = parse_server_addr("192.168.43.333:80").unwrap_err();
        assert_eq!(e, "invalid address '192.168.43.333' (octet out of range)");
        assert!(parse_server_addr("1.2.3:80").is_err());
        assert!(parse_server_addr("1.2.3.4:8o").is_err());
        assert!(parse_server_addr("bad host:80").is_err());
        assert!(parse_server_addr(":80").is_err());
    }

    #[test]
    fn networks() {
        let n = parse_net("127.0.0.0/8").unwrap();
        assert!(n.contains("127.1.2.3".parse().unwrap()));
        assert!(!n.contains("128.0.0.1".parse().unwrap()));
        assert_eq!(parse_net("10.0.0.0/255.255.0.0").unwrap().prefix, 16);
        assert_eq!(parse_net("10.0.0.1").unwrap().prefix, 32);
        assert!(parse_net("::1/129").is_err());
        assert!(parse_net("10.0.0.0/255.0.255.0").is_err());
        assert!(parse_net("nope").is_err());
        assert!(parse_net("::/0")
            .unwrap()
            .contains("::ffff:1.2.3.4".parse().unwrap()));
    }
}
