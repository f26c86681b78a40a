//! Reading HTTP samples out of a message: header values split at commas, the n-th
//! occurrence, URL parameters, cookies, Basic credentials, and the integer and address
//! conversions HAProxy applies to header values. Used by [`crate::fetch`].

use std::net::IpAddr;

use crate::fetch::{HdrArgs, Side};
use crate::msg::{for_each_element, trim, Msg};
use crate::sample::Ctx;

pub(crate) fn side_msg<'a>(ctx: &Ctx<'a>, side: Side) -> Option<Msg<'a>> {
    match side {
        Side::Request => ctx.req,
        Side::Response => ctx.res,
        Side::Current => ctx.res.or(ctx.req),
    }
}

pub(crate) fn for_each_hdr_value<'a>(
    msg: &Msg<'a>,
    a: &HdrArgs,
    mut f: impl FnMut(&'a [u8]) -> bool,
) -> bool {
    msg.for_each_header(|n, v| {
        if let Some(name) = &a.name {
            if !n.eq_ignore_ascii_case(name) {
                return false;
            }
        }
        if a.full {
            f(v)
        } else {
            for_each_element(v, &mut f)
        }
    })
}

pub(crate) fn nth_hdr_value<'a>(msg: &Msg<'a>, a: &HdrArgs) -> Option<&'a [u8]> {
    let occ = a.occ?;
    let wanted = if occ > 0 {
        occ as i64
    } else if occ < 0 {
        let mut count = 0i64;
        for_each_hdr_value(msg, a, |_| {
            count += 1;
            false
        });
        count + 1 + i64::from(occ)
    } else {
        return None;
    };
    let mut i = 0i64;
    let mut found = None;
    for_each_hdr_value(msg, a, |v| {
        i += 1;
        if i == wanted {
            found = Some(v);
            true
        } else {
            false
        }
    });
    found
}

pub(crate) fn for_each_url_param<'a>(
    req: &Msg<'a>,
    name: Option<&[u8]>,
    delim: Option<u8>,
    mut f: impl FnMut(&'a [u8]) -> bool,
) -> bool {
    let Some(pq) = req.path_query() else {
        return false;
    };
    // Parameters start after '?' or the optional delimiter, end before '&', ';' or it.
    let Some(start) = pq.iter().position(|&b| b == b'?' || Some(b) == delim) else {
        return false;
    };
    for param in pq[start + 1..].split(|&b| b == b'&' || b == b';' || Some(b) == delim || b == b'?')
    {
        let (k, v) = match param.iter().position(|&b| b == b'=') {
            Some(eq) => (&param[..eq], &param[eq + 1..]),
            None => (param, &param[param.len()..]),
        };
        if param.is_empty() {
            continue;
        }
        if name.is_none_or(|n| n == k) && f(v) {
            return true;
        }
    }
    false
}

pub(crate) fn for_each_cookie<'a>(
    req: &Msg<'a>,
    name: Option<&[u8]>,
    mut f: impl FnMut(&'a [u8]) -> bool,
) -> bool {
    req.for_each_named(b"cookie", |line| {
        for pair in line.split(|&b| b == b';') {
            let pair = trim(pair);
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (trim(&pair[..eq]), trim(&pair[eq + 1..])),
                None => continue,
            };
            if name.is_none_or(|n| n == k) && f(v) {
                return true;
            }
        }
        false
    })
}

/// The user index when the request's Basic credentials are valid in userlist `list`.
pub(crate) fn authenticated(ctx: &Ctx<'_>, list: usize) -> Option<usize> {
    let req = ctx.req?;
    let auth = req.first(b"authorization")?;
    let list = ctx.userlists.get(list)?;
    list.check_basic(auth)
}

/// Leading decimal integer, as HAProxy's `strl2ic` reads header values.
pub(crate) fn parse_int(v: &[u8]) -> Option<i64> {
    let v = trim(v);
    let (neg, digits) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in &digits[..end] {
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -n } else { n })
}

/// An address in a header value: IPv4 (optionally `:port`) or IPv6, as `req.hdr_ip` reads it.
pub(crate) fn parse_hdr_ip(v: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(trim(v)).ok()?;
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}
