//! What the proxy knows besides counters, handed to the snapshot builder in plain structs:
//! configuration (limits, weights, addresses, ids) and state (UP/DOWN, check results).
//! Every field is public and has a default, so a caller fills only what it knows.

/// `mode` of a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyMode {
    Tcp,
    #[default]
    Http,
}

impl ProxyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyMode::Tcp => "tcp",
            ProxyMode::Http => "http",
        }
    }
}

/// A frontend's `status` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrontendStatus {
    #[default]
    Open,
    /// Disabled or stopping.
    Stop,
    /// `maxconn` reached.
    Full,
}

impl FrontendStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FrontendStatus::Open => "OPEN",
            FrontendStatus::Stop => "STOP",
            FrontendStatus::Full => "FULL",
        }
    }
}

/// Facts for a `FRONTEND` row.
#[derive(Debug, Clone, Default)]
pub struct FrontendFacts {
    /// Proxy id (`iid`): HAProxy numbers proxies from 1 in configuration order.
    pub iid: u32,
    pub status: FrontendStatus,
    pub mode: ProxyMode,
    /// `maxconn` of the frontend (`slim`).
    pub maxconn: u32,
    /// `rate-limit sessions` (`rate_lim`, 0 = none).
    pub rate_limit: u32,
}

/// A server's operational state, as the `status` column spells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ServerState {
    #[default]
    Up,
    Down,
    /// Checks disabled: the server is used but nobody checks it (`no check`).
    NoCheck,
    /// Administratively in maintenance (`MAINT`).
    Maint,
    /// In maintenance because the tracked server is (`MAINT (via b/s)`).
    MaintVia(String),
    /// Administratively draining: weight 0, existing sessions continue (`DRAIN`).
    Drain,
    /// UP but failing checks: `done` failures of `needed` before it goes DOWN (`UP 1/3`).
    GoingDown {
        done: u32,
        needed: u32,
    },
    /// DOWN but passing checks: `done` successes of `needed` before it comes UP (`DOWN 1/2`).
    GoingUp {
        done: u32,
        needed: u32,
    },
    /// Up but not load-balanced (agent said so): `NOLB`.
    NoLb,
}

impl ServerState {
    pub fn text(&self) -> String {
        match self {
            ServerState::Up => "UP".into(),
            ServerState::Down => "DOWN".into(),
            ServerState::NoCheck => "no check".into(),
            ServerState::Maint => "MAINT".into(),
            ServerState::MaintVia(via) => format!("MAINT (via {via})"),
            ServerState::Drain => "DRAIN".into(),
            ServerState::GoingDown { done, needed } => format!("UP {done}/{needed}"),
            ServerState::GoingUp { done, needed } => format!("DOWN {done}/{needed}"),
            ServerState::NoLb => "NOLB".into(),
        }
    }

    /// Whether the server takes new traffic (`;up` keeps only these rows).
    pub fn is_up(&self) -> bool {
        matches!(
            self,
            ServerState::Up | ServerState::NoCheck | ServerState::GoingDown { .. }
        )
    }
}

/// The last result of a health check or agent check.
#[derive(Debug, Clone, Default)]
pub struct CheckFacts {
    /// HAProxy's short status: `L4OK`, `L4CON`, `L7OK`, `L7STS`, `L6TOUT`, … (`check_status`).
    pub status: String,
    /// Layer 7 code (HTTP status, agent code) when there is one (`check_code`).
    pub code: Option<u32>,
    /// Duration of the last check in ms (`check_duration`).
    pub duration_ms: Option<u64>,
    /// Human text of the status: `Layer4 check passed` (`check_desc`).
    pub desc: String,
    /// The last check's own output, e.g. `Connection refused` (`last_chk`).
    pub last_output: String,
    pub rise: u32,
    pub fall: u32,
    /// HAProxy's health counter: 0..rise+fall-1, UP at rise and above (`check_health`).
    pub health: u32,
    /// Failed checks (`chkfail`).
    pub failures: u64,
    /// UP to DOWN transitions (`chkdown`).
    pub downs: u64,
}

/// Facts for a server row.
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    /// Server id (`sid`): HAProxy numbers servers from 1 in their backend.
    pub sid: u32,
    /// The backend's proxy id (`iid`).
    pub iid: u32,
    pub state: ServerState,
    pub mode: ProxyMode,
    /// Effective weight (`weight`), and as configured (`uweight`).
    pub weight: u32,
    pub uweight: u32,
    pub backup: bool,
    /// `maxconn` (`slim`; 0 = none) and `maxqueue` (`qlimit`; 0 = none).
    pub maxconn: u32,
    pub maxqueue: u32,
    pub addr: String,
    pub cookie: Option<String>,
    /// `track` target as `backend/server`.
    pub tracked: Option<String>,
    /// `slowstart` throttle in percent, while ramping up.
    pub throttle: Option<u32>,
    /// Seconds since the last state change (`lastchg`).
    pub last_change_sec: u32,
    /// Total seconds spent DOWN (`downtime`).
    pub downtime_sec: u32,
    pub check: Option<CheckFacts>,
    pub agent: Option<CheckFacts>,
    /// Idle connections kept to this server (`srv_icur`).
    pub idle_conns: u32,
}

/// A backend's `status` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendStatus {
    #[default]
    Up,
    Down,
}

/// Facts for a `BACKEND` row.
#[derive(Debug, Clone, Default)]
pub struct BackendFacts {
    pub iid: u32,
    pub status: BackendStatus,
    pub mode: ProxyMode,
    /// `balance` algorithm name (`algo`).
    pub algo: String,
    /// Sum of the weights of the servers in use (`weight`) and as configured (`uweight`).
    pub weight: u32,
    pub uweight: u32,
    /// Servers UP: active (`act`) and backup (`bck`).
    pub active: u32,
    pub backup: u32,
    /// `fullconn`/`maxconn` of the backend (`slim`).
    pub maxconn: u32,
    pub last_change_sec: u32,
    pub downtime_sec: u32,
    /// Times the backend went DOWN (`chkdown`).
    pub downs: u64,
    pub cookie: Option<String>,
}

/// The process-wide facts of `show info` and the page header.
#[derive(Debug, Clone, Default)]
pub struct ProcessInfo {
    /// `Name` (tools such as hatop expect `HAProxy`, so the caller picks).
    pub name: String,
    pub version: String,
    pub release_date: String,
    pub nbthread: u32,
    pub pid: u32,
    pub uptime_sec: u32,
    /// Process start, seconds since the epoch (`Start_time_sec`).
    pub start_time_sec: u32,
    pub ulimit_n: u32,
    pub maxsock: u32,
    pub maxconn: u32,
    pub hard_maxconn: u32,
    pub curr_conns: u32,
    pub cum_conns: u32,
    pub cum_req: u32,
    pub maxpipes: u32,
    pub conn_rate: u32,
    pub conn_rate_limit: u32,
    pub max_conn_rate: u32,
    pub sess_rate: u32,
    pub sess_rate_limit: u32,
    pub max_sess_rate: u32,
    pub tasks: u32,
    pub run_queue: u32,
    pub idle_pct: u32,
    /// `node` (defaults to the host name in HAProxy) and `description`.
    pub node: String,
    pub description: String,
    pub stopping: bool,
    pub jobs: u32,
    pub listeners: u32,
    pub dropped_logs: u32,
    pub total_bytes_out: u64,
    pub bytes_out_rate: u64,
}
