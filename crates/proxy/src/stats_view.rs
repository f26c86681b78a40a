//! The live state read into one `stats` snapshot: the counter table, the server states and
//! check results the health checker publishes, and the plan's static facts. The stats page,
//! the Prometheus exporter and the runtime API all render from it.
//!
//! Reading is for people and scrapers, never on the request path: it takes the checker's
//! per-server mutexes and allocates freely.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use checks::driver::HealthTable;
use haproxy_cfg::model::{Config, Mode, Proxy as CfgProxy, ServerAddr, ServerPort};
use stats::{
    BackendFacts, BackendStatus, CheckFacts, FrontendFacts, FrontendStatus, ProcessInfo, ProxyMode,
    ServerFacts, ServerState, Snapshot,
};

use crate::clock;
use crate::counters::{Counter, RateKind};
use crate::plan::Plan;

/// `Release_date` of `show info`, in HAProxy's `YYYY/MM/DD` form.
pub const RELEASE_DATE: &str = "2026/11/23";

/// What a snapshot is read from; cheap to clone.
#[derive(Clone)]
pub struct StatsSource {
    pub(crate) plan: Arc<Plan>,
}

impl std::fmt::Debug for StatsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsSource").finish_non_exhaustive()
    }
}

fn mode(m: Mode) -> ProxyMode {
    match m {
        Mode::Http => ProxyMode::Http,
        _ => ProxyMode::Tcp,
    }
}

/// `UP 2/3`-style states from the health counter (0..rise-1 down, rise..rise+fall-1 up).
fn server_state(f: &checks::driver::ServerFacts) -> ServerState {
    use checks::{AdminState, ServerState as S};
    match f.admin {
        AdminState::Maint => return ServerState::Maint,
        AdminState::Drain => return ServerState::Drain,
        AdminState::Ready => {}
    }
    let check = f.check.as_ref().filter(|c| c.enabled);
    match (f.state, check) {
        (S::Maint, _) => ServerState::Maint,
        (S::Drain, _) => ServerState::Drain,
        (S::Up | S::GoingDown, None) => ServerState::NoCheck,
        (S::Up, Some(_)) => ServerState::Up,
        (S::GoingDown, Some(c)) => ServerState::GoingDown {
            done: (c.health + 1).saturating_sub(c.rise).max(1),
            needed: c.fall,
        },
        (S::GoingUp, Some(c)) => ServerState::GoingUp {
            done: c.health,
            needed: c.rise,
        },
        (S::GoingUp, None) | (S::Down, _) => ServerState::Down,
    }
}

fn check_facts(c: &checks::driver::CheckFacts) -> CheckFacts {
    CheckFacts {
        status: c.status_name().to_string(),
        code: c.code.map(u32::from),
        duration_ms: c.duration.map(|d| d.as_millis() as u64),
        desc: c.desc().to_string(),
        last_output: c.info.clone().unwrap_or_default(),
        rise: c.rise,
        fall: c.fall,
        health: c.health,
        ..CheckFacts::default()
    }
}

fn addr_text(s: &haproxy_cfg::model::Server) -> String {
    let host = match &s.addr {
        ServerAddr::Ip(ip) => ip.to_string(),
        ServerAddr::Host(h) => h.clone(),
        ServerAddr::Unix(p) => return p.display().to_string(),
    };
    match s.port {
        ServerPort::Fixed(p) => format!("{host}:{p}"),
        _ => host,
    }
}

impl StatsSource {
    pub fn health(&self) -> &Arc<HealthTable> {
        &self.plan.health
    }

    pub fn config(&self) -> &Config {
        &self.plan.config
    }

    /// Every frontend, backend and server, in HAProxy's order.
    pub fn snapshot(&self) -> Snapshot {
        let now = clock::now_sec();
        let mut snap = Snapshot::new(self.process_info(now));
        let plan = &self.plan;
        for (pi, p) in self.plan.config.proxies.iter().enumerate() {
            // HAProxy numbers proxies from 2 (its CLI proxy takes 1), as the admin handle does.
            let iid = p.id.unwrap_or(pi as u32 + 2);
            if let Some(fe) = plan.frontend_of_proxy.get(pi).copied().flatten() {
                let f = &plan.frontends[fe];
                let facts = FrontendFacts {
                    iid,
                    status: FrontendStatus::Open,
                    mode: mode(f.mode),
                    maxconn: f.maxconn,
                    ..FrontendFacts::default()
                };
                snap.push(stats::frontend_row(
                    &plan.counters.frontends[fe],
                    &facts,
                    now,
                ));
            }
            if let Some(be) = plan.backend_of_proxy.get(pi).copied().flatten() {
                self.push_backend(&mut snap, pi, p, be, iid, now);
            }
        }
        snap
    }

    fn push_backend(
        &self,
        snap: &mut Snapshot,
        pi: usize,
        p: &CfgProxy,
        be: usize,
        iid: u32,
        now: u32,
    ) {
        let plan = &self.plan;
        let b = &plan.backends[be];
        let start = clock::start();
        let secs_since = |t: Option<std::time::Instant>| {
            t.map_or(now.saturating_sub(1), |t| {
                t.duration_since(start).as_secs() as u32
            })
        };
        let (mut active, mut backup, mut weight, mut uweight, mut downs) = (0, 0, 0, 0, 0);
        for (si, s) in p.servers.iter().enumerate() {
            let facts = plan.health.facts(pi, si);
            let state = facts.as_ref().map_or(ServerState::Up, server_state);
            let usable = plan.health.usable(pi, si);
            if usable {
                if s.backup {
                    backup += 1;
                } else {
                    active += 1;
                    weight += facts.as_ref().map_or(s.weight, |f| f.weight);
                }
            }
            if !s.backup {
                uweight += facts.as_ref().map_or(s.weight, |f| f.user_weight);
            }
            let mut check = facts
                .as_ref()
                .and_then(|f| f.check.as_ref())
                .map(check_facts);
            if let (Some(c), Some(f)) = (check.as_mut(), facts.as_ref()) {
                c.failures = f.failed_checks;
                c.downs = f.down_transitions;
            }
            downs += facts.as_ref().map_or(0, |f| f.down_transitions);
            let sf = ServerFacts {
                sid: s.id.unwrap_or(si as u32 + 1),
                iid,
                state,
                mode: mode(p.mode),
                weight: facts.as_ref().map_or(s.weight, |f| f.weight),
                uweight: facts.as_ref().map_or(s.weight, |f| f.user_weight),
                backup: s.backup,
                maxconn: s.maxconn,
                maxqueue: s.maxqueue,
                addr: addr_text(s),
                cookie: s.cookie.clone(),
                last_change_sec: now
                    .saturating_sub(secs_since(facts.as_ref().and_then(|f| f.last_change))),
                downtime_sec: facts.as_ref().map_or(0, |f| f.downtime.as_secs() as u32),
                check,
                agent: facts
                    .as_ref()
                    .and_then(|f| f.agent.as_ref())
                    .map(check_facts),
                throttle: facts
                    .as_ref()
                    .map(|f| f.slowstart_permille)
                    .filter(|&p| p < 1000)
                    .map(|p| p / 10),
                ..ServerFacts::default()
            };
            snap.push(stats::server_row(&plan.counters.servers[be][si], &sf, now));
        }
        let bf = BackendFacts {
            iid,
            // HAProxy: a backend without any server (a stats `listen`) is UP.
            status: if active + backup > 0 || p.servers.is_empty() {
                BackendStatus::Up
            } else {
                BackendStatus::Down
            },
            mode: mode(p.mode),
            algo: b.balance_spec.name().to_string(),
            weight,
            uweight,
            active,
            backup,
            maxconn: p.fullconn.unwrap_or(0),
            last_change_sec: now.saturating_sub(1),
            downs,
            cookie: p.cookie.as_ref().map(|c| c.name.clone()),
            ..BackendFacts::default()
        };
        snap.push(stats::backend_row(&plan.counters.backends[be], &bf, now));
    }

    /// `show info` and the page header.
    pub fn process_info(&self, now: u32) -> ProcessInfo {
        let plan = &self.plan;
        let g = &plan.config.global;
        let (cum_conns, cum_req, conn_rate, sess_rate, max_sess) = plan
            .counters
            .frontends
            .iter()
            .fold((0, 0, 0, 0, 0), |a, r| {
                (
                    a.0 + r.total(Counter::ConnTotal),
                    a.1 + r.total(Counter::HttpRequests),
                    a.2 + r.rate(RateKind::Connections, now),
                    a.3 + r.rate(RateKind::Sessions, now),
                    a.4 + r.rate_max(RateKind::Sessions, now),
                )
            });
        let uptime = now.saturating_sub(1);
        let start_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32)
            .saturating_sub(uptime);
        ProcessInfo {
            name: "halb".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            // Tools parse this field (hatop requires a value): the date of this release.
            release_date: RELEASE_DATE.into(),
            nbthread: plan.threads as u32,
            pid: std::process::id(),
            uptime_sec: uptime,
            start_time_sec: start_time,
            ulimit_n: plan.fd_limit.min(u64::from(u32::MAX)) as u32,
            maxconn: plan.global_maxconn,
            hard_maxconn: plan.global_maxconn,
            maxsock: plan.global_maxconn.saturating_mul(2),
            curr_conns: plan.global_sessions.cur() as u32,
            cum_conns: cum_conns as u32,
            cum_req: cum_req as u32,
            conn_rate,
            sess_rate,
            max_sess_rate: max_sess,
            node: g.node.clone().unwrap_or_else(hostname),
            description: g.description.clone().unwrap_or_default(),
            jobs: plan.global_sessions.cur() as u32,
            listeners: plan
                .frontends
                .iter()
                .map(|f| f.listeners.len() as u32)
                .sum(),
            total_bytes_out: plan
                .counters
                .frontends
                .iter()
                .map(|r| r.total(Counter::BytesOut))
                .sum(),
            ..ProcessInfo::default()
        }
    }
}

/// The host name (HAProxy's default `node`).
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer we own.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
