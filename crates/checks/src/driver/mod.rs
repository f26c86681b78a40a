//! The I/O side of checks (feature `driver`): one thread of its own with a single-threaded
//! tokio runtime runs every server's health check and agent check, so checks never share
//! a thread, a lock or a buffer with the request path. Results go through the pure
//! [`ServerCheck`] and come out as states and weights in the [`HealthTable`] (atomics the
//! data plane reads) and as HAProxy's log lines through a [`CheckLog`].
//!
//! ```text
//! HealthChecker::start(config, table, log)
//!   thread "halb-checks": per checked server  sleep(spread) -> loop { run_check -> ServerCheck -> publish -> log -> sleep(next interval) }
//!                         per agent           loop { run_agent -> ServerCheck -> publish -> log -> sleep(agent-inter) }
//!                         per slowstart       on a comeback: republish the ramped weight every max(1s, slowstart/20)
//!                         observed traffic    HealthTable::report() -> channel -> ServerCheck::handle_observed
//! any thread:             ServerAdmin (runtime API, stats page) -> same ServerCheck -> publish -> log
//! data plane:             table.usable(backend, server)   (a relaxed atomic load)
//!                         slot.shutdown().wait_past(epoch) (shutdown-sessions)
//! ```

mod admin;
mod facts;
mod log;
mod probe;
mod shutdown;
mod table;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use haproxy_cfg::model::{Config, Proxy, Server, ServerAddr, ServerPort};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

pub use self::admin::{ServerAdmin, ServerRef, WeightInfo};
pub use self::facts::{CheckFacts, OpState, ServerFacts};
pub use self::log::{CheckEvent, CheckLog, Severity, StderrLog};
pub use self::probe::{error_text, run_agent, run_check, CheckTarget};
pub use self::shutdown::ShutdownSignal;
pub use self::table::{BackendHealth, HealthTable, LoadProbe, Observation, ServerSlot};
pub use crate::admin::{AdminError, AdminSource};

use crate::plan::{compile, CheckPlan, CompileError};
use crate::schedule::first_check_offset;
use crate::server::{AdminState, Transition};
use crate::timeouts::CheckTimeouts;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error("cannot start the health-check thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// How check lines are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckerOptions {
    /// Forces `option log-health-checks` on in every backend (each backend's own option is
    /// read from the configuration): log every check result that changes something; the
    /// state-change lines then leave out the reason (already logged).
    pub log_health_checks: bool,
}

/// What the checker knows about one server; its state lives in the [`HealthTable`].
struct ServerJob {
    table: Arc<HealthTable>,
    backend: usize,
    server: usize,
    plan: Option<Arc<CheckPlan>>,
    target: Option<CheckTarget>,
    agent: Option<SocketAddr>,
    slowstart: bool,
    timeouts: CheckTimeouts,
}

/// Runs the checks until stopped (or dropped).
pub struct HealthChecker {
    table: Arc<HealthTable>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HealthChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthChecker").finish_non_exhaustive()
    }
}

fn warn(log: &dyn CheckLog, text: String) {
    log.emit(&CheckEvent {
        severity: Severity::Alert,
        stderr: text.clone(),
        text,
    });
}

fn server_ip(p: &Proxy, s: &Server, log: &dyn CheckLog) -> Option<IpAddr> {
    match &s.addr {
        ServerAddr::Ip(ip) => Some(*ip),
        ServerAddr::Host(h) => match (h.as_str(), 0).to_socket_addrs() {
            Ok(mut a) => a.next().map(|a| a.ip()),
            Err(e) => {
                warn(
                    log,
                    format!(
                        "Health check for server {}/{} disabled: cannot resolve '{h}': {e}.",
                        p.name, s.name
                    ),
                );
                None
            }
        },
        ServerAddr::Unix(_) => {
            warn(log, format!("Health check for server {}/{} disabled: checks over unix sockets are not supported yet.", p.name, s.name));
            None
        }
    }
}

fn check_target(p: &Proxy, s: &Server, log: &dyn CheckLog) -> Option<CheckTarget> {
    let ip = s.check_addr.or_else(|| server_ip(p, s, log))?;
    let port = s.check_port.or(match s.port {
        ServerPort::Fixed(port) => Some(port),
        _ => None,
    });
    let Some(port) = port else {
        warn(log, format!("config : '{}' : server '{}' has neither service port nor check port. Check has been disabled.", p.name, s.name));
        return None;
    };
    Some(CheckTarget {
        addr: SocketAddr::new(ip, port),
        send_proxy: s.check_send_proxy,
    })
}

impl HealthChecker {
    /// Compiles every backend's checks and starts the checker thread. `table` is the one the
    /// data plane reads (built with [`HealthTable::new`] from the same config).
    pub fn start(
        config: &Config,
        table: Arc<HealthTable>,
        log: Arc<dyn CheckLog>,
        options: CheckerOptions,
    ) -> Result<HealthChecker, StartError> {
        table.set_log(Arc::clone(&log), options.log_health_checks);
        let mut jobs = Vec::new();
        for (pi, p) in config.proxies.iter().enumerate() {
            if !p.cap.backend || p.disabled || table.backend(pi).is_none() {
                continue;
            }
            let wants_checks = p
                .servers
                .iter()
                .any(|s| s.check || s.agent_check || s.observe.is_some() || s.slowstart.is_some());
            if !wants_checks {
                continue;
            }
            let plan = Arc::new(compile(&p.checks)?);
            for (si, s) in p.servers.iter().enumerate() {
                let target = if s.check {
                    check_target(p, s, log.as_ref())
                } else {
                    None
                };
                let agent = match (s.agent_check, s.agent_port) {
                    (true, Some(port)) => s
                        .check_addr
                        .or_else(|| server_ip(p, s, log.as_ref()))
                        .map(|ip| SocketAddr::new(ip, port)),
                    (true, None) => {
                        warn(log.as_ref(), format!("config : '{}' : server '{}' has 'agent-check' but no 'agent-port'. Agent check has been disabled.", p.name, s.name));
                        None
                    }
                    _ => None,
                };
                let Some(slot) = table.slot(pi, si) else {
                    continue;
                };
                let slowstart = {
                    let mut sc = slot.lock();
                    sc.unconfigure(target.is_none(), agent.is_none());
                    sc.config().slowstart.is_some()
                };
                if target.is_none() && agent.is_none() && !slowstart {
                    continue;
                }
                jobs.push(Arc::new(ServerJob {
                    table: Arc::clone(&table),
                    backend: pi,
                    server: si,
                    plan: target.is_some().then(|| Arc::clone(&plan)),
                    target,
                    agent,
                    slowstart,
                    timeouts: CheckTimeouts::new(s.inter, p.timeouts.connect, p.timeouts.check),
                }));
            }
        }
        let observed_rx = table.take_observations();
        let (stop, stop_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("halb-checks".into())
            .spawn({
                let table = Arc::clone(&table);
                move || run_thread(table, jobs, observed_rx, stop_rx)
            })?;
        Ok(HealthChecker {
            table,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn table(&self) -> &Arc<HealthTable> {
        &self.table
    }

    /// The admin handle (runtime API, stats page) on the checker's table.
    pub fn admin(&self) -> ServerAdmin {
        self.table.admin()
    }

    /// Stops every check and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HealthChecker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run_thread(
    table: Arc<HealthTable>,
    jobs: Vec<Arc<ServerJob>>,
    observed: Option<mpsc::UnboundedReceiver<Observation>>,
    stop: oneshot::Receiver<()>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "[ALERT]    ({}) : cannot start the health-check runtime: {e}",
                std::process::id()
            );
            return;
        }
    };
    rt.block_on(async move {
        let mut tasks = JoinSet::new();
        let checked: Vec<&Arc<ServerJob>> = jobs.iter().filter(|j| j.plan.is_some()).collect();
        let min_inter = checked
            .iter()
            .filter_map(|j| j.with(|sc| sc.config().fastinter.unwrap_or(sc.config().inter)))
            .min()
            .unwrap_or(Duration::ZERO);
        for (k, job) in checked.iter().enumerate() {
            let first = first_check_offset(k, checked.len(), min_inter);
            tasks.spawn(health_task(Arc::clone(job), first));
        }
        let agents: Vec<&Arc<ServerJob>> = jobs.iter().filter(|j| j.agent.is_some()).collect();
        for (k, job) in agents.iter().enumerate() {
            let inter = job.with(|sc| sc.next_agent_delay()).unwrap_or_default();
            let first = first_check_offset(k, agents.len(), inter);
            tasks.spawn(agent_task(Arc::clone(job), first));
        }
        for job in jobs.iter().filter(|j| j.slowstart) {
            tasks.spawn(warmup_task(Arc::clone(job)));
        }
        if let Some(mut observed) = observed {
            tasks.spawn(async move {
                while let Some(o) = observed.recv().await {
                    table.apply(o.backend, o.server, None, |sc, now| {
                        let tr = sc.handle_observed(now, o.ok, o.event.text());
                        ((), tr.into_iter().collect())
                    });
                }
            });
        }
        let _ = stop.await;
        tasks.abort_all();
    });
}

async fn health_task(job: Arc<ServerJob>, first: Duration) {
    tokio::time::sleep(first).await;
    let (Some(plan), Some(target)) = (job.plan.clone(), job.target) else {
        return;
    };
    let Some(slot) = job.table.slot(job.backend, job.server) else {
        return;
    };
    loop {
        // Checks pause in maintenance and when disabled (`disable health`), as HAProxy's do.
        let active = job
            .with(|sc| sc.admin() != AdminState::Maint && sc.check_enabled())
            .unwrap_or(false);
        if active {
            let outcome = run_check(&plan, target, job.timeouts).await;
            job.table.apply(
                job.backend,
                job.server,
                Some((false, outcome.clone())),
                |sc, now| ((), sc.handle_check(now, outcome).into_iter().collect()),
            );
        }
        let delay = job
            .with(|sc| sc.next_check_delay())
            .unwrap_or(Duration::from_secs(2));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            // Leaving MAINT or `enable health`: check at once.
            _ = slot.wake.notified() => {}
        }
    }
}

async fn agent_task(job: Arc<ServerJob>, first: Duration) {
    tokio::time::sleep(first).await;
    let Some(addr) = job.agent else { return };
    let inter = job
        .with(|sc| sc.next_agent_delay())
        .unwrap_or(Duration::from_secs(2));
    let t = CheckTimeouts::new(inter, job.timeouts.connect.into(), job.timeouts.check);
    loop {
        // `disable agent`: no new agent check until enabled again (MAINT does not stop it).
        if job.with(|sc| sc.agent_enabled()).unwrap_or(false) {
            let start = Instant::now();
            match run_agent(addr, t).await {
                Ok(reply) => {
                    let duration = start.elapsed();
                    if let Some(mut o) = reply.outcome() {
                        o.duration = duration;
                        job.table.log_check(job.backend, job.server, true, &o);
                    }
                    job.table.apply(job.backend, job.server, None, |sc, now| {
                        let mut tr = sc.handle_agent(now, &reply);
                        for t in &mut tr {
                            if let Transition::Down(Some(o)) | Transition::Up(Some(o)) = t {
                                o.duration = duration;
                            }
                        }
                        ((), tr)
                    });
                }
                Err(o) => {
                    job.table.log_check(job.backend, job.server, true, &o);
                    job.with(|sc| sc.note_agent_failure(o));
                }
            }
        }
        tokio::time::sleep(inter).await;
    }
}

/// `slowstart`: while a server ramps up after a comeback, republish its weight and its
/// connection limit every max(1s, slowstart/20), as HAProxy's warmup task does.
async fn warmup_task(job: Arc<ServerJob>) {
    let Some(slot) = job.table.slot(job.backend, job.server) else {
        return;
    };
    let step = job
        .with(|sc| sc.config().slowstart.unwrap_or_default() / 20)
        .unwrap_or_default()
        .max(Duration::from_secs(1));
    loop {
        slot.warmup.notified().await;
        while job.table.republish(job.backend, job.server) {
            tokio::time::sleep(step).await;
        }
    }
}

impl ServerJob {
    /// Runs `f` on the server's check state (`None` if the table lost the server).
    fn with<T>(&self, f: impl FnOnce(&mut crate::server::ServerCheck) -> T) -> Option<T> {
        let slot = self.table.slot(self.backend, self.server)?;
        let mut sc = slot.lock();
        Some(f(&mut sc))
    }
}
