//! `virtual_server` (LVS) blocks with their `real_server`s and health checkers. halb does
//! not serve LVS yet: the blocks are read into this model (so a typo still gets a "did you
//! mean") and each `virtual_server` gets one warning saying it is not served.

use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::{Location, RawStatement};
use crate::tree::Node;
use crate::value::{self, timer};
use std::net::IpAddr;
use std::time::Duration;

/// What a virtual server listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirtualServerAddr {
    /// `virtual_server IP PORT`.
    Ip { addr: IpAddr, port: Option<u16> },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME` (a `virtual_server_group`).
    Group(String),
}

/// `url { path; digest; status_code }` of HTTP_GET/SSL_GET.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlCheck {
    pub path: Option<String>,
    pub digest: Option<String>,
    /// As written (`200`, `200-299`, `200 301`).
    pub status_code: Vec<String>,
    pub raw: Vec<RawStatement>,
}

/// One checker block of a real server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checker {
    /// `HTTP_GET`, `SSL_GET`, `TCP_CHECK`, `MISC_CHECK`, `SMTP_CHECK`, `DNS_CHECK`,
    /// `PING_CHECK`, `UDP_CHECK`, `FILE_CHECK`, `BFD_CHECK`.
    pub kind: String,
    pub urls: Vec<UrlCheck>,
    pub connect_ip: Option<IpAddr>,
    pub connect_port: Option<u16>,
    pub connect_timeout: Option<Duration>,
    /// `retry` or its older name `nb_get_retry`.
    pub retry: Option<u32>,
    pub delay_before_retry: Option<Duration>,
    pub delay_loop: Option<Duration>,
    /// MISC_CHECK `misc_path`.
    pub misc_path: Option<String>,
    pub misc_timeout: Option<Duration>,
    pub raw: Vec<RawStatement>,
}

/// One `real_server IP PORT { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServer {
    pub addr: IpAddr,
    pub port: Option<u16>,
    /// Default 1.
    pub weight: i32,
    pub inhibit_on_failure: bool,
    pub notify_up: Option<String>,
    pub notify_down: Option<String>,
    pub checkers: Vec<Checker>,
    pub location: Location,
    pub raw: Vec<RawStatement>,
}

/// One `virtual_server ... { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServer {
    pub addr: VirtualServerAddr,
    pub delay_loop: Option<Duration>,
    pub lb_algo: Option<String>,
    pub lb_kind: Option<String>,
    pub persistence_timeout: Option<u32>,
    pub protocol: Option<String>,
    /// `sorry_server IP PORT`.
    pub sorry_server: Option<(IpAddr, Option<u16>)>,
    pub real_servers: Vec<RealServer>,
    pub location: Location,
    pub raw: Vec<RawStatement>,
}

impl KeepsRaw for VirtualServer {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}
impl KeepsRaw for RealServer {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}
impl KeepsRaw for Checker {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}
impl KeepsRaw for UrlCheck {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

fn ip_port(ctx: &mut Ctx<'_>, node: &Node, from: usize) -> Option<(IpAddr, Option<u16>)> {
    let a = ctx.arg(node, from, "address")?;
    let Ok(addr) = a.parse::<IpAddr>() else {
        ctx.error(
            node.loc,
            format!("{}: invalid IP address '{a}'", node.keyword()),
        );
        return None;
    };
    let port = match node.arg(from + 1) {
        None => None,
        Some(p) => match value::uint(p, 0, 65535) {
            Ok(p) => Some(p as u16),
            Err(e) => {
                ctx.error(node.loc, format!("{}: port: {e}", node.keyword()));
                return None;
            }
        },
    };
    Some((addr, port))
}

pub(crate) fn parse(ctx: &mut Ctx<'_>, node: &Node) -> Option<VirtualServer> {
    let addr = match node.arg(1) {
        Some("fwmark") => {
            let m = ctx.arg(node, 2, "mark")?;
            match value::uint(m, 0, u64::from(u32::MAX)) {
                Ok(v) => VirtualServerAddr::Fwmark(v as u32),
                Err(e) => {
                    ctx.error(node.loc, format!("virtual_server fwmark: {e}"));
                    return None;
                }
            }
        }
        Some("group") => VirtualServerAddr::Group(ctx.arg(node, 2, "group name")?.to_string()),
        _ => {
            let (addr, port) = ip_port(ctx, node, 1)?;
            VirtualServerAddr::Ip { addr, port }
        }
    };
    let label = node.args().join(" ");
    let mut vs = VirtualServer {
        addr,
        delay_loop: None,
        lb_algo: None,
        lb_kind: None,
        persistence_timeout: None,
        protocol: None,
        sorry_server: None,
        real_servers: Vec::new(),
        location: ctx.location(node.loc),
        raw: Vec::new(),
    };
    ctx.scoped(format!("virtual_server {label}"), |ctx| {
        ctx.warn(
            node.loc,
            "virtual_server (LVS) is not served yet by halb - parsed and ignored",
        );
        walk(ctx, &VS_TABLE, &mut vs, node.children());
    });
    Some(vs)
}

fn timer_value(ctx: &mut Ctx<'_>, node: &Node) -> Option<Duration> {
    let w = ctx.arg(node, 1, "value")?;
    match timer(w, 86_400 * 365) {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error(node.loc, format!("{}: {e}", node.keyword()));
            None
        }
    }
}

static VS_TABLE: Table<VirtualServer> = Table {
    block: "virtual_server",
    served: &[
        Keyword::new("delay_loop", Shape::Line, |c, v, n| {
            v.delay_loop = timer_value(c, n)
        }),
        Keyword::new("lb_algo", Shape::Line, |c, v, n| {
            v.lb_algo = value::string_arg(c, n)
        }),
        Keyword::new("lvs_sched", Shape::Line, |c, v, n| {
            v.lb_algo = value::string_arg(c, n)
        }),
        Keyword::new("lb_kind", Shape::Line, |c, v, n| {
            v.lb_kind = value::string_arg(c, n)
        }),
        Keyword::new("lvs_method", Shape::Line, |c, v, n| {
            v.lb_kind = value::string_arg(c, n)
        }),
        Keyword::new("persistence_timeout", Shape::Line, |c, v, n| {
            v.persistence_timeout = match n.arg(1) {
                None => Some(360),
                Some(_) => value::uint_arg(c, n, 1, u64::from(u32::MAX)).map(|t| t as u32),
            }
        }),
        Keyword::new("protocol", Shape::Line, |c, v, n| {
            v.protocol = value::string_arg(c, n)
        }),
        Keyword::new("sorry_server", Shape::Line, |c, v, n| {
            v.sorry_server = ip_port(c, n, 1)
        }),
        Keyword::new("real_server", Shape::Block, real_server),
    ],
    not_served: &[],
    accepted: &[
        "ip_family",
        "retry",
        "delay_before_retry",
        "warmup",
        "connect_timeout",
        "inhibit_on_failure",
        "hashed",
        "ops",
        "flag-1",
        "flag-2",
        "flag-3",
        "sh-port",
        "sh-fallback",
        "mh-port",
        "mh-fallback",
        "persistence_engine",
        "persistence_granularity",
        "ha_suspend",
        "smtp_alert",
        "virtualhost",
        "snmp_name",
        "alpha",
        "omega",
        "quorum_up",
        "quorum_down",
        "quorum",
        "hysteresis",
        "weight",
        "sorry_server_inhibit",
        "sorry_server_lvs_method",
    ],
};

fn real_server(ctx: &mut Ctx<'_>, vs: &mut VirtualServer, node: &Node) {
    let Some((addr, port)) = ip_port(ctx, node, 1) else {
        return;
    };
    let mut rs = RealServer {
        addr,
        port,
        weight: 1,
        inhibit_on_failure: false,
        notify_up: None,
        notify_down: None,
        checkers: Vec::new(),
        location: ctx.location(node.loc),
        raw: Vec::new(),
    };
    let scope = format!("{} real_server {}", ctx.scope, node.args().join(" "));
    ctx.scoped(scope, |ctx| walk(ctx, &RS_TABLE, &mut rs, node.children()));
    vs.real_servers.push(rs);
}

fn checker(ctx: &mut Ctx<'_>, rs: &mut RealServer, node: &Node) {
    let mut c = Checker {
        kind: node.keyword().to_string(),
        ..Checker::default()
    };
    let scope = format!("{} {}", ctx.scope, node.keyword());
    ctx.scoped(scope, |ctx| {
        walk(ctx, &CHECK_TABLE, &mut c, node.children())
    });
    rs.checkers.push(c);
}

static RS_TABLE: Table<RealServer> = Table {
    block: "real_server",
    served: &[
        Keyword::new("weight", Shape::Line, |c, r, n| {
            if let Some(w) = value::int_arg(c, n, 0, 65535) {
                r.weight = w as i32;
            }
        }),
        Keyword::new("inhibit_on_failure", Shape::Line, |c, r, n| {
            r.inhibit_on_failure = value::flag(c, n)
        }),
        Keyword::new("notify_up", Shape::Line, |c, r, n| {
            r.notify_up = value::string_arg(c, n)
        }),
        Keyword::new("notify_down", Shape::Line, |c, r, n| {
            r.notify_down = value::string_arg(c, n)
        }),
        Keyword::new("HTTP_GET", Shape::Block, checker),
        Keyword::new("SSL_GET", Shape::Block, checker),
        Keyword::new("TCP_CHECK", Shape::Either, checker),
        Keyword::new("MISC_CHECK", Shape::Block, checker),
        Keyword::new("SMTP_CHECK", Shape::Block, checker),
        Keyword::new("DNS_CHECK", Shape::Block, checker),
        Keyword::new("PING_CHECK", Shape::Either, checker),
        Keyword::new("UDP_CHECK", Shape::Either, checker),
        Keyword::new("FILE_CHECK", Shape::Block, checker),
        Keyword::new("BFD_CHECK", Shape::Block, checker),
    ],
    not_served: &[],
    accepted: &[
        "lvs_method",
        "uthreshold",
        "lthreshold",
        "alpha",
        "retry",
        "delay_before_retry",
        "warmup",
        "connect_timeout",
        "delay_loop",
        "smtp_alert",
        "virtualhost",
        "snmp_name",
    ],
};

fn port_value(ctx: &mut Ctx<'_>, node: &Node) -> Option<u16> {
    value::uint_arg(ctx, node, 0, 65535).map(|p| p as u16)
}

static CHECK_TABLE: Table<Checker> = Table {
    block: "HTTP_GET|SSL_GET|TCP_CHECK|MISC_CHECK|...",
    served: &[
        Keyword::new("url", Shape::Block, |c, k, n| {
            let mut u = UrlCheck::default();
            let scope = format!("{} url", c.scope);
            c.scoped(scope, |c| walk(c, &URL_TABLE, &mut u, n.children()));
            k.urls.push(u);
        }),
        Keyword::new("connect_ip", Shape::Line, |c, k, n| {
            let Some(w) = c.arg(n, 1, "address") else {
                return;
            };
            match w.parse() {
                Ok(a) => k.connect_ip = Some(a),
                Err(_) => c.error(n.loc, format!("connect_ip: invalid IP address '{w}'")),
            }
        }),
        Keyword::new("connect_port", Shape::Line, |c, k, n| {
            k.connect_port = port_value(c, n)
        }),
        Keyword::new("connect_timeout", Shape::Line, |c, k, n| {
            k.connect_timeout = timer_value(c, n)
        }),
        Keyword::new("retry", Shape::Line, |c, k, n| {
            k.retry = value::uint_arg(c, n, 0, u64::from(u32::MAX)).map(|v| v as u32)
        }),
        Keyword::new("nb_get_retry", Shape::Line, |c, k, n| {
            k.retry = value::uint_arg(c, n, 0, u64::from(u32::MAX)).map(|v| v as u32)
        }),
        Keyword::new("delay_before_retry", Shape::Line, |c, k, n| {
            k.delay_before_retry = timer_value(c, n)
        }),
        Keyword::new("delay_loop", Shape::Line, |c, k, n| {
            k.delay_loop = timer_value(c, n)
        }),
        Keyword::new("misc_path", Shape::Line, |c, k, n| {
            k.misc_path = value::string_arg(c, n)
        }),
        Keyword::new("misc_timeout", Shape::Line, |c, k, n| {
            k.misc_timeout = timer_value(c, n)
        }),
    ],
    not_served: &[],
    accepted: &[
        "bindto",
        "bind_port",
        "bind_if",
        "fwmark",
        "warmup",
        "alpha",
        "log_all_failures",
        "virtualhost",
        "http_protocol",
        "enable_sni",
        "fast_recovery",
        "misc_dynamic",
        "user",
        "helo_name",
        "host",
        "type",
        "name",
        "payload",
        "require_reply",
        "min_reply_length",
        "max_reply_length",
        "track_file",
        "weight",
    ],
};

static URL_TABLE: Table<UrlCheck> = Table {
    block: "url",
    served: &[
        Keyword::new("path", Shape::Line, |c, u, n| {
            u.path = value::string_arg(c, n)
        }),
        Keyword::new("digest", Shape::Line, |c, u, n| {
            u.digest = value::string_arg(c, n)
        }),
        Keyword::new("status_code", Shape::Line, |_, u, n| {
            u.status_code.extend(n.args().iter().cloned())
        }),
    ],
    not_served: &[],
    accepted: &[
        "virtualhost",
        "regex",
        "regex_no_match",
        "regex_options",
        "regex_min_offset",
        "regex_max_offset",
        "regex_stack",
    ],
};

pub(crate) fn tables() -> Vec<(&'static str, Vec<(&'static str, crate::keyword::Support)>)> {
    vec![
        (VS_TABLE.block, VS_TABLE.support()),
        (RS_TABLE.block, RS_TABLE.support()),
        (
            "checkers (HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, ...)",
            CHECK_TABLE.support(),
        ),
        (URL_TABLE.block, URL_TABLE.support()),
    ]
}
