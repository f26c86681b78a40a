//! `timeout NAME VALUE` (configuration manual 4.2) and the legacy `contimeout`, `clitimeout`,
//! `srvtimeout` spellings old tutorials still use.

use std::time::Duration;

use super::args::one;
use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Proxy, Timeouts};
use crate::values::parse_time;

type Slot = fn(&mut Timeouts) -> &mut Option<Duration>;

fn set(p: &mut Proxy, name: &str, a: &[String], slot: Slot) -> Result<(), String> {
    let full = format!("timeout {name}");
    let v = parse_time(one(&full, a)?, &full)?;
    *slot(&mut p.timeouts) = Some(v);
    Ok(())
}

macro_rules! timeout {
    ($name:literal, $field:ident, $scope:expr, $support:expr) => {
        Keyword::new(
            concat!("timeout ", $name),
            $scope,
            $support,
            Handler::Proxy(|p, _, a| set(p, $name, a, |t| &mut t.$field)),
        )
    };
}

fn legacy(
    p: &mut Proxy,
    c: &mut Ctx<'_>,
    a: &[String],
    old: &str,
    new: &str,
    slot: Slot,
) -> Result<(), String> {
    c.warn(format!(
        "the '{old}' directive is deprecated; read as 'timeout {new}'"
    ));
    set(p, new, a, slot)
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    timeout!("client", client, Scope::FE, Support::Yes),
    timeout!("client-fin", client_fin, Scope::FE, Support::NotYet),
    timeout!("server", server, Scope::BE, Support::Yes),
    timeout!("server-fin", server_fin, Scope::BE, Support::NotYet),
    timeout!("connect", connect, Scope::BE, Support::Yes),
    timeout!(
        "http-request",
        http_request,
        Scope::ALL_PROXIES,
        Support::Yes
    ),
    timeout!(
        "http-keep-alive",
        http_keep_alive,
        Scope::ALL_PROXIES,
        Support::Yes
    ),
    timeout!("queue", queue, Scope::BE, Support::Yes),
    timeout!("tunnel", tunnel, Scope::BE, Support::Yes),
    timeout!("tarpit", tarpit, Scope::ALL_PROXIES, Support::NotYet),
    timeout!("check", check, Scope::BE, Support::Yes),
    Keyword::new(
        "contimeout",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, c, a| legacy(p, c, a, "contimeout", "connect", |t| &mut t.connect)),
    ),
    Keyword::new(
        "clitimeout",
        Scope::FE,
        Support::Yes,
        Handler::Proxy(|p, c, a| legacy(p, c, a, "clitimeout", "client", |t| &mut t.client)),
    ),
    Keyword::new(
        "srvtimeout",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, c, a| legacy(p, c, a, "srvtimeout", "server", |t| &mut t.server)),
    ),
];
