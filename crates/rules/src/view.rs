//! What the rules read: the connection, the request or response head the proxy parsed, and a
//! few live counters. The proxy fills these from what it already has (a parsed `http1::Head`
//! and its buffer); nothing is copied.

use std::net::SocketAddr;

/// The connection a rule is evaluated for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnInfo {
    /// The client's address (`src`, `src_port`).
    pub src: Option<SocketAddr>,
    /// The address the client connected to (`dst`, `dst_port`).
    pub dst: Option<SocketAddr>,
    /// The connection arrived over TLS (`ssl_fc`); always false until TLS lands.
    pub ssl: bool,
}

/// A parsed head and the buffer its spans point into.
#[derive(Debug, Clone, Copy)]
pub struct HeadView<'a> {
    pub buf: &'a [u8],
    pub head: &'a http1::Head,
}

/// Live numbers some fetches read (`nbsrv`, `be_conn`, `fe_conn`). Indexes are positions in
/// `Config::proxies`. The proxy implements this over its atomics.
pub trait Counters {
    /// Usable (up, not in maintenance) servers of a backend.
    fn usable_servers(&self, backend: usize) -> u32;
    /// Established connections of a backend.
    fn backend_conns(&self, backend: usize) -> u64;
    /// Established connections of a frontend.
    fn frontend_conns(&self, frontend: usize) -> u64;
}

/// Counters that are always zero, for contexts that have none (and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCounters;

impl Counters for NoCounters {
    fn usable_servers(&self, _backend: usize) -> u32 {
        0
    }
    fn backend_conns(&self, _backend: usize) -> u64 {
        0
    }
    fn frontend_conns(&self, _frontend: usize) -> u64 {
        0
    }
}

/// Reads pattern files (`acl … -f FILE`) and `return … file F` bodies at configuration load;
/// the binary implements it with the file system, tests with a map.
pub trait FileSource {
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// A file source that has no file, for configurations that name none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFiles;

impl FileSource for NoFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file source to read '{path}'"))
    }
}
