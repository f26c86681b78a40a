//! Core proxy keywords: mode, limits, backend selection, retries, connection reuse, and the
//! rest of the proxy keyword matrix (configuration manual 4.1) that halb recognises.

use super::args::{none, one};
use super::{Handler, Keyword, Scope, Support};
use crate::model::{BackendRef, HttpReuse, Mode, UseBackend};
use crate::values::parse_uint;

macro_rules! p {
    ($name:expr, $scope:expr, $support:expr, $f:expr) => {
        Keyword::new($name, $scope, $support, Handler::Proxy($f))
    };
}

macro_rules! not_yet {
    ($($name:expr => $scope:expr),* $(,)?) => {
        &[$(Keyword::new($name, $scope, Support::NotYet, Handler::Accept)),*]
    };
}

/// Parses `NAME` or a dynamic `%[...]` backend name.
fn backend_ref(s: &str) -> BackendRef {
    if s.contains("%[") {
        BackendRef::Dynamic {
            format: s.to_string(),
        }
    } else {
        // Resolved to an index once every section is read.
        BackendRef::Static {
            name: s.to_string(),
            index: usize::MAX,
        }
    }
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    p!(
        "mode",
        Scope::ALL_PROXIES,
        Support::Partial("tcp and http; health is not supported"),
        |p, _, a| {
            p.mode = match one("mode", a)? {
            "tcp" => Mode::Tcp,
            "http" => Mode::Http,
            "health" => return Err("'mode health' was removed in HAProxy 2.4 and is not supported; use 'monitor-uri'".into()),
            m => return Err(format!("unknown proxy mode '{m}' (expected 'tcp' or 'http')")),
        };
            Ok(())
        }
    ),
    p!("maxconn", Scope::FE, Support::Yes, |p, _, a| {
        p.maxconn = Some(parse_uint(one("maxconn", a)?, "maxconn", i32::MAX as u64)? as u32);
        Ok(())
    }),
    p!("backlog", Scope::FE, Support::Yes, |p, _, a| {
        p.backlog = Some(parse_uint(one("backlog", a)?, "backlog", i32::MAX as u64)? as u32);
        Ok(())
    }),
    p!("fullconn", Scope::BE, Support::NotYet, |p, _, a| {
        p.fullconn = Some(parse_uint(one("fullconn", a)?, "fullconn", i32::MAX as u64)? as u32);
        Ok(())
    }),
    p!("retries", Scope::BE, Support::Yes, |p, _, a| {
        p.retries = parse_uint(one("retries", a)?, "retries", i32::MAX as u64)? as u32;
        Ok(())
    }),
    p!("default_backend", Scope::FE, Support::Yes, |p, _, a| {
        let name = one("default_backend", a)?;
        p.default_backend = Some(backend_ref(name));
        Ok(())
    }),
    p!("use_backend", Scope::FE_ONLY, Support::Yes, |p, c, a| {
        let (name, cond) = a
            .split_first()
            .ok_or("'use_backend' expects a backend name")?;
        if let Some(first) = cond.first() {
            if first != "if" && first != "unless" {
                return Err(format!(
                    "'use_backend {name}' : expects 'if' or 'unless' followed by a condition, got '{first}'"
                ));
            }
            if cond.len() < 2 {
                return Err(format!(
                    "'use_backend {name}' : missing condition after '{first}'"
                ));
            }
        }
        p.use_backends.push(UseBackend {
            target: backend_ref(name),
            condition: cond.to_vec(),
            location: c.loc.clone(),
        });
        Ok(())
    }),
    p!(
        "http-reuse",
        Scope::BE,
        Support::Partial("never and safe; aggressive and always behave as safe"),
        |p, _, a| {
            p.http_reuse = match one("http-reuse", a)? {
            "never" => HttpReuse::Never,
            "safe" => HttpReuse::Safe,
            "aggressive" => HttpReuse::Aggressive,
            "always" => HttpReuse::Always,
            m => return Err(format!("'http-reuse' : unknown mode '{m}' (expected never, safe, aggressive or always)")),
        };
            Ok(())
        }
    ),
    p!("disabled", Scope::ALL_PROXIES, Support::Yes, |p, _, a| {
        none("disabled", a)?;
        p.disabled = true;
        Ok(())
    }),
    p!("enabled", Scope::ALL_PROXIES, Support::Yes, |p, _, a| {
        none("enabled", a)?;
        p.disabled = false;
        Ok(())
    }),
    p!("id", Scope::PROXIES_ONLY, Support::Yes, |p, _, a| {
        let v = parse_uint(one("id", a)?, "id", i32::MAX as u64)? as u32;
        if v == 0 {
            return Err("'id' must be a positive integer".into());
        }
        p.id = Some(v);
        Ok(())
    }),
    p!(
        "description",
        Scope::PROXIES_ONLY,
        Support::Yes,
        |_, _, _| Ok(())
    ),
    p!("monitor-uri", Scope::FE, Support::NotYet, |p, _, a| {
        p.monitor_uri = Some(one("monitor-uri", a)?.to_string());
        Ok(())
    }),
];

/// The rest of the proxy keyword matrix: recognised, kept out of the model, and warned about.
pub(crate) const NOT_YET: &[Keyword] = not_yet!(
    "bind-process" => Scope::ALL_PROXIES,
    "clitcpka-cnt" => Scope::FE, "clitcpka-idle" => Scope::FE, "clitcpka-intvl" => Scope::FE,
    "compression" => Scope::ALL_PROXIES,
    "declare capture" => Scope::FE_ONLY,
    "dispatch" => Scope::BE_ONLY,
    "email-alert from" => Scope::ALL_PROXIES, "email-alert level" => Scope::ALL_PROXIES,
    "email-alert mailers" => Scope::ALL_PROXIES, "email-alert myhostname" => Scope::ALL_PROXIES,
    "email-alert to" => Scope::ALL_PROXIES,
    "error-log-format" => Scope::FE,
    "force-persist" => Scope::BE_ONLY,
    "filter" => Scope::PROXIES_ONLY,
    "http-error" => Scope::ALL_PROXIES,
    "http-send-name-header" => Scope::BE,
    "ignore-persist" => Scope::BE_ONLY,
    "load-server-state-from-file" => Scope::BE,
    "max-keep-alive-queue" => Scope::BE,
    "monitor fail" => Scope::FE_ONLY,
    "external-check command" => Scope::BE, "external-check path" => Scope::BE,
    "persist rdp-cookie" => Scope::BE,
    "rate-limit sessions" => Scope::FE,
    "retry-on" => Scope::BE,
    "server-state-file-name" => Scope::BE,
    "server-template" => Scope::BE_ONLY,
    "source" => Scope::BE,
    "srvtcpka-cnt" => Scope::BE, "srvtcpka-idle" => Scope::BE, "srvtcpka-intvl" => Scope::BE,
    "stick match" => Scope::BE_ONLY, "stick on" => Scope::BE_ONLY,
    "stick store-request" => Scope::BE_ONLY, "stick store-response" => Scope::BE_ONLY,
    "stick-table" => Scope::PROXIES_ONLY,
    "transparent" => Scope::BE,
    "use-fcgi-app" => Scope::BE_ONLY,
);
