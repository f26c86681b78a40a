//! `option NAME` / `no option NAME` switches (configuration manual 4.2, options marked `(*)` in
//! the keyword matrix may be inverted with `no`).

use super::args::none;
use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{ForwardFor, HttpConnMode, OriginalTo, Proxy, ProxyOptions};
use crate::values::parse_net;

type Flag = fn(&mut ProxyOptions) -> &mut bool;

fn flag(p: &mut Proxy, c: &mut Ctx<'_>, name: &str, a: &[String], f: Flag) -> Result<(), String> {
    none(&format!("option {name}"), a)?;
    *f(&mut p.options) = !c.negated;
    Ok(())
}

macro_rules! flag {
    ($name:literal, $field:ident, $scope:expr, $support:expr) => {
        Keyword::new(
            concat!("option ", $name),
            $scope,
            $support,
            Handler::Proxy(|p, c, a| flag(p, c, $name, a, |o| &mut o.$field)),
        )
        .negatable()
    };
}

macro_rules! not_yet {
    ($($name:literal => $scope:expr, $neg:expr);* $(;)?) => {
        &[$({
            let k = Keyword::new(concat!("option ", $name), $scope, Support::NotYet, Handler::Accept);
            if $neg { k.negatable() } else { k }
        }),*]
    };
}

fn conn_mode(
    p: &mut Proxy,
    c: &mut Ctx<'_>,
    name: &str,
    a: &[String],
    mode: HttpConnMode,
) -> Result<(), String> {
    none(&format!("option {name}"), a)?;
    if c.negated {
        if p.options.http_conn_mode == mode {
            p.options.http_conn_mode = HttpConnMode::KeepAlive;
        }
    } else {
        p.options.http_conn_mode = mode;
    }
    Ok(())
}

/// Parses `[except NET] [header NAME] [if-none]` for forwardfor (and originalto, without if-none).
fn forward_args(
    kw: &str,
    a: &[String],
    allow_if_none: bool,
    default_header: &str,
) -> Result<(Option<crate::model::IpNet>, String, bool), String> {
    let mut except = None;
    let mut header = default_header.to_string();
    let mut if_none = false;
    let mut i = 0;
    while i < a.len() {
        match a[i].as_str() {
            "except" => {
                let v = a
                    .get(i + 1)
                    .ok_or_else(|| format!("'{kw} except' expects <address>[/mask] as argument"))?;
                except = Some(parse_net(v).map_err(|e| format!("'{kw} except' : {e}"))?);
                i += 2;
            }
            "header" => {
                let v = a
                    .get(i + 1)
                    .ok_or_else(|| format!("'{kw} header' expects <header_name> as argument"))?;
                if v.is_empty() {
                    return Err(format!("'{kw} header' expects a non-empty header name"));
                }
                header = v.clone();
                i += 2;
            }
            "if-none" if allow_if_none => {
                if_none = true;
                i += 1;
            }
            other => {
                let expected = if allow_if_none {
                    "'except', 'header' and 'if-none'"
                } else {
                    "'except' and 'header'"
                };
                return Err(format!(
                    "'{kw}' only supports optional values {expected}, got '{other}'"
                ));
            }
        }
    }
    Ok((except, header, if_none))
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "option http-keep-alive",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| conn_mode(p, c, "http-keep-alive", a, HttpConnMode::KeepAlive)),
    )
    .negatable(),
    Keyword::new(
        "option http-server-close",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            conn_mode(p, c, "http-server-close", a, HttpConnMode::ServerClose)
        }),
    )
    .negatable(),
    Keyword::new(
        "option httpclose",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| conn_mode(p, c, "httpclose", a, HttpConnMode::Close)),
    )
    .negatable(),
    Keyword::new(
        "option forceclose",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            c.warn("'option forceclose' is deprecated; read as 'option httpclose'");
            conn_mode(p, c, "forceclose", a, HttpConnMode::Close)
        }),
    )
    .negatable(),
    Keyword::new(
        "option forwardfor",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            if c.negated {
                none("no option forwardfor", a)?;
                p.options.forwardfor = None;
                return Ok(());
            }
            let (except, header, if_none) =
                forward_args("option forwardfor", a, true, "X-Forwarded-For")?;
            p.options.forwardfor = Some(ForwardFor {
                except,
                header,
                if_none,
            });
            Ok(())
        }),
    )
    .negatable(),
    Keyword::new(
        "option originalto",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            if c.negated {
                p.options.originalto = None;
                return Ok(());
            }
            let (except, header, _) = forward_args("option originalto", a, false, "X-Original-To")?;
            p.options.originalto = Some(OriginalTo { except, header });
            Ok(())
        }),
    )
    .negatable(),
    flag!("redispatch", redispatch, Scope::BE, Support::Yes),
    flag!("abortonclose", abortonclose, Scope::BE, Support::NotYet),
    flag!("allbackups", allbackups, Scope::BE, Support::Yes),
    flag!("persist", persist, Scope::BE, Support::Yes),
    flag!(
        "http-buffer-request",
        http_buffer_request,
        Scope::ALL_PROXIES,
        Support::NotYet
    ),
    Keyword::new(
        "option tcp-smart-accept",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            none("option tcp-smart-accept", a)?;
            p.options.tcp_smart_accept = Some(!c.negated);
            Ok(())
        }),
    )
    .negatable(),
    flag!(
        "tcp-smart-connect",
        tcp_smart_connect,
        Scope::BE,
        Support::Yes
    ),
    flag!("nolinger", nolinger, Scope::ALL_PROXIES, Support::Yes),
    flag!(
        "splice-auto",
        splice_auto,
        Scope::ALL_PROXIES,
        Support::NotYet
    ),
    flag!("tcpka", tcpka, Scope::ALL_PROXIES, Support::NotYet),
    flag!("clitcpka", clitcpka, Scope::FE, Support::NotYet),
    flag!("srvtcpka", srvtcpka, Scope::BE, Support::NotYet),
    flag!(
        "http-ignore-probes",
        http_ignore_probes,
        Scope::FE,
        Support::NotYet
    ),
    flag!(
        "accept-invalid-http-request",
        accept_invalid_http_request,
        Scope::FE,
        Support::NotYet
    ),
    flag!(
        "accept-invalid-http-response",
        accept_invalid_http_response,
        Scope::BE,
        Support::NotYet
    ),
    flag!("dontlognull", dontlognull, Scope::FE, Support::Yes),
    flag!("dontlog-normal", dontlog_normal, Scope::FE, Support::Yes),
    flag!(
        "log-health-checks",
        log_health_checks,
        Scope::BE,
        Support::Yes
    ),
    flag!(
        "log-separate-errors",
        log_separate_errors,
        Scope::FE,
        Support::Yes
    ),
    Keyword::new(
        "option httplog",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            match a {
                [] => p.options.httplog_clf = false,
                [x] if x == "clf" => p.options.httplog_clf = true,
                _ => {
                    return Err(format!(
                        "'option httplog' only supports the optional 'clf' argument, got '{}'",
                        a.join(" ")
                    ))
                }
            }
            p.options.httplog = !c.negated;
            if p.options.httplog {
                p.options.tcplog = false;
            }
            Ok(())
        }),
    )
    .negatable(),
    Keyword::new(
        "option tcplog",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            none("option tcplog", a)?;
            p.options.tcplog = !c.negated;
            if p.options.tcplog {
                p.options.httplog = false;
            }
            Ok(())
        }),
    ),
];

/// Options recognised but not acted on yet.
pub(crate) const NOT_YET: &[Keyword] = not_yet!(
    "checkcache" => Scope::BE, true;
    "contstats" => Scope::FE, true;
    "disable-h2-upgrade" => Scope::FE, true;
    "h1-case-adjust-bogus-client" => Scope::FE, true;
    "h1-case-adjust-bogus-server" => Scope::BE, true;
    "http-no-delay" => Scope::ALL_PROXIES, true;
    "http-pretend-keepalive" => Scope::BE, true;
    "http-restrict-req-hdr-names" => Scope::ALL_PROXIES, false;
    "http-use-proxy-header" => Scope::FE, true;
    "httpslog" => Scope::FE, false;
    "independent-streams" => Scope::ALL_PROXIES, true;
    "logasap" => Scope::FE, true;
    "prefer-last-server" => Scope::BE, true;
    "socket-stats" => Scope::FE, true;
    "splice-request" => Scope::ALL_PROXIES, true;
    "splice-response" => Scope::ALL_PROXIES, true;
    "transparent" => Scope::BE, true;
    "idle-close-on-response" => Scope::FE, true;
    "http-use-htx" => Scope::ALL_PROXIES, true;
);
