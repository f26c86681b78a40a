//! Health-check keywords at proxy level: `option httpchk`, the other `option *-check` kinds,
//! `http-check ...` and `tcp-check ...` (configuration manual 4.2). The checks crate compiles
//! the kept steps; the ones it does not act on yet are warned about.

use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{CheckKind, HttpChk, Proxy, RuleLine};

fn step(p: &mut Proxy, c: &mut Ctx<'_>, kw: &str, a: &[String]) -> Result<(), String> {
    p.checks.steps.push(RuleLine {
        keyword: kw.to_string(),
        args: a.to_vec(),
        location: c.loc.clone(),
    });
    Ok(())
}

macro_rules! steps {
    ($($support:ident $name:literal),* $(,)?) => {
        &[$(Keyword::new($name, Scope::BE, Support::$support, Handler::Proxy(|p, c, a| step(p, c, $name, a)))),*]
    };
}

fn other_kind(p: &mut Proxy, _: &mut Ctx<'_>, _: &[String]) -> Result<(), String> {
    p.checks.kind = CheckKind::Other;
    Ok(())
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "option httpchk",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            // `option httpchk [METHOD] [URI] [VERSION]`; one argument alone is the URI.
            let (method, uri, version) = match a {
                [] => ("OPTIONS", "/", "HTTP/1.0"),
                [uri] => ("OPTIONS", uri.as_str(), "HTTP/1.0"),
                [m, uri] => (m.as_str(), uri.as_str(), "HTTP/1.0"),
                [m, uri, v] => (m.as_str(), uri.as_str(), v.as_str()),
                _ => return Err(
                    "'option httpchk' expects at most 3 arguments: [<method>] [<uri>] [<version>]"
                        .into(),
                ),
            };
            p.checks.kind = CheckKind::Http;
            p.checks.httpchk = Some(HttpChk {
                method: method.into(),
                uri: uri.into(),
                version: version.into(),
            });
            Ok(())
        }),
    ),
    Keyword::new(
        "option tcp-check",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            super::args::none("option tcp-check", a)?;
            p.checks.kind = CheckKind::TcpCheck;
            Ok(())
        }),
    ),
    Keyword::new(
        "option ssl-hello-chk",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option smtpchk",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option ldap-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option mysql-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option pgsql-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option redis-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option spop-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
    Keyword::new(
        "option external-check",
        Scope::BE,
        Support::NotYet,
        Handler::Proxy(other_kind),
    ),
];

// The checks crate ignores the `NotYet` http-check steps and refuses the `NotYet` tcp-check
// ones (a conversation it cannot reproduce), pointing at their line.
pub(crate) const STEPS: &[Keyword] = steps!(
    Yes "http-check comment",
    Yes "http-check connect",
    NotYet "http-check disable-on-404",
    Yes "http-check expect",
    Yes "http-check send",
    NotYet "http-check send-state",
    NotYet "http-check set-var",
    NotYet "http-check unset-var",
    Yes "tcp-check comment",
    Yes "tcp-check connect",
    Yes "tcp-check expect",
    Yes "tcp-check send",
    NotYet "tcp-check send-lf",
    Yes "tcp-check send-binary",
    NotYet "tcp-check send-binary-lf",
    NotYet "tcp-check set-var",
    NotYet "tcp-check unset-var",
);
