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
//!                         observed traffic    HealthTable::report() -> channel -> ServerCheck::handle_observed
//! data plane:             table.usable(backend, server)   (a relaxed atomic load)
//! ```

mod log;
mod probe;
mod table;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use haproxy_cfg::model::{Config, Proxy, Server, ServerAddr, ServerPort};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

pub use self::log::{CheckEvent, CheckLog, Severity, StderrLog};
pub use self::probe::{error_text, run_agent, run_check, CheckTarget};
pub use self::table::{BackendHealth, HealthTable, Observation, ServerSlot};

use crate::messages::{self, ServerName};
use crate::outcome::CheckOutcome;
use crate::plan::{compile, CheckPlan, CompileError};
use crate::schedule::first_check_offset;
use crate::server::{AdminState, ServerCheck, ServerCheckConfig, Transition};
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
    /// `option log-health-checks`: log every check result that changes something; the
    /// state-change lines then leave out the reason (already logged).
    pub log_health_checks: bool,
}

/// What the checker knows about one server.
struct ServerJob {
    table: Arc<HealthTable>,
    log: Arc<dyn CheckLog>,
    options: CheckerOptions,
    backend: usize,
    server: usize,
    backend_name: String,
    server_name: String,
    backup: bool,
    state: Mutex<ServerCheck>,
    plan: Option<Arc<CheckPlan>>,
    target: Option<CheckTarget>,
    agent: Option<SocketAddr>,
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
        let mut jobs = Vec::new();
        for (pi, p) in config.proxies.iter().enumerate() {
            if !p.cap.backend || p.disabled || table.backend(pi).is_none() {
                continue;
            }
            let wants_checks = p
                .servers
                .iter()
                .any(|s| s.check || s.agent_check || s.observe.is_some());
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
                let mut cfg = ServerCheckConfig::from_server(s);
                cfg.check = target.is_some();
                cfg.agent = agent.is_some();
                if !cfg.check && !cfg.agent && cfg.observe.is_none() {
                    continue;
                }
                jobs.push(Arc::new(ServerJob {
                    table: Arc::clone(&table),
                    log: Arc::clone(&log),
                    options,
                    backend: pi,
                    server: si,
                    backend_name: p.name.clone(),
                    server_name: s.name.clone(),
                    backup: s.backup,
                    state: Mutex::new(ServerCheck::new(cfg)),
                    plan: target.is_some().then(|| Arc::clone(&plan)),
                    target,
                    agent,
                    timeouts: CheckTimeouts::new(s.inter, p.timeouts.connect, p.timeouts.check),
                }));
            }
        }
        let observed_rx = table.take_observations();
        let (stop, stop_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("halb-checks".into())
            .spawn(move || run_thread(jobs, observed_rx, stop_rx))?;
        Ok(HealthChecker {
            table,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn table(&self) -> &Arc<HealthTable> {
        &self.table
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
            .map(|j| {
                let sc = j.lock();
                sc.config().fastinter.unwrap_or(sc.config().inter)
            })
            .min()
            .unwrap_or(Duration::ZERO);
        for (k, job) in checked.iter().enumerate() {
            let first = first_check_offset(k, checked.len(), min_inter);
            tasks.spawn(health_task(Arc::clone(job), first));
        }
        let agents: Vec<&Arc<ServerJob>> = jobs.iter().filter(|j| j.agent.is_some()).collect();
        for (k, job) in agents.iter().enumerate() {
            let first = first_check_offset(k, agents.len(), job.lock().next_agent_delay());
            tasks.spawn(agent_task(Arc::clone(job), first));
        }
        let by_server: HashMap<(usize, usize), Arc<ServerJob>> = jobs
            .iter()
            .map(|j| ((j.backend, j.server), Arc::clone(j)))
            .collect();
        if let Some(mut observed) = observed {
            tasks.spawn(async move {
                while let Some(o) = observed.recv().await {
                    if let Some(job) = by_server.get(&(o.backend, o.server)) {
                        job.apply(None, |sc, now| {
                            sc.handle_observed(now, o.ok, o.event.text())
                                .into_iter()
                                .collect()
                        });
                    }
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
    loop {
        // Checks pause while the server is in maintenance, as HAProxy's do.
        if job.lock().admin() != AdminState::Maint {
            let outcome = run_check(&plan, target, job.timeouts).await;
            job.apply(Some((false, outcome.clone())), |sc, now| {
                sc.handle_check(now, outcome).into_iter().collect()
            });
        }
        let delay = job.lock().next_check_delay();
        tokio::time::sleep(delay).await;
    }
}

async fn agent_task(job: Arc<ServerJob>, first: Duration) {
    tokio::time::sleep(first).await;
    let Some(addr) = job.agent else { return };
    let t = CheckTimeouts::new(
        job.lock().next_agent_delay(),
        job.timeouts.connect.into(),
        job.timeouts.check,
    );
    loop {
        let start = Instant::now();
        match run_agent(addr, t).await {
            Ok(reply) => {
                let duration = start.elapsed();
                if let Some(mut o) = reply.outcome() {
                    o.duration = duration;
                    job.log_check(true, &o);
                }
                job.apply(None, |sc, now| {
                    let mut tr = sc.handle_agent(now, &reply);
                    for t in &mut tr {
                        if let Transition::Down(Some(o)) | Transition::Up(Some(o)) = t {
                            o.duration = duration;
                        }
                    }
                    tr
                });
            }
            Err(o) => job.log_check(true, &o),
        }
        let delay = job.lock().next_agent_delay();
        tokio::time::sleep(delay).await;
    }
}

impl ServerJob {
    fn lock(&self) -> std::sync::MutexGuard<'_, ServerCheck> {
        // Only this thread takes the lock and no code path panics while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn name(&self) -> ServerName<'_> {
        ServerName {
            backend: &self.backend_name,
            server: &self.server_name,
            backup: self.backup,
        }
    }

    fn slot(&self) -> Option<&ServerSlot> {
        self.table.backend(self.backend)?.servers.get(self.server)
    }

    /// `option log-health-checks`: one line per check result.
    fn log_check(&self, agent: bool, o: &CheckOutcome) {
        if !self.options.log_health_checks {
            return;
        }
        let sc = self.lock();
        let drained = sc.admin() == AdminState::Drain;
        let health = if agent {
            sc.agent_health()
        } else {
            sc.health()
        };
        let text = messages::check_result(self.name(), agent, o, health, drained);
        drop(sc);
        self.log.emit(&CheckEvent {
            severity: Severity::Notice,
            stderr: text.clone(),
            text,
        });
    }

    /// Runs `f` on the server's state, publishes the result, logs the transitions.
    fn apply(
        &self,
        check: Option<(bool, CheckOutcome)>,
        f: impl FnOnce(&mut ServerCheck, Instant) -> Vec<Transition>,
    ) {
        let now = Instant::now();
        let (transitions, state, weight, health_before, last_before) = {
            let mut sc = self.lock();
            let health_before = *sc.health();
            let last_before = sc.last_outcome().map(|o| o.status);
            let tr = f(&mut sc, now);
            (
                tr,
                sc.state(),
                sc.effective_weight(now),
                health_before,
                last_before,
            )
        };
        if let Some(slot) = self.slot() {
            slot.publish(state, weight);
        }
        if let Some((agent, o)) = &check {
            let changed = last_before != Some(o.status) || *self.lock().health() != health_before;
            if changed {
                self.log_check(*agent, o);
            }
        }
        let Some(backend) = self.table.backend(self.backend) else {
            return;
        };
        for t in transitions {
            let pool = backend.summary();
            let keep_reason =
                |o: Option<CheckOutcome>| o.filter(|_| !self.options.log_health_checks);
            let (severity, text) = match &t {
                Transition::Down(o) => (
                    Severity::Alert,
                    messages::server_down(self.name(), keep_reason(o.clone()).as_ref(), &pool),
                ),
                Transition::Up(o) => (
                    Severity::Notice,
                    messages::server_up(self.name(), keep_reason(o.clone()).as_ref(), &pool),
                ),
                Transition::EnterMaint => {
                    (Severity::Alert, messages::enter_maint(self.name(), &pool))
                }
                Transition::LeaveMaint { up } => {
                    (Severity::Notice, messages::leave_maint(self.name(), *up))
                }
                Transition::EnterDrain => {
                    (Severity::Notice, messages::enter_drain(self.name(), &pool))
                }
                Transition::LeaveDrain { up } => {
                    (Severity::Notice, messages::leave_drain(self.name(), *up))
                }
            };
            self.log.emit(&CheckEvent {
                severity,
                stderr: text.clone(),
                text,
            });
            if t.went_unusable() && pool.active == 0 && pool.backup == 0 {
                self.log.emit(&CheckEvent {
                    severity: Severity::Emerg,
                    text: messages::no_server_available(&self.backend_name),
                    stderr: messages::no_server_available_stderr(&self.backend_name),
                });
            }
        }
    }
}
