//! The runtime API's view of the running proxy (`stats socket`): `show info`/`show stat`
//! rendered from a stats snapshot, server state and weight changes through the health
//! checker's admin handle, counters cleared in the shared table.

use std::sync::Arc;
use std::time::Duration;

use checks::driver::{ServerAdmin, ServerRef as CheckRef};
use runtime_api::{
    AdminState, CheckKind, InfoQuery, OutputFormat, RuntimeError, RuntimeTarget, ServerRef,
    ServerStateRow, ServerWeight, SessionSummary, StatQuery, StatScope, WeightSpec,
};
use stats::{Snapshot, StatField, StatRow};

use crate::clock;
use crate::plan::Plan;
use crate::StatsSource;

/// What `halb proxy` gives the runtime API server.
pub struct RuntimeGlue {
    source: StatsSource,
    admin: ServerAdmin,
}

impl std::fmt::Debug for RuntimeGlue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeGlue").finish_non_exhaustive()
    }
}

impl RuntimeGlue {
    pub(crate) fn new(plan: Arc<Plan>) -> RuntimeGlue {
        let admin = plan.health.admin();
        RuntimeGlue {
            source: StatsSource { plan },
            admin,
        }
    }

    fn find(&self, s: &ServerRef) -> Result<CheckRef, RuntimeError> {
        self.admin.find(&s.backend, &s.server).map_err(admin_error)
    }
}

fn admin_error(e: checks::AdminError) -> RuntimeError {
    match e {
        checks::AdminError::NoSuchBackend => RuntimeError::NoSuchBackend,
        checks::AdminError::NoSuchServer => RuntimeError::NoSuchServer,
        checks::AdminError::HealthNotConfigured => RuntimeError::HealthNotConfigured,
        checks::AdminError::AgentNotConfigured => RuntimeError::AgentNotConfigured,
        other => RuntimeError::Other(other.cli_output()),
    }
}

/// The numeric `type` column: 0 frontend, 1 backend, 2 server, 3 listener.
fn row_type(r: &StatRow) -> i32 {
    match r.get(StatField::Type) {
        stats::Value::U32(v) => *v as i32,
        stats::Value::U64(v) => *v as i32,
        _ => -1,
    }
}

/// Keeps the rows `show stat [proxy type sid]` and its `up`/`no-maint` options ask for.
fn filter(snap: &mut Snapshot, q: &StatQuery) -> Result<(), RuntimeError> {
    if let Some(scope) = &q.scope {
        let by_name = snap.rows.iter().any(|r| r.proxy() == scope.proxy.word);
        if !by_name && scope.proxy.id == 0 {
            return Err(RuntimeError::NoSuchProxy);
        }
        snap.rows.retain(|r| {
            let proxy_ok = if by_name {
                r.proxy() == scope.proxy.word
            } else {
                scope.proxy.id == -1 || r.iid() as i32 == scope.proxy.id
            };
            let bit = match row_type(r) {
                0 => StatScope::TYPE_FRONTEND,
                1 => StatScope::TYPE_BACKEND,
                2 => StatScope::TYPE_SERVER,
                _ => StatScope::TYPE_LISTENER,
            };
            let sid_ok = row_type(r) != 2 || scope.wants_sid(r.sid() as i32);
            proxy_ok && scope.wants(bit) && sid_ok
        });
    }
    if q.up_only || q.no_maint {
        snap.rows.retain(|r| {
            if row_type(r) != 2 {
                return true;
            }
            let status = match r.get(StatField::Status) {
                stats::Value::Str(s) => s.as_str(),
                _ => "",
            };
            if q.up_only {
                status.starts_with("UP") || status == "no check"
            } else {
                !status.starts_with("MAINT")
            }
        });
    }
    Ok(())
}

impl RuntimeTarget for RuntimeGlue {
    fn show_info(&self, q: &InfoQuery) -> String {
        let info = self.source.process_info(clock::now_sec());
        match q.format {
            OutputFormat::Default => stats::info::render(&info),
            OutputFormat::Typed => stats::info::render_typed(&info),
            OutputFormat::Json => stats::info::render_json(&info),
        }
    }

    fn show_stat(&self, q: &StatQuery) -> Result<String, RuntimeError> {
        let mut snap = self.source.snapshot();
        filter(&mut snap, q)?;
        Ok(match q.format {
            OutputFormat::Default => stats::csv::render(&snap),
            OutputFormat::Typed => stats::typed::render(&snap, q.desc),
            OutputFormat::Json => stats::json::render(&snap),
        })
    }

    fn backend_names(&self) -> Vec<String> {
        self.source
            .config()
            .proxies
            .iter()
            .filter(|p| p.cap.backend)
            .map(|p| p.name.clone())
            .collect()
    }

    fn servers_state(&self, backend: Option<&str>) -> Result<Vec<ServerStateRow>, RuntimeError> {
        let config = self.source.config();
        let health = self.source.health();
        if let Some(b) = backend {
            if !config.proxies.iter().any(|p| p.cap.backend && p.name == b) {
                return Err(RuntimeError::CantFindBackend);
            }
        }
        let start = clock::start();
        let mut rows = Vec::new();
        for (pi, p) in config.proxies.iter().enumerate() {
            if !p.cap.backend || backend.is_some_and(|b| b != p.name) {
                continue;
            }
            for (si, s) in p.servers.iter().enumerate() {
                let Some(f) = health.facts(pi, si) else {
                    continue;
                };
                let (status, result, chealth, cstate) = f.check_columns();
                let since = f
                    .last_change
                    .map_or(start.elapsed(), |t| t.elapsed())
                    .as_secs();
                let (addr, port) = match (&s.addr, s.port) {
                    (
                        haproxy_cfg::model::ServerAddr::Ip(ip),
                        haproxy_cfg::model::ServerPort::Fixed(p),
                    ) => (Some(ip.to_string()), p),
                    (haproxy_cfg::model::ServerAddr::Ip(ip), _) => (Some(ip.to_string()), 0),
                    (
                        haproxy_cfg::model::ServerAddr::Host(h),
                        haproxy_cfg::model::ServerPort::Fixed(p),
                    ) => (Some(h.clone()), p),
                    _ => (None, 0),
                };
                rows.push(ServerStateRow {
                    be_id: p.id.map_or(pi as i32 + 2, |i| i as i32),
                    be_name: p.name.clone(),
                    srv_id: s.id.map_or(si as i32 + 1, |i| i as i32),
                    srv_name: s.name.clone(),
                    srv_addr: addr,
                    srv_op_state: f.op_state as u8,
                    srv_admin_state: f.admin_flags,
                    srv_uweight: f.user_weight,
                    srv_iweight: f.initial_weight,
                    srv_time_since_last_change: since,
                    srv_check_status: u32::from(status),
                    srv_check_result: u32::from(result),
                    srv_check_health: chealth,
                    srv_check_state: u32::from(cstate),
                    srv_agent_state: u32::from(f.agent_state_flags()),
                    bk_f_forced_id: p.id.is_some(),
                    srv_f_forced_id: s.id.is_some(),
                    srv_port: port,
                    srv_check_port: s.check_port.unwrap_or(0),
                    srv_check_addr: s.check_addr.map(|a| a.to_string()),
                    srv_agent_port: s.agent_port.unwrap_or(0),
                    ..ServerStateRow::default()
                });
            }
        }
        Ok(rows)
    }

    fn sessions(&self) -> Vec<SessionSummary> {
        let plan = &self.source.plan;
        let Some(reg) = plan.sessions.as_ref() else {
            return Vec::new();
        };
        reg.list()
            .into_iter()
            .map(|(id, e)| {
                let be = e.backend.and_then(|b| plan.backends.get(b));
                SessionSummary {
                    id,
                    proto: match e.client {
                        Some(std::net::SocketAddr::V6(_)) => "tcpv6".into(),
                        Some(_) => "tcpv4".into(),
                        None => "unix_stream".into(),
                    },
                    src: e.client.map_or_else(|| "unix".into(), |c| c.to_string()),
                    frontend: plan
                        .frontends
                        .get(e.frontend)
                        .map_or_else(String::new, |f| f.name.clone()),
                    backend: be.map(|b| b.name.clone()),
                    server: be
                        .zip(e.server)
                        .and_then(|(b, s)| b.servers.get(s))
                        .map(|s| s.name.clone()),
                    age_secs: crate::clock::Mono::now().since(e.since).as_secs(),
                }
            })
            .collect()
    }

    fn find_server(&self, s: &ServerRef) -> Result<(), RuntimeError> {
        self.find(s).map(|_| ())
    }

    fn set_admin_state(&self, s: &ServerRef, state: AdminState) -> Result<(), RuntimeError> {
        let r = self.find(s)?;
        let st = match state {
            AdminState::Ready => checks::AdminState::Ready,
            AdminState::Drain => checks::AdminState::Drain,
            AdminState::Maint => checks::AdminState::Maint,
        };
        self.admin.set_state(r, st).map_err(admin_error)
    }

    fn get_weight(&self, s: &ServerRef) -> Result<ServerWeight, RuntimeError> {
        let r = self.find(s)?;
        let w = self.admin.weight(r).map_err(admin_error)?;
        Ok(ServerWeight {
            current: w.current,
            initial: w.initial,
        })
    }

    fn set_weight(&self, s: &ServerRef, weight: WeightSpec) -> Result<(), RuntimeError> {
        let r = self.find(s)?;
        let text = match weight {
            WeightSpec::Absolute(n) => n.to_string(),
            WeightSpec::Relative(p) => format!("{p}%"),
        };
        self.admin.set_weight(r, &text).map_err(|e| match e {
            checks::AdminError::Weight(w) if w.to_string().contains("static LB algorithm") => {
                RuntimeError::StaticAlgorithm
            }
            other => admin_error(other),
        })
    }

    fn set_check_enabled(
        &self,
        s: &ServerRef,
        kind: CheckKind,
        enabled: bool,
    ) -> Result<(), RuntimeError> {
        let r = self.find(s)?;
        match kind {
            CheckKind::Health => self.admin.set_health_check(r, enabled),
            CheckKind::Agent => self.admin.set_agent_check(r, enabled),
        }
        .map_err(admin_error)
    }

    fn shutdown_sessions(&self, s: &ServerRef) -> Result<(), RuntimeError> {
        let r = self.find(s)?;
        self.admin.shutdown_sessions(r).map_err(admin_error)
    }

    fn clear_counters(&self, all: bool) {
        self.source.plan.counters.clear(all);
    }

    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }
}

/// Starts the `stats socket` listeners of `global`, if any.
pub(crate) fn start(plan: &Arc<Plan>) -> Result<Option<runtime_api::RuntimeServer>, String> {
    let g = &plan.config.global;
    if g.stats_sockets.is_empty() {
        return Ok(None);
    }
    let specs = g
        .stats_sockets
        .iter()
        .map(runtime_api::ListenerSpec::from_model)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let timeout = g.stats_timeout.unwrap_or(Duration::from_secs(10));
    let glue = Arc::new(RuntimeGlue::new(Arc::clone(plan))) as Arc<dyn RuntimeTarget>;
    runtime_api::RuntimeServer::start(specs, glue, timeout)
        .map(Some)
        .map_err(|e| e.to_string())
}
