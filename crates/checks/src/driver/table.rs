//! The server states the data plane reads: one byte of [`ServerState`], one weight and one
//! slowstart ramp per server, in atomics; reading one is a relaxed load, so server choice
//! never waits on a check. Each server's full check state ([`ServerCheck`]) sits behind a
//! mutex next to them: the checker thread and the admin commands (runtime API, stats page,
//! any thread) change it through [`HealthTable::apply`], which publishes the atomics, logs
//! the transitions and fires the shutdown signals. The data plane never takes that mutex.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Instant;

use haproxy_cfg::model::Config;
use tokio::sync::{mpsc, Notify};

use super::log::{CheckEvent, CheckLog, Severity, StderrLog};
use super::shutdown::ShutdownSignal;
use crate::messages::{self, PoolSummary, ServerName};
use crate::observe::{ObserveMode, Observed};
use crate::outcome::CheckOutcome;
use crate::server::{AdminState, ServerCheck, ServerCheckConfig, ServerState, Transition};
use crate::slowstart::ramp_maxconn;
use crate::weight::dynamic_weights;

/// One observed event on its way to the checker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub backend: usize,
    pub server: usize,
    pub ok: bool,
    pub event: Observed,
}

/// One server's published state.
#[derive(Debug)]
pub struct ServerSlot {
    pub name: String,
    pub backup: bool,
    /// HAProxy's numeric id: `id` on the server line, else its position from 1.
    pub uid: u32,
    /// The configured `maxconn` (0: no limit).
    pub maxconn: u32,
    /// `observe layer4|layer7`, when set.
    pub observe: Option<ObserveMode>,
    state: AtomicU8,
    weight: AtomicU32,
    ramp: AtomicU32,
    shutdown: ShutdownSignal,
    check: Mutex<ServerCheck>,
    /// Wakes the health check early (leaving MAINT, `enable health`).
    pub(crate) wake: Notify,
    /// Starts the slowstart republishing loop.
    pub(crate) warmup: Notify,
}

impl ServerSlot {
    pub fn state(&self) -> ServerState {
        ServerState::from_u8(self.state.load(Ordering::Relaxed))
    }

    pub fn weight(&self) -> u32 {
        self.weight.load(Ordering::Relaxed)
    }

    /// May take new traffic: up (or going down) with a weight above 0.
    pub fn usable(&self) -> bool {
        self.state().usable() && self.weight() > 0
    }

    /// How far into its slowstart ramp the server is, in thousandths (1000: not ramping).
    pub fn slowstart_permille(&self) -> u32 {
        self.ramp.load(Ordering::Relaxed)
    }

    /// The configured `maxconn`, ramped during slowstart (0: no limit). With `minconn` and
    /// `fullconn`, use [`dynamic_maxconn`](crate::slowstart::dynamic_maxconn) instead.
    pub fn effective_maxconn(&self) -> u32 {
        ramp_maxconn(self.maxconn, self.slowstart_permille())
    }

    /// The signal sessions bound to this server wait on (`shutdown-sessions`).
    pub fn shutdown(&self) -> &ShutdownSignal {
        &self.shutdown
    }

    /// The check state, for the checker and the admin commands (never the data plane).
    pub(crate) fn lock(&self) -> MutexGuard<'_, ServerCheck> {
        // No code path panics while holding it; a poisoned state is still the best we have.
        self.check.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called with the lock held, so two writers cannot publish out of order.
    fn publish_from(&self, sc: &ServerCheck, now: Instant) {
        self.weight
            .store(sc.effective_weight(now), Ordering::Relaxed);
        self.ramp
            .store(sc.slowstart_permille(now), Ordering::Relaxed);
        self.state.store(sc.state() as u8, Ordering::Release);
    }

    #[cfg(test)]
    pub(crate) fn publish(&self, state: ServerState, weight: u32) {
        self.weight.store(weight, Ordering::Relaxed);
        self.state.store(state as u8, Ordering::Release);
    }
}

/// The servers of one backend, in `server` line order (the data plane's `ServerId`).
#[derive(Debug)]
pub struct BackendHealth {
    pub name: String,
    /// HAProxy's numeric id (`id`, else its numbering when a stats socket exists).
    pub uid: u32,
    /// Whether `set weight` may take any value (see [`dynamic_weights`]).
    pub dynamic_weights: bool,
    /// `option log-health-checks`.
    pub log_health_checks: bool,
    pub servers: Box<[ServerSlot]>,
}

impl BackendHealth {
    /// Whether server `id` may take new traffic; an unknown id is not usable.
    pub fn usable(&self, id: usize) -> bool {
        self.servers.get(id).is_some_and(ServerSlot::usable)
    }

    pub fn state(&self, id: usize) -> Option<ServerState> {
        self.servers.get(id).map(ServerSlot::state)
    }

    pub fn weight(&self, id: usize) -> Option<u32> {
        self.servers.get(id).map(ServerSlot::weight)
    }

    /// Usable active and backup servers, for the log lines.
    pub fn summary(&self) -> PoolSummary {
        let usable = |backup: bool| {
            self.servers
                .iter()
                .filter(|s| s.backup == backup && s.usable())
                .count()
        };
        PoolSummary {
            active: usable(false),
            backup: usable(true),
            ..PoolSummary::default()
        }
    }
}

/// What the data plane can tell about a server's load, for the state-change lines
/// ("3 sessions active, 0 requeued, 1 remaining in queue."). Indexes are positions in
/// `Config::proxies` and in the backend's servers.
pub trait LoadProbe: Send + Sync {
    /// Sessions the server serves now.
    fn sessions(&self, proxy_index: usize, server: usize) -> u64;
    /// Sessions waiting for this server.
    fn queued(&self, proxy_index: usize, server: usize) -> u64;
    /// Sessions waiting in the backend's queue.
    fn backend_queued(&self, proxy_index: usize) -> u64;
}

/// Every backend's servers, indexed like [`Config::proxies`] (`None` for frontends).
pub struct HealthTable {
    /// Set by the data plane; until then the lines say 0.
    load: OnceLock<Arc<dyn LoadProbe>>,
    backends: Vec<Option<BackendHealth>>,
    observed: mpsc::UnboundedSender<Observation>,
    /// Taken once by the checker that consumes observations.
    observed_rx: Mutex<Option<mpsc::UnboundedReceiver<Observation>>>,
    log: RwLock<Arc<dyn CheckLog>>,
    /// `CheckerOptions::log_health_checks`: forces `option log-health-checks` everywhere.
    force_log_checks: AtomicBool,
}

impl std::fmt::Debug for HealthTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthTable")
            .field("backends", &self.backends)
            .finish_non_exhaustive()
    }
}

impl HealthTable {
    /// The state at start: `disabled` servers in MAINT, every other one UP at its weight
    /// (a checked server starts up and the first failed check takes it down, as in HAProxy).
    /// Lines go to stderr until [`HealthChecker::start`](super::HealthChecker::start) sets
    /// the log.
    pub fn new(config: &Config) -> Self {
        let now = Instant::now();
        let backends = config
            .proxies
            .iter()
            .enumerate()
            .map(|(pi, p)| {
                p.cap.backend.then(|| BackendHealth {
                    name: p.name.clone(),
                    uid: p.id.unwrap_or(pi as u32 + 2),
                    dynamic_weights: dynamic_weights(p),
                    log_health_checks: p.options.log_health_checks,
                    servers: p
                        .servers
                        .iter()
                        .enumerate()
                        .map(|(si, s)| {
                            let sc = ServerCheck::new_at(ServerCheckConfig::from_server(s), now);
                            let slot = ServerSlot {
                                name: s.name.clone(),
                                backup: s.backup,
                                uid: s.id.unwrap_or(si as u32 + 1),
                                maxconn: s.maxconn,
                                observe: s
                                    .observe
                                    .as_deref()
                                    .and_then(ObserveMode::parse)
                                    .filter(|_| s.check),
                                state: AtomicU8::new(sc.state() as u8),
                                weight: AtomicU32::new(sc.effective_weight(now)),
                                ramp: AtomicU32::new(1000),
                                shutdown: ShutdownSignal::default(),
                                check: Mutex::new(sc),
                                wake: Notify::new(),
                                warmup: Notify::new(),
                            };
                            slot
                        })
                        .collect(),
                })
            })
            .collect();
        let (observed, rx) = mpsc::unbounded_channel();
        HealthTable {
            backends,
            observed,
            observed_rx: Mutex::new(Some(rx)),
            log: RwLock::new(Arc::new(StderrLog)),
            force_log_checks: AtomicBool::new(false),
            load: OnceLock::new(),
        }
    }

    /// Lets the state-change lines report the server's sessions and queues (set once).
    pub fn set_load_probe(&self, probe: Arc<dyn LoadProbe>) {
        let _ = self.load.set(probe);
    }

    /// The pool summary of a line about `server`, with its load when the data plane told how.
    fn summary_for(
        &self,
        b: &BackendHealth,
        proxy_index: usize,
        server: usize,
        up: bool,
    ) -> PoolSummary {
        let mut pool = b.summary();
        if let Some(p) = self.load.get() {
            if up {
                pool.queued = p.backend_queued(proxy_index);
            } else {
                pool.sessions_active = p.sessions(proxy_index, server);
                pool.queued = p.queued(proxy_index, server);
            }
        }
        pool
    }

    /// The data plane reports what it saw on live traffic to a server (`observe`). A load and
    /// a return when the server does not observe, or the event does not count in its mode.
    pub fn report(&self, proxy_index: usize, server: usize, event: Observed) {
        let Some(slot) = self.slot(proxy_index, server) else {
            return;
        };
        let Some(ok) = slot.observe.and_then(|m| event.counts_in(m)) else {
            return;
        };
        let _ = self.observed.send(Observation {
            backend: proxy_index,
            server,
            ok,
            event,
        });
    }

    pub(crate) fn take_observations(&self) -> Option<mpsc::UnboundedReceiver<Observation>> {
        self.observed_rx.lock().ok()?.take()
    }

    /// The backend at this index of [`Config::proxies`].
    pub fn backend(&self, proxy_index: usize) -> Option<&BackendHealth> {
        self.backends.get(proxy_index)?.as_ref()
    }

    /// Every backend with its index in [`Config::proxies`].
    pub fn backends(&self) -> impl Iterator<Item = (usize, &BackendHealth)> {
        self.backends
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.as_ref().map(|b| (i, b)))
    }

    pub fn slot(&self, proxy_index: usize, server: usize) -> Option<&ServerSlot> {
        self.backend(proxy_index)?.servers.get(server)
    }

    /// Whether server `server` of the backend at `proxy_index` may take new traffic.
    pub fn usable(&self, proxy_index: usize, server: usize) -> bool {
        self.backend(proxy_index).is_some_and(|b| b.usable(server))
    }

    /// The shutdown signal of one server (see [`ShutdownSignal`]).
    pub fn shutdown_signal(&self, proxy_index: usize, server: usize) -> Option<&ShutdownSignal> {
        self.slot(proxy_index, server).map(ServerSlot::shutdown)
    }

    pub(crate) fn set_log(&self, log: Arc<dyn CheckLog>, force_log_checks: bool) {
        if let Ok(mut l) = self.log.write() {
            *l = log;
        }
        self.force_log_checks
            .store(force_log_checks, Ordering::Relaxed);
    }

    fn emit(&self, event: CheckEvent) {
        let log = match self.log.read() {
            Ok(l) => Arc::clone(&l),
            Err(e) => Arc::clone(&e.into_inner()),
        };
        log.emit(&event);
    }

    /// `option log-health-checks` for this backend (or forced by the checker's options).
    pub(crate) fn logs_checks(&self, proxy_index: usize) -> bool {
        self.force_log_checks.load(Ordering::Relaxed)
            || self
                .backend(proxy_index)
                .is_some_and(|b| b.log_health_checks)
    }

    fn name<'a>(&self, b: &'a BackendHealth, s: &'a ServerSlot) -> ServerName<'a> {
        ServerName {
            backend: &b.name,
            server: &s.name,
            backup: s.backup,
        }
    }

    /// `option log-health-checks`: one line per check result.
    pub(crate) fn log_check(
        &self,
        proxy_index: usize,
        server: usize,
        agent: bool,
        o: &CheckOutcome,
    ) {
        if !self.logs_checks(proxy_index) {
            return;
        }
        let (Some(b), Some(slot)) = (self.backend(proxy_index), self.slot(proxy_index, server))
        else {
            return;
        };
        let text = {
            let sc = slot.lock();
            let drained = sc.admin() == AdminState::Drain;
            let health = if agent {
                sc.agent_health()
            } else {
                sc.health()
            };
            messages::check_result(self.name(b, slot), agent, o, health, drained)
        };
        self.emit(CheckEvent {
            severity: Severity::Notice,
            stderr: text.clone(),
            text,
        });
    }

    /// Recomputes what the data plane sees of one server (slowstart steps).
    pub(crate) fn republish(&self, proxy_index: usize, server: usize) -> bool {
        let Some(slot) = self.slot(proxy_index, server) else {
            return false;
        };
        let now = Instant::now();
        let sc = slot.lock();
        slot.publish_from(&sc, now);
        sc.ramping(now)
    }

    /// Runs `f` on one server's state, publishes the result, logs the transitions in
    /// HAProxy's words and fires the shutdown signals they call for. `check` is the check
    /// result that caused it (`true` for the agent), for `option log-health-checks`.
    pub(crate) fn apply<T>(
        &self,
        proxy_index: usize,
        server: usize,
        check: Option<(bool, CheckOutcome)>,
        f: impl FnOnce(&mut ServerCheck, Instant) -> (T, Vec<Transition>),
    ) -> Option<T> {
        let b = self.backend(proxy_index)?;
        let slot = b.servers.get(server)?;
        let now = Instant::now();
        let (out, transitions, health_before, last_before, cfg, ramping) = {
            let mut sc = slot.lock();
            let health_before = *sc.health();
            let last_before = sc.last_outcome().map(|o| o.status);
            let (out, tr) = f(&mut sc, now);
            slot.publish_from(&sc, now);
            let cfg = (
                sc.config().shutdown_on_down,
                sc.config().shutdown_backups_on_up,
            );
            (out, tr, health_before, last_before, cfg, sc.ramping(now))
        };
        if ramping {
            slot.warmup.notify_one();
        }
        if let Some((agent, o)) = &check {
            let changed = last_before != Some(o.status) || *slot.lock().health() != health_before;
            if changed {
                self.log_check(proxy_index, server, *agent, o);
            }
        }
        let logs_checks = self.logs_checks(proxy_index);
        let name = self.name(b, slot);
        for t in transitions {
            let pool = self.summary_for(b, proxy_index, server, matches!(t, Transition::Up(_)));
            let keep_reason = |o: &Option<CheckOutcome>| o.clone().filter(|_| !logs_checks);
            let (severity, text) = match &t {
                Transition::Down(o) => (
                    Severity::Alert,
                    messages::server_down(name, keep_reason(o).as_ref(), &pool),
                ),
                Transition::Up(o) => (
                    Severity::Notice,
                    messages::server_up(name, keep_reason(o).as_ref(), &pool),
                ),
                Transition::EnterMaint { was_down: false } => {
                    (Severity::Alert, messages::enter_maint(name, &pool))
                }
                Transition::EnterMaint { was_down: true } => {
                    (Severity::Notice, messages::enter_maint_while_down(name))
                }
                Transition::LeaveMaint { up, drain } => {
                    (Severity::Notice, messages::leave_maint(name, *up, *drain))
                }
                Transition::EnterDrain { up } => {
                    (Severity::Notice, messages::enter_drain(name, &pool, *up))
                }
                Transition::LeaveDrain { up } => {
                    (Severity::Notice, messages::leave_drain(name, *up))
                }
                Transition::RemainsDrain => (Severity::Notice, messages::remains_drain(name)),
            };
            self.emit(CheckEvent {
                severity,
                stderr: text.clone(),
                text,
            });
            if t.went_unusable() && pool.active == 0 && pool.backup == 0 {
                self.no_server_available(b);
            }
            if t.marks_down() && cfg.0 {
                slot.shutdown.fire();
            }
            // HAProxy: only an active server that can take traffic again ends the backups'
            // sessions.
            if t.marks_up() && cfg.1 && !slot.backup && slot.usable() {
                for s in b.servers.iter().filter(|s| s.backup) {
                    s.shutdown.fire();
                }
            }
        }
        Some(out)
    }

    pub(crate) fn no_server_available(&self, b: &BackendHealth) {
        self.emit(CheckEvent {
            severity: Severity::Emerg,
            text: messages::no_server_available(&b.name),
            stderr: messages::no_server_available_stderr(&b.name),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_up_except_disabled() {
        let cfg = haproxy_cfg::parse_str(
            "t.cfg",
            "frontend f\n bind 127.0.0.1:8080\n default_backend b\nbackend b\n server a 127.0.0.1:1 check\n server c 127.0.0.1:2 disabled\n server d 127.0.0.1:3 backup weight 0\n",
        )
        .expect("parses")
        .config;
        let t = HealthTable::new(&cfg);
        assert!(t.backend(0).is_none(), "a frontend has no servers");
        let b = t.backend(1).expect("backend");
        assert!(b.usable(0));
        assert_eq!(b.state(1), Some(ServerState::Maint));
        assert!(!b.usable(1));
        assert!(!b.usable(2), "weight 0 takes no traffic");
        assert!(!b.usable(99));
        assert_eq!(
            b.summary(),
            PoolSummary {
                active: 1,
                ..PoolSummary::default()
            }
        );
        b.servers[0].publish(ServerState::Down, 0);
        assert!(!t.usable(1, 0));
        assert_eq!((b.uid, b.servers[2].uid), (3, 3));
    }
}
