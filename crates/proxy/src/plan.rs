//! The runtime plan: the validated [`Config`] turned into what the workers need on the request
//! path (resolved server addresses, effective timeouts and connection modes, error pages,
//! counter rows), built once before any thread starts and shared read-only.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use haproxy_cfg::model::{
    BackendRef, Bind, Config, ForwardFor, HttpConnMode, HttpReuse, ListenAddr, Mode, OriginalTo,
    Proxy as CfgProxy, ServerAddr, ServerPort,
};

use crate::balance::PickServer;
use crate::counters::{CounterRow, CounterTable, RowKind};
use crate::errors::ErrorPages;
use crate::ProxyError;

pub type FrontendId = usize;
pub type BackendId = usize;

/// One listening address of a frontend, with the `bind` options that shape its socket.
#[derive(Debug, Clone)]
pub struct ListenSpec {
    pub addr: ListenAddr,
    pub backlog: u32,
    pub transparent: bool,
    pub v6only: bool,
    pub interface: Option<String>,
    /// `option tcp-smart-accept` (on by default for HTTP): the kernel does not acknowledge
    /// the request on its own; the response carries the ACK, one packet fewer.
    pub smart_accept: bool,
    /// `option nolinger`: accepted connections are closed with a reset.
    pub nolinger: bool,
}

#[derive(Debug)]
pub struct FrontendPlan {
    pub id: FrontendId,
    /// Position of the section in `Config::proxies` (how the rules name it).
    pub proxy_index: usize,
    /// `timeout tarpit` (else `timeout connect`, as HAProxy falls back).
    pub timeout_tarpit: Option<Duration>,
    pub name: String,
    pub mode: Mode,
    pub listeners: Vec<ListenSpec>,
    /// Concurrent client connections; accepting pauses at this level.
    pub maxconn: u32,
    pub timeout_client: Option<Duration>,
    pub timeout_client_fin: Option<Duration>,
    pub timeout_http_request: Option<Duration>,
    pub timeout_http_keep_alive: Option<Duration>,
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<ForwardFor>,
    pub originalto: Option<OriginalTo>,
    /// `option http-ignore-probes`: a connection that sends nothing and times out is closed
    /// without the 408.
    pub ignore_probes: bool,
    /// Access logging, when the section logs anywhere.
    pub log: Option<crate::access_log::FrontendLog>,
    /// Whether sessions need their connection's local address (`option originalto`, servers
    /// whose port follows the client's destination port).
    pub needs_local_addr: bool,
    /// `unique-id-format` / `unique-id-header`.
    pub unique_id: Option<crate::unique_id::UniqueIdPlan>,
    /// Transactions read the wall clock at accept: the log line or the unique id shows it.
    pub wall_clock: bool,
    /// The backend every request goes to: the first unconditional `use_backend`, else
    /// `default_backend`, else the section itself when it is a `listen`.
    pub backend: Option<BackendId>,
    pub errors: ErrorPages,
    /// `tune.bufsize`: the largest head accepted.
    pub bufsize: usize,
    pub maxrewrite: usize,
    pub max_headers: usize,
}

/// Where a server is reached.
#[derive(Debug, Clone)]
pub enum ServerTarget {
    /// A fixed address.
    Fixed(SocketAddr),
    /// The IP is fixed, the port comes from the client's destination port (plus an offset).
    ClientPort { ip: std::net::IpAddr, offset: i32 },
}

impl ServerTarget {
    /// The address to connect to for a client that connected to `dst`.
    pub fn resolve(&self, dst: Option<SocketAddr>) -> Option<SocketAddr> {
        match self {
            ServerTarget::Fixed(a) => Some(*a),
            ServerTarget::ClientPort { ip, offset } => {
                let port = i64::from(dst?.port()) + i64::from(*offset);
                let port = u16::try_from(port).ok()?;
                Some(SocketAddr::new(*ip, port))
            }
        }
    }
}

#[derive(Debug)]
pub struct ServerPlan {
    pub name: String,
    pub target: ServerTarget,
    /// 0 = unlimited.
    pub maxconn: u32,
    /// 0 = unlimited.
    pub maxqueue: u32,
    pub disabled: bool,
    /// `cookie VALUE`: the persistence cookie naming this server.
    pub cookie: Option<String>,
}

#[derive(Debug)]
pub struct BackendPlan {
    pub id: BackendId,
    /// Index of this backend in `Config::proxies` (how the health table knows it).
    pub proxy_index: usize,
    /// The health checker's verdicts (shared with [`Plan::health`]).
    pub health: Arc<checks::driver::HealthTable>,
    pub name: String,
    pub servers: Vec<ServerPlan>,
    /// The picker's view of `servers` (weights, backup flags).
    pub pick_servers: Vec<PickServer>,
    /// `balance`, `hash-type`, `hash-balance-factor`, compiled.
    pub balance_spec: balance::BalanceSpec,
    /// The servers as the balancing algorithms see them (ids, weights, backup, maxconn).
    pub balance_servers: Vec<balance::ServerSpec>,
    /// `cookie NAME ...` persistence.
    pub cookie: Option<balance::cookie::CookieConfig>,
    /// `option persist`: a cookie naming a down server is still honoured.
    pub persist: bool,
    /// `tcp-request inspect-delay` (backend's, else frontend's is looked up at use): how long
    /// `balance rdp-cookie` may wait for the client's first bytes.
    pub inspect_delay: Option<Duration>,
    pub all_backups: bool,
    pub timeout_server: Option<Duration>,
    pub timeout_server_fin: Option<Duration>,
    pub timeout_connect: Option<Duration>,
    pub timeout_queue: Option<Duration>,
    pub timeout_tunnel: Option<Duration>,
    pub retries: u32,
    pub redispatch: bool,
    /// `option tcp-smart-connect`: the handshake's last ACK waits for the request.
    pub smart_connect: bool,
    /// `option nolinger`: server connections are closed with a reset.
    pub nolinger: bool,
    pub conn_mode: HttpConnMode,
    pub http_reuse: HttpReuse,
    pub forwardfor: Option<ForwardFor>,
    pub originalto: Option<OriginalTo>,
    pub errors: ErrorPages,
    /// Whether sessions must watch their server's shutdown signal: a server has
    /// `on-marked-down`/`on-marked-up`, or a runtime API or stats admin form could ask.
    pub watch_shutdown: bool,
    /// Wakes one session waiting in this backend's queue when a server slot frees.
    pub slot_freed: tokio::sync::Notify,
}

/// Everything the workers run, shared read-only.
#[derive(Debug)]
pub struct Plan {
    /// `RLIMIT_NOFILE` in force (`ulimit-n` of `show info`; 0 when unknown).
    pub fd_limit: u64,
    /// Sessions in progress for `show sess` (only with a `stats socket`).
    pub sessions: Option<crate::sessions::SessionRegistry>,
    /// The configuration this plan was built from (stats pages read their settings here).
    pub config: Arc<Config>,
    pub threads: usize,
    pub global_maxconn: u32,
    pub frontends: Vec<FrontendPlan>,
    pub backends: Vec<BackendPlan>,
    pub counters: Arc<CounterTable>,
    /// Server states and weights the health checker publishes; server choice reads them.
    pub health: Arc<checks::driver::HealthTable>,
    /// Sessions in progress over all frontends (global `maxconn`).
    pub global_sessions: crate::counters::Gauge,
    /// Accept loops paused at `maxconn` wait here; a session's end wakes them.
    pub accept_resume: tokio::sync::Notify,
    pub accept_waiters: std::sync::atomic::AtomicUsize,
    /// ACLs and rules of every section, compiled once.
    pub rules: rules::RulePlan,
    /// Warnings from compiling the rules (actions halb accepts but does not run).
    pub rule_warnings: Vec<haproxy_cfg::Diagnostic>,
    /// `Config::proxies` index → backend id, for backends the rules choose.
    pub backend_of_proxy: Vec<Option<BackendId>>,
    /// `Config::proxies` index → frontend id.
    pub frontend_of_proxy: Vec<Option<FrontendId>>,
}

/// Default `maxconn` when neither `global` nor the file descriptor limit says otherwise.
const FALLBACK_MAXCONN: u32 = 4096;

impl Plan {
    pub fn build(
        config: Arc<Config>,
        threads: usize,
        fd_limit: Option<u64>,
    ) -> Result<Plan, ProxyError> {
        let global_maxconn = match config.global.maxconn {
            Some(m) => m,
            // HAProxy derives maxconn from the fd limit: two fds per connection plus spare.
            None => fd_limit
                .map(|l| (l.saturating_sub(100) / 2).clamp(1, u64::from(u32::MAX)) as u32)
                .unwrap_or(FALLBACK_MAXCONN),
        };

        // Check lines are compiled here so a bad one stops the start before anything runs.
        checks::validate(&config).map_err(|e| ProxyError::Checks(e.to_string()))?;
        let health = Arc::new(checks::driver::HealthTable::new(&config));

        // Backends first, so frontends can refer to them by id.
        let mut backend_of_proxy: Vec<Option<BackendId>> = vec![None; config.proxies.len()];
        let mut backends = Vec::new();
        for (index, p) in config.proxies.iter().enumerate() {
            if !p.cap.backend || p.disabled {
                continue;
            }
            let id = backends.len();
            backend_of_proxy[index] = Some(id);
            backends.push(build_backend(id, index, p, &health)?);
        }

        let (rules, rule_warnings) =
            rules::RulePlan::compile(&config, &crate::rules_glue::FsFiles)?;

        let mut frontends = Vec::new();
        let mut frontend_of_proxy: Vec<Option<FrontendId>> = vec![None; config.proxies.len()];
        for (index, p) in config.proxies.iter().enumerate() {
            if !p.cap.frontend || p.disabled || p.binds.is_empty() {
                continue;
            }
            let id = frontends.len();
            frontend_of_proxy[index] = Some(id);
            let backend = frontend_backend(p, index, &backend_of_proxy)?;
            let mut fe = build_frontend(id, index, p, &config, global_maxconn, backend)?;
            if let Some(b) = backend.and_then(|b| backends.get(b)) {
                let b: &BackendPlan = b;
                fe.needs_local_addr |= b.originalto.is_some()
                    || b.servers
                        .iter()
                        .any(|s| matches!(s.target, ServerTarget::ClientPort { .. }));
            }
            // Rules may read `dst`/`dst_port`, and `use_backend` may pick any backend.
            if !rules.proxy(index).is_empty() {
                fe.needs_local_addr = true;
            }
            frontends.push(fe);
        }

        let counters = Arc::new(CounterTable {
            frontends: frontends
                .iter()
                .map(|f| CounterRow::new(&f.name, "FRONTEND", RowKind::Frontend, threads))
                .collect(),
            backends: backends
                .iter()
                .map(|b| CounterRow::new(&b.name, "BACKEND", RowKind::Backend, threads))
                .collect(),
            servers: backends
                .iter()
                .map(|b| {
                    b.servers
                        .iter()
                        .map(|s| CounterRow::new(&b.name, &s.name, RowKind::Server, threads))
                        .collect()
                })
                .collect(),
        });

        health.set_load_probe(Arc::new(crate::counters::CountersLoad {
            counters: Arc::clone(&counters),
            backend_of_proxy: backend_of_proxy.clone(),
        }));
        let sessions = (!config.global.stats_sockets.is_empty())
            .then(|| crate::sessions::SessionRegistry::new(threads));
        // `shutdown sessions` can come from the runtime API or a stats page's admin form.
        let admin_can_kill = !config.global.stats_sockets.is_empty()
            || config
                .proxies
                .iter()
                .any(|p| p.stats.as_ref().is_some_and(|s| !s.admin.is_empty()));
        if admin_can_kill {
            for b in &mut backends {
                b.watch_shutdown = true;
            }
        }
        Ok(Plan {
            fd_limit: fd_limit.unwrap_or(0),
            sessions,
            config: Arc::clone(&config),
            threads,
            global_maxconn,
            frontends,
            backends,
            counters,
            health,
            global_sessions: Default::default(),
            accept_resume: tokio::sync::Notify::new(),
            accept_waiters: Default::default(),
            rules,
            rule_warnings,
            backend_of_proxy,
            frontend_of_proxy,
        })
    }
}

fn frontend_backend(
    p: &CfgProxy,
    index: usize,
    backend_of_proxy: &[Option<BackendId>],
) -> Result<Option<BackendId>, ProxyError> {
    let by_ref = |r: &BackendRef| -> Result<Option<BackendId>, ProxyError> {
        match r {
            BackendRef::Static { index, .. } => Ok(backend_of_proxy.get(*index).copied().flatten()),
            // Resolved per request by the rules.
            BackendRef::Dynamic { .. } => Ok(None),
        }
    };
    // The fallback when no `use_backend` rule matches (the rules handle those):
    // `default_backend`, else the section itself when it is a `listen`.
    if let Some(d) = &p.default_backend {
        return by_ref(d);
    }
    if p.cap.backend {
        return Ok(backend_of_proxy.get(index).copied().flatten());
    }
    Ok(None)
}

fn build_frontend(
    id: FrontendId,
    proxy_index: usize,
    p: &CfgProxy,
    config: &Config,
    global_maxconn: u32,
    backend: Option<BackendId>,
) -> Result<FrontendPlan, ProxyError> {
    // The frontend's maxconn defaults to the global one (HAProxy >= 1.8 behaviour).
    let maxconn = p
        .maxconn
        .unwrap_or(global_maxconn)
        .min(global_maxconn)
        .max(1);
    let listeners = p
        .binds
        .iter()
        .flat_map(|b| listen_specs(b, p.backlog, maxconn, p))
        .collect();
    let tune = &config.global.tune;
    let log = crate::access_log::FrontendLog::build(config, p).map_err(ProxyError::Log)?;
    let unique_id = crate::unique_id::UniqueIdPlan::build(p).map_err(ProxyError::Log)?;
    Ok(FrontendPlan {
        id,
        proxy_index,
        timeout_tarpit: p.timeouts.tarpit.or(p.timeouts.connect),
        name: p.name.clone(),
        mode: p.mode,
        listeners,
        maxconn,
        timeout_client: p.timeouts.client,
        timeout_client_fin: p.timeouts.client_fin,
        timeout_http_request: p.timeouts.http_request,
        timeout_http_keep_alive: p.timeouts.http_keep_alive,
        conn_mode: p.options.http_conn_mode,
        forwardfor: p.options.forwardfor.clone(),
        originalto: p.options.originalto.clone(),
        ignore_probes: p.options.http_ignore_probes,
        // `%fi:%fp` in logs (the default "Connect from" line among them).
        needs_local_addr: p.options.originalto.is_some() || log.is_some() || unique_id.is_some(),
        wall_clock: log.is_some() || unique_id.is_some(),
        unique_id,
        log,
        backend,
        errors: ErrorPages::load(p)?,
        bufsize: tune.bufsize.max(1024),
        maxrewrite: tune.maxrewrite.min(tune.bufsize / 2),
        max_headers: tune.http_maxhdr.max(1),
    })
}

fn listen_specs(
    b: &Bind,
    proxy_backlog: Option<u32>,
    maxconn: u32,
    p: &CfgProxy,
) -> Vec<ListenSpec> {
    // HAProxy's automatic choice: on for HTTP, where the response acknowledges the request.
    let smart_accept = p.options.tcp_smart_accept.unwrap_or(p.mode == Mode::Http);
    // HAProxy passes the frontend's maxconn to listen() unless `backlog` says otherwise.
    let backlog = b.backlog.or(proxy_backlog).unwrap_or(maxconn).max(1);
    b.addrs
        .iter()
        .map(|a| ListenSpec {
            addr: a.clone(),
            backlog,
            transparent: b.transparent,
            v6only: b.v6only,
            interface: b.interface.clone(),
            smart_accept,
            nolinger: p.options.nolinger,
        })
        .collect()
}

fn build_backend(
    id: BackendId,
    proxy_index: usize,
    p: &CfgProxy,
    health: &Arc<checks::driver::HealthTable>,
) -> Result<BackendPlan, ProxyError> {
    let mut servers = Vec::with_capacity(p.servers.len());
    let mut pick_servers = Vec::with_capacity(p.servers.len());
    for s in &p.servers {
        let target = match &s.addr {
            ServerAddr::Unix(path) => {
                return Err(ProxyError::Unsupported {
                    proxy: p.name.clone(),
                    what: format!(
                        "server '{}': unix socket servers ({}) are not supported yet",
                        s.name,
                        path.display()
                    ),
                })
            }
            ServerAddr::Ip(ip) => ip_target(*ip, s.port),
            ServerAddr::Host(host) => {
                let ip = resolve_host(host).ok_or_else(|| ProxyError::Resolve {
                    backend: p.name.clone(),
                    server: s.name.clone(),
                    host: host.clone(),
                })?;
                ip_target(ip, s.port)
            }
        };
        servers.push(ServerPlan {
            name: s.name.clone(),
            target,
            maxconn: s.maxconn,
            maxqueue: s.maxqueue,
            disabled: s.disabled,
            cookie: s.cookie.clone(),
        });
        // `disabled` is a state (in maintenance), not a weight: the picker learns it through
        // `in_service`, so the server keeps its place (and its ring points) for when it returns.
        pick_servers.push(PickServer {
            weight: s.weight.min(256),
            backup: s.backup,
        });
    }
    let balance_spec = balance_spec(p)?;
    let ids = balance::assign_ids(&p.servers.iter().map(|s| s.id).collect::<Vec<_>>());
    let balance_servers = p
        .servers
        .iter()
        .zip(ids)
        .map(|(s, id)| balance::ServerSpec {
            weight: s.weight.min(256),
            backup: s.backup,
            id,
            maxconn: s.maxconn,
            disabled: s.disabled,
        })
        .collect();
    Ok(BackendPlan {
        id,
        proxy_index,
        health: Arc::clone(health),
        name: p.name.clone(),
        servers,
        pick_servers,
        balance_spec,
        balance_servers,
        cookie: p.cookie.as_ref().map(cookie_config),
        persist: p.options.persist,
        inspect_delay: inspect_delay(p),
        all_backups: p.options.allbackups,
        timeout_server: p.timeouts.server,
        timeout_server_fin: p.timeouts.server_fin,
        timeout_connect: p.timeouts.connect,
        timeout_queue: p.timeouts.queue,
        timeout_tunnel: p.timeouts.tunnel,
        retries: p.retries,
        redispatch: p.options.redispatch,
        smart_connect: p.options.tcp_smart_connect,
        nolinger: p.options.nolinger,
        conn_mode: p.options.http_conn_mode,
        http_reuse: p.http_reuse,
        forwardfor: p.options.forwardfor.clone(),
        originalto: p.options.originalto.clone(),
        errors: ErrorPages::load(p)?,
        // Completed in `Plan::build`, which knows about the runtime API and stats admin.
        watch_shutdown: p
            .servers
            .iter()
            .any(|s| s.on_marked_down.is_some() || s.on_marked_up.is_some()),
        slot_freed: tokio::sync::Notify::new(),
    })
}

/// The backend's `balance` line with its `hash-type` and `hash-balance-factor`, compiled by the
/// `balance` crate; what it refuses is reported against the backend.
fn balance_spec(p: &CfgProxy) -> Result<balance::BalanceSpec, ProxyError> {
    let hash_type = p
        .hash_type
        .as_ref()
        .map(|h| (h.method.as_str(), h.function.as_deref(), h.avalanche));
    balance::BalanceSpec::parse(
        &p.balance.algorithm,
        &p.balance.args,
        hash_type,
        p.hash_balance_factor,
    )
    .map_err(|e| ProxyError::Unsupported {
        proxy: p.name.clone(),
        what: e.to_string(),
    })
}

/// `cookie NAME ...` in the `balance` crate's terms.
fn cookie_config(c: &haproxy_cfg::model::CookiePersistence) -> balance::cookie::CookieConfig {
    use balance::cookie::CookieMode as M;
    use haproxy_cfg::model::CookieMode;
    let secs = |d: Option<Duration>| d.map_or(0, |d| d.as_secs().min(u64::from(u32::MAX)) as u32);
    balance::cookie::CookieConfig {
        name: c.name.clone(),
        mode: match c.mode {
            CookieMode::Insert => M::Insert,
            CookieMode::Rewrite => M::Rewrite,
            CookieMode::Prefix => M::Prefix,
            CookieMode::Passive => M::Passive,
        },
        indirect: c.indirect,
        nocache: c.nocache,
        postonly: c.postonly,
        preserve: c.preserve,
        httponly: c.httponly,
        secure: c.secure,
        domains: c.domains.clone(),
        maxidle: secs(c.maxidle),
        maxlife: secs(c.maxlife),
        attrs: c.attrs.clone(),
    }
}

/// `tcp-request inspect-delay T` among a section's rule lines.
pub fn inspect_delay(p: &CfgProxy) -> Option<Duration> {
    p.rule_lines
        .iter()
        .rev()
        .filter(|l| l.keyword == "tcp-request inspect-delay")
        .filter_map(|l| l.args.first())
        .find_map(|t| haproxy_cfg::values::parse_time(t, "inspect-delay").ok())
}

fn ip_target(ip: std::net::IpAddr, port: ServerPort) -> ServerTarget {
    match port {
        ServerPort::Fixed(port) => ServerTarget::Fixed(SocketAddr::new(ip, port)),
        ServerPort::Same => ServerTarget::ClientPort { ip, offset: 0 },
        ServerPort::Offset(offset) => ServerTarget::ClientPort { ip, offset },
    }
}

fn resolve_host(host: &str) -> Option<std::net::IpAddr> {
    (host, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}

/// The stronger of two connection modes: close beats server-close beats keep-alive, as
/// HAProxy combines the frontend's and the backend's options.
pub fn effective_conn_mode(a: HttpConnMode, b: HttpConnMode) -> HttpConnMode {
    use HttpConnMode::*;
    match (a, b) {
        (Close, _) | (_, Close) => Close,
        (ServerClose, _) | (_, ServerClose) => ServerClose,
        _ => KeepAlive,
    }
}
