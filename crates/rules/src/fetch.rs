//! Sample fetch methods (configuration manual 7.3.2, 7.3.3 and 7.3.6) and the ACL-only
//! derivatives (`path_beg`, `hdr_dom`, …) that pair a fetch with a default matching method.
//! Parsed once from words such as `hdr(host)` or `urlp(id,;)`; evaluated per request without
//! allocating.

use std::net::IpAddr;

use crate::compile::Names;
use crate::error::CompileErrorKind;
use crate::http_samples::{
    authenticated, for_each_cookie, for_each_hdr_value, for_each_url_param, nth_hdr_value,
    parse_hdr_ip, parse_int, side_msg,
};
use crate::pattern::MatchKind;
use crate::sample::{Ctx, Sample, SampleType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Request,
    Response,
    /// `hdr()`: the response when there is one, else the request.
    Current,
}

/// A header fetch's name and occurrence arguments.
#[derive(Debug, Clone)]
pub(crate) struct HdrArgs {
    pub side: Side,
    /// Lower-cased name; `None` means every header.
    pub name: Option<Box<[u8]>>,
    /// 1-based from the first, negative from the last; `None` means all (ACL) / last (sample).
    pub occ: Option<i32>,
    /// `fhdr`: the full line, commas included.
    pub full: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Fetch {
    Src,
    SrcPort,
    Dst,
    DstPort,
    Path,
    Url,
    Query,
    Base,
    UrlParam {
        name: Option<Box<[u8]>>,
        delim: Option<u8>,
    },
    UrlParamVal {
        name: Option<Box<[u8]>>,
        delim: Option<u8>,
    },
    Method,
    ReqVer,
    Hdr(HdrArgs),
    HdrCnt(HdrArgs),
    HdrVal(HdrArgs),
    HdrIp(HdrArgs),
    Cook {
        name: Option<Box<[u8]>>,
    },
    CookCnt {
        name: Option<Box<[u8]>>,
    },
    CookVal {
        name: Option<Box<[u8]>>,
    },
    Status,
    SslFc,
    HttpAuth {
        userlist: usize,
    },
    HttpAuthGroup {
        userlist: usize,
    },
    NbSrv {
        backend: Option<usize>,
    },
    BeConn {
        backend: Option<usize>,
    },
    FeConn {
        frontend: Option<usize>,
    },
    ProtoHttp,
    Const(bool),
    Var(Box<str>),
}

/// A fetch as written in a configuration, with the matching method its ACL form implies.
pub(crate) struct ParsedFetch {
    pub fetch: Fetch,
    pub ty: SampleType,
    /// The match an ACL uses without `-m` (`path_beg` → `Beg`).
    pub default_match: MatchKind,
    /// `method`: patterns compare case-insensitively.
    pub force_icase: bool,
}

/// `urlp(NAME,DELIM)`: the parameter name (any when absent) and the extra delimiter.
type UrlParamArgs = (Option<Box<[u8]>>, Option<u8>);

/// Splits `name(args)` into the name and its comma-separated arguments.
pub(crate) fn split_call(word: &str) -> Result<(&str, Vec<&str>), String> {
    match word.find('(') {
        None => Ok((word, Vec::new())),
        Some(open) => {
            let inner = word[open + 1..].strip_suffix(')').ok_or_else(|| {
                format!("missing closing ')' after arguments to '{}'", &word[..open])
            })?;
            let args = if inner.is_empty() {
                Vec::new()
            } else {
                inner.split(',').collect()
            };
            Ok((&word[..open], args))
        }
    }
}

const SUFFIXES: &[(&str, MatchKind)] = &[
    ("_beg", MatchKind::Beg),
    ("_end", MatchKind::End),
    ("_sub", MatchKind::Sub),
    ("_reg", MatchKind::Reg),
    ("_dom", MatchKind::Dom),
    ("_dir", MatchKind::Dir),
    ("_len", MatchKind::Len),
];

/// Parses a fetch word (`path_beg`, `hdr(host)`, `nbsrv(app)`), resolving names it refers to.
pub(crate) fn parse_fetch(word: &str, names: &Names<'_>) -> Result<ParsedFetch, CompileErrorKind> {
    let (name, args) = split_call(word).map_err(|reason| CompileErrorKind::BadFetchArgs {
        fetch: word.to_string(),
        reason,
    })?;
    let bad = |reason: &str| CompileErrorKind::BadFetchArgs {
        fetch: name.to_string(),
        reason: reason.to_string(),
    };
    // ACL derivatives: a string fetch plus a matching method.
    let (base, derived) = match SUFFIXES.iter().find(|(s, _)| name.ends_with(s)) {
        Some((s, kind)) if is_string_fetch(&name[..name.len() - s.len()]) => {
            (&name[..name.len() - s.len()], Some(*kind))
        }
        _ => (name, None),
    };
    let max_args = |n: usize| -> Result<(), CompileErrorKind> {
        if args.len() > n {
            Err(bad(&format!("expects at most {n} argument(s)")))
        } else {
            Ok(())
        }
    };
    let str_fetch = |fetch: Fetch| ParsedFetch {
        fetch,
        ty: SampleType::Str,
        default_match: derived.unwrap_or(MatchKind::Str),
        force_icase: false,
    };
    let typed = |fetch: Fetch, ty: SampleType, m: MatchKind| ParsedFetch {
        fetch,
        ty,
        default_match: m,
        force_icase: false,
    };
    let hdr_args = |side: Side, full: bool| -> Result<HdrArgs, CompileErrorKind> {
        let name = match args.first() {
            Some(n) if !n.is_empty() => {
                Some(n.to_ascii_lowercase().into_bytes().into_boxed_slice())
            }
            _ => None,
        };
        let occ = match args.get(1) {
            Some(o) => Some(
                o.trim()
                    .parse::<i32>()
                    .map_err(|_| bad("occurrence must be an integer"))?,
            ),
            None => None,
        };
        Ok(HdrArgs {
            side,
            name,
            occ,
            full,
        })
    };
    let opt_name = |i: usize| {
        args.get(i)
            .filter(|a| !a.is_empty())
            .map(|a| a.as_bytes().to_vec().into_boxed_slice())
    };
    let urlp_args = || -> Result<UrlParamArgs, CompileErrorKind> {
        let delim = match args.get(1) {
            Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
            Some(_) => return Err(bad("the delimiter must be one character")),
            None => None,
        };
        Ok((opt_name(0), delim))
    };
    let parsed = match base {
        "src" => {
            max_args(0)?;
            typed(Fetch::Src, SampleType::Ip, MatchKind::Ip)
        }
        "dst" => {
            max_args(0)?;
            typed(Fetch::Dst, SampleType::Ip, MatchKind::Ip)
        }
        "src_port" => typed(Fetch::SrcPort, SampleType::Int, MatchKind::Int),
        "dst_port" => typed(Fetch::DstPort, SampleType::Int, MatchKind::Int),
        "path" => str_fetch(Fetch::Path),
        "url" => str_fetch(Fetch::Url),
        "base" => str_fetch(Fetch::Base),
        "query" => str_fetch(Fetch::Query),
        "req.ver" | "req_ver" => str_fetch(Fetch::ReqVer),
        "urlp" | "url_param" => {
            max_args(2)?;
            let (name, delim) = urlp_args()?;
            str_fetch(Fetch::UrlParam { name, delim })
        }
        "urlp_val" => {
            let (name, delim) = urlp_args()?;
            typed(
                Fetch::UrlParamVal { name, delim },
                SampleType::Int,
                MatchKind::Int,
            )
        }
        "method" => ParsedFetch {
            fetch: Fetch::Method,
            ty: SampleType::Str,
            default_match: MatchKind::Str,
            force_icase: true,
        },
        "hdr" => {
            max_args(2)?;
            // The `hdr_*` ACL keywords are request-only; the `hdr` fetch follows the direction.
            let side = if derived.is_some() {
                Side::Request
            } else {
                Side::Current
            };
            str_fetch(Fetch::Hdr(hdr_args(side, false)?))
        }
        "req.hdr" => str_fetch(Fetch::Hdr(hdr_args(Side::Request, false)?)),
        "req.fhdr" => str_fetch(Fetch::Hdr(hdr_args(Side::Request, true)?)),
        "res.hdr" | "shdr" => str_fetch(Fetch::Hdr(hdr_args(Side::Response, false)?)),
        "res.fhdr" => str_fetch(Fetch::Hdr(hdr_args(Side::Response, true)?)),
        "hdr_cnt" | "req.hdr_cnt" => typed(
            Fetch::HdrCnt(hdr_args(Side::Request, false)?),
            SampleType::Int,
            MatchKind::Int,
        ),
        "req.fhdr_cnt" => typed(
            Fetch::HdrCnt(hdr_args(Side::Request, true)?),
            SampleType::Int,
            MatchKind::Int,
        ),
        "res.hdr_cnt" | "shdr_cnt" => typed(
            Fetch::HdrCnt(hdr_args(Side::Response, false)?),
            SampleType::Int,
            MatchKind::Int,
        ),
        "hdr_val" | "req.hdr_val" => typed(
            Fetch::HdrVal(hdr_args(Side::Request, false)?),
            SampleType::Int,
            MatchKind::Int,
        ),
        "res.hdr_val" | "shdr_val" => typed(
            Fetch::HdrVal(hdr_args(Side::Response, false)?),
            SampleType::Int,
            MatchKind::Int,
        ),
        "hdr_ip" | "req.hdr_ip" => typed(
            Fetch::HdrIp(hdr_args(Side::Request, false)?),
            SampleType::Ip,
            MatchKind::Ip,
        ),
        "req.cook" | "cook" => {
            max_args(1)?;
            str_fetch(Fetch::Cook { name: opt_name(0) })
        }
        "req.cook_cnt" | "cook_cnt" => typed(
            Fetch::CookCnt { name: opt_name(0) },
            SampleType::Int,
            MatchKind::Int,
        ),
        "req.cook_val" | "cook_val" => typed(
            Fetch::CookVal { name: opt_name(0) },
            SampleType::Int,
            MatchKind::Int,
        ),
        "status" => typed(Fetch::Status, SampleType::Int, MatchKind::Int),
        "ssl_fc" => typed(Fetch::SslFc, SampleType::Bool, MatchKind::Bool),
        "http_auth" | "http_auth_group" => {
            let list = args.first().ok_or_else(|| bad("expects a userlist name"))?;
            let userlist = names
                .userlist(list)
                .ok_or_else(|| CompileErrorKind::NoSuchUserlist(list.to_string()))?;
            if base == "http_auth" {
                typed(
                    Fetch::HttpAuth { userlist },
                    SampleType::Bool,
                    MatchKind::Bool,
                )
            } else {
                typed(
                    Fetch::HttpAuthGroup { userlist },
                    SampleType::Groups,
                    MatchKind::Groups,
                )
            }
        }
        "nbsrv" | "be_conn" => {
            max_args(1)?;
            let backend = match args.first() {
                Some(b) => Some(
                    names
                        .backend(b)
                        .ok_or_else(|| CompileErrorKind::NoSuchBackend(b.to_string()))?,
                ),
                None => None,
            };
            let f = if base == "nbsrv" {
                Fetch::NbSrv { backend }
            } else {
                Fetch::BeConn { backend }
            };
            typed(f, SampleType::Int, MatchKind::Int)
        }
        "fe_conn" => {
            max_args(1)?;
            let frontend = match args.first() {
                Some(f) => Some(
                    names
                        .frontend(f)
                        .ok_or_else(|| bad(&format!("no such frontend '{f}'")))?,
                ),
                None => None,
            };
            typed(Fetch::FeConn { frontend }, SampleType::Int, MatchKind::Int)
        }
        "req.proto_http" | "req_proto_http" => {
            typed(Fetch::ProtoHttp, SampleType::Bool, MatchKind::Bool)
        }
        "var" => {
            let name = args.first().ok_or_else(|| bad("expects a variable name"))?;
            let name = crate::action::var_name(name)?;
            str_fetch(Fetch::Var(name))
        }
        "always_true" => typed(Fetch::Const(true), SampleType::Bool, MatchKind::Bool),
        "always_false" => typed(Fetch::Const(false), SampleType::Bool, MatchKind::Bool),
        _ => return Err(CompileErrorKind::UnknownFetch(name.to_string())),
    };
    let takes_args = matches!(
        parsed.fetch,
        Fetch::Hdr(_)
            | Fetch::HdrCnt(_)
            | Fetch::HdrVal(_)
            | Fetch::HdrIp(_)
            | Fetch::UrlParam { .. }
            | Fetch::UrlParamVal { .. }
            | Fetch::Cook { .. }
            | Fetch::CookCnt { .. }
            | Fetch::CookVal { .. }
            | Fetch::HttpAuth { .. }
            | Fetch::HttpAuthGroup { .. }
            | Fetch::NbSrv { .. }
            | Fetch::BeConn { .. }
            | Fetch::FeConn { .. }
            | Fetch::Var(_)
    );
    if !takes_args && !args.is_empty() {
        return Err(bad("takes no argument"));
    }
    Ok(parsed)
}

fn is_string_fetch(base: &str) -> bool {
    matches!(
        base,
        "path"
            | "url"
            | "base"
            | "hdr"
            | "req.hdr"
            | "shdr"
            | "res.hdr"
            | "urlp"
            | "url_param"
            | "cook"
            | "req.cook"
            | "query"
            | "req.fhdr"
            | "res.fhdr"
    )
}

impl Fetch {
    /// Calls `f` with every sample this fetch yields in `ctx` (all occurrences, as ACLs see
    /// them) until `f` returns true; returns whether it did. `tmp` holds built strings (`base`).
    pub fn for_each<'a>(
        &self,
        ctx: &Ctx<'a>,
        tmp: &mut Vec<u8>,
        f: &mut dyn FnMut(Sample<'_>) -> bool,
    ) -> bool {
        match self {
            Fetch::Hdr(a) => {
                let Some(msg) = side_msg(ctx, a.side) else {
                    return false;
                };
                match a.occ {
                    None => for_each_hdr_value(&msg, a, |v| f(Sample::Str(v))),
                    Some(_) => match nth_hdr_value(&msg, a) {
                        Some(v) => f(Sample::Str(v)),
                        None => false,
                    },
                }
            }
            Fetch::HdrVal(a) | Fetch::HdrIp(a) => {
                let Some(msg) = side_msg(ctx, a.side) else {
                    return false;
                };
                let ip = matches!(self, Fetch::HdrIp(_));
                let conv = |v: &[u8]| -> bool {
                    if ip {
                        parse_hdr_ip(v).is_some_and(|addr| f(Sample::Ip(addr)))
                    } else {
                        parse_int(v).is_some_and(|n| f(Sample::Int(n)))
                    }
                };
                match a.occ {
                    None => for_each_hdr_value(&msg, a, conv),
                    Some(_) => nth_hdr_value(&msg, a).is_some_and(conv),
                }
            }
            Fetch::UrlParam { name, delim } => {
                let Some(req) = ctx.req else { return false };
                for_each_url_param(&req, name.as_deref(), *delim, |v| f(Sample::Str(v)))
            }
            Fetch::UrlParamVal { name, delim } => {
                let Some(req) = ctx.req else { return false };
                for_each_url_param(&req, name.as_deref(), *delim, |v| {
                    parse_int(v).is_some_and(|n| f(Sample::Int(n)))
                })
            }
            Fetch::Cook { name } => {
                let Some(req) = ctx.req else { return false };
                for_each_cookie(&req, name.as_deref(), |v| f(Sample::Str(v)))
            }
            Fetch::CookVal { name } => {
                let Some(req) = ctx.req else { return false };
                for_each_cookie(&req, name.as_deref(), |v| {
                    parse_int(v).is_some_and(|n| f(Sample::Int(n)))
                })
            }
            _ => match self.one(ctx, tmp) {
                Some(s) => f(s),
                None => false,
            },
        }
    }

    /// The single sample a fetch gives outside ACLs (last header occurrence, first cookie or
    /// URL parameter), or `None` when it finds nothing.
    pub fn one<'a, 't>(&self, ctx: &Ctx<'a>, tmp: &'t mut Vec<u8>) -> Option<Sample<'t>>
    where
        'a: 't,
    {
        let req = ctx.req;
        Some(match self {
            Fetch::Src => Sample::Ip(canonical(ctx.conn.src?.ip())),
            Fetch::Dst => Sample::Ip(canonical(ctx.conn.dst?.ip())),
            Fetch::SrcPort => Sample::Int(i64::from(ctx.conn.src?.port())),
            Fetch::DstPort => Sample::Int(i64::from(ctx.conn.dst?.port())),
            Fetch::Path => Sample::Str(req?.path()?),
            Fetch::Url => Sample::Str(req?.target()),
            Fetch::Query => Sample::Str(req?.query()?),
            Fetch::Base => {
                let req = req?;
                tmp.clear();
                if let Some(host) = req.first(b"host") {
                    tmp.extend_from_slice(host);
                }
                tmp.extend_from_slice(req.path()?);
                Sample::Str(tmp)
            }
            Fetch::Method => Sample::Str(req?.method()),
            Fetch::ReqVer => Sample::Str(match req?.version() {
                http1::Version::Http10 => b"1.0",
                http1::Version::Http11 => b"1.1",
            }),
            Fetch::Hdr(a) => {
                let msg = side_msg(ctx, a.side)?;
                let mut last = None;
                if a.occ.is_some() {
                    last = nth_hdr_value(&msg, a);
                } else {
                    for_each_hdr_value(&msg, a, |v| {
                        last = Some(v);
                        false
                    });
                }
                Sample::Str(last?)
            }
            Fetch::HdrCnt(a) => {
                let msg = side_msg(ctx, a.side)?;
                let mut n = 0i64;
                for_each_hdr_value(&msg, a, |_| {
                    n += 1;
                    false
                });
                Sample::Int(n)
            }
            Fetch::HdrVal(a) | Fetch::HdrIp(a) => {
                let msg = side_msg(ctx, a.side)?;
                let last = if a.occ.is_some() {
                    nth_hdr_value(&msg, a)
                } else {
                    let mut last = None;
                    for_each_hdr_value(&msg, a, |v| {
                        last = Some(v);
                        false
                    });
                    last
                }?;
                if matches!(self, Fetch::HdrIp(_)) {
                    Sample::Ip(parse_hdr_ip(last)?)
                } else {
                    Sample::Int(parse_int(last)?)
                }
            }
            Fetch::UrlParam { name, delim } => {
                let mut first = None;
                for_each_url_param(&req?, name.as_deref(), *delim, |v| {
                    first = Some(v);
                    true
                });
                Sample::Str(first?)
            }
            Fetch::UrlParamVal { name, delim } => {
                let mut first = None;
                for_each_url_param(&req?, name.as_deref(), *delim, |v| {
                    first = Some(v);
                    true
                });
                Sample::Int(parse_int(first?)?)
            }
            Fetch::Cook { name } | Fetch::CookVal { name } => {
                // The last occurrence of a named cookie, the first cookie when unnamed.
                let mut found = None;
                for_each_cookie(&req?, name.as_deref(), |v| {
                    found = Some(v);
                    name.is_none()
                });
                let v = found?;
                if matches!(self, Fetch::CookVal { .. }) {
                    Sample::Int(parse_int(v)?)
                } else {
                    Sample::Str(v)
                }
            }
            Fetch::CookCnt { name } => {
                let mut n = 0i64;
                for_each_cookie(&req?, name.as_deref(), |_| {
                    n += 1;
                    false
                });
                Sample::Int(n)
            }
            Fetch::Status => Sample::Int(i64::from(ctx.res?.status())),
            Fetch::SslFc => Sample::Bool(ctx.conn.ssl),
            Fetch::HttpAuth { userlist } => Sample::Bool(authenticated(ctx, *userlist).is_some()),
            Fetch::HttpAuthGroup { userlist } => {
                let user = authenticated(ctx, *userlist)?;
                Sample::Groups(ctx.userlists.get(*userlist)?.users.get(user)?.groups)
            }
            Fetch::NbSrv { backend } => Sample::Int(i64::from(
                ctx.counters
                    .usable_servers(backend.or(ctx.backend).unwrap_or(ctx.proxy)),
            )),
            Fetch::BeConn { backend } => Sample::Int(
                ctx.counters
                    .backend_conns(backend.or(ctx.backend).unwrap_or(ctx.proxy))
                    as i64,
            ),
            Fetch::FeConn { frontend } => Sample::Int(
                ctx.counters
                    .frontend_conns(frontend.unwrap_or(ctx.frontend)) as i64,
            ),
            Fetch::ProtoHttp => Sample::Bool(req.is_some()),
            Fetch::Const(b) => Sample::Bool(*b),
            Fetch::Var(name) => Sample::Str(ctx.vars.get(name)?),
        })
    }

    /// Whether the fetch needs an HTTP message (so never matches in `tcp-request connection`).
    pub fn is_http(&self) -> bool {
        !matches!(
            self,
            Fetch::Src
                | Fetch::SrcPort
                | Fetch::Dst
                | Fetch::DstPort
                | Fetch::SslFc
                | Fetch::NbSrv { .. }
                | Fetch::BeConn { .. }
                | Fetch::FeConn { .. }
                | Fetch::Const(_)
        )
    }
}

/// An IPv4 client seen through a dual-stack socket is reported as IPv4, as HAProxy does.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}
