//! `stats ...` keywords of a proxy: the statistics page (configuration manual 4.2).

use super::args::{none, one};
use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Proxy, RuleLine, StatsConfig};
use crate::values::parse_time;

fn stats(p: &mut Proxy) -> &mut StatsConfig {
    p.stats.get_or_insert_with(StatsConfig::default)
}

macro_rules! s {
    ($name:literal, $scope:expr, $f:expr) => {
        Keyword::new($name, $scope, Support::Yes, Handler::Proxy($f))
    };
}

fn flag(p: &mut Proxy, kw: &str, a: &[String], set: fn(&mut StatsConfig)) -> Result<(), String> {
    none(kw, a)?;
    let s = stats(p);
    s.enabled = true;
    set(s);
    Ok(())
}

fn admin(p: &mut Proxy, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    match a.first().map(String::as_str) {
        Some("if") | Some("unless") if a.len() > 1 => {}
        _ => return Err("'stats admin' requires 'if' or 'unless' followed by a condition".into()),
    }
    let s = stats(p);
    s.admin.push(RuleLine {
        keyword: "stats admin".into(),
        args: a.to_vec(),
        location: c.loc.clone(),
    });
    Ok(())
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    s!("stats enable", Scope::ALL_PROXIES, |p, _, a| flag(
        p,
        "stats enable",
        a,
        |_| {}
    )),
    s!("stats uri", Scope::ALL_PROXIES, |p, _, a| {
        let u = one("stats uri", a)?.to_string();
        let s = stats(p);
        s.enabled = true;
        s.uri = Some(u);
        Ok(())
    }),
    s!("stats realm", Scope::ALL_PROXIES, |p, _, a| {
        let r = one("stats realm", a)?.to_string();
        let s = stats(p);
        s.enabled = true;
        s.realm = Some(r);
        Ok(())
    }),
    s!("stats auth", Scope::ALL_PROXIES, |p, _, a| {
        let v = one("stats auth", a)?;
        let (u, pw) = v
            .split_once(':')
            .ok_or_else(|| format!("'stats auth' expects <user>:<password>, got '{v}'"))?;
        let s = stats(p);
        s.enabled = true;
        s.auth.push((u.to_string(), pw.to_string()));
        Ok(())
    }),
    s!("stats refresh", Scope::ALL_PROXIES, |p, _, a| {
        let t = parse_time(one("stats refresh", a)?, "stats refresh")?;
        let s = stats(p);
        s.enabled = true;
        s.refresh = Some(t);
        Ok(())
    }),
    s!("stats hide-version", Scope::ALL_PROXIES, |p, _, a| flag(
        p,
        "stats hide-version",
        a,
        |s| s.hide_version = true
    )),
    s!("stats show-legends", Scope::ALL_PROXIES, |p, _, a| flag(
        p,
        "stats show-legends",
        a,
        |s| s.show_legends = true
    )),
    s!("stats show-node", Scope::ALL_PROXIES, |p, _, a| {
        let s = stats(p);
        s.enabled = true;
        s.show_node = Some(a.first().cloned());
        Ok(())
    }),
    s!("stats show-desc", Scope::ALL_PROXIES, |p, _, a| {
        let s = stats(p);
        s.enabled = true;
        s.show_desc = Some(a.first().cloned());
        Ok(())
    }),
    s!("stats scope", Scope::ALL_PROXIES, |p, _, a| {
        let v = one("stats scope", a)?.to_string();
        let s = stats(p);
        s.enabled = true;
        s.scope.push(v);
        Ok(())
    }),
    s!("stats admin", Scope::PROXIES_ONLY, admin),
    s!("stats http-request", Scope::PROXIES_ONLY, |p, c, a| {
        if a.is_empty() {
            return Err("'stats http-request' expects an action".into());
        }
        let s = stats(p);
        s.admin.push(RuleLine {
            keyword: "stats http-request".into(),
            args: a.to_vec(),
            location: c.loc.clone(),
        });
        Ok(())
    }),
];
