//! The one counter table every stats renderer reads (HTML, CSV, JSON, Prometheus).
//!
//! Rows: one per frontend, one per backend, one per server, in plan order. Totals (bytes,
//! sessions, errors, responses by class) live in one shard per worker thread, written only by
//! that thread without a read-modify-write bus lock and summed on read. Gauges (current
//! sessions, queue) are shared atomics because they also enforce `maxconn` and `maxqueue`
//! across threads.

use std::sync::atomic::{AtomicU64, Ordering};

/// A total kept per thread and summed on read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Counter {
    /// Sessions (frontend: accepted connections; backend/server: connections handed to it).
    SessionsTotal,
    BytesIn,
    BytesOut,
    DeniedReq,
    DeniedResp,
    ErrorsReq,
    ErrorsConn,
    ErrorsResp,
    Retries,
    Redispatches,
    HttpRequests,
    Http1xx,
    Http2xx,
    Http3xx,
    Http4xx,
    Http5xx,
    HttpOther,
    /// Server connections reused from the idle pool or kept from the previous request.
    ConnReuse,
}

const COUNTERS: usize = Counter::ConnReuse as usize + 1;

/// The counter for a response status class.
pub fn class_of(status: u16) -> Counter {
    match status / 100 {
        1 => Counter::Http1xx,
        2 => Counter::Http2xx,
        3 => Counter::Http3xx,
        4 => Counter::Http4xx,
        5 => Counter::Http5xx,
        _ => Counter::HttpOther,
    }
}

/// One thread's totals for one row, on its own cache line so threads never share one.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Shard([AtomicU64; COUNTERS]);

/// Current and highest value of a level shared by all threads.
#[derive(Debug, Default)]
pub struct Gauge {
    cur: AtomicU64,
    max: AtomicU64,
}

impl Gauge {
    pub fn cur(&self) -> u64 {
        self.cur.load(Ordering::Relaxed)
    }

    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// Adds one if the level stays within `limit` (0 = no limit); false when full.
    pub fn try_enter(&self, limit: u64) -> bool {
        let mut cur = self.cur.load(Ordering::Relaxed);
        loop {
            if limit != 0 && cur >= limit {
                return false;
            }
            match self
                .cur
                .compare_exchange_weak(cur, cur + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    self.max.fetch_max(cur + 1, Ordering::Relaxed);
                    return true;
                }
                Err(seen) => cur = seen,
            }
        }
    }

    pub fn enter(&self) {
        let now = self.cur.fetch_add(1, Ordering::AcqRel) + 1;
        self.max.fetch_max(now, Ordering::Relaxed);
    }

    pub fn leave(&self) {
        self.cur.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What a row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Frontend,
    Backend,
    Server,
}

/// One line of the stats page: a frontend, a backend or a server.
#[derive(Debug)]
pub struct CounterRow {
    pub proxy: String,
    /// `FRONTEND`, `BACKEND` or the server's name, as HAProxy's CSV `svname` column.
    pub name: String,
    pub kind: RowKind,
    /// Sessions in progress (the frontend's limits `maxconn`, a server's its `maxconn`).
    pub sessions: Gauge,
    /// Requests waiting for a server slot.
    pub queue: Gauge,
    shards: Box<[Shard]>,
}

impl CounterRow {
    pub fn new(proxy: &str, name: &str, kind: RowKind, threads: usize) -> CounterRow {
        CounterRow {
            proxy: proxy.to_string(),
            name: name.to_string(),
            kind,
            sessions: Gauge::default(),
            queue: Gauge::default(),
            shards: (0..threads.max(1)).map(|_| Shard::default()).collect(),
        }
    }

    /// Adds `n` to this thread's share. Only thread `thread` writes its shard, so a plain
    /// load and store (no locked add) is enough.
    #[inline]
    pub fn add(&self, thread: usize, counter: Counter, n: u64) {
        if let Some(shard) = self.shards.get(thread) {
            let c = &shard.0[counter as usize];
            c.store(c.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
        }
    }

    #[inline]
    pub fn incr(&self, thread: usize, counter: Counter) {
        self.add(thread, counter, 1);
    }

    /// The sum over all threads.
    pub fn total(&self, counter: Counter) -> u64 {
        self.shards
            .iter()
            .map(|s| s.0[counter as usize].load(Ordering::Relaxed))
            .fold(0u64, u64::wrapping_add)
    }
}

/// Every row, in plan order: `frontends[f]`, `backends[b]`, `servers[b][s]`.
#[derive(Debug)]
pub struct CounterTable {
    pub frontends: Vec<CounterRow>,
    pub backends: Vec<CounterRow>,
    pub servers: Vec<Vec<CounterRow>>,
}

impl CounterTable {
    pub fn frontend(&self, name: &str) -> Option<&CounterRow> {
        self.frontends.iter().find(|r| r.proxy == name)
    }

    pub fn backend(&self, name: &str) -> Option<&CounterRow> {
        self.backends.iter().find(|r| r.proxy == name)
    }

    pub fn server(&self, backend: &str, server: &str) -> Option<&CounterRow> {
        let b = self.backends.iter().position(|r| r.proxy == backend)?;
        self.servers.get(b)?.iter().find(|r| r.name == server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_summed_over_threads() {
        let row = CounterRow::new("fe", "FRONTEND", RowKind::Frontend, 3);
        row.add(0, Counter::BytesIn, 10);
        row.add(2, Counter::BytesIn, 5);
        row.incr(1, Counter::BytesIn);
        // A thread index past the shards is ignored, never a panic.
        row.incr(9, Counter::BytesIn);
        assert_eq!(row.total(Counter::BytesIn), 16);
        assert_eq!(row.total(Counter::BytesOut), 0);
    }

    #[test]
    fn gauge_respects_limit_and_tracks_max() {
        let g = Gauge::default();
        assert!(g.try_enter(2));
        assert!(g.try_enter(2));
        assert!(!g.try_enter(2));
        g.leave();
        assert_eq!(g.cur(), 1);
        assert_eq!(g.max(), 2);
        assert!(g.try_enter(0));
        assert!(g.try_enter(0));
        assert_eq!(g.max(), 3);
    }

    #[test]
    fn status_classes() {
        assert_eq!(class_of(101), Counter::Http1xx);
        assert_eq!(class_of(204), Counter::Http2xx);
        assert_eq!(class_of(503), Counter::Http5xx);
        assert_eq!(class_of(99), Counter::HttpOther);
    }
}
