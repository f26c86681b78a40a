//! Errors the data plane reports to its caller (`halb proxy`) at bind and run time.
//!
//! Traffic errors never appear here: they are answered on the wire (400, 502, 503, ...),
//! counted in the [`crate::counters::CounterTable`] and the session goes on or closes.

use std::io;

use haproxy_cfg::model::ListenAddr;

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A `bind` address could not be bound (in use, not local without `transparent`, ...).
    #[error("proxy '{proxy}': cannot bind socket [{addr}]: {source}")]
    Bind {
        proxy: String,
        addr: ListenAddr,
        source: io::Error,
    },
    /// A server name could not be resolved when the plan was built.
    #[error("backend '{backend}': server '{server}': could not resolve address '{host}'")]
    Resolve {
        backend: String,
        server: String,
        host: String,
    },
    /// `maxconn` needs more file descriptors than the hard limit allows and `strict-limits` is on.
    #[error("[{needed}] FD limit required for maxconn {maxconn}, but the hard limit is {hard}; use 'no strict-limits' to start anyway")]
    FdLimit {
        maxconn: u32,
        needed: u64,
        hard: u64,
    },
    /// A frontend uses a backend reference this runtime does not support yet.
    #[error("proxy '{proxy}': {what}")]
    Unsupported { proxy: String, what: String },
    /// An `errorfile` could not be read.
    #[error("proxy '{proxy}': errorfile '{path}': {source}")]
    ErrorFile {
        proxy: String,
        path: std::path::PathBuf,
        source: io::Error,
    },
    /// A health-check line could not be compiled, or the checker could not start.
    #[error("{0}")]
    Checks(String),
    /// A `stats socket` that cannot be served.
    #[error("config : stats socket: {0}")]
    Runtime(String),
    /// A `log-format` (or log target) that cannot be used.
    #[error("config : {0}")]
    Log(String),
    /// An ACL or rule line could not be compiled (rendered as HAProxy's
    /// `parsing [file:line] : …`).
    #[error("config : parsing [{location}] : {source}", location = .source.location)]
    Rules {
        #[from]
        source: rules::CompileError,
    },
    #[error("cannot start worker thread {thread}: {source}")]
    Thread { thread: usize, source: io::Error },
    #[error("worker thread {thread} panicked")]
    WorkerPanicked { thread: usize },
}
