//! Pattern matching methods (configuration manual 7.1): patterns are parsed once — strings
//! lower-cased for `-i`, regexes compiled, integers turned into ranges, addresses into masks —
//! and matched per sample without allocating.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::sample::Sample;

/// `-m METHOD`, or the default a fetch implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchKind {
    Found,
    Bool,
    Int,
    Ip,
    Bin,
    Len,
    Str,
    Sub,
    Reg,
    Beg,
    End,
    Dir,
    Dom,
    /// `http_auth_group`: patterns are group names.
    Groups,
}

impl MatchKind {
    pub fn from_name(name: &str) -> Option<MatchKind> {
        Some(match name {
            "found" => MatchKind::Found,
            "bool" => MatchKind::Bool,
            "int" => MatchKind::Int,
            "ip" => MatchKind::Ip,
            "bin" => MatchKind::Bin,
            "len" => MatchKind::Len,
            "str" => MatchKind::Str,
            "sub" => MatchKind::Sub,
            "reg" => MatchKind::Reg,
            "beg" => MatchKind::Beg,
            "end" => MatchKind::End,
            "dir" => MatchKind::Dir,
            "dom" => MatchKind::Dom,
            _ => return None,
        })
    }
}

/// An integer range; an operator or a bare value becomes one too (`gt 3` is `4:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntRange {
    pub lo: i64,
    pub hi: i64,
}

impl IntRange {
    fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

/// An address with its mask; IPv4 patterns are kept in IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpPattern {
    V4 { net: u32, mask: u32 },
    V6 { net: u128, mask: u128 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrKind {
    Exact,
    Sub,
    Beg,
    End,
    Dir,
    Dom,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Found,
    Bool,
    Int(Vec<IntRange>),
    Len(Vec<IntRange>),
    Ip(Vec<IpPattern>),
    Bin(Vec<Box<[u8]>>),
    Str {
        kind: StrKind,
        /// Lower-cased when `icase`.
        patterns: Vec<Box<[u8]>>,
        icase: bool,
    },
    Reg(Vec<regex::bytes::Regex>),
    /// Bit mask of the groups named by the patterns.
    Groups(u64),
}

/// Parses the patterns of one ACL line for `kind`. `groups` resolves group names for
/// `http_auth_group`.
pub(crate) fn compile(
    kind: MatchKind,
    icase: bool,
    patterns: &[String],
    groups: &dyn Fn(&str) -> Option<u32>,
) -> Result<Matcher, String> {
    Ok(match kind {
        MatchKind::Found => Matcher::Found,
        MatchKind::Bool => Matcher::Bool,
        MatchKind::Int => Matcher::Int(int_patterns(patterns)?),
        MatchKind::Len => Matcher::Len(int_patterns(patterns)?),
        MatchKind::Ip => Matcher::Ip(
            patterns
                .iter()
                .map(|p| parse_ip_pattern(p))
                .collect::<Result<_, _>>()?,
        ),
        MatchKind::Bin => Matcher::Bin(
            patterns
                .iter()
                .map(|p| parse_hex(p))
                .collect::<Result<_, _>>()?,
        ),
        MatchKind::Reg => Matcher::Reg(
            patterns
                .iter()
                .map(|p| {
                    regex::bytes::RegexBuilder::new(p)
                        .case_insensitive(icase)
                        .unicode(false)
                        .build()
                        .map_err(|e| {
                            format!("regex '{p}' is invalid: {}", first_line(&e.to_string()))
                        })
                })
                .collect::<Result<_, _>>()?,
        ),
        MatchKind::Groups => {
            let mut mask = 0u64;
            for p in patterns {
                let bit =
                    groups(p).ok_or_else(|| format!("no such group '{p}' in the userlist"))?;
                mask |= 1u64 << bit.min(63);
            }
            Matcher::Groups(mask)
        }
        MatchKind::Str
        | MatchKind::Sub
        | MatchKind::Beg
        | MatchKind::End
        | MatchKind::Dir
        | MatchKind::Dom => {
            let kind = match kind {
                MatchKind::Str => StrKind::Exact,
                MatchKind::Sub => StrKind::Sub,
                MatchKind::Beg => StrKind::Beg,
                MatchKind::End => StrKind::End,
                MatchKind::Dir => StrKind::Dir,
                _ => StrKind::Dom,
            };
            let patterns = patterns
                .iter()
                .map(|p| {
                    let mut bytes = p.as_bytes();
                    // Leading and trailing delimiters of a word pattern are ignored.
                    if matches!(kind, StrKind::Dir | StrKind::Dom) {
                        while let [first, rest @ ..] = bytes {
                            if !is_delim(kind, *first) {
                                break;
                            }
                            bytes = rest;
                        }
                        while let [rest @ .., last] = bytes {
                            if !is_delim(kind, *last) {
                                break;
                            }
                            bytes = rest;
                        }
                    }
                    let mut v = bytes.to_vec();
                    if icase {
                        v.make_ascii_lowercase();
                    }
                    v.into_boxed_slice()
                })
                .collect();
            Matcher::Str {
                kind,
                patterns,
                icase,
            }
        }
    })
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

fn is_delim(kind: StrKind, b: u8) -> bool {
    match kind {
        StrKind::Dir => b == b'/',
        _ => matches!(b, b'/' | b'?' | b'.' | b':'),
    }
}

/// Integer patterns with HAProxy's operators: an operator applies to the values after it.
fn int_patterns(words: &[String]) -> Result<Vec<IntRange>, String> {
    let mut op = "eq";
    let mut out = Vec::new();
    for w in words {
        if matches!(w.as_str(), "eq" | "ge" | "gt" | "le" | "lt") {
            op = w.as_str();
            continue;
        }
        let num = |s: &str| -> Result<i64, String> {
            s.parse::<i64>()
                .map_err(|_| format!("'{w}' is not a number"))
        };
        let range = if let Some((lo, hi)) = w.split_once(':') {
            IntRange {
                lo: if lo.is_empty() { i64::MIN } else { num(lo)? },
                hi: if hi.is_empty() { i64::MAX } else { num(hi)? },
            }
        } else {
            let n = num(w)?;
            match op {
                "ge" => IntRange {
                    lo: n,
                    hi: i64::MAX,
                },
                "gt" => IntRange {
                    lo: n.saturating_add(1),
                    hi: i64::MAX,
                },
                "le" => IntRange {
                    lo: i64::MIN,
                    hi: n,
                },
                "lt" => IntRange {
                    lo: i64::MIN,
                    hi: n.saturating_sub(1),
                },
                _ => IntRange { lo: n, hi: n },
            }
        };
        out.push(range);
    }
    Ok(out)
}

/// `10.0.0.0/8`, `192.168.1/22` (abbreviated, `inet_aton` style), `10.0.0.0/255.0.0.0`,
/// `::1`, `2001:db8::/32`.
pub(crate) fn parse_ip_pattern(p: &str) -> Result<IpPattern, String> {
    let bad = || format!("'{p}' is not a valid IPv4 or IPv6 address");
    let (addr, mask) = match p.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (p, None),
    };
    if addr.contains(':') {
        let a: Ipv6Addr = addr.parse().map_err(|_| bad())?;
        let bits: u32 = match mask {
            Some(m) => m.parse().ok().filter(|b| *b <= 128).ok_or_else(bad)?,
            None => 128,
        };
        let mask = if bits == 0 {
            0
        } else {
            u128::MAX << (128 - bits)
        };
        return Ok(IpPattern::V6 {
            net: u128::from(a) & mask,
            mask,
        });
    }
    let a = parse_ipv4_abbrev(addr).ok_or_else(bad)?;
    let mask = match mask {
        None => u32::MAX,
        Some(m) if m.contains('.') => {
            let m: Ipv4Addr = m.parse().map_err(|_| bad())?;
            u32::from(m)
        }
        Some(m) => {
            let bits: u32 = m.parse().ok().filter(|b| *b <= 32).ok_or_else(bad)?;
            if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            }
        }
    };
    Ok(IpPattern::V4 {
        net: a & mask,
        mask,
    })
}

/// `a.b.c.d`, `a.b.c` (c is 16 bits), `a.b` (b is 24 bits): the forms `inet_aton` accepts.
fn parse_ipv4_abbrev(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    match nums.as_slice() {
        [a, b, c, d] if *a < 256 && *b < 256 && *c < 256 && *d < 256 => {
            Some(a << 24 | b << 16 | c << 8 | d)
        }
        [a, b, c] if *a < 256 && *b < 256 && *c < 65536 => Some(a << 24 | b << 16 | c),
        [a, b] if *a < 256 && *b < (1 << 24) => Some(a << 24 | b),
        _ => None,
    }
}

fn parse_hex(p: &str) -> Result<Box<[u8]>, String> {
    let b = p.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(format!("'{p}' is not an even number of hex digits"));
    }
    b.chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| format!("'{p}' is not hexadecimal"))?;
            u8::from_str_radix(s, 16).map_err(|_| format!("'{p}' is not hexadecimal"))
        })
        .collect::<Result<Vec<u8>, _>>()
        .map(Vec::into_boxed_slice)
}

impl Matcher {
    /// Whether `s` matches any pattern. `tmp` holds a number printed for a string match.
    pub fn matches(&self, s: Sample<'_>, tmp: &mut Vec<u8>) -> bool {
        match self {
            Matcher::Found => true,
            Matcher::Bool => match s {
                Sample::Bool(b) => b,
                Sample::Int(i) => i != 0,
                _ => false,
            },
            Matcher::Int(ranges) => {
                let v = match s {
                    Sample::Int(i) => i,
                    Sample::Bool(b) => i64::from(b),
                    Sample::Str(t) => match crate::http_samples::parse_int(t) {
                        Some(v) => v,
                        None => return false,
                    },
                    _ => return false,
                };
                ranges.iter().any(|r| r.contains(v))
            }
            Matcher::Len(ranges) => {
                let len = s.to_text(tmp).len() as i64;
                ranges.iter().any(|r| r.contains(len))
            }
            Matcher::Ip(pats) => {
                let ip = match s {
                    Sample::Ip(ip) => ip,
                    Sample::Str(t) => match std::str::from_utf8(t)
                        .ok()
                        .and_then(|t| t.parse::<IpAddr>().ok())
                    {
                        Some(ip) => ip,
                        None => return false,
                    },
                    _ => return false,
                };
                pats.iter().any(|p| ip_matches(p, ip))
            }
            Matcher::Bin(pats) => {
                let t = s.to_text(tmp);
                pats.iter().any(|p| **p == *t)
            }
            Matcher::Str {
                kind,
                patterns,
                icase,
            } => {
                let t = s.to_text(tmp);
                patterns.iter().any(|p| str_matches(*kind, t, p, *icase))
            }
            Matcher::Reg(res) => {
                let t = s.to_text(tmp);
                res.iter().any(|r| r.is_match(t))
            }
            Matcher::Groups(mask) => matches!(s, Sample::Groups(g) if g & mask != 0),
        }
    }
}

fn eq(a: &[u8], b: &[u8], icase: bool) -> bool {
    if icase {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn str_matches(kind: StrKind, t: &[u8], p: &[u8], icase: bool) -> bool {
    match kind {
        StrKind::Exact => eq(t, p, icase),
        StrKind::Beg => t.len() >= p.len() && eq(&t[..p.len()], p, icase),
        StrKind::End => t.len() >= p.len() && eq(&t[t.len() - p.len()..], p, icase),
        StrKind::Sub => p.is_empty() || t.windows(p.len()).any(|w| eq(w, p, icase)),
        StrKind::Dir | StrKind::Dom => {
            if p.is_empty() || t.len() < p.len() {
                return false;
            }
            (0..=t.len() - p.len()).any(|i| {
                let end = i + p.len();
                (i == 0 || is_delim(kind, t[i - 1]))
                    && (end == t.len() || is_delim(kind, t[end]))
                    && eq(&t[i..end], p, icase)
            })
        }
    }
}

/// Manual 7.1.6: IPv4 patterns match IPv6 samples of the forms `::ffff:a.b.c.d`,
/// `::a.b.c.d` and `2002:a.b.c.d::`; IPv4 samples are compared to IPv6 patterns as
/// `::ffff:a.b.c.d`.
fn ip_matches(p: &IpPattern, ip: IpAddr) -> bool {
    match (*p, ip) {
        (IpPattern::V4 { net, mask }, IpAddr::V4(a)) => u32::from(a) & mask == net,
        (IpPattern::V4 { net, mask }, IpAddr::V6(a)) => {
            let o = a.octets();
            let v4 = if let Some(v4) = a.to_ipv4_mapped() {
                Some(u32::from(v4))
            } else if o[..12].iter().all(|&b| b == 0) {
                Some(u32::from_be_bytes([o[12], o[13], o[14], o[15]]))
            } else if o[0] == 0x20 && o[1] == 0x02 && o[6..].iter().all(|&b| b == 0) {
                Some(u32::from_be_bytes([o[2], o[3], o[4], o[5]]))
            } else {
                None
            };
            v4.is_some_and(|v| v & mask == net)
        }
        (IpPattern::V6 { net, mask }, IpAddr::V6(a)) => u128::from(a) & mask == net,
        (IpPattern::V6 { net, mask }, IpAddr::V4(a)) => {
            u128::from(a.to_ipv6_mapped()) & mask == net
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn no_groups(_: &str) -> Option<u32> {
        None
    }

    #[test]
    fn integer_patterns() {
        let r = int_patterns(&words("1 gt 5 lt 0 10:20 :3 7:")).expect("valid");
        assert_eq!(
            r,
            vec![
                IntRange { lo: 1, hi: 1 },
                IntRange {
                    lo: 6,
                    hi: i64::MAX
                },
                IntRange {
                    lo: i64::MIN,
                    hi: -1
                },
                IntRange { lo: 10, hi: 20 },
                IntRange {
                    lo: i64::MIN,
                    hi: 3
                },
                IntRange {
                    lo: 7,
                    hi: i64::MAX
                },
            ]
        );
        assert!(int_patterns(&words("1:x")).is_err());
        assert!(int_patterns(&words("abc")).is_err());
    }

    #[test]
    fn ip_patterns() {
        assert_eq!(
            parse_ip_pattern("10.0.0.0/8"),
            Ok(IpPattern::V4 {
                net: 0x0a00_0000,
                mask: 0xff00_0000
            })
        );
        assert_eq!(
            parse_ip_pattern("10.12"),
            Ok(IpPattern::V4 {
                net: 0x0a00_000c,
                mask: u32::MAX
            })
        );
        assert_eq!(
            parse_ip_pattern("192.168.1/22"),
            Ok(IpPattern::V4 {
                net: 0xc0a8_0000,
                mask: 0xffff_fc00
            })
        );
        assert_eq!(
            parse_ip_pattern("10.1.2.3/255.255.0.0"),
            Ok(IpPattern::V4 {
                net: 0x0a01_0000,
                mask: 0xffff_0000
            })
        );
        assert!(matches!(
            parse_ip_pattern("::1"),
            Ok(IpPattern::V6 {
                net: 1,
                mask: u128::MAX
            })
        ));
        for bad in [
            "",
            "1.2.3.4.5",
            "256.1.1.1",
            "10.0.0.0/33",
            "::1/129",
            "host.example",
            "1.2.3.4/x",
            "::g",
        ] {
            assert!(parse_ip_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_matchers_with_and_without_case() {
        let m = |kind, icase, pats: &str, s: &str| {
            let m = compile(kind, icase, &words(pats), &no_groups).expect("compiles");
            m.matches(Sample::Str(s.as_bytes()), &mut Vec::new())
        };
        assert!(m(MatchKind::Str, false, "abc", "abc"));
        assert!(!m(MatchKind::Str, false, "abc", "ABC"));
        assert!(m(MatchKind::Str, true, "aBc", "AbC"));
        assert!(m(MatchKind::Beg, true, "/ST", "/static"));
        assert!(!m(MatchKind::Beg, false, "/static/x", "/static"));
        assert!(m(MatchKind::End, true, ".PNG", "a.png"));
        assert!(m(MatchKind::Sub, true, "TAT", "/static"));
        assert!(!m(MatchKind::Sub, false, "TAT", "/static"));
        assert!(m(MatchKind::Reg, true, "^/ST", "/static"));
        assert!(!m(MatchKind::Reg, false, "^/ST", "/static"));
        assert!(m(MatchKind::Dom, true, "EXAMPLE", "www.example.com"));
        assert!(m(MatchKind::Dir, false, "b/c", "/a/b/c/d"));
        assert!(!m(MatchKind::Dir, false, "b/c", "/a/b/cd"));
        assert!(m(MatchKind::Len, false, "3", "abc"));
        assert!(m(MatchKind::Found, false, "", ""));
        // An integer sample compared as a string is printed first.
        let s = compile(MatchKind::Beg, false, &words("40"), &no_groups).expect("compiles");
        assert!(s.matches(Sample::Int(404), &mut Vec::new()));
    }

    #[test]
    fn bad_regex_and_hex_are_refused() {
        assert!(compile(MatchKind::Reg, false, &words("(a"), &no_groups).is_err());
        assert!(compile(MatchKind::Bin, false, &words("abc"), &no_groups).is_err());
        assert!(compile(MatchKind::Bin, false, &words("zz"), &no_groups).is_err());
        assert!(compile(MatchKind::Groups, false, &words("nogroup"), &no_groups).is_err());
    }
}
