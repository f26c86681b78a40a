//! The typed, validated configuration model: the contract between configuration and runtime.
//!
//! Everything here is already resolved: defaults sections have been applied, names point to
//! sections that exist, addresses are parsed and times are `Duration`s. The runtime never sees
//! raw tokens except where a later feature (ACL expressions, rules) keeps them for its own
//! compiler, and then they carry their [`Location`] so that compiler can still point at
//! `file:line`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::diag::Location;

/// The whole configuration, after every file given with `-f` has been read.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub global: Global,
    /// Every `frontend`, `backend` and `listen` section, in file order. A `listen` section is one
    /// proxy with both capabilities, as in HAProxy.
    pub proxies: Vec<Proxy>,
    pub userlists: Vec<Userlist>,
}

impl Config {
    /// The proxy with this name that can act as a backend (a `backend` or a `listen`).
    pub fn backend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.cap.backend && p.name == name)
    }

    /// Index of the backend-capable proxy named `name` in [`Config::proxies`].
    pub fn backend_index(&self, name: &str) -> Option<usize> {
        self.proxies
            .iter()
            .position(|p| p.cap.backend && p.name == name)
    }

    pub fn frontends(&self) -> impl Iterator<Item = &Proxy> {
        self.proxies.iter().filter(|p| p.cap.frontend)
    }

    pub fn backends(&self) -> impl Iterator<Item = &Proxy> {
        self.proxies.iter().filter(|p| p.cap.backend)
    }
}

/// The `global` section (configuration manual, section 3).
#[derive(Debug, Clone)]
pub struct Global {
    pub daemon: bool,
    pub master_worker: bool,
    pub user: Option<String>,
    pub group: Option<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub chroot: Option<PathBuf>,
    pub pidfile: Option<PathBuf>,
    /// `maxconn`; `None` means "derive from the file descriptor limit", as HAProxy does.
    pub maxconn: Option<u32>,
    /// `nbthread`; `None` means one thread per CPU the process may run on.
    pub nbthread: Option<u32>,
    /// `no strict-limits`: a failure to raise `RLIMIT_NOFILE` is a warning, not fatal.
    pub strict_limits: bool,
    pub hard_stop_after: Option<Duration>,
    pub logs: Vec<LogTarget>,
    pub log_tag: Option<String>,
    pub log_send_hostname: Option<Option<String>>,
    pub stats_sockets: Vec<StatsSocket>,
    pub stats_timeout: Option<Duration>,
    /// `node`: the name the stats page and `show info` give this node (host name by default).
    pub node: Option<String>,
    /// `description`: shown by `stats show-desc` and `show info`.
    pub description: Option<String>,
    pub tune: Tune,
    pub quiet: bool,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            daemon: false,
            master_worker: false,
            user: None,
            group: None,
            uid: None,
            gid: None,
            chroot: None,
            pidfile: None,
            maxconn: None,
            nbthread: None,
            strict_limits: true,
            hard_stop_after: None,
            logs: Vec::new(),
            log_tag: None,
            log_send_hostname: None,
            stats_sockets: Vec::new(),
            stats_timeout: None,
            node: None,
            description: None,
            tune: Tune::default(),
            quiet: false,
        }
    }
}

/// `tune.*` settings that change buffer sizes and limits.
#[derive(Debug, Clone)]
pub struct Tune {
    /// `tune.bufsize`, default 16384: the largest request or response head accepted.
    pub bufsize: usize,
    /// `tune.maxrewrite`, default 1024: room kept free in the buffer for header edits.
    pub maxrewrite: usize,
    pub http_maxhdr: usize,
    pub maxaccept: Option<i32>,
}

impl Default for Tune {
    fn default() -> Self {
        Tune {
            bufsize: 16384,
            maxrewrite: 1024,
            http_maxhdr: 101,
            maxaccept: None,
        }
    }
}

/// `stats socket ADDR [mode M] [level L] ...` in `global`.
#[derive(Debug, Clone)]
pub struct StatsSocket {
    pub addr: ListenAddr,
    pub mode: Option<u32>,
    pub level: StatsLevel,
    pub expose_fd_listeners: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsLevel {
    User,
    #[default]
    Operator,
    Admin,
}

/// A `log` line: where log messages go and which of them.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    pub dest: LogDest,
    pub format: LogFormat,
    pub len: Option<usize>,
    pub facility: String,
    pub level: Option<String>,
    pub min_level: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LogDest {
    Udp(SocketAddr),
    Unix(PathBuf),
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Rfc3164,
    Rfc5424,
    Raw,
    Short,
    Timed,
    Iso,
    Local,
    Priority,
}

/// What a proxy section can do: a `frontend` accepts, a `backend` serves, a `listen` does both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub frontend: bool,
    pub backend: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Frontend,
    Backend,
    Listen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Tcp,
    Http,
}

/// How HTTP connections are handled across transactions (configuration manual 4, "HTTP
/// connection modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpConnMode {
    #[default]
    KeepAlive,
    ServerClose,
    Close,
}

/// `http-reuse never|safe|aggressive|always`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpReuse {
    Never,
    #[default]
    Safe,
    Aggressive,
    Always,
}

/// Every timeout a proxy can carry; `None` means not set (HAProxy then waits forever and warns).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeouts {
    pub client: Option<Duration>,
    pub client_fin: Option<Duration>,
    pub server: Option<Duration>,
    pub server_fin: Option<Duration>,
    pub connect: Option<Duration>,
    pub http_request: Option<Duration>,
    pub http_keep_alive: Option<Duration>,
    pub queue: Option<Duration>,
    pub tunnel: Option<Duration>,
    pub tarpit: Option<Duration>,
    pub check: Option<Duration>,
}

/// `option forwardfor [except NET] [header NAME] [if-none]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardFor {
    pub except: Option<IpNet>,
    pub header: String,
    pub if_none: bool,
}

/// `option originalto [except NET] [header NAME]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginalTo {
    pub except: Option<IpNet>,
    pub header: String,
}

/// An address with a prefix length, as in `except 127.0.0.0/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let bits = u32::from(self.prefix.min(32));
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let bits = u32::from(self.prefix.min(128));
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            (IpAddr::V4(_), IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
                Some(v4) => self.contains(std::net::IpAddr::V4(v4)),
                None => false,
            },
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// Boolean `option` switches (`option NAME` / `no option NAME`) a proxy carries, after defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyOptions {
    pub http_conn_mode: HttpConnMode,
    pub redispatch: bool,
    pub forwardfor: Option<ForwardFor>,
    pub originalto: Option<OriginalTo>,
    pub httplog: bool,
    pub httplog_clf: bool,
    pub tcplog: bool,
    pub dontlognull: bool,
    /// `option dontlog-normal`: only errors, timeouts and retries are logged.
    pub dontlog_normal: bool,
    /// `option log-health-checks`: every check result that changes something is logged.
    pub log_health_checks: bool,
    pub log_separate_errors: bool,
    pub abortonclose: bool,
    pub allbackups: bool,
    pub persist: bool,
    pub http_buffer_request: bool,
    /// `option tcp-smart-accept`: `None` is HAProxy's automatic choice (on for HTTP).
    pub tcp_smart_accept: Option<bool>,
    pub tcp_smart_connect: bool,
    /// `option nolinger`: connections of this side are closed with a reset.
    pub nolinger: bool,
    pub splice_auto: bool,
    pub tcpka: bool,
    pub clitcpka: bool,
    pub srvtcpka: bool,
    pub http_ignore_probes: bool,
    pub accept_invalid_http_request: bool,
    pub accept_invalid_http_response: bool,
    pub http_use_htx: bool,
}

/// `balance ALGO [ARGS]`; only the algorithm's name and raw arguments are kept here, the
/// `balance` crate compiles them.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    pub algorithm: String,
    pub args: Vec<String>,
    pub location: Option<Location>,
}

impl Default for Balance {
    fn default() -> Self {
        Balance {
            algorithm: "roundrobin".into(),
            args: Vec::new(),
            location: None,
        }
    }
}

/// `hash-type map-based|consistent [FUNC] [avalanche]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HashType {
    pub method: String,
    pub function: Option<String>,
    pub avalanche: bool,
}

/// A `frontend`, `backend` or `listen` section with every setting it inherited.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub name: String,
    pub kind: SectionKind,
    pub cap: Capabilities,
    /// The section header line.
    pub location: Location,
    pub mode: Mode,
    pub disabled: bool,
    pub id: Option<u32>,
    pub binds: Vec<Bind>,
    /// Frontend `maxconn`: concurrent client connections accepted.
    pub maxconn: Option<u32>,
    /// Backend `fullconn`.
    pub fullconn: Option<u32>,
    pub backlog: Option<u32>,
    pub timeouts: Timeouts,
    pub retries: u32,
    pub options: ProxyOptions,
    pub http_reuse: HttpReuse,
    pub balance: Balance,
    pub hash_type: Option<HashType>,
    pub hash_balance_factor: Option<u32>,
    pub default_server: ServerDefaults,
    pub servers: Vec<Server>,
    pub cookie: Option<CookiePersistence>,
    pub default_backend: Option<BackendRef>,
    /// `use_backend` rules in order; the condition is kept as raw tokens for the rules crate.
    pub use_backends: Vec<UseBackend>,
    /// Any rule or ACL line the rules crate compiles (`acl`, `http-request`, `http-response`,
    /// `http-after-response`, `tcp-request`, `tcp-response`, `redirect`, `use-server`,
    /// `block`, `stats admin`), in file order.
    pub rule_lines: Vec<RuleLine>,
    pub errorfiles: Vec<ErrorFile>,
    pub logs: Vec<LogTarget>,
    pub log_format: Option<String>,
    /// Where `log-format` (or `log-format-sd`) was set, for errors found when compiling it.
    pub log_format_location: Option<Location>,
    pub log_format_sd: Option<String>,
    /// `unique-id-format`: a log-format string giving each request an identifier (`%ID`).
    pub unique_id_format: Option<String>,
    /// Where `unique-id-format` was set.
    pub unique_id_format_location: Option<Location>,
    /// `unique-id-header NAME`: the request header that carries the identifier to servers.
    pub unique_id_header: Option<String>,
    pub log_tag: Option<String>,
    pub captures: Vec<Capture>,
    pub stats: Option<StatsConfig>,
    pub checks: CheckConfig,
    pub monitor_uri: Option<String>,
}

/// A `default_backend` or `use_backend` target: a fixed name, or a log-format expression
/// (`%[req.hdr(host),lower]`) resolved per request.
#[derive(Debug, Clone, PartialEq)]
pub enum BackendRef {
    /// Index into [`Config::proxies`] (validated to be backend-capable).
    Static {
        name: String,
        index: usize,
    },
    Dynamic {
        format: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseBackend {
    pub target: BackendRef,
    /// `if`/`unless` and the condition's words, empty when unconditional.
    pub condition: Vec<String>,
    pub location: Location,
}

/// One rule-bearing line, kept as words for the rules compiler.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleLine {
    pub keyword: String,
    pub args: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFile {
    pub status: u16,
    pub path: PathBuf,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub request: bool,
    pub header: String,
    pub len: usize,
}

/// `stats ...` keywords of a proxy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsConfig {
    pub enabled: bool,
    pub uri: Option<String>,
    pub realm: Option<String>,
    pub auth: Vec<(String, String)>,
    pub refresh: Option<Duration>,
    pub hide_version: bool,
    pub show_legends: bool,
    pub show_node: Option<Option<String>>,
    pub show_desc: Option<Option<String>>,
    pub admin: Vec<RuleLine>,
    pub scope: Vec<String>,
}

/// Health-check settings at proxy level (`option httpchk`, `http-check`, `tcp-check`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckConfig {
    pub kind: CheckKind,
    pub httpchk: Option<HttpChk>,
    /// `http-check ...` and `tcp-check ...` lines in order, as words for the checks crate.
    pub steps: Vec<RuleLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckKind {
    #[default]
    TcpConnect,
    Http,
    TcpCheck,
    Other,
}

/// `option httpchk [METHOD] [URI] [VERSION]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpChk {
    pub method: String,
    pub uri: String,
    pub version: String,
}

/// `cookie NAME insert|rewrite|prefix ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct CookiePersistence {
    pub name: String,
    pub mode: CookieMode,
    pub indirect: bool,
    pub nocache: bool,
    pub postonly: bool,
    pub preserve: bool,
    pub httponly: bool,
    pub secure: bool,
    pub domains: Vec<String>,
    pub maxidle: Option<Duration>,
    pub maxlife: Option<Duration>,
    pub dynamic: bool,
    pub attrs: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieMode {
    Insert,
    Rewrite,
    Prefix,
    /// No mode given: the cookie is only read, never set (HAProxy's passive mode).
    Passive,
}

/// A listening address, after `ipv4@`/`ipv6@`/`unix@`/`fd@` prefixes and port ranges are
/// expanded (`*:8000-8002` is three addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    Tcp(SocketAddr),
    Unix(PathBuf),
    Fd(i32),
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenAddr::Tcp(a) => write!(f, "{a}"),
            ListenAddr::Unix(p) => write!(f, "unix@{}", p.display()),
            ListenAddr::Fd(n) => write!(f, "fd@{n}"),
        }
    }
}

/// One `bind` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Bind {
    pub addrs: Vec<ListenAddr>,
    pub name: Option<String>,
    pub maxconn: Option<u32>,
    pub backlog: Option<u32>,
    /// `transparent`: IP_TRANSPARENT, bind an address this host does not hold.
    pub transparent: bool,
    /// `freebind`: IP_FREEBIND, bind an address that is not (yet) configured.
    pub freebind: bool,
    pub v4v6: bool,
    pub v6only: bool,
    pub interface: Option<String>,
    pub defer_accept: bool,
    pub tfo: bool,
    pub accept_proxy: bool,
    pub mode: Option<u32>,
    pub ssl: bool,
    /// Options accepted but not acted on yet (e.g. TLS ones), kept for warnings and docs.
    pub unsupported: Vec<String>,
    /// True when this bind came from the legacy `frontend NAME ADDR` header form.
    pub legacy: bool,
    pub location: Location,
}

/// Where a server is: a parsed address, a host name resolved by the runtime at start, or a
/// unix socket. A missing port means "the port the client connected to".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAddr {
    Ip(std::net::IpAddr),
    Host(String),
    Unix(PathBuf),
}

/// The port part of a server address: `:80`, none (client's destination port), `+N` / `-N`
/// (offset from the client's destination port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerPort {
    Fixed(u16),
    Same,
    Offset(i32),
}

/// Options shared by `server` and `default-server`; fields left `None` take the defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerDefaults {
    pub weight: Option<u32>,
    pub maxconn: Option<u32>,
    pub minconn: Option<u32>,
    pub maxqueue: Option<u32>,
    pub check: Option<bool>,
    pub inter: Option<Duration>,
    pub fastinter: Option<Duration>,
    pub downinter: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    pub port: Option<u16>,
    pub addr: Option<std::net::IpAddr>,
    pub backup: Option<bool>,
    pub disabled: Option<bool>,
    pub send_proxy: Option<bool>,
    pub check_send_proxy: Option<bool>,
    pub slowstart: Option<Duration>,
    pub agent_check: Option<bool>,
    pub agent_port: Option<u16>,
    pub agent_inter: Option<Duration>,
    pub observe: Option<String>,
    pub error_limit: Option<u32>,
    pub on_error: Option<String>,
    pub on_marked_down: Option<String>,
    pub on_marked_up: Option<String>,
    pub resolvers: Option<String>,
    pub init_addr: Option<String>,
}

/// A `server` line with `default-server` values applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub name: String,
    pub addr: ServerAddr,
    pub port: ServerPort,
    pub id: Option<u32>,
    /// 0..=256, default 1.
    pub weight: u32,
    /// 0 means unlimited.
    pub maxconn: u32,
    pub minconn: u32,
    /// 0 means unlimited.
    pub maxqueue: u32,
    pub backup: bool,
    pub disabled: bool,
    pub check: bool,
    pub inter: Duration,
    pub fastinter: Option<Duration>,
    pub downinter: Option<Duration>,
    pub rise: u32,
    pub fall: u32,
    pub check_port: Option<u16>,
    pub check_addr: Option<std::net::IpAddr>,
    pub cookie: Option<String>,
    pub send_proxy: bool,
    pub check_send_proxy: bool,
    pub slowstart: Option<Duration>,
    pub agent_check: bool,
    pub agent_port: Option<u16>,
    pub agent_inter: Option<Duration>,
    pub observe: Option<String>,
    pub error_limit: u32,
    pub on_error: Option<String>,
    pub on_marked_down: Option<String>,
    pub on_marked_up: Option<String>,
    pub unsupported: Vec<String>,
    pub location: Location,
}

/// `userlist NAME` with its users and groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Userlist {
    pub name: String,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub name: String,
    pub password: Password,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Password {
    Insecure(String),
    /// A crypt(3) hash (`$5$…`, `$6$…`, `$1$…`).
    Hash(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub users: Vec<String>,
}
