//! The Prometheus exporter (`http-request use-service prometheus-exporter`): text exposition
//! format 0.0.4 with HAProxy 2.6's metric names, types and HELP texts, in its order: process
//! metrics, then each frontend metric for every frontend, then backends, then servers.
//!
//! halb's addition, under its own `halb_` prefix so it never collides with a future HAProxy
//! name: latency summaries of backends and servers,
//! `halb_backend_response_time_seconds{proxy="b",quantile="0.5"|"0.9"|"0.99"}` (plus `_sum`
//! and `_count`), the same for `halb_backend_total_time_seconds`, and
//! `halb_server_{response,total}_time_seconds{proxy,server,quantile}`. Quantiles are over
//! every request since start or the last `clear counters all`.

use std::fmt::Write;

use crate::escape::prom_label;
use crate::facts::{BackendStatus, FrontendStatus, ServerState};
use crate::fields::StatField as F;
use crate::snapshot::{RowState, Snapshot, StatRow};
use crate::timing::Timer;
use crate::value::{ObjType, Value};

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Process,
    Frontend,
    Backend,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
}

/// Where a metric's value comes from.
#[derive(Debug, Clone, Copy)]
enum Src {
    /// A `show info` field, by name (absent ones print `NaN`, like HAProxy's empty fields).
    Info(&'static str),
    BuildInfo,
    /// A stat field as is.
    Field(F),
    /// A stat field in milliseconds, exported in seconds.
    Millis(F),
    /// One sample per state, 1 for the current one.
    Status,
    /// One sample per status class, `code` label.
    HttpResponses,
    /// One sample per check result, for servers with checks.
    CheckStatus,
    /// Number of servers of a backend in each state.
    AggServerStatus,
    /// Number of servers of a backend in each check result.
    AggCheckStatus,
}

struct Family {
    scope: Scope,
    suffix: &'static str,
    kind: Kind,
    help: &'static str,
    src: Src,
}

/// HAProxy 2.6.12's exporter families, in its order (taken from a real exporter's output).
const FAMILIES: &[Family] = &[
    Family { scope: Scope::Process, suffix: "nbthread", kind: Kind::Gauge, help: "Number of started threads (global.nbthread)", src: Src::Info("Nbthread") },
    Family { scope: Scope::Process, suffix: "nbproc", kind: Kind::Gauge, help: "Number of started worker processes (historical, always 1)", src: Src::Info("Nbproc") },
    Family { scope: Scope::Process, suffix: "relative_process_id", kind: Kind::Gauge, help: "Relative worker process number (1)", src: Src::Info("Process_num") },
    Family { scope: Scope::Process, suffix: "uptime_seconds", kind: Kind::Gauge, help: "How long ago this worker process was started (seconds)", src: Src::Info("Uptime_sec") },
    Family { scope: Scope::Process, suffix: "pool_failures_total", kind: Kind::Counter, help: "Number of failed pool allocations since this worker was started", src: Src::Info("PoolFailed") },
    Family { scope: Scope::Process, suffix: "max_fds", kind: Kind::Gauge, help: "Hard limit on the number of per-process file descriptors", src: Src::Info("Ulimit-n") },
    Family { scope: Scope::Process, suffix: "max_sockets", kind: Kind::Gauge, help: "Hard limit on the number of per-process sockets", src: Src::Info("Maxsock") },
    Family { scope: Scope::Process, suffix: "max_connections", kind: Kind::Gauge, help: "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)", src: Src::Info("Maxconn") },
    Family { scope: Scope::Process, suffix: "hard_max_connections", kind: Kind::Gauge, help: "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)", src: Src::Info("Hard_maxconn") },
    Family { scope: Scope::Process, suffix: "current_connections", kind: Kind::Gauge, help: "Current number of connections on this worker process", src: Src::Info("CurrConns") },
    Family { scope: Scope::Process, suffix: "connections_total", kind: Kind::Counter, help: "Total number of connections on this worker process since started", src: Src::Info("CumConns") },
    Family { scope: Scope::Process, suffix: "requests_total", kind: Kind::Counter, help: "Total number of requests on this worker process since started", src: Src::Info("CumReq") },
    Family { scope: Scope::Process, suffix: "max_ssl_connections", kind: Kind::Gauge, help: "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited", src: Src::Info("MaxSslConns") },
    Family { scope: Scope::Process, suffix: "current_ssl_connections", kind: Kind::Gauge, help: "Current number of SSL endpoints on this worker process (front+back)", src: Src::Info("CurrSslConns") },
    Family { scope: Scope::Process, suffix: "ssl_connections_total", kind: Kind::Counter, help: "Total number of SSL endpoints on this worker process since started (front+back)", src: Src::Info("CumSslConns") },
    Family { scope: Scope::Process, suffix: "max_pipes", kind: Kind::Gauge, help: "Hard limit on the number of pipes for splicing, 0=unlimited", src: Src::Info("Maxpipes") },
    Family { scope: Scope::Process, suffix: "pipes_used_total", kind: Kind::Counter, help: "Current number of pipes in use in this worker process", src: Src::Info("PipesUsed") },
    Family { scope: Scope::Process, suffix: "pipes_free_total", kind: Kind::Counter, help: "Current number of allocated and available pipes in this worker process", src: Src::Info("PipesFree") },
    Family { scope: Scope::Process, suffix: "current_connection_rate", kind: Kind::Gauge, help: "Number of front connections created on this worker process over the last second", src: Src::Info("ConnRate") },
    Family { scope: Scope::Process, suffix: "limit_connection_rate", kind: Kind::Gauge, help: "Hard limit for ConnRate (global.maxconnrate)", src: Src::Info("ConnRateLimit") },
    Family { scope: Scope::Process, suffix: "max_connection_rate", kind: Kind::Gauge, help: "Highest ConnRate reached on this worker process since started (in connections per second)", src: Src::Info("MaxConnRate") },
    Family { scope: Scope::Process, suffix: "current_session_rate", kind: Kind::Gauge, help: "Number of sessions created on this worker process over the last second", src: Src::Info("SessRate") },
    Family { scope: Scope::Process, suffix: "limit_session_rate", kind: Kind::Gauge, help: "Hard limit for SessRate (global.maxsessrate)", src: Src::Info("SessRateLimit") },
    Family { scope: Scope::Process, suffix: "max_session_rate", kind: Kind::Gauge, help: "Highest SessRate reached on this worker process since started (in sessions per second)", src: Src::Info("MaxSessRate") },
    Family { scope: Scope::Process, suffix: "current_ssl_rate", kind: Kind::Gauge, help: "Number of SSL connections created on this worker process over the last second", src: Src::Info("SslRate") },
    Family { scope: Scope::Process, suffix: "limit_ssl_rate", kind: Kind::Gauge, help: "Hard limit for SslRate (global.maxsslrate)", src: Src::Info("SslRateLimit") },
    Family { scope: Scope::Process, suffix: "max_ssl_rate", kind: Kind::Gauge, help: "Highest SslRate reached on this worker process since started (in connections per second)", src: Src::Info("MaxSslRate") },
    Family { scope: Scope::Process, suffix: "current_frontend_ssl_key_rate", kind: Kind::Gauge, help: "Number of SSL keys created on frontends in this worker process over the last second", src: Src::Info("SslFrontendKeyRate") },
    Family { scope: Scope::Process, suffix: "max_frontend_ssl_key_rate", kind: Kind::Gauge, help: "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)", src: Src::Info("SslFrontendMaxKeyRate") },
    Family { scope: Scope::Process, suffix: "frontend_ssl_reuse", kind: Kind::Gauge, help: "Percent of frontend SSL connections which did not require a new key", src: Src::Info("SslFrontendSessionReuse_pct") },
    Family { scope: Scope::Process, suffix: "current_backend_ssl_key_rate", kind: Kind::Gauge, help: "Number of SSL keys created on backends in this worker process over the last second", src: Src::Info("SslBackendKeyRate") },
    Family { scope: Scope::Process, suffix: "max_backend_ssl_key_rate", kind: Kind::Gauge, help: "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)", src: Src::Info("SslBackendMaxKeyRate") },
    Family { scope: Scope::Process, suffix: "ssl_cache_lookups_total", kind: Kind::Counter, help: "Total number of SSL session ID lookups in the SSL session cache on this worker since started", src: Src::Info("SslCacheLookups") },
    Family { scope: Scope::Process, suffix: "ssl_cache_misses_total", kind: Kind::Counter, help: "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started", src: Src::Info("SslCacheMisses") },
    Family { scope: Scope::Process, suffix: "http_comp_bytes_in_total", kind: Kind::Counter, help: "Number of bytes submitted to the HTTP compressor in this worker process over the last second", src: Src::Info("CompressBpsIn") },
    Family { scope: Scope::Process, suffix: "http_comp_bytes_out_total", kind: Kind::Counter, help: "Number of bytes emitted by the HTTP compressor in this worker process over the last second", src: Src::Info("CompressBpsOut") },
    Family { scope: Scope::Process, suffix: "limit_http_comp", kind: Kind::Gauge, help: "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled", src: Src::Info("CompressBpsRateLim") },
    Family { scope: Scope::Process, suffix: "current_zlib_memory", kind: Kind::Gauge, help: "Amount of memory currently used by HTTP compression on the current worker process (in bytes)", src: Src::Info("ZlibMemUsage") },
    Family { scope: Scope::Process, suffix: "max_zlib_memory", kind: Kind::Gauge, help: "Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)", src: Src::Info("MaxZlibMemUsage") },
    Family { scope: Scope::Process, suffix: "current_tasks", kind: Kind::Gauge, help: "Total number of tasks in the current worker process (active + sleeping)", src: Src::Info("Tasks") },
    Family { scope: Scope::Process, suffix: "current_run_queue", kind: Kind::Gauge, help: "Total number of active tasks+tasklets in the current worker process", src: Src::Info("Run_queue") },
    Family { scope: Scope::Process, suffix: "idle_time_percent", kind: Kind::Gauge, help: "Percentage of last second spent waiting in the current worker thread", src: Src::Info("Idle_pct") },
    Family { scope: Scope::Process, suffix: "stopping", kind: Kind::Gauge, help: "1 if the worker process is currently stopping, otherwise zero", src: Src::Info("Stopping") },
    Family { scope: Scope::Process, suffix: "jobs", kind: Kind::Gauge, help: "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)", src: Src::Info("Jobs") },
    Family { scope: Scope::Process, suffix: "unstoppable_jobs", kind: Kind::Gauge, help: "Current number of unstoppable jobs on the current worker process (master connections)", src: Src::Info("Unstoppable Jobs") },
    Family { scope: Scope::Process, suffix: "listeners", kind: Kind::Gauge, help: "Current number of active listeners on the current worker process", src: Src::Info("Listeners") },
    Family { scope: Scope::Process, suffix: "active_peers", kind: Kind::Gauge, help: "Current number of verified active peers connections on the current worker process", src: Src::Info("ActivePeers") },
    Family { scope: Scope::Process, suffix: "connected_peers", kind: Kind::Gauge, help: "Current number of peers having passed the connection step on the current worker process", src: Src::Info("ConnectedPeers") },
    Family { scope: Scope::Process, suffix: "dropped_logs_total", kind: Kind::Counter, help: "Total number of dropped logs for current worker process since started", src: Src::Info("DroppedLogs") },
    Family { scope: Scope::Process, suffix: "busy_polling_enabled", kind: Kind::Gauge, help: "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)", src: Src::Info("BusyPolling") },
    Family { scope: Scope::Process, suffix: "failed_resolutions", kind: Kind::Counter, help: "Total number of failed DNS resolutions in current worker process since started", src: Src::Info("FailedResolutions") },
    Family { scope: Scope::Process, suffix: "bytes_out_total", kind: Kind::Counter, help: "Total number of bytes emitted by current worker process since started", src: Src::Info("TotalBytesOut") },
    Family { scope: Scope::Process, suffix: "spliced_bytes_out_total", kind: Kind::Counter, help: "Total number of bytes emitted by current worker process through a kernel pipe since started", src: Src::Info("TotalSplicdedBytesOut") },
    Family { scope: Scope::Process, suffix: "bytes_out_rate", kind: Kind::Gauge, help: "Number of bytes emitted by current worker process over the last second", src: Src::Info("BytesOutRate") },
    Family { scope: Scope::Process, suffix: "recv_logs_total", kind: Kind::Counter, help: "Total number of log messages received by log-forwarding listeners on this worker process since started", src: Src::Info("CumRecvLogs") },
    Family { scope: Scope::Process, suffix: "build_info", kind: Kind::Gauge, help: "Build info", src: Src::BuildInfo },
    Family { scope: Scope::Process, suffix: "max_memory_bytes", kind: Kind::Gauge, help: "Worker process's hard limit on memory usage in byes (-m on command line)", src: Src::Info("Memmax_bytes") },
    Family { scope: Scope::Process, suffix: "pool_allocated_bytes", kind: Kind::Gauge, help: "Amount of memory allocated in pools (in bytes)", src: Src::Info("PoolAlloc_bytes") },
    Family { scope: Scope::Process, suffix: "pool_used_bytes", kind: Kind::Gauge, help: "Amount of pool memory currently used (in bytes)", src: Src::Info("PoolUsed_bytes") },
    Family { scope: Scope::Process, suffix: "start_time_seconds", kind: Kind::Gauge, help: "Start time in seconds", src: Src::Info("Start_time_sec") },
    Family { scope: Scope::Frontend, suffix: "current_sessions", kind: Kind::Gauge, help: "Number of current sessions on the frontend, backend or server", src: Src::Field(F::Scur) },
    Family { scope: Scope::Frontend, suffix: "max_sessions", kind: Kind::Gauge, help: "Highest value of current sessions encountered since process started", src: Src::Field(F::Smax) },
    Family { scope: Scope::Frontend, suffix: "limit_sessions", kind: Kind::Gauge, help: "Frontend/listener/server's maxconn, backend's fullconn", src: Src::Field(F::Slim) },
    Family { scope: Scope::Frontend, suffix: "sessions_total", kind: Kind::Counter, help: "Total number of sessions since process started", src: Src::Field(F::Stot) },
    Family { scope: Scope::Frontend, suffix: "bytes_in_total", kind: Kind::Counter, help: "Total number of request bytes since process started", src: Src::Field(F::Bin) },
    Family { scope: Scope::Frontend, suffix: "bytes_out_total", kind: Kind::Counter, help: "Total number of response bytes since process started", src: Src::Field(F::Bout) },
    Family { scope: Scope::Frontend, suffix: "requests_denied_total", kind: Kind::Counter, help: "Total number of denied requests since process started", src: Src::Field(F::Dreq) },
    Family { scope: Scope::Frontend, suffix: "responses_denied_total", kind: Kind::Counter, help: "Total number of denied responses since process started", src: Src::Field(F::Dresp) },
    Family { scope: Scope::Frontend, suffix: "request_errors_total", kind: Kind::Counter, help: "Total number of invalid requests since process started", src: Src::Field(F::Ereq) },
    Family { scope: Scope::Frontend, suffix: "status", kind: Kind::Gauge, help: "Current status of the service, per state label value.", src: Src::Status },
    Family { scope: Scope::Frontend, suffix: "limit_session_rate", kind: Kind::Gauge, help: "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)", src: Src::Field(F::RateLim) },
    Family { scope: Scope::Frontend, suffix: "max_session_rate", kind: Kind::Gauge, help: "Highest value of sessions per second observed since the worker process started", src: Src::Field(F::RateMax) },
    Family { scope: Scope::Frontend, suffix: "http_responses_total", kind: Kind::Counter, help: "Total number of HTTP responses with status 100-199 returned by this object since the worker process started", src: Src::HttpResponses },
    Family { scope: Scope::Frontend, suffix: "http_requests_rate_max", kind: Kind::Gauge, help: "Highest value of http requests observed since the worker process started", src: Src::Field(F::ReqRateMax) },
    Family { scope: Scope::Frontend, suffix: "http_requests_total", kind: Kind::Counter, help: "Total number of HTTP requests processed by this object since the worker process started", src: Src::Field(F::ReqTot) },
    Family { scope: Scope::Frontend, suffix: "http_comp_bytes_in_total", kind: Kind::Counter, help: "Total number of bytes submitted to the HTTP compressor for this object since the worker process started", src: Src::Field(F::CompIn) },
    Family { scope: Scope::Frontend, suffix: "http_comp_bytes_out_total", kind: Kind::Counter, help: "Total number of bytes emitted by the HTTP compressor for this object since the worker process started", src: Src::Field(F::CompOut) },
    Family { scope: Scope::Frontend, suffix: "http_comp_bytes_bypassed_total", kind: Kind::Counter, help: "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)", src: Src::Field(F::CompByp) },
    Family { scope: Scope::Frontend, suffix: "http_comp_responses_total", kind: Kind::Counter, help: "Total number of HTTP responses that were compressed for this object since the worker process started", src: Src::Field(F::CompRsp) },
    Family { scope: Scope::Frontend, suffix: "connections_rate_max", kind: Kind::Gauge, help: "Highest value of connections per second observed since the worker process started", src: Src::Field(F::ConnRateMax) },
    Family { scope: Scope::Frontend, suffix: "connections_total", kind: Kind::Counter, help: "Total number of new connections accepted on this frontend since the worker process started", src: Src::Field(F::ConnTot) },
    Family { scope: Scope::Frontend, suffix: "intercepted_requests_total", kind: Kind::Counter, help: "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started", src: Src::Field(F::Intercepted) },
    Family { scope: Scope::Frontend, suffix: "denied_connections_total", kind: Kind::Counter, help: "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started", src: Src::Field(F::Dcon) },
    Family { scope: Scope::Frontend, suffix: "denied_sessions_total", kind: Kind::Counter, help: "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started", src: Src::Field(F::Dses) },
    Family { scope: Scope::Frontend, suffix: "failed_header_rewriting_total", kind: Kind::Counter, help: "Total number of failed HTTP header rewrites since the worker process started", src: Src::Field(F::Wrew) },
    Family { scope: Scope::Frontend, suffix: "http_cache_lookups_total", kind: Kind::Counter, help: "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started", src: Src::Field(F::CacheLookups) },
    Family { scope: Scope::Frontend, suffix: "http_cache_hits_total", kind: Kind::Counter, help: "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started", src: Src::Field(F::CacheHits) },
    Family { scope: Scope::Frontend, suffix: "internal_errors_total", kind: Kind::Counter, help: "Total number of internal errors since process started", src: Src::Field(F::Eint) },
    Family { scope: Scope::Backend, suffix: "current_queue", kind: Kind::Gauge, help: "Number of current queued connections", src: Src::Field(F::Qcur) },
    Family { scope: Scope::Backend, suffix: "max_queue", kind: Kind::Gauge, help: "Highest value of queued connections encountered since process started", src: Src::Field(F::Qmax) },
    Family { scope: Scope::Backend, suffix: "current_sessions", kind: Kind::Gauge, help: "Number of current sessions on the frontend, backend or server", src: Src::Field(F::Scur) },
    Family { scope: Scope::Backend, suffix: "max_sessions", kind: Kind::Gauge, help: "Highest value of current sessions encountered since process started", src: Src::Field(F::Smax) },
    Family { scope: Scope::Backend, suffix: "limit_sessions", kind: Kind::Gauge, help: "Frontend/listener/server's maxconn, backend's fullconn", src: Src::Field(F::Slim) },
    Family { scope: Scope::Backend, suffix: "sessions_total", kind: Kind::Counter, help: "Total number of sessions since process started", src: Src::Field(F::Stot) },
    Family { scope: Scope::Backend, suffix: "bytes_in_total", kind: Kind::Counter, help: "Total number of request bytes since process started", src: Src::Field(F::Bin) },
    Family { scope: Scope::Backend, suffix: "bytes_out_total", kind: Kind::Counter, help: "Total number of response bytes since process started", src: Src::Field(F::Bout) },
    Family { scope: Scope::Backend, suffix: "requests_denied_total", kind: Kind::Counter, help: "Total number of denied requests since process started", src: Src::Field(F::Dreq) },
    Family { scope: Scope::Backend, suffix: "responses_denied_total", kind: Kind::Counter, help: "Total number of denied responses since process started", src: Src::Field(F::Dresp) },
    Family { scope: Scope::Backend, suffix: "connection_errors_total", kind: Kind::Counter, help: "Total number of failed connections to server since the worker process started", src: Src::Field(F::Econ) },
    Family { scope: Scope::Backend, suffix: "response_errors_total", kind: Kind::Counter, help: "Total number of invalid responses since the worker process started", src: Src::Field(F::Eresp) },
    Family { scope: Scope::Backend, suffix: "retry_warnings_total", kind: Kind::Counter, help: "Total number of server connection retries since the worker process started", src: Src::Field(F::Wretr) },
    Family { scope: Scope::Backend, suffix: "redispatch_warnings_total", kind: Kind::Counter, help: "Total number of server redispatches due to connection failures since the worker process started", src: Src::Field(F::Wredis) },
    Family { scope: Scope::Backend, suffix: "status", kind: Kind::Gauge, help: "Current status of the service, per state label value.", src: Src::Status },
    Family { scope: Scope::Backend, suffix: "weight", kind: Kind::Gauge, help: "Server's effective weight, or sum of active servers' effective weights for a backend", src: Src::Field(F::Weight) },
    Family { scope: Scope::Backend, suffix: "active_servers", kind: Kind::Gauge, help: "Total number of active UP servers with a non-zero weight", src: Src::Field(F::Act) },
    Family { scope: Scope::Backend, suffix: "backup_servers", kind: Kind::Gauge, help: "Total number of backup UP servers with a non-zero weight", src: Src::Field(F::Bck) },
    Family { scope: Scope::Backend, suffix: "check_up_down_total", kind: Kind::Counter, help: "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started", src: Src::Field(F::Chkdown) },
    Family { scope: Scope::Backend, suffix: "check_last_change_seconds", kind: Kind::Gauge, help: "How long ago the last server state changed, in seconds", src: Src::Field(F::Lastchg) },
    Family { scope: Scope::Backend, suffix: "downtime_seconds_total", kind: Kind::Counter, help: "Total time spent in DOWN state, for server or backend", src: Src::Field(F::Downtime) },
    Family { scope: Scope::Backend, suffix: "loadbalanced_total", kind: Kind::Counter, help: "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)", src: Src::Field(F::Lbtot) },
    Family { scope: Scope::Backend, suffix: "max_session_rate", kind: Kind::Gauge, help: "Highest value of sessions per second observed since the worker process started", src: Src::Field(F::RateMax) },
    Family { scope: Scope::Backend, suffix: "http_responses_total", kind: Kind::Counter, help: "Total number of HTTP responses with status 100-199 returned by this object since the worker process started", src: Src::HttpResponses },
    Family { scope: Scope::Backend, suffix: "http_requests_total", kind: Kind::Counter, help: "Total number of HTTP requests processed by this object since the worker process started", src: Src::Field(F::ReqTot) },
    Family { scope: Scope::Backend, suffix: "client_aborts_total", kind: Kind::Counter, help: "Total number of requests or connections aborted by the client since the worker process started", src: Src::Field(F::CliAbrt) },
    Family { scope: Scope::Backend, suffix: "server_aborts_total", kind: Kind::Counter, help: "Total number of requests or connections aborted by the server since the worker process started", src: Src::Field(F::SrvAbrt) },
    Family { scope: Scope::Backend, suffix: "http_comp_bytes_in_total", kind: Kind::Counter, help: "Total number of bytes submitted to the HTTP compressor for this object since the worker process started", src: Src::Field(F::CompIn) },
    Family { scope: Scope::Backend, suffix: "http_comp_bytes_out_total", kind: Kind::Counter, help: "Total number of bytes emitted by the HTTP compressor for this object since the worker process started", src: Src::Field(F::CompOut) },
    Family { scope: Scope::Backend, suffix: "http_comp_bytes_bypassed_total", kind: Kind::Counter, help: "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)", src: Src::Field(F::CompByp) },
    Family { scope: Scope::Backend, suffix: "http_comp_responses_total", kind: Kind::Counter, help: "Total number of HTTP responses that were compressed for this object since the worker process started", src: Src::Field(F::CompRsp) },
    Family { scope: Scope::Backend, suffix: "last_session_seconds", kind: Kind::Gauge, help: "How long ago some traffic was seen on this object on this worker process, in seconds", src: Src::Field(F::Lastsess) },
    Family { scope: Scope::Backend, suffix: "queue_time_average_seconds", kind: Kind::Gauge, help: "Avg. queue time for last 1024 successful connections.", src: Src::Millis(F::Qtime) },
    Family { scope: Scope::Backend, suffix: "connect_time_average_seconds", kind: Kind::Gauge, help: "Avg. connect time for last 1024 successful connections.", src: Src::Millis(F::Ctime) },
    Family { scope: Scope::Backend, suffix: "response_time_average_seconds", kind: Kind::Gauge, help: "Avg. response time for last 1024 successful connections.", src: Src::Millis(F::Rtime) },
    Family { scope: Scope::Backend, suffix: "total_time_average_seconds", kind: Kind::Gauge, help: "Avg. total time for last 1024 successful connections.", src: Src::Millis(F::Ttime) },
    Family { scope: Scope::Backend, suffix: "failed_header_rewriting_total", kind: Kind::Counter, help: "Total number of failed HTTP header rewrites since the worker process started", src: Src::Field(F::Wrew) },
    Family { scope: Scope::Backend, suffix: "connection_attempts_total", kind: Kind::Counter, help: "Total number of outgoing connection attempts on this backend/server since the worker process started", src: Src::Field(F::Connect) },
    Family { scope: Scope::Backend, suffix: "connection_reuses_total", kind: Kind::Counter, help: "Total number of reused connection on this backend/server since the worker process started", src: Src::Field(F::Reuse) },
    Family { scope: Scope::Backend, suffix: "http_cache_lookups_total", kind: Kind::Counter, help: "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started", src: Src::Field(F::CacheLookups) },
    Family { scope: Scope::Backend, suffix: "http_cache_hits_total", kind: Kind::Counter, help: "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started", src: Src::Field(F::CacheHits) },
    Family { scope: Scope::Backend, suffix: "max_queue_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent in the queue", src: Src::Millis(F::QtimeMax) },
    Family { scope: Scope::Backend, suffix: "max_connect_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent waiting for a connection to complete", src: Src::Millis(F::CtimeMax) },
    Family { scope: Scope::Backend, suffix: "max_response_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent waiting for a server response", src: Src::Millis(F::RtimeMax) },
    Family { scope: Scope::Backend, suffix: "max_total_time_seconds", kind: Kind::Gauge, help: "Maximum observed total request+response time (request+queue+connect+response+processing)", src: Src::Millis(F::TtimeMax) },
    Family { scope: Scope::Backend, suffix: "internal_errors_total", kind: Kind::Counter, help: "Total number of internal errors since process started", src: Src::Field(F::Eint) },
    Family { scope: Scope::Backend, suffix: "uweight", kind: Kind::Gauge, help: "Server's user weight, or sum of active servers' user weights for a backend", src: Src::Field(F::Uweight) },
    Family { scope: Scope::Backend, suffix: "agg_server_status", kind: Kind::Gauge, help: "Backend's aggregated gauge of servers' status", src: Src::AggServerStatus },
    Family { scope: Scope::Backend, suffix: "agg_server_check_status", kind: Kind::Gauge, help: "Backend's aggregated gauge of servers' state check status", src: Src::AggServerStatus },
    Family { scope: Scope::Backend, suffix: "agg_check_status", kind: Kind::Gauge, help: "Backend's aggregated gauge of servers' state check status", src: Src::AggCheckStatus },
    Family { scope: Scope::Server, suffix: "current_queue", kind: Kind::Gauge, help: "Number of current queued connections", src: Src::Field(F::Qcur) },
    Family { scope: Scope::Server, suffix: "max_queue", kind: Kind::Gauge, help: "Highest value of queued connections encountered since process started", src: Src::Field(F::Qmax) },
    Family { scope: Scope::Server, suffix: "current_sessions", kind: Kind::Gauge, help: "Number of current sessions on the frontend, backend or server", src: Src::Field(F::Scur) },
    Family { scope: Scope::Server, suffix: "max_sessions", kind: Kind::Gauge, help: "Highest value of current sessions encountered since process started", src: Src::Field(F::Smax) },
    Family { scope: Scope::Server, suffix: "limit_sessions", kind: Kind::Gauge, help: "Frontend/listener/server's maxconn, backend's fullconn", src: Src::Field(F::Slim) },
    Family { scope: Scope::Server, suffix: "sessions_total", kind: Kind::Counter, help: "Total number of sessions since process started", src: Src::Field(F::Stot) },
    Family { scope: Scope::Server, suffix: "bytes_in_total", kind: Kind::Counter, help: "Total number of request bytes since process started", src: Src::Field(F::Bin) },
    Family { scope: Scope::Server, suffix: "bytes_out_total", kind: Kind::Counter, help: "Total number of response bytes since process started", src: Src::Field(F::Bout) },
    Family { scope: Scope::Server, suffix: "responses_denied_total", kind: Kind::Counter, help: "Total number of denied responses since process started", src: Src::Field(F::Dresp) },
    Family { scope: Scope::Server, suffix: "connection_errors_total", kind: Kind::Counter, help: "Total number of failed connections to server since the worker process started", src: Src::Field(F::Econ) },
    Family { scope: Scope::Server, suffix: "response_errors_total", kind: Kind::Counter, help: "Total number of invalid responses since the worker process started", src: Src::Field(F::Eresp) },
    Family { scope: Scope::Server, suffix: "retry_warnings_total", kind: Kind::Counter, help: "Total number of server connection retries since the worker process started", src: Src::Field(F::Wretr) },
    Family { scope: Scope::Server, suffix: "redispatch_warnings_total", kind: Kind::Counter, help: "Total number of server redispatches due to connection failures since the worker process started", src: Src::Field(F::Wredis) },
    Family { scope: Scope::Server, suffix: "status", kind: Kind::Gauge, help: "Current status of the service, per state label value.", src: Src::Status },
    Family { scope: Scope::Server, suffix: "weight", kind: Kind::Gauge, help: "Server's effective weight, or sum of active servers' effective weights for a backend", src: Src::Field(F::Weight) },
    Family { scope: Scope::Server, suffix: "check_failures_total", kind: Kind::Counter, help: "Total number of failed individual health checks per server/backend, since the worker process started", src: Src::Field(F::Chkfail) },
    Family { scope: Scope::Server, suffix: "check_up_down_total", kind: Kind::Counter, help: "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started", src: Src::Field(F::Chkdown) },
    Family { scope: Scope::Server, suffix: "check_last_change_seconds", kind: Kind::Gauge, help: "How long ago the last server state changed, in seconds", src: Src::Field(F::Lastchg) },
    Family { scope: Scope::Server, suffix: "downtime_seconds_total", kind: Kind::Counter, help: "Total time spent in DOWN state, for server or backend", src: Src::Field(F::Downtime) },
    Family { scope: Scope::Server, suffix: "queue_limit", kind: Kind::Gauge, help: "Limit on the number of connections in queue, for servers only (maxqueue argument)", src: Src::Field(F::Qlimit) },
    Family { scope: Scope::Server, suffix: "current_throttle", kind: Kind::Gauge, help: "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)", src: Src::Field(F::Throttle) },
    Family { scope: Scope::Server, suffix: "loadbalanced_total", kind: Kind::Counter, help: "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)", src: Src::Field(F::Lbtot) },
    Family { scope: Scope::Server, suffix: "max_session_rate", kind: Kind::Gauge, help: "Highest value of sessions per second observed since the worker process started", src: Src::Field(F::RateMax) },
    Family { scope: Scope::Server, suffix: "check_status", kind: Kind::Gauge, help: "Status of last health check, per state label value.", src: Src::CheckStatus },
    Family { scope: Scope::Server, suffix: "check_code", kind: Kind::Gauge, help: "layer5-7 code, if available of the last health check.", src: Src::Field(F::CheckCode) },
    Family { scope: Scope::Server, suffix: "check_duration_seconds", kind: Kind::Gauge, help: "Total duration of the latest server health check, in seconds.", src: Src::Millis(F::CheckDuration) },
    Family { scope: Scope::Server, suffix: "http_responses_total", kind: Kind::Counter, help: "Total number of HTTP responses with status 100-199 returned by this object since the worker process started", src: Src::HttpResponses },
    Family { scope: Scope::Server, suffix: "client_aborts_total", kind: Kind::Counter, help: "Total number of requests or connections aborted by the client since the worker process started", src: Src::Field(F::CliAbrt) },
    Family { scope: Scope::Server, suffix: "server_aborts_total", kind: Kind::Counter, help: "Total number of requests or connections aborted by the server since the worker process started", src: Src::Field(F::SrvAbrt) },
    Family { scope: Scope::Server, suffix: "last_session_seconds", kind: Kind::Gauge, help: "How long ago some traffic was seen on this object on this worker process, in seconds", src: Src::Field(F::Lastsess) },
    Family { scope: Scope::Server, suffix: "queue_time_average_seconds", kind: Kind::Gauge, help: "Avg. queue time for last 1024 successful connections.", src: Src::Millis(F::Qtime) },
    Family { scope: Scope::Server, suffix: "connect_time_average_seconds", kind: Kind::Gauge, help: "Avg. connect time for last 1024 successful connections.", src: Src::Millis(F::Ctime) },
    Family { scope: Scope::Server, suffix: "response_time_average_seconds", kind: Kind::Gauge, help: "Avg. response time for last 1024 successful connections.", src: Src::Millis(F::Rtime) },
    Family { scope: Scope::Server, suffix: "total_time_average_seconds", kind: Kind::Gauge, help: "Avg. total time for last 1024 successful connections.", src: Src::Millis(F::Ttime) },
    Family { scope: Scope::Server, suffix: "failed_header_rewriting_total", kind: Kind::Counter, help: "Total number of failed HTTP header rewrites since the worker process started", src: Src::Field(F::Wrew) },
    Family { scope: Scope::Server, suffix: "connection_attempts_total", kind: Kind::Counter, help: "Total number of outgoing connection attempts on this backend/server since the worker process started", src: Src::Field(F::Connect) },
    Family { scope: Scope::Server, suffix: "connection_reuses_total", kind: Kind::Counter, help: "Total number of reused connection on this backend/server since the worker process started", src: Src::Field(F::Reuse) },
    Family { scope: Scope::Server, suffix: "idle_connections_current", kind: Kind::Gauge, help: "Current number of idle connections available for reuse on this server", src: Src::Field(F::SrvIcur) },
    Family { scope: Scope::Server, suffix: "idle_connections_limit", kind: Kind::Gauge, help: "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)", src: Src::Field(F::SrcIlim) },
    Family { scope: Scope::Server, suffix: "max_queue_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent in the queue", src: Src::Millis(F::QtimeMax) },
    Family { scope: Scope::Server, suffix: "max_connect_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent waiting for a connection to complete", src: Src::Millis(F::CtimeMax) },
    Family { scope: Scope::Server, suffix: "max_response_time_seconds", kind: Kind::Gauge, help: "Maximum observed time spent waiting for a server response", src: Src::Millis(F::RtimeMax) },
    Family { scope: Scope::Server, suffix: "max_total_time_seconds", kind: Kind::Gauge, help: "Maximum observed total request+response time (request+queue+connect+response+processing)", src: Src::Millis(F::TtimeMax) },
    Family { scope: Scope::Server, suffix: "internal_errors_total", kind: Kind::Counter, help: "Total number of internal errors since process started", src: Src::Field(F::Eint) },
    Family { scope: Scope::Server, suffix: "unsafe_idle_connections_current", kind: Kind::Gauge, help: "Current number of unsafe idle connections", src: Src::Field(F::IdleConnCur) },
    Family { scope: Scope::Server, suffix: "safe_idle_connections_current", kind: Kind::Gauge, help: "Current number of safe idle connections", src: Src::Field(F::SafeConnCur) },
    Family { scope: Scope::Server, suffix: "used_connections_current", kind: Kind::Gauge, help: "Current number of connections in use", src: Src::Field(F::UsedConnCur) },
    Family { scope: Scope::Server, suffix: "need_connections_current", kind: Kind::Gauge, help: "Estimated needed number of connections", src: Src::Field(F::NeedConnEst) },
    Family { scope: Scope::Server, suffix: "uweight", kind: Kind::Gauge, help: "Server's user weight, or sum of active servers' user weights for a backend", src: Src::Field(F::Uweight) },
];

const SERVER_STATES: [&str; 5] = ["DOWN", "UP", "MAINT", "DRAIN", "NOLB"];
/// Check results HAProxy exports (those that can mean a failure or a success).
const CHECK_STATES: [&str; 16] = [
    "HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP", "L7TOUT", "L7RSP",
    "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK",
];
const HTTP_CODES: [(&str, F); 6] = [
    ("1xx", F::Hrsp1xx),
    ("2xx", F::Hrsp2xx),
    ("3xx", F::Hrsp3xx),
    ("4xx", F::Hrsp4xx),
    ("5xx", F::Hrsp5xx),
    ("other", F::HrspOther),
];

/// Fields HAProxy does not export at all for a non-HTTP proxy.
fn http_only(f: F) -> bool {
    matches!(
        f,
        F::ReqTot
            | F::ReqRateMax
            | F::CompIn
            | F::CompOut
            | F::CompByp
            | F::CompRsp
            | F::CacheLookups
            | F::CacheHits
            | F::Intercepted
    )
}

fn server_state_label(state: &ServerState) -> &'static str {
    match state {
        ServerState::Up | ServerState::NoCheck | ServerState::GoingDown { .. } => "UP",
        ServerState::Down | ServerState::GoingUp { .. } => "DOWN",
        ServerState::Maint | ServerState::MaintVia(_) => "MAINT",
        ServerState::Drain => "DRAIN",
        ServerState::NoLb => "NOLB",
    }
}

fn number(v: &Value) -> String {
    match v {
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::S32(n) => n.to_string(),
        Value::Empty | Value::Str(_) => "NaN".into(),
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.6}", ms as f64 / 1000.0)
}

/// Writes `name{labels} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            prom_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

fn row_scope(obj: ObjType) -> Scope {
    match obj {
        ObjType::Frontend => Scope::Frontend,
        ObjType::Backend => Scope::Backend,
        ObjType::Server => Scope::Server,
    }
}

/// The samples of one family for one row.
fn row_samples(
    out: &mut String,
    name: &str,
    fam: &Family,
    row: &StatRow,
    snap: &Snapshot,
    code: Option<(&'static str, F)>,
) {
    let proxy = row.proxy();
    let mut labels: Vec<(&str, &str)> = vec![("proxy", proxy)];
    if row.obj == ObjType::Server {
        labels.push(("server", row.name()));
    }
    match fam.src {
        Src::Field(F::CheckCode) => {
            // Only servers with checks; 0 when the last check had no layer-7 code.
            if !row.get(F::CheckStatus).is_empty() {
                sample(
                    out,
                    name,
                    &labels,
                    &row.get(F::CheckCode).as_u64().to_string(),
                );
            }
        }
        Src::Field(f) => {
            let v = row.get(f);
            if v.is_empty() && http_only(f) {
                return;
            }
            sample(out, name, &labels, &number(v));
        }
        Src::Millis(f) => match row.get(f) {
            Value::Empty => {}
            v => sample(out, name, &labels, &seconds(v.as_u64())),
        },
        Src::Status => {
            let (states, current): (&[&str], &str) = match &row.state {
                RowState::Frontend => (
                    &["DOWN", "UP"],
                    if row.get(F::Status).as_str() == FrontendStatus::Stop.as_str() {
                        "DOWN"
                    } else {
                        "UP"
                    },
                ),
                RowState::Backend(s) => (
                    &["DOWN", "UP"],
                    if *s == BackendStatus::Down {
                        "DOWN"
                    } else {
                        "UP"
                    },
                ),
                RowState::Server { state, .. } => (&SERVER_STATES, server_state_label(state)),
            };
            for s in states {
                let mut l = labels.clone();
                l.push(("state", s));
                sample(out, name, &l, if *s == current { "1" } else { "0" });
            }
        }
        Src::HttpResponses => {
            // One status class per call: HAProxy lists 1xx of every proxy, then 2xx, …
            let Some((code, f)) = code else { return };
            if row.get(f).is_empty() {
                return;
            }
            labels.push(("code", code));
            sample(out, name, &labels, &number(row.get(f)));
        }
        Src::CheckStatus => {
            let Value::Str(current) = row.get(F::CheckStatus) else {
                return;
            };
            for s in CHECK_STATES {
                let mut l = labels.clone();
                l.push(("state", s));
                sample(out, name, &l, if s == current { "1" } else { "0" });
            }
        }
        Src::AggServerStatus | Src::AggCheckStatus => {
            let servers: Vec<&StatRow> = snap
                .proxy_rows(proxy)
                .filter(|r| r.obj == ObjType::Server)
                .collect();
            // A backend without servers has nothing to aggregate; HAProxy prints nothing.
            if servers.is_empty() {
                return;
            }
            let states: &[&str] = if matches!(fam.src, Src::AggServerStatus) {
                &SERVER_STATES
            } else {
                &CHECK_STATES
            };
            for s in states {
                let n = servers
                    .iter()
                    .filter(|r| match (&fam.src, &r.state) {
                        (Src::AggServerStatus, RowState::Server { state, .. }) => {
                            server_state_label(state) == *s
                        }
                        _ => r.get(F::CheckStatus).as_str() == *s,
                    })
                    .count();
                let mut l = labels.clone();
                l.push(("state", s));
                sample(out, name, &l, &n.to_string());
            }
        }
        Src::Info(_) | Src::BuildInfo => {}
    }
}

fn process_sample(out: &mut String, name: &str, fam: &Family, snap: &Snapshot) {
    match fam.src {
        Src::BuildInfo => sample(out, name, &[("version", &snap.info.version)], "1"),
        Src::Info(field) => {
            let v = crate::info::fields(&snap.info)
                .into_iter()
                .find(|f| f.name == field)
                .map_or_else(|| "NaN".to_string(), |f| number(&f.value));
            sample(out, name, &[], &v);
        }
        _ => {}
    }
}

/// halb's latency summaries for one scope.
fn latency(out: &mut String, snap: &Snapshot, obj: ObjType) {
    let scope = if obj == ObjType::Backend {
        "backend"
    } else {
        "server"
    };
    for (timer, what, help) in [
        (Timer::Response, "response", "server response time (Tr)"),
        (Timer::Total, "total", "total request time (Ta)"),
    ] {
        let name = format!("halb_{scope}_{what}_time_seconds");
        let _ = writeln!(
            out,
            "# HELP {name} halb: quantiles of the {help} since start or the last 'clear counters all'"
        );
        let _ = writeln!(out, "# TYPE {name} summary");
        for row in snap.rows.iter().filter(|r| r.obj == obj) {
            let s = row.timer(timer);
            let mut labels: Vec<(&str, &str)> = vec![("proxy", row.proxy())];
            if obj == ObjType::Server {
                labels.push(("server", row.name()));
            }
            for (q, v) in [("0.5", s.p50), ("0.9", s.p90), ("0.99", s.p99)] {
                let mut l = labels.clone();
                l.push(("quantile", q));
                let value = if s.count == 0 {
                    "NaN".to_string()
                } else {
                    seconds(u64::from(v))
                };
                sample(out, &name, &l, &value);
            }
            sample(out, &format!("{name}_sum"), &labels, &seconds(s.sum));
            sample(out, &format!("{name}_count"), &labels, &s.count.to_string());
        }
    }
}

/// The whole exposition.
pub fn render(snap: &Snapshot) -> String {
    let mut out = String::with_capacity(64 * 1024);
    for fam in FAMILIES {
        let prefix = match fam.scope {
            Scope::Process => "process",
            Scope::Frontend => "frontend",
            Scope::Backend => "backend",
            Scope::Server => "server",
        };
        let name = format!("haproxy_{prefix}_{}", fam.suffix);
        let mut body = String::new();
        if fam.scope == Scope::Process {
            process_sample(&mut body, &name, fam, snap);
        } else {
            let rows = || snap.rows.iter().filter(|r| row_scope(r.obj) == fam.scope);
            if matches!(fam.src, Src::HttpResponses) {
                for code in HTTP_CODES {
                    rows().for_each(|r| row_samples(&mut body, &name, fam, r, snap, Some(code)));
                }
            } else {
                rows().for_each(|r| row_samples(&mut body, &name, fam, r, snap, None));
            }
        }
        // HAProxy prints a family's HELP/TYPE only when it has samples.
        if body.is_empty() {
            continue;
        }
        let kind = match fam.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let _ = writeln!(out, "# HELP {name} {}", fam.help);
        let _ = writeln!(out, "# TYPE {name} {kind}");
        out.push_str(&body);
    }
    latency(&mut out, snap, ObjType::Backend);
    latency(&mut out, snap, ObjType::Server);
    out
}
