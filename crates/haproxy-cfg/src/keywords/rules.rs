//! Rule-bearing keywords (`acl`, `http-request`, `http-response`, `http-after-response`,
//! `tcp-request`, `tcp-response`, `redirect`, `use-server`): kept as words with their location
//! for the rules crate, which compiles them (configuration manual 4.2 and 7).

use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Proxy, RuleLine};

fn keep(
    p: &mut Proxy,
    c: &mut Ctx<'_>,
    kw: &str,
    a: &[String],
    min_args: usize,
    expects: &str,
) -> Result<(), String> {
    if a.len() < min_args {
        return Err(format!("'{kw}' expects {expects}"));
    }
    p.rule_lines.push(RuleLine {
        keyword: kw.to_string(),
        args: a.to_vec(),
        location: c.loc.clone(),
    });
    Ok(())
}

macro_rules! rule {
    ($name:literal, $scope:expr, $min:expr, $expects:literal) => {
        Keyword::new(
            $name,
            $scope,
            Support::NotYet,
            Handler::Proxy(|p, c, a| keep(p, c, $name, a, $min, $expects)),
        )
    };
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    rule!("acl", Scope::ALL_PROXIES, 2, "an ACL name and a criterion"),
    rule!(
        "http-request",
        Scope::ALL_PROXIES,
        1,
        "an action (allow, deny, auth, redirect, add-header, ...)"
    ),
    rule!(
        "http-response",
        Scope::ALL_PROXIES,
        1,
        "an action (allow, deny, add-header, set-status, ...)"
    ),
    rule!(
        "http-after-response",
        Scope::ALL_PROXIES,
        1,
        "an action (add-header, set-header, ...)"
    ),
    rule!(
        "tcp-request connection",
        Scope::FE,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-request content",
        Scope::ALL_PROXIES,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-request inspect-delay",
        Scope::ALL_PROXIES,
        1,
        "a time value"
    ),
    rule!(
        "tcp-request session",
        Scope::FE,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-response content",
        Scope::BE,
        1,
        "an action (accept, reject, close)"
    ),
    rule!("tcp-response inspect-delay", Scope::BE, 1, "a time value"),
    rule!(
        "redirect",
        Scope::PROXIES_ONLY,
        2,
        "'location', 'prefix' or 'scheme' followed by a value"
    ),
    rule!("use-server", Scope::BE_ONLY, 1, "a server name"),
];

/// Pre-2.1 request/response rewriting keywords: recognised so the error can say what replaced them.
pub(crate) fn removed_keyword(name: &str) -> Option<&'static str> {
    Some(match name {
        "reqadd" | "reqrep" | "reqirep" | "reqdel" | "reqidel" | "reqallow" | "reqiallow"
        | "reqdeny" | "reqideny" | "reqtarpit" | "reqitarpit" | "reqpass" | "reqipass"
        | "reqsetbe" | "reqisetbe" => "use 'http-request' rules instead (removed in HAProxy 2.1)",
        "rspadd" | "rsprep" | "rspirep" | "rspdel" | "rspidel" | "rspdeny" | "rspideny" => {
            "use 'http-response' rules instead (removed in HAProxy 2.1)"
        }
        "block" => "use 'http-request deny' instead (removed in HAProxy 2.1)",
        "redisp" | "redispatch" => "use 'option redispatch' instead",
        _ => return None,
    })
}
