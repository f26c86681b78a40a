//! Access logs and per-transaction timing: a frontend's log settings compiled once into the
//! plan ([`FrontendLog`]), and [`finish`], called when a transaction (HTTP) or a connection
//! (TCP) ends, which feeds the latency figures of the stats and writes the log line.
//!
//! Sending never blocks a worker: the `logging` crate's sink drops (and counts) what a full
//! socket or queue cannot take.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::clock::Mono;

use haproxy_cfg::model::{Config, Mode, Proxy as CfgProxy};
use logging::{LogMoment, LogRecord, LogTime, ProxyLogFormat};

use crate::http::LogTexts;
use crate::plan::FrontendPlan;
use crate::txn::Txn;
use crate::worker::Worker;

/// One `capture request|response header NAME len N`.
#[derive(Debug, Clone)]
pub struct HeaderCapture {
    /// Lower-case, as heads are searched.
    pub name: String,
    pub len: usize,
}

/// What a frontend logs, and where.
pub struct FrontendLog {
    pub format: ProxyLogFormat,
    pub targets: Vec<haproxy_cfg::model::LogTarget>,
    /// `dontlognull`, `dontlog-normal`, `log-separate-errors` decide the level.
    pub options: haproxy_cfg::model::ProxyOptions,
    pub request_captures: Vec<HeaderCapture>,
    pub response_captures: Vec<HeaderCapture>,
    pub http: bool,
    /// `%lc`: lines logged by this frontend.
    pub counter: AtomicU64,
    /// Opened when the workers start (after a fork, so writer threads survive).
    pub sink: OnceLock<Arc<logging::LogSink>>,
}

impl std::fmt::Debug for FrontendLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrontendLog")
            .field("targets", &self.targets.len())
            .finish_non_exhaustive()
    }
}

impl FrontendLog {
    /// `None` when the section logs nowhere (no `log` line, `no log`, or an empty
    /// `log-format`).
    pub fn build(config: &Config, p: &CfgProxy) -> Result<Option<FrontendLog>, String> {
        let targets = logging::proxy_targets(&config.global, p);
        if targets.is_empty() {
            return Ok(None);
        }
        let format = logging::format_for_proxy(p).map_err(|e| match &p.log_format_location {
            Some(at) => format!("parsing [{at}] : proxy '{}': log-format: {e}", p.name),
            None => format!("proxy '{}': log-format: {e}", p.name),
        })?;
        if format.format.is_empty() {
            return Ok(None);
        }
        let caps = |response: bool| {
            p.captures
                .iter()
                .filter(|c| c.request != response)
                .map(|c| HeaderCapture {
                    name: c.header.to_ascii_lowercase(),
                    len: c.len,
                })
                .collect()
        };
        Ok(Some(FrontendLog {
            format,
            targets,
            options: p.options.clone(),
            request_captures: caps(false),
            response_captures: caps(true),
            http: p.mode == Mode::Http,
            counter: AtomicU64::new(0),
            sink: OnceLock::new(),
        }))
    }
}

thread_local! {
    /// The line being rendered, reused by every log line of the thread.
    static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
}

/// `%rt`: requests (HTTP) and sessions (TCP) logged by this process.
static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Takes the next `%rt`.
pub(crate) fn next_request_counter() -> u64 {
    REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// The pid and host name a log line shows, read once (after any daemonizing fork: the first
/// line is written by a worker). glibc no longer caches `getpid`.
pub(crate) fn process_facts() -> &'static (u32, String) {
    static FACTS: OnceLock<(u32, String)> = OnceLock::new();
    FACTS.get_or_init(|| (std::process::id(), crate::stats_view::hostname()))
}

pub(crate) fn log_time(t: SystemTime) -> LogTime {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    // The UTC offset of now (cached per second by the logging crate) also holds for a
    // moment a few seconds earlier, but at a DST change.
    let offset = logging::now().utc_offset_secs;
    LogTime::new(d.as_secs() as i64, d.subsec_micros(), offset)
}

/// A transaction (HTTP request) or connection (TCP) ended: time it, log it.
pub(crate) fn finish(
    w: &Worker,
    fe: &FrontendPlan,
    txn: &Txn,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    texts: Option<&LogTexts>,
) -> Mono {
    let now = Mono::now();
    let timers = txn.timers(now);
    crate::latency::record(w, txn, &timers);
    let Some(log) = fe.log.as_ref() else {
        return now;
    };
    if log.format.moment == LogMoment::Accept {
        return now;
    }
    let Some(sink) = log.sink.get() else {
        return now;
    };
    let plan = &w.plan;
    let c = &plan.counters;
    let backend = txn.backend.and_then(|b| plan.backends.get(b));
    let server = txn
        .backend
        .zip(txn.server)
        .and_then(|(b, s)| plan.backends.get(b)?.servers.get(s));
    let (req_caps, resp_caps);
    let empty: &[Option<&[u8]>] = &[];
    let (request_headers, response_headers, request_line) = match texts {
        Some(t) => {
            req_caps = t.req_caps.iter().map(|r| t.get(r)).collect::<Vec<_>>();
            resp_caps = t.resp_caps.iter().map(|r| t.get(r)).collect::<Vec<_>>();
            (&req_caps[..], &resp_caps[..], &t.request_line[..])
        }
        None => (empty, empty, &b""[..]),
    };
    let accept = txn.accept_wall().map(log_time).unwrap_or_default();
    let rec = LogRecord {
        client: peer,
        frontend_addr: local,
        server_addr: server.and_then(|s| s.target.resolve(local)),
        accept_date: accept,
        request_date: txn.request_wall().map(log_time),
        frontend: &fe.name,
        backend: backend.map_or(fe.name.as_str(), |b| b.name.as_str()),
        server: server.map(|s| s.name.as_str()).or(txn.local_server),
        timers,
        status: txn.status,
        bytes_read: txn.bytes_out,
        bytes_uploaded: txn.bytes_in,
        termination: txn.state,
        actconn: plan.global_sessions.cur() as u32,
        feconn: c.frontends[fe.id].sessions.cur() as u32,
        beconn: txn
            .backend
            .and_then(|b| c.backends.get(b))
            .map_or(0, |r| r.sessions.cur() as u32),
        srv_conn: txn
            .backend
            .zip(txn.server)
            .and_then(|(b, s)| c.servers.get(b)?.get(s))
            .map_or(0, |r| r.sessions.cur() as u32),
        retries: txn.retries,
        redispatched: txn.redispatched,
        srv_queue: txn.srv_queue,
        backend_queue: txn.be_queue,
        request_headers,
        response_headers,
        request_line,
        http: log.http,
        pid: process_facts().0,
        hostname: &process_facts().1,
        request_counter: txn.request_counter.unwrap_or_else(next_request_counter),
        unique_id: &txn.unique_id,
        log_counter: log.counter.fetch_add(1, Ordering::Relaxed),
        ..LogRecord::default()
    };
    let Some(level) = logging::access_level(&log.options, &rec) else {
        return now;
    };
    emit(log, sink, level, &rec);
    now
}

thread_local! {
    /// `log-format-sd`'s structured data, reused like [`LINE`].
    static SD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Renders `rec` in the frontend's format (and `log-format-sd`, for RFC 5424 targets) and
/// sends it; nothing is allocated once the thread's buffers have grown.
fn emit(log: &FrontendLog, sink: &logging::LogSink, level: logging::Level, rec: &LogRecord<'_>) {
    LINE.with(|line| {
        let Ok(mut line) = line.try_borrow_mut() else {
            return;
        };
        line.clear();
        log.format.format.render(rec, &mut line);
        match &log.format.structured_data {
            None => sink.send(level, &line),
            Some(sd_format) => SD.with(|sd| {
                let Ok(mut sd) = sd.try_borrow_mut() else {
                    return;
                };
                sd.clear();
                sd_format.render(rec, &mut sd);
                sink.send_at(level, &logging::now(), Some(&sd), &line);
            }),
        }
    });
}

/// A connection that ended before sending a request head (closed empty, or silent until its
/// first-request timeout `waited` after accept): HAProxy logs its `<BADREQ>` line, which
/// `option dontlognull` suppresses. Free when the frontend does not log.
pub(crate) fn no_request(
    w: &Worker,
    fe: &FrontendPlan,
    peer: Option<SocketAddr>,
    waited: std::time::Duration,
    status: u16,
    bytes_out: u64,
    cause: logging::TerminationCause,
) {
    if fe.log.is_none() {
        return;
    }
    let mut txn = Txn::started_ago(waited, true);
    accepted(w, fe, &txn, peer, None);
    txn.status = Some(status);
    txn.bytes_out = bytes_out;
    txn.end(cause, logging::SessionPhase::Request);
    finish(w, fe, &txn, peer, None, None);
}

/// A connection was accepted: the legacy default format (no `option httplog|tcplog`, no
/// `log-format`) logs its "Connect from" line now, as HAProxy does.
pub(crate) fn accepted(
    _w: &Worker,
    fe: &FrontendPlan,
    txn: &Txn,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) {
    let Some(log) = fe.log.as_ref() else {
        return;
    };
    if log.format.moment != LogMoment::Accept {
        return;
    }
    let Some(sink) = log.sink.get() else {
        return;
    };
    let rec = LogRecord {
        client: peer,
        frontend_addr: local,
        accept_date: txn.accept_wall().map(log_time).unwrap_or_default(),
        frontend: &fe.name,
        backend: &fe.name,
        http: log.http,
        pid: process_facts().0,
        hostname: &process_facts().1,
        log_counter: log.counter.fetch_add(1, Ordering::Relaxed),
        ..LogRecord::default()
    };
    emit(log, sink, logging::Level::Info, &rec);
}

/// The syslog tag when `log-tag` is not set: HAProxy uses its program name, and syslog rules
/// written for it (`:programname, isequal, "haproxy"`) keep matching halb's lines.
const PROGRAM: &str = "haproxy";

/// Opens the log targets of every frontend and of `global` (process and server events).
/// Called when the workers start, after any fork.
pub(crate) fn open_sinks(
    plan: &crate::plan::Plan,
) -> Result<Option<Arc<logging::LogSink>>, String> {
    let config = &plan.config;
    let host = crate::stats_view::hostname();
    let pid = std::process::id();
    for fe in &plan.frontends {
        let Some(log) = fe.log.as_ref() else { continue };
        let proxy = config.proxies.get(fe.proxy_index);
        let identity = logging::SyslogIdentity::resolve(&config.global, proxy, &host, pid, PROGRAM);
        let sink = logging::LogSink::new(&log.targets, identity).map_err(|e| e.to_string())?;
        let _ = log.sink.set(Arc::new(sink));
    }
    if config.global.logs.is_empty() {
        return Ok(None);
    }
    let identity = logging::SyslogIdentity::resolve(&config.global, None, &host, pid, PROGRAM);
    let sink = logging::LogSink::new(&config.global.logs, identity).map_err(|e| e.to_string())?;
    Ok(Some(Arc::new(sink)))
}

/// Server state changes and check results: on stderr as HAProxy prints them in the
/// foreground, and to the `global` log targets at HAProxy's levels.
pub(crate) struct ProcessLog {
    pub sink: Option<Arc<logging::LogSink>>,
}

impl ProcessLog {
    pub fn send(&self, level: logging::Level, text: &str) {
        if let Some(s) = &self.sink {
            s.send(level, text.as_bytes());
        }
    }
}

impl checks::driver::CheckLog for ProcessLog {
    fn emit(&self, e: &checks::driver::CheckEvent) {
        checks::driver::StderrLog.emit(e);
        let level = match e.severity {
            checks::driver::Severity::Emerg => logging::Level::Emerg,
            checks::driver::Severity::Alert => logging::Level::Alert,
            checks::driver::Severity::Notice => logging::Level::Notice,
        };
        self.send(level, &e.text);
    }
}
