//! What the runtime API asks of the running proxy: the [`RuntimeTarget`] trait and the
//! values that cross it.
//!
//! The CLI session parses and checks a command, then calls one method here; the proxy
//! implements the trait (rendering `show info`/`show stat` with the `stats` crate,
//! changing server state through its server table). Errors carry HAProxy's texts so the
//! client sees exactly what HAProxy would print.

use crate::weight::WeightSpec;

/// `backend/server` as written on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerRef {
    pub backend: String,
    pub server: String,
}

impl std::fmt::Display for ServerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.backend, self.server)
    }
}

/// A failure the target reports; `Display` is HAProxy's exact text with its newline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error("No such backend.\n")]
    NoSuchBackend,
    #[error("No such server.\n")]
    NoSuchServer,
    /// The backend is stopped or disabled.
    #[error("Proxy is disabled.\n")]
    ProxyDisabled,
    /// `show servers state BACKEND` with an unknown backend.
    #[error("Can't find backend.\n")]
    CantFindBackend,
    /// `show stat NAME ...` / `show errors NAME` with an unknown proxy.
    #[error("No such proxy.\n")]
    NoSuchProxy,
    #[error("Health check was not configured on this server, cannot enable.\n")]
    HealthNotConfigured,
    #[error("Agent was not configured on this server, cannot enable.\n")]
    AgentNotConfigured,
    /// `set server B/S agent up|down` on a server whose agent check is not enabled.
    #[error("agent checks are not enabled on this server.\n")]
    AgentNotEnabled,
    /// `set server B/S health ...` on a server that `track`s another one.
    #[error("cannot change health on a tracking server.\n")]
    TrackingServer,
    /// A weight other than 0 or the initial one on a backend whose algorithm is static
    /// (`static-rr`, map-based hashing).
    #[error("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n")]
    StaticAlgorithm,
    /// Any other message, printed as is (end it with `\n`).
    #[error("{0}")]
    Other(String),
}

/// The administrative state `set server B/S state ...` asks for. `disable server` is
/// `Maint`, `enable server` is `Ready`, as in HAProxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminState {
    /// Clears forced maintenance and forced drain.
    Ready,
    /// Forces drain (weight 0, persistent clients still served) and clears forced maintenance.
    Drain,
    /// Forces maintenance: no traffic, checks paused.
    Maint,
}

/// Which check `enable|disable health|agent` acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Health,
    Agent,
}

/// `set server B/S health up|stopping|down`: forces the operational state as a check would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForcedHealth {
    Up,
    Stopping,
    Down,
}

/// Output format of `show info` / `show stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `Name: value` lines for `show info`, CSV for `show stat`.
    #[default]
    Default,
    /// `typed`: one `F.iid.sid.pos.name.proc:tags:type:value` line per field.
    Typed,
    /// `json`.
    Json,
}

/// `show info [typed|json] [desc] [float]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InfoQuery {
    pub format: OutputFormat,
    /// `desc`: append each field's description.
    pub desc: bool,
    /// `float`: rates and times as floats where HAProxy allows it.
    pub float: bool,
}

/// `{iid|name} type sid` of `show stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatScope {
    /// Which proxies: see [`ProxyKey`]; id -1 means all.
    pub proxy: ProxyKey,
    /// Bit field of object types: 1 frontends, 2 backends, 4 servers, 8 listeners; -1 all.
    pub types: i32,
    /// Server id within the proxy, -1 for all.
    pub sid: i32,
}

impl StatScope {
    pub const TYPE_FRONTEND: i32 = 1;
    pub const TYPE_BACKEND: i32 = 2;
    pub const TYPE_SERVER: i32 = 4;
    pub const TYPE_LISTENER: i32 = 8;

    /// Whether objects of type `bit` (one of the `TYPE_*` constants) are wanted.
    pub fn wants(&self, bit: i32) -> bool {
        self.types & bit != 0
    }

    /// Whether a server with this id is wanted (only meaningful for servers).
    pub fn wants_sid(&self, sid: i32) -> bool {
        self.sid == -1 || self.sid == sid
    }
}

/// A proxy named on the command line. HAProxy looks the word up as a proxy name first;
/// when no proxy has that name it uses `id`, the word read as a C `atoi` (so `-1` = all,
/// and a word that is neither a name nor a number gives id 0 = "No such proxy.").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyKey {
    pub word: String,
    pub id: i32,
}

/// `show stat [{proxy|iid} type sid] [typed|json] [desc] [up] [no-maint]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatQuery {
    /// `None`: every proxy and object.
    pub scope: Option<StatScope>,
    pub format: OutputFormat,
    pub desc: bool,
    /// `up`: only servers that are UP (and frontends/backends).
    pub up_only: bool,
    /// `no-maint`: hide servers in maintenance.
    pub no_maint: bool,
}

/// One data line of `show servers state` (format version 1, management manual 9.3).
/// Numbers are HAProxy's encodings (see the manual); the renderer prints `-` for `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerStateRow {
    pub be_id: i32,
    pub be_name: String,
    pub srv_id: i32,
    pub srv_name: String,
    /// The server's IP address as text, `None` when it has none (printed `-`).
    pub srv_addr: Option<String>,
    /// 0 stopped, 1 starting, 2 running, 3 stopping.
    pub srv_op_state: u8,
    /// Mask: 0x01 forced maint, 0x02 inherited maint, 0x04 config maint (`disabled`),
    /// 0x08 forced drain, 0x10 inherited drain, 0x20 resolution maint, 0x40 FQDN set.
    pub srv_admin_state: u8,
    pub srv_uweight: u32,
    pub srv_iweight: u32,
    pub srv_time_since_last_change: u64,
    /// HAProxy's `HCHK_STATUS_*` number of the last check (1 = none/unknown).
    pub srv_check_status: u32,
    /// 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed.
    pub srv_check_result: u32,
    pub srv_check_health: u32,
    /// Mask: 0x01 in progress, 0x02 configured, 0x04 enabled, 0x08 paused.
    pub srv_check_state: u32,
    /// Same mask as `srv_check_state`, plus 0x10 (agent).
    pub srv_agent_state: u32,
    pub bk_f_forced_id: bool,
    pub srv_f_forced_id: bool,
    pub srv_fqdn: Option<String>,
    pub srv_port: u16,
    pub srvrecord: Option<String>,
    pub srv_use_ssl: bool,
    pub srv_check_port: u16,
    pub srv_check_addr: Option<String>,
    pub srv_agent_addr: Option<String>,
    pub srv_agent_port: u16,
}

/// One line of `show sess`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSummary {
    /// A unique session id, printed as `0x…` (HAProxy prints the stream's address).
    pub id: u64,
    /// Listener protocol: `tcpv4`, `tcpv6`, `unix_stream`.
    pub proto: String,
    /// Client address, `ADDR:PORT` (`[v6]` not bracketed, as HAProxy) or `unix:N`.
    pub src: String,
    pub frontend: String,
    /// `None` while no backend is chosen (printed `<NONE>`).
    pub backend: Option<String>,
    /// `None` while no server is chosen (printed `<none>`).
    pub server: Option<String>,
    /// Seconds since the session was accepted.
    pub age_secs: u64,
}

/// `get weight` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerWeight {
    /// The weight set by the user (`uweight`).
    pub current: u32,
    /// The weight of the `server` line (`iweight`).
    pub initial: u32,
}

/// The running proxy as the runtime API sees it. Implemented by the proxy (glue written
/// by the lead) and by [`MemoryTarget`](crate::MemoryTarget) for tests. Called from the
/// runtime API's own threads, never from the request path; implementations must not block
/// for long (they read snapshots and atomics).
pub trait RuntimeTarget: Send + Sync {
    /// `show info ...`: the whole text, each line ending in `\n`.
    fn show_info(&self, query: &InfoQuery) -> String;

    /// `show stat ...`: the whole text (CSV header `# pxname,...` and rows, each line
    /// ending in `\n`). `Err(NoSuchProxy)` when the scope names no proxy.
    fn show_stat(&self, query: &StatQuery) -> Result<String, RuntimeError>;

    /// Names of the backends (including `listen` sections), in configuration order,
    /// for `show backend`.
    fn backend_names(&self) -> Vec<String>;

    /// Rows of `show servers state [backend]` in configuration order;
    /// `Err(CantFindBackend)` for an unknown backend.
    fn servers_state(&self, backend: Option<&str>) -> Result<Vec<ServerStateRow>, RuntimeError>;

    /// The current client sessions, for `show sess`.
    fn sessions(&self) -> Vec<SessionSummary>;

    /// Whether `backend/server` exists and can be changed: `NoSuchBackend`,
    /// `NoSuchServer` or `ProxyDisabled` otherwise. Called before a command's arguments
    /// are checked, because HAProxy reports an unknown server first.
    fn find_server(&self, server: &ServerRef) -> Result<(), RuntimeError>;

    /// `set server B/S state ...`, `enable server`, `disable server`.
    fn set_admin_state(&self, server: &ServerRef, state: AdminState) -> Result<(), RuntimeError>;

    /// `get weight B/S`.
    fn get_weight(&self, server: &ServerRef) -> Result<ServerWeight, RuntimeError>;

    /// `set weight B/S W` and `set server B/S weight W`; `WeightSpec::resolve` gives the
    /// number. `Err(StaticAlgorithm)` where the backend's algorithm cannot change weights.
    fn set_weight(&self, server: &ServerRef, weight: WeightSpec) -> Result<(), RuntimeError>;

    /// `enable|disable health|agent B/S`. Disabling never fails on an existing server;
    /// enabling a check that is not configured gives `HealthNotConfigured` /
    /// `AgentNotConfigured`.
    fn set_check_enabled(
        &self,
        server: &ServerRef,
        kind: CheckKind,
        enabled: bool,
    ) -> Result<(), RuntimeError>;

    /// `shutdown sessions server B/S`: close every session using this server.
    fn shutdown_sessions(&self, server: &ServerRef) -> Result<(), RuntimeError>;

    /// `clear counters` (`all == false`: only the max values) / `clear counters all`.
    fn clear_counters(&self, all: bool);

    /// `set server B/S health up|stopping|down`. Targets without this ability keep the
    /// default, which refuses.
    fn force_health(&self, server: &ServerRef, health: ForcedHealth) -> Result<(), RuntimeError> {
        let _ = (server, health);
        Err(RuntimeError::Other(
            "'set server <srv> health' is not supported by halb yet.\n".into(),
        ))
    }

    /// `set server B/S agent up|down`. Default: refused, as `force_health`.
    fn force_agent(&self, server: &ServerRef, up: bool) -> Result<(), RuntimeError> {
        let _ = (server, up);
        Err(RuntimeError::Other(
            "'set server <srv> agent' is not supported by halb yet.\n".into(),
        ))
    }

    /// `show version`: the version string, without newline.
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    /// `show errors [proxy]`: the captured protocol errors. halb keeps none yet; the
    /// default prints HAProxy's empty capture header with the current time (UTC).
    fn show_errors(&self, proxy: Option<&ProxyKey>) -> Result<String, RuntimeError> {
        let _ = proxy;
        Ok(crate::render::empty_errors_capture(
            std::time::SystemTime::now(),
        ))
    }
}
