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
    ($name:literal, $scope:expr, $support:expr, $min:expr, $expects:literal) => {
        Keyword::new(
            $name,
            $scope,
            $support,
            Handler::Proxy(|p, c, a| keep(p, c, $name, a, $min, $expects)),
        )
    };
}

const HTTP_REQUEST: Support = Support::Partial(
    "allow, deny, reject, tarpit, auth, redirect, return, add-header, set-header, del-header, replace-header, replace-value, set-path, set-pathq, set-query, set-uri, set-method, replace-path, replace-uri, set-var, set-var-fmt, unset-var; other HAProxy actions (capture, track-sc*, ...) are accepted and ignored with a warning",
);
const HTTP_RESPONSE: Support = Support::Partial(
    "allow, deny, reject, redirect, return, add-header, set-header, del-header, replace-header, replace-value, set-status, set-var; request fetches (path, ...) do not match in responses, as in HAProxy",
);
const TCP_ACCEPT_REJECT: Support =
    Support::Partial("accept and reject; other actions are accepted and ignored with a warning");

pub(crate) const KEYWORDS: &[Keyword] = &[
    rule!("acl", Scope::ALL_PROXIES, Support::Yes, 2, "an ACL name and a criterion"),
    rule!(
        "http-request",
        Scope::ALL_PROXIES, HTTP_REQUEST,
        1,
        "an action (allow, deny, auth, redirect, add-header, ...)"
    ),
    rule!(
        "http-response",
        Scope::ALL_PROXIES, HTTP_RESPONSE,
        1,
        "an action (allow, deny, add-header, set-status, ...)"
    ),
    rule!(
        "http-after-response",
        Scope::ALL_PROXIES, Support::Partial("header actions, set-status, set-var; run on responses from servers, not yet on the ones halb generates"),
        1,
        "an action (add-header, set-header, ...)"
    ),
    rule!(
        "tcp-request connection",
        Scope::FE, TCP_ACCEPT_REJECT,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-request content",
        Scope::ALL_PROXIES, TCP_ACCEPT_REJECT,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-request inspect-delay",
        Scope::ALL_PROXIES, Support::Partial("kept; HTTP rules run once the request head is complete, mode tcp rules use connection fetches only"),
        1,
        "a time value"
    ),
    rule!(
        "tcp-request session",
        Scope::FE, TCP_ACCEPT_REJECT,
        1,
        "an action (accept, reject, ...)"
    ),
    rule!(
        "tcp-response content",
        Scope::BE, Support::NotYet,
        1,
        "an action (accept, reject, close)"
    ),
    rule!("tcp-response inspect-delay", Scope::BE, Support::NotYet, 1, "a time value"),
    rule!(
        "redirect",
        Scope::PROXIES_ONLY, Support::Yes,
        2,
        "'location', 'prefix' or 'scheme' followed by a value"
    ),
    rule!("use-server", Scope::BE_ONLY, Support::Yes, 1, "a server name"),
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
