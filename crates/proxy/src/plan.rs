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
}

#[derive(Debug)]
pub struct FrontendPlan {
    pub id: FrontendId,
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
    /// Whether sessions need their connection's local address (`option originalto`, servers
    /// whose port follows the client's destination port).
    pub needs_local_addr: bool,
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
}

#[derive(Debug)]
pub struct BackendPlan {
    pub id: BackendId,
    pub name: String,
    pub servers: Vec<ServerPlan>,
    /// The picker's view of `servers` (weights, backup flags).
    pub pick_servers: Vec<PickServer>,
    pub balance: String,
    pub all_backups: bool,
    pub timeout_server: Option<Duration>,
    pub timeout_server_fin: Option<Duration>,
    pub timeout_connect: Option<Duration>,
    pub timeout_queue: Option<Duration>,
    pub timeout_tunnel: Option<Duration>,
    pub retries: u32,
    pub redispatch: bool,
    pub conn_mode: HttpConnMode,
    pub http_reuse: HttpReuse,
    pub forwardfor: Option<ForwardFor>,
    pub originalto: Option<OriginalTo>,
    pub errors: ErrorPages,
    /// Wakes one session waiting in this backend's queue when a server slot frees.
    pub slot_freed: tokio::sync::Notify,
}

/// Everything the workers run, shared read-only.
#[derive(Debug)]
pub struct Plan {
    pub threads: usize,
    pub global_maxconn: u32,
    pub frontends: Vec<FrontendPlan>,
    pub backends: Vec<BackendPlan>,
    pub counters: Arc<CounterTable>,
    /// Sessions in progress over all frontends (global `maxconn`).
    pub global_sessions: crate::counters::Gauge,
    /// Accept loops paused at `maxconn` wait here; a session's end wakes them.
    pub accept_resume: tokio::sync::Notify,
    pub accept_waiters: std::sync::atomic::AtomicUsize,
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

        // Backends first, so frontends can refer to them by id.
        let mut backend_of_proxy: Vec<Option<BackendId>> = vec![None; config.proxies.len()];
        let mut backends = Vec::new();
        for (index, p) in config.proxies.iter().enumerate() {
            if !p.cap.backend || p.disabled {
                continue;
            }
            let id = backends.len();
            backend_of_proxy[index] = Some(id);
            backends.push(build_backend(id, p)?);
        }

        let mut frontends = Vec::new();
        for (index, p) in config.proxies.iter().enumerate() {
            if !p.cap.frontend || p.disabled || p.binds.is_empty() {
                continue;
            }
            let id = frontends.len();
            let backend = frontend_backend(p, index, &backend_of_proxy)?;
            let mut fe = build_frontend(id, p, &config, global_maxconn, backend)?;
            if let Some(b) = backend.and_then(|b| backends.get(b)) {
                let b: &BackendPlan = b;
                fe.needs_local_addr |= b.originalto.is_some()
                    || b.servers
                        .iter()
                        .any(|s| matches!(s.target, ServerTarget::ClientPort { .. }));
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

        Ok(Plan {
            threads,
            global_maxconn,
            frontends,
            backends,
            counters,
            global_sessions: Default::default(),
            accept_resume: tokio::sync::Notify::new(),
            accept_waiters: Default::default(),
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
            BackendRef::Dynamic { format } => Err(ProxyError::Unsupported {
                proxy: p.name.clone(),
                what: format!("dynamic backend name '{format}' is not supported yet"),
            }),
        }
    };
    // Conditional `use_backend` rules need the rules crate; until it lands only the
    // unconditional ones are honoured, in order.
    if let Some(u) = p.use_backends.iter().find(|u| u.condition.is_empty()) {
        return by_ref(&u.target);
    }
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
        .flat_map(|b| listen_specs(b, p.backlog, maxconn))
        .collect();
    let tune = &config.global.tune;
    Ok(FrontendPlan {
        id,
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
        needs_local_addr: p.options.originalto.is_some(),
        backend,
        errors: ErrorPages::load(p)?,
        bufsize: tune.bufsize.max(1024),
        maxrewrite: tune.maxrewrite.min(tune.bufsize / 2),
        max_headers: tune.http_maxhdr.max(1),
    })
}

fn listen_specs(b: &Bind, proxy_backlog: Option<u32>, maxconn: u32) -> Vec<ListenSpec> {
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
        })
        .collect()
}

fn build_backend(id: BackendId, p: &CfgProxy) -> Result<BackendPlan, ProxyError> {
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
        });
        pick_servers.push(PickServer {
            weight: if s.disabled { 0 } else { s.weight.min(256) },
            backup: s.backup,
        });
    }
    Ok(BackendPlan {
        id,
        name: p.name.clone(),
        servers,
        pick_servers,
        balance: p.balance.algorithm.clone(),
        all_backups: p.options.allbackups,
        timeout_server: p.timeouts.server,
        timeout_server_fin: p.timeouts.server_fin,
        timeout_connect: p.timeouts.connect,
        timeout_queue: p.timeouts.queue,
        timeout_tunnel: p.timeouts.tunnel,
        retries: p.retries,
        redispatch: p.options.redispatch,
        conn_mode: p.options.http_conn_mode,
        http_reuse: p.http_reuse,
        forwardfor: p.options.forwardfor.clone(),
        originalto: p.options.originalto.clone(),
        errors: ErrorPages::load(p)?,
        slot_freed: tokio::sync::Notify::new(),
    })
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
