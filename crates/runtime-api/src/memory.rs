//! [`MemoryTarget`]: a small in-memory [`RuntimeTarget`] — backends, servers and sessions
//! held in a mutex — for this crate's tests and for trying the CLI without a proxy.
//!
//! It does what the real proxy glue must do (look servers up, change admin state and
//! weights, refuse with HAProxy's errors) and renders a minimal `show info` and a
//! `show stat` CSV with HAProxy 2.6's header where only the identity, status and weight
//! columns are filled. It is not the production renderer (that is the `stats` crate).

use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard};

use crate::target::{
    AdminState, CheckKind, ForcedHealth, InfoQuery, ProxyKey, RuntimeError, RuntimeTarget,
    ServerRef, ServerStateRow, ServerWeight, SessionSummary, StatQuery, StatScope,
};
use crate::weight::WeightSpec;

/// HAProxy 2.6's `show stat` CSV header.
pub const CSV_HEADER: &str = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,\n";

/// Admin state bits of `show servers state` (management manual 9.3).
pub const ADMF_FMAINT: u8 = 0x01;
pub const ADMF_CMAINT: u8 = 0x04;
pub const ADMF_FDRAIN: u8 = 0x08;

/// A server of a [`MemoryBackend`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryServer {
    pub id: i32,
    pub name: String,
    pub addr: String,
    pub port: u16,
    pub initial_weight: u32,
    pub weight: u32,
    /// `ADMF_*` bits.
    pub admin: u8,
    /// Whether the last health state is up (forced by `set server ... health`).
    pub up: bool,
    /// `None`: no `check` configured; `Some(enabled)` otherwise.
    pub check: Option<bool>,
    /// `None`: no agent configured; `Some(enabled)` otherwise.
    pub agent: Option<bool>,
    /// How many times `shutdown sessions server` hit this server.
    pub shutdowns: u32,
}

impl MemoryServer {
    /// A server in service with weight 1, no check, no agent.
    pub fn new(id: i32, name: &str, addr: &str, port: u16) -> Self {
        MemoryServer {
            id,
            name: name.to_string(),
            addr: addr.to_string(),
            port,
            initial_weight: 1,
            weight: 1,
            admin: 0,
            up: true,
            check: None,
            agent: None,
            shutdowns: 0,
        }
    }

    pub fn weight(mut self, w: u32) -> Self {
        self.initial_weight = w;
        self.weight = w;
        self
    }

    pub fn with_check(mut self) -> Self {
        self.check = Some(true);
        self
    }

    pub fn with_agent(mut self) -> Self {
        self.agent = Some(true);
        self
    }

    /// The `disabled` keyword: in maintenance from the configuration.
    pub fn disabled(mut self) -> Self {
        self.admin = ADMF_FMAINT | ADMF_CMAINT;
        self
    }

    fn in_maint(&self) -> bool {
        self.admin & (ADMF_FMAINT | ADMF_CMAINT) != 0
    }

    fn status(&self) -> &'static str {
        if self.in_maint() {
            "MAINT"
        } else if self.admin & ADMF_FDRAIN != 0 {
            "DRAIN"
        } else if !self.up {
            "DOWN"
        } else if self.check.is_none() {
            "no check"
        } else {
            "UP"
        }
    }
}

/// A backend of a [`MemoryTarget`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryBackend {
    pub id: i32,
    pub name: String,
    pub servers: Vec<MemoryServer>,
    /// A static algorithm (`static-rr`): only weights 0 and the initial one are accepted.
    pub static_algorithm: bool,
}

#[derive(Debug, Default)]
struct Model {
    frontends: Vec<(i32, String)>,
    backends: Vec<MemoryBackend>,
    sessions: Vec<SessionSummary>,
    clears: Vec<bool>,
}

/// An in-memory runtime target.
#[derive(Debug, Default)]
pub struct MemoryTarget {
    model: Mutex<Model>,
}

impl MemoryTarget {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn frontend(self, id: i32, name: &str) -> Self {
        self.lock().frontends.push((id, name.to_string()));
        self
    }

    pub fn backend(self, id: i32, name: &str, servers: Vec<MemoryServer>) -> Self {
        self.lock().backends.push(MemoryBackend {
            id,
            name: name.to_string(),
            servers,
            static_algorithm: false,
        });
        self
    }

    /// A backend whose algorithm is static (weights other than 0 and 100% refused).
    pub fn static_backend(self, id: i32, name: &str, servers: Vec<MemoryServer>) -> Self {
        self.lock().backends.push(MemoryBackend {
            id,
            name: name.to_string(),
            servers,
            static_algorithm: true,
        });
        self
    }

    pub fn session(self, s: SessionSummary) -> Self {
        self.lock().sessions.push(s);
        self
    }

    /// A copy of a server's current state.
    pub fn server(&self, backend: &str, server: &str) -> Option<MemoryServer> {
        let m = self.lock();
        m.backends
            .iter()
            .find(|b| b.name == backend)?
            .servers
            .iter()
            .find(|s| s.name == server)
            .cloned()
    }

    /// The `all` flag of every `clear counters` received, in order.
    pub fn clears(&self) -> Vec<bool> {
        self.lock().clears.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        // A panic while holding the lock leaves plain data; keep serving it.
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_server<T>(
        &self,
        r: &ServerRef,
        f: impl FnOnce(&mut MemoryServer, bool) -> Result<T, RuntimeError>,
    ) -> Result<T, RuntimeError> {
        let mut m = self.lock();
        let b = m
            .backends
            .iter_mut()
            .find(|b| b.name == r.backend)
            .ok_or(RuntimeError::NoSuchBackend)?;
        let is_static = b.static_algorithm;
        let s = b
            .servers
            .iter_mut()
            .find(|s| s.name == r.server)
            .ok_or(RuntimeError::NoSuchServer)?;
        f(s, is_static)
    }

    fn proxy_id(m: &Model, key: &ProxyKey) -> Result<i32, RuntimeError> {
        let by_name = m
            .frontends
            .iter()
            .map(|(id, n)| (*id, n))
            .chain(m.backends.iter().map(|b| (b.id, &b.name)))
            .find(|(_, n)| **n == key.word)
            .map(|(id, _)| id);
        match by_name.unwrap_or(key.id) {
            0 => Err(RuntimeError::NoSuchProxy),
            id => Ok(id),
        }
    }
}

fn csv_row(out: &mut String, fields: &[(usize, String)]) {
    let columns = CSV_HEADER.matches(',').count();
    let mut row = vec![String::new(); columns];
    for (i, v) in fields {
        if let Some(slot) = row.get_mut(*i) {
            slot.clone_from(v);
        }
    }
    for v in row {
        out.push_str(&v);
        out.push(',');
    }
    out.push('\n');
}

impl RuntimeTarget for MemoryTarget {
    fn show_info(&self, _query: &InfoQuery) -> String {
        let m = self.lock();
        format!(
            "Name: halb\nVersion: {v}\nRelease_date: 2026/11/23\nNbthread: 1\nNbproc: 1\nProcess_num: 1\nPid: {pid}\nUptime: 0d 0h00m00s\nUptime_sec: 0\nMaxconn: 1000\nCurrConns: {cur}\nMaxpipes: 0\nPipesUsed: 0\nTasks: 0\nRun_queue: 0\nnode: halb\n",
            v = env!("CARGO_PKG_VERSION"),
            pid = std::process::id(),
            cur = m.sessions.len(),
        )
    }

    fn show_stat(&self, q: &StatQuery) -> Result<String, RuntimeError> {
        let m = self.lock();
        let all = StatScope {
            proxy: ProxyKey {
                word: "-1".into(),
                id: -1,
            },
            types: -1,
            sid: -1,
        };
        let scope = q.scope.clone().unwrap_or(all);
        let iid = Self::proxy_id(&m, &scope.proxy)?;
        let wanted = |id: i32| iid == -1 || iid == id;
        let mut out = String::from(CSV_HEADER);
        // Columns: 0 pxname, 1 svname, 17 status, 18 weight, 19 act, 20 bck, 26 pid, 27 iid, 28 sid, 32 type.
        for (id, name) in m.frontends.iter().filter(|(id, _)| wanted(*id)) {
            if scope.wants(StatScope::TYPE_FRONTEND) {
                let f = [
                    (0, name.clone()),
                    (1, "FRONTEND".into()),
                    (17, "OPEN".into()),
                    (26, "1".into()),
                    (27, id.to_string()),
                    (28, "0".into()),
                    (32, "0".into()),
                ];
                csv_row(&mut out, &f);
            }
        }
        for b in m.backends.iter().filter(|b| wanted(b.id)) {
            if scope.wants(StatScope::TYPE_SERVER) {
                for s in b.servers.iter().filter(|s| scope.wants_sid(s.id)) {
                    if ((q.no_maint || q.up_only) && s.in_maint()) || (q.up_only && !s.up) {
                        continue;
                    }
                    let f = [
                        (0, b.name.clone()),
                        (1, s.name.clone()),
                        (17, s.status().into()),
                        (18, s.weight.to_string()),
                        (19, "1".into()),
                        (20, "0".into()),
                        (26, "1".into()),
                        (27, b.id.to_string()),
                        (28, s.id.to_string()),
                        (32, "2".into()),
                    ];
                    csv_row(&mut out, &f);
                }
            }
            if scope.wants(StatScope::TYPE_BACKEND) {
                let usable: Vec<&MemoryServer> =
                    b.servers.iter().filter(|s| !s.in_maint() && s.up).collect();
                let weight: u32 = usable.iter().map(|s| s.weight).sum();
                let status = if usable.is_empty() { "DOWN" } else { "UP" };
                let f = [
                    (0, b.name.clone()),
                    (1, "BACKEND".into()),
                    (17, status.into()),
                    (18, weight.to_string()),
                    (19, usable.len().to_string()),
                    (20, "0".into()),
                    (26, "1".into()),
                    (27, b.id.to_string()),
                    (28, "0".into()),
                    (32, "1".into()),
                ];
                csv_row(&mut out, &f);
            }
        }
        Ok(out)
    }

    fn backend_names(&self) -> Vec<String> {
        self.lock()
            .backends
            .iter()
            .map(|b| b.name.clone())
            .collect()
    }

    fn servers_state(&self, backend: Option<&str>) -> Result<Vec<ServerStateRow>, RuntimeError> {
        let m = self.lock();
        if let Some(name) = backend {
            if !m.backends.iter().any(|b| b.name == name) {
                return Err(RuntimeError::CantFindBackend);
            }
        }
        let mut rows = Vec::new();
        for b in m
            .backends
            .iter()
            .filter(|b| backend.is_none_or(|n| n == b.name))
        {
            for s in &b.servers {
                let check_state = |c: Option<bool>| match c {
                    None => 0,
                    Some(false) => 0x02,
                    Some(true) => 0x06,
                };
                rows.push(ServerStateRow {
                    be_id: b.id,
                    be_name: b.name.clone(),
                    srv_id: s.id,
                    srv_name: s.name.clone(),
                    srv_addr: Some(s.addr.clone()),
                    srv_op_state: if s.in_maint() || !s.up { 0 } else { 2 },
                    srv_admin_state: s.admin,
                    srv_uweight: s.weight,
                    srv_iweight: s.initial_weight,
                    srv_check_status: 1,
                    srv_check_health: if s.up { 2 } else { 0 },
                    srv_check_state: check_state(s.check),
                    srv_agent_state: check_state(s.agent)
                        | if s.agent.is_some() { 0x10 } else { 0 },
                    srv_port: s.port,
                    ..ServerStateRow::default()
                });
            }
        }
        Ok(rows)
    }

    fn sessions(&self) -> Vec<SessionSummary> {
        self.lock().sessions.clone()
    }

    fn find_server(&self, server: &ServerRef) -> Result<(), RuntimeError> {
        self.with_server(server, |_, _| Ok(()))
    }

    fn set_admin_state(&self, server: &ServerRef, state: AdminState) -> Result<(), RuntimeError> {
        self.with_server(server, |s, _| {
            s.admin = match state {
                AdminState::Ready => s.admin & !(ADMF_FMAINT | ADMF_CMAINT | ADMF_FDRAIN),
                AdminState::Drain => (s.admin | ADMF_FDRAIN) & !ADMF_FMAINT,
                AdminState::Maint => s.admin | ADMF_FMAINT,
            };
            Ok(())
        })
    }

    fn get_weight(&self, server: &ServerRef) -> Result<ServerWeight, RuntimeError> {
        self.with_server(server, |s, _| {
            Ok(ServerWeight {
                current: s.weight,
                initial: s.initial_weight,
            })
        })
    }

    fn set_weight(&self, server: &ServerRef, weight: WeightSpec) -> Result<(), RuntimeError> {
        self.with_server(server, |s, is_static| {
            let w = weight.resolve(s.initial_weight);
            if is_static && w != 0 && w != s.initial_weight {
                return Err(RuntimeError::StaticAlgorithm);
            }
            s.weight = w;
            Ok(())
        })
    }

    fn set_check_enabled(
        &self,
        server: &ServerRef,
        kind: CheckKind,
        enabled: bool,
    ) -> Result<(), RuntimeError> {
        self.with_server(server, |s, _| {
            let (slot, missing) = match kind {
                CheckKind::Health => (&mut s.check, RuntimeError::HealthNotConfigured),
                CheckKind::Agent => (&mut s.agent, RuntimeError::AgentNotConfigured),
            };
            match slot {
                Some(on) => *on = enabled,
                None if enabled => return Err(missing),
                None => {}
            }
            Ok(())
        })
    }

    fn shutdown_sessions(&self, server: &ServerRef) -> Result<(), RuntimeError> {
        self.with_server(server, |s, _| {
            s.shutdowns += 1;
            Ok(())
        })?;
        let mut m = self.lock();
        m.sessions.retain(|x| {
            !(x.backend.as_deref() == Some(&server.backend)
                && x.server.as_deref() == Some(&server.server))
        });
        Ok(())
    }

    fn clear_counters(&self, all: bool) {
        self.lock().clears.push(all);
    }

    fn force_health(&self, server: &ServerRef, health: ForcedHealth) -> Result<(), RuntimeError> {
        self.with_server(server, |s, _| {
            s.up = health != ForcedHealth::Down;
            Ok(())
        })
    }

    fn force_agent(&self, server: &ServerRef, up: bool) -> Result<(), RuntimeError> {
        self.with_server(server, |s, _| match s.agent {
            Some(true) => {
                s.up = up;
                Ok(())
            }
            _ => Err(RuntimeError::AgentNotEnabled),
        })
    }

    fn version(&self) -> String {
        format!("{}-halb", env!("CARGO_PKG_VERSION"))
    }

    fn show_errors(&self, proxy: Option<&ProxyKey>) -> Result<String, RuntimeError> {
        if let Some(key) = proxy {
            Self::proxy_id(&self.lock(), key)?;
        }
        let mut out = String::new();
        let _ = write!(
            out,
            "{}",
            crate::render::empty_errors_capture(std::time::UNIX_EPOCH)
        );
        Ok(out)
    }
}
