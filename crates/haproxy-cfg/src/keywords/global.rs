//! `global` section keywords (configuration manual, section 3).

use super::args::{none, one};
use super::{Ctx, Handler, Keyword, Scope, Support};
use crate::model::{Global, StatsLevel, StatsSocket};
use crate::values::{parse_listen_addrs, parse_size, parse_time, parse_uint};

const G: Scope = Scope::GLOBAL;

macro_rules! g {
    ($name:expr, $support:expr, $f:expr) => {
        Keyword::new($name, G, $support, Handler::Global($f))
    };
}

macro_rules! not_yet {
    ($($name:expr),* $(,)?) => {
        &[$(Keyword::new($name, G, Support::NotYet, Handler::Accept)),*]
    };
}

pub(crate) const KEYWORDS: &[Keyword] = &[
    g!("daemon", Support::Yes, |g, c, a| {
        none("daemon", a)?;
        g.daemon = !c.negated;
        Ok(())
    }),
    g!("master-worker", Support::NotYet, |g, _, a| {
        if a.iter().any(|x| x != "no-exit-on-failure") {
            return Err("'master-worker' only accepts 'no-exit-on-failure'".into());
        }
        g.master_worker = true;
        Ok(())
    }),
    g!("user", Support::Yes, |g, _, a| {
        g.user = Some(one("user", a)?.to_string());
        Ok(())
    }),
    g!("group", Support::Yes, |g, _, a| {
        g.group = Some(one("group", a)?.to_string());
        Ok(())
    }),
    g!("uid", Support::Yes, |g, _, a| {
        g.uid = Some(parse_uint(one("uid", a)?, "uid", u32::MAX as u64)? as u32);
        Ok(())
    }),
    g!("gid", Support::Yes, |g, _, a| {
        g.gid = Some(parse_uint(one("gid", a)?, "gid", u32::MAX as u64)? as u32);
        Ok(())
    }),
    g!("chroot", Support::Yes, |g, _, a| {
        g.chroot = Some(one("chroot", a)?.into());
        Ok(())
    }),
    g!("pidfile", Support::Yes, |g, _, a| {
        g.pidfile = Some(one("pidfile", a)?.into());
        Ok(())
    }),
    g!("maxconn", Support::Yes, |g, _, a| {
        g.maxconn = Some(parse_uint(one("maxconn", a)?, "maxconn", i32::MAX as u64)? as u32);
        Ok(())
    }),
    g!("nbthread", Support::Yes, |g, _, a| {
        let n = parse_uint(one("nbthread", a)?, "nbthread", 4096)? as u32;
        if n == 0 {
            return Err("'nbthread' must be at least 1".into());
        }
        g.nbthread = Some(n);
        Ok(())
    }),
    g!(
        "nbproc",
        Support::Partial("only 1 is accepted, as in HAProxy 2.5+"),
        |_, c, a| {
            match one("nbproc", a)? {
                "1" => {
                    c.warn("'nbproc' is deprecated; halb runs one process with 'nbthread' workers");
                    Ok(())
                }
                n => Err(format!(
                    "'nbproc {n}' is not supported: use 'nbthread {n}' instead"
                )),
            }
        }
    ),
    g!("strict-limits", Support::Yes, |g, c, a| {
        none("strict-limits", a)?;
        g.strict_limits = !c.negated;
        Ok(())
    })
    .negatable(),
    g!("hard-stop-after", Support::Yes, |g, _, a| {
        g.hard_stop_after = Some(parse_time(one("hard-stop-after", a)?, "hard-stop-after")?);
        Ok(())
    }),
    g!("log-tag", Support::Yes, |g, _, a| {
        g.log_tag = Some(one("log-tag", a)?.to_string());
        Ok(())
    }),
    g!("log-send-hostname", Support::Yes, |g, _, a| {
        g.log_send_hostname = Some(a.first().cloned());
        Ok(())
    }),
    g!("stats socket", Support::Partial("unix and ipv4@/ipv6@ addresses with mode and level; uid/gid/user/group are not applied"), stats_socket),
    g!("node", Support::Yes, |g, _, a| {
        g.node = Some(one("node", a)?.to_string());
        Ok(())
    }),
    g!("description", Support::Yes, |g, _, a| {
        if a.is_empty() {
            return Err("'description' expects a string".into());
        }
        g.description = Some(a.join(" "));
        Ok(())
    }),
    g!("stats timeout", Support::Yes, |g, _, a| {
        g.stats_timeout = Some(parse_time(one("stats timeout", a)?, "stats timeout")?);
        Ok(())
    }),
    g!("tune.bufsize", Support::Yes, |g, _, a| {
        let v = parse_size(one("tune.bufsize", a)?, "tune.bufsize")?;
        if !(1024..=(1 << 30)).contains(&v) {
            return Err(format!(
                "'tune.bufsize' must be between 1024 and 1g, got {v}"
            ));
        }
        g.tune.bufsize = v as usize;
        Ok(())
    }),
    g!("tune.maxrewrite", Support::Yes, |g, _, a| {
        g.tune.maxrewrite = parse_size(one("tune.maxrewrite", a)?, "tune.maxrewrite")? as usize;
        Ok(())
    }),
    g!("tune.http.maxhdr", Support::Yes, |g, _, a| {
        let v = parse_uint(one("tune.http.maxhdr", a)?, "tune.http.maxhdr", 32767)?;
        if v == 0 {
            return Err("'tune.http.maxhdr' must be between 1 and 32767".into());
        }
        g.tune.http_maxhdr = v as usize;
        Ok(())
    }),
    g!("tune.maxaccept", Support::NotYet, |g, _, a| {
        let s = one("tune.maxaccept", a)?;
        g.tune.maxaccept = Some(
            s.parse::<i32>()
                .map_err(|_| format!("'tune.maxaccept' expects an integer, got '{s}'"))?,
        );
        Ok(())
    }),
    g!("quiet", Support::Yes, |g, _, a| {
        none("quiet", a)?;
        g.quiet = true;
        Ok(())
    }),
    g!("ulimit-n", Support::NotYet, |_, _, a| {
        parse_uint(one("ulimit-n", a)?, "ulimit-n", u32::MAX as u64).map(|_| ())
    }),
];

fn stats_socket(g: &mut Global, c: &mut Ctx<'_>, a: &[String]) -> Result<(), String> {
    let (addr, opts) = a
        .split_first()
        .ok_or("'stats socket' expects an address (a path or ipv4@ADDR:PORT)")?;
    let mut addrs = parse_listen_addrs(addr).map_err(|e| format!("'stats socket' : {e}"))?;
    if addrs.len() != 1 {
        return Err("'stats socket' expects exactly one address".into());
    }
    let mut sock = StatsSocket {
        addr: addrs.remove(0),
        mode: None,
        // HAProxy's default: "operator" (can change server states' counters, not states).
        level: StatsLevel::Operator,
        expose_fd_listeners: false,
        location: c.loc.clone(),
    };
    let mut i = 0;
    while i < opts.len() {
        let o = opts[i].as_str();
        let val = opts.get(i + 1);
        match o {
            "mode" => {
                let v = val.ok_or("'stats socket' : 'mode' expects an octal value")?;
                sock.mode = Some(
                    u32::from_str_radix(v, 8)
                        .map_err(|_| format!("'stats socket' : invalid mode '{v}' (octal expected)"))?,
                );
                i += 2;
            }
            "level" => {
                sock.level = match val.map(String::as_str) {
                    Some("user") => StatsLevel::User,
                    Some("operator") => StatsLevel::Operator,
                    Some("admin") => StatsLevel::Admin,
                    _ => return Err("'stats socket' : 'level' expects 'user', 'operator' or 'admin'".into()),
                };
                i += 2;
            }
            "expose-fd" => {
                sock.expose_fd_listeners = val.map(String::as_str) == Some("listeners");
                i += 2;
            }
            "uid" | "gid" | "user" | "group" | "name" | "process" | "thread" | "maxconn" | "backlog"
            | "severity-output" | "id" => {
                c.warn(format!("'stats socket' option '{o}' is not supported yet by halb; ignored"));
                i += 2;
            }
            _ => {
                return Err(format!(
                    "'stats socket' : unknown option '{o}' (expected mode, level, expose-fd, uid, gid, user, group, ...)"
                ))
            }
        }
    }
    g.stats_sockets.push(sock);
    Ok(())
}

/// Global keywords halb recognises but does not act on yet (TLS, Lua, device detection, ...).
pub(crate) const NOT_YET: &[Keyword] = not_yet!(
    "51degrees-cache-size",
    "51degrees-data-file",
    "51degrees-property-name-list",
    "51degrees-property-separator",
    "ca-base",
    "close-spread-time",
    "cluster-secret",
    "cpu-map",
    "crt-base",
    "default-path",
    "deviceatlas-json-file",
    "deviceatlas-log-level",
    "deviceatlas-properties-cookie",
    "deviceatlas-separator",
    "expose-experimental-directives",
    "external-check",
    "fd-hard-limit",
    "grace",
    "h1-accept-payload-with-any-method",
    "h1-case-adjust",
    "h1-case-adjust-file",
    "h2-workaround-bogus-websocket-clients",
    "httpclient.resolvers.id",
    "httpclient.resolvers.prefer",
    "httpclient.ssl.ca-file",
    "httpclient.ssl.verify",
    "insecure-fork-wanted",
    "insecure-setuid-wanted",
    "issuers-chain-path",
    "localpeer",
    "lua-load",
    "lua-load-per-thread",
    "lua-prepend-path",
    "mworker-max-reloads",
    "numa-cpu-mapping",
    "pp2-never-send-local",
    "presetenv",
    "resetenv",
    "set-dumpable",
    "set-var",
    "set-var-fmt",
    "setenv",
    "ssl-default-bind-ciphers",
    "ssl-default-bind-ciphersuites",
    "ssl-default-bind-curves",
    "ssl-default-bind-options",
    "ssl-default-server-ciphers",
    "ssl-default-server-ciphersuites",
    "ssl-default-server-options",
    "ssl-dh-param-file",
    "ssl-propquery",
    "ssl-provider",
    "ssl-provider-path",
    "ssl-load-extra-del-ext",
    "ssl-load-extra-files",
    "ssl-server-verify",
    "ssl-skip-self-issued-ca",
    "stats maxconn",
    "stats bind-process",
    "server-state-base",
    "server-state-file",
    "thread-group",
    "thread-groups",
    "unix-bind",
    "unsetenv",
    "wurfl-cache-size",
    "wurfl-data-file",
    "wurfl-information-list",
    "wurfl-information-list-separator",
    "wurfl-patch-file",
    "busy-polling",
    "max-spread-checks",
    "maxcompcpuusage",
    "maxcomprate",
    "maxconnrate",
    "maxpipes",
    "maxsessrate",
    "maxsslconn",
    "maxsslrate",
    "maxzlibmem",
    "no-memory-trimming",
    "noepoll",
    "noevports",
    "nogetaddrinfo",
    "nokqueue",
    "nopoll",
    "noreuseport",
    "nosplice",
    "profiling.memory",
    "profiling.tasks",
    "spread-checks",
    "ssl-engine",
    "ssl-mode-async",
    "tune.buffers.limit",
    "tune.buffers.reserve",
    "tune.comp.maxlevel",
    "tune.fail-alloc",
    "tune.fd.edge-triggered",
    "tune.h2.header-table-size",
    "tune.h2.initial-window-size",
    "tune.h2.max-concurrent-streams",
    "tune.h2.max-frame-size",
    "tune.http.cookielen",
    "tune.http.logurilen",
    "tune.idle-pool.shared",
    "tune.idletimer",
    "tune.listener.multi-queue",
    "tune.lua.forced-yield",
    "tune.lua.maxmem",
    "tune.lua.session-timeout",
    "tune.lua.service-timeout",
    "tune.lua.task-timeout",
    "tune.maxpollevents",
    "tune.pattern.cache-size",
    "tune.peers.max-updates-at-once",
    "tune.pipesize",
    "tune.pool-high-fd-ratio",
    "tune.pool-low-fd-ratio",
    "tune.quic.frontend.conn-tx-buffers.limit",
    "tune.quic.frontend.max-idle-timeout",
    "tune.quic.frontend.max-streams-bidi",
    "tune.quic.retry-threshold",
    "tune.rcvbuf.client",
    "tune.rcvbuf.server",
    "tune.recv_enough",
    "tune.runqueue-depth",
    "tune.sched.low-latency",
    "tune.sndbuf.client",
    "tune.sndbuf.server",
    "tune.ssl.cachesize",
    "tune.ssl.capture-buffer-size",
    "tune.ssl.capture-cipherlist-size",
    "tune.ssl.default-dh-param",
    "tune.ssl.force-private-cache",
    "tune.ssl.hard-maxrecord",
    "tune.ssl.keylog",
    "tune.ssl.lifetime",
    "tune.ssl.maxrecord",
    "tune.ssl.ssl-ctx-cache-size",
    "tune.vars.global-max-size",
    "tune.vars.proc-max-size",
    "tune.vars.reqres-max-size",
    "tune.vars.sess-max-size",
    "tune.vars.txn-max-size",
    "tune.zlib.memlevel",
    "tune.zlib.windowsize",
    "zero-warning",
);
