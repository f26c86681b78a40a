//! `proxy` — halb's data plane: listeners, worker threads, sessions, forwarding, timeouts,
//! queues, connection pools.
//!
//! Where it sits: `halb proxy` parses haproxy.cfg with `haproxy-cfg`, calls [`Proxy::bind`]
//! (all sockets bound, no thread started, so the caller can still fork and drop privileges),
//! then [`Proxy::run`], which starts one worker per `nbthread`, each with its own event loop,
//! its own `SO_REUSEPORT` listeners and its own sessions. Signals are the caller's business;
//! it turns them into [`ProxyControl`] calls.
//!
//! ```text
//! listener (per thread) -> maxconn gate -> session
//!     mode tcp:  pick server -> connect (queue, retries, redispatch) -> forward both ways
//!     mode http: head (http1) -> backend -> server slot -> pooled connection -> head + body
//!                -> response head + body -> keep-alive loop
//! ```

mod access_log;
mod balance;
mod bufpool;
mod check;
mod clock;
mod connect;
mod control;
pub mod counters;
mod error;
mod errors;
mod forward;
pub mod hooks;
mod http;
mod latency;
mod lazy_tcp;
mod listener;
mod parking;
mod plan;
mod pool;
mod rules_glue;
mod runtime;
mod sessions;
mod stats_view;
mod stream;
mod tcp;
mod txn;
mod unique_id;
mod worker;

use std::sync::Arc;

pub use crate::balance::{
    BalancePicker, PickContext, PickServer, RequestKey, ServerId, ServerPicker,
};
pub use check::check_config;
pub use control::{ProxyControl, StopState};
pub use error::ProxyError;
pub use stats_view::StatsSource;

use haproxy_cfg::model::Config;

use crate::hooks::{NoHooks, SessionHooks};
use crate::listener::BoundListener;
use crate::plan::Plan;

/// A bound, not yet running, data plane.
pub struct Proxy {
    config: Arc<Config>,
    plan: Arc<Plan>,
    listeners: Vec<Vec<BoundListener>>,
    control: ProxyControl,
    hooks: Arc<dyn SessionHooks>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("threads", &self.plan.threads)
            .field("frontends", &self.plan.frontends.len())
            .field("backends", &self.plan.backends.len())
            .finish()
    }
}

impl Proxy {
    /// Binds every listener (std sockets, `SO_REUSEPORT`, one per worker thread, no threads
    /// started yet) so the caller can then daemonize (fork), drop privileges and write the
    /// pid file. Also raises `RLIMIT_NOFILE` to what `maxconn` needs, as HAProxy does.
    pub fn bind(config: Arc<Config>) -> Result<Proxy, ProxyError> {
        let threads = match config.global.nbthread {
            Some(n) if n > 0 => n as usize,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        clock::start();
        let fd_limit = raise_fd_limit(&config)?;
        let plan = Arc::new(Plan::build(Arc::clone(&config), threads, fd_limit)?);
        let listeners = listener::bind_all(&plan)?;
        Ok(Proxy {
            config,
            plan,
            listeners,
            control: ProxyControl::default(),
            hooks: Arc::new(NoHooks),
        })
    }

    /// Replaces the no-op hooks (rules, ACLs, logging plug in here).
    pub fn set_hooks(&mut self, hooks: Arc<dyn SessionHooks>) {
        self.hooks = hooks;
    }

    /// A cloneable, `Send + Sync` handle: `soft_stop()` = stop accepting, exit when current
    /// sessions are done (SIGUSR1); `hard_stop()` = stop now (SIGTERM/SIGINT).
    pub fn control(&self) -> ProxyControl {
        self.control.clone()
    }

    /// The counter table the stats renderers read (live while the proxy runs).
    pub fn counters(&self) -> Arc<counters::CounterTable> {
        Arc::clone(&self.plan.counters)
    }

    /// Warnings from compiling ACLs and rules (HAProxy actions halb accepts but does not
    /// run), for the caller to print with the configuration's other diagnostics.
    pub fn rule_warnings(&self) -> &[haproxy_cfg::Diagnostic] {
        &self.plan.rule_warnings
    }

    /// Number of worker threads `run` will start.
    pub fn threads(&self) -> usize {
        self.plan.threads
    }

    /// The addresses actually bound, per frontend name (useful with port 0).
    pub fn local_addrs(&self) -> Vec<(String, std::net::SocketAddr)> {
        let mut out = Vec::new();
        if let Some(first) = self.listeners.first() {
            for l in first {
                if let listener::BoundSocket::Tcp(s) = &l.socket {
                    if let Ok(a) = s.local_addr() {
                        out.push((self.plan.frontends[l.frontend].name.clone(), a));
                    }
                }
            }
        }
        out
    }

    /// Starts the worker threads and blocks until stopped.
    pub fn run(self) -> Result<(), ProxyError> {
        let Proxy {
            config,
            plan,
            listeners,
            control,
            hooks,
        } = self;
        // Health checks run on their own thread, off the request path; they stop when
        // `checker` is dropped, after the workers.
        let global_sink = access_log::open_sinks(&plan).map_err(ProxyError::Log)?;
        let process_log = Arc::new(access_log::ProcessLog { sink: global_sink });
        let checker = checks::driver::HealthChecker::start(
            &config,
            Arc::clone(&plan.health),
            Arc::clone(&process_log) as Arc<dyn checks::driver::CheckLog>,
            checks::driver::CheckerOptions::default(),
        )
        .map_err(|e| ProxyError::Checks(e.to_string()))?;
        // HAProxy 1.x logged this line; 2.6 no longer does. halb keeps it: a restart is worth
        // seeing in the same place as the traffic.
        for p in config.proxies.iter().filter(|p| !p.disabled) {
            process_log.send(
                logging::Level::Notice,
                &format!("Proxy {} started.", p.name),
            );
        }
        // The runtime API runs on threads of its own, off the request path; it stops with
        // the proxy (dropped below).
        let runtime_api = runtime::start(&plan).map_err(ProxyError::Runtime)?;
        let mut handles = Vec::new();
        for (thread, mine) in listeners.into_iter().enumerate() {
            let plan = Arc::clone(&plan);
            let shared = Arc::clone(&control.shared);
            let hooks = Arc::clone(&hooks);
            let h = std::thread::Builder::new()
                .name(format!("halb-worker-{thread}"))
                .spawn(move || worker::run(thread, plan, shared, hooks, mine))
                .map_err(|source| ProxyError::Thread { thread, source })?;
            handles.push(h);
        }
        let mut result = Ok(());
        for (thread, h) in handles.into_iter().enumerate() {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(source)) => {
                    // One worker failing stops the others: a half-running proxy is worse.
                    control.hard_stop();
                    if result.is_ok() {
                        result = Err(ProxyError::Thread { thread, source });
                    }
                }
                Err(_) => {
                    control.hard_stop();
                    if result.is_ok() {
                        result = Err(ProxyError::WorkerPanicked { thread });
                    }
                }
            }
        }
        drop(runtime_api);
        drop(checker);
        for p in config.proxies.iter().filter(|p| !p.disabled) {
            let fe = plan
                .counters
                .frontend(&p.name)
                .map_or(0, |r| r.total(counters::Counter::SessionsTotal));
            let be = plan
                .counters
                .backend(&p.name)
                .map_or(0, |r| r.total(counters::Counter::SessionsTotal));
            process_log.send(
                logging::Level::Warning,
                &format!(
                    "Proxy {} stopped (cumulated conns: FE: {fe}, BE: {be}).",
                    p.name
                ),
            );
        }
        if let Some(s) = &process_log.sink {
            s.flush(std::time::Duration::from_millis(500));
        }
        for fe in &plan.frontends {
            if let Some(s) = fe.log.as_ref().and_then(|l| l.sink.get()) {
                s.flush(std::time::Duration::from_millis(500));
            }
        }
        result
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and checks it covers `maxconn`
/// (two descriptors per proxied connection plus spare). Returns the limit in force.
fn raise_fd_limit(config: &Config) -> Result<Option<u64>, ProxyError> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Ok(None);
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit reads the struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    let limit = lim.rlim_cur;
    if let Some(maxconn) = config.global.maxconn {
        let needed = 2 * u64::from(maxconn) + 100;
        if needed > limit && config.global.strict_limits {
            return Err(ProxyError::FdLimit {
                maxconn,
                needed,
                hard: lim.rlim_max,
            });
        }
    }
    Ok(Some(limit))
}
