//! The one counter table every stats renderer reads (HTML, CSV, JSON, Prometheus).
//!
//! Rows: one per frontend, one per backend, one per server, in plan order. Totals (bytes,
//! sessions, errors, responses by class), rates and timings live in one shard per worker
//! thread, written only by that thread without a read-modify-write bus lock and summed on
//! read. Gauges (current sessions, queue) are shared atomics because they also enforce
//! `maxconn` and `maxqueue` across threads.
//!
//! The proxy writes; [`crate::snapshot`] reads a row into HAProxy's `show stat` fields.
//! Nothing here reads the clock: rates and `lastsess` take `now_sec` from the caller.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::rate::{Rate, RateShard};
use crate::timing::{TimerShard, TimerSummary};

pub use crate::rate::Rate as RateKind;
pub use crate::timing::Timer;

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
    /// Transfers aborted by the client (`cli_abrt`).
    CliAborts,
    /// Transfers aborted by the server (`srv_abrt`).
    SrvAborts,
    /// Failed HTTP header rewrites (`wrew`: HAProxy counts the rewrites that did not fit).
    Rewrites,
    /// Internal errors (`eint`).
    InternalErrors,
    /// Times a server was picked by the load-balancing algorithm (`lbtot`).
    LbTotal,
    /// Connections accepted by a frontend, before any session rule (`conn_tot`).
    ConnTotal,
    /// Requests answered by the proxy itself: stats page, `use-service`, redirects (`intercepted`).
    Intercepted,
    /// Connections refused by `tcp-request connection` rules (`dcon`).
    DeniedConn,
    /// Sessions refused by `tcp-request session` rules (`dses`).
    DeniedSess,
    /// New connections attempted to a server, reuse excluded (`connect`).
    Connects,
    /// Failed health checks (`chkfail`), added to [`crate::facts::CheckFacts::failures`].
    CheckFailures,
}

pub(crate) const COUNTERS: usize = Counter::CheckFailures as usize + 1;

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

/// One thread's share of one row, on its own cache lines so threads never share one.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Shard {
    totals: [AtomicU64; COUNTERS],
    rates: RateShard,
    timers: TimerShard,
    /// `now_sec + 1` of the last session this thread handed to the row (0 = never), so a
    /// clock that starts at second 0 still records its first second.
    last_sess: AtomicU32,
}

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
        // Never wraps below zero, even if a caller leaves twice.
        let _ = self
            .cur
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |c| c.checked_sub(1));
    }

    /// `clear counters`: the highest value restarts from the current level.
    pub fn reset_max(&self) {
        self.max.store(self.cur(), Ordering::Relaxed);
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
    /// Highest rates seen by readers (see [`CounterRow::rate_max`]); cleared by `clear counters`.
    read_rate_max: [AtomicU32; Rate::COUNT],
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
            read_rate_max: Default::default(),
            shards: (0..threads.max(1)).map(|_| Shard::default()).collect(),
        }
    }

    /// Number of per-thread shards (valid `thread` arguments are `0..threads()`).
    pub fn threads(&self) -> usize {
        self.shards.len()
    }

    /// Adds `n` to this thread's share. Only thread `thread` writes its shard, so a plain
    /// load and store (no locked add) is enough.
    #[inline]
    pub fn add(&self, thread: usize, counter: Counter, n: u64) {
        if let Some(shard) = self.shards.get(thread) {
            let c = &shard.totals[counter as usize];
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
            .map(|s| s.totals[counter as usize].load(Ordering::Relaxed))
            .fold(0u64, u64::wrapping_add)
    }

    /// Counts one event for `rate` in second `now_sec` on this thread. A
    /// [`Rate::Sessions`] event also sets `lastsess`.
    #[inline]
    pub fn tick(&self, thread: usize, rate: Rate, now_sec: u32) {
        if let Some(shard) = self.shards.get(thread) {
            shard.rates.tick(rate, now_sec);
            if rate == Rate::Sessions {
                shard
                    .last_sess
                    .store(now_sec.saturating_add(1), Ordering::Relaxed);
            }
        }
    }

    /// The usual pair for a new session: `stot` + 1, the session rate, `lastsess`.
    #[inline]
    pub fn session_started(&self, thread: usize, now_sec: u32) {
        self.incr(thread, Counter::SessionsTotal);
        self.tick(thread, Rate::Sessions, now_sec);
    }

    /// Events over the last second, summed over threads (see [`crate::rate`] for the window).
    pub fn rate(&self, rate: Rate, now_sec: u32) -> u32 {
        let sum = self
            .shards
            .iter()
            .map(|s| s.rates.read(rate, now_sec))
            .fold(0u32, u32::saturating_add);
        self.read_rate_max[rate as usize].fetch_max(sum, Ordering::Relaxed);
        sum
    }

    /// Highest per-second rate seen: the highest of what readers saw and of each thread's own
    /// busiest second. Exact with one thread; with several it can miss a peak spread evenly
    /// over threads between two reads (a lower bound, never an over-estimate).
    pub fn rate_max(&self, rate: Rate, now_sec: u32) -> u32 {
        let cur = self.rate(rate, now_sec);
        let per_thread = self
            .shards
            .iter()
            .map(|s| s.rates.max(rate))
            .max()
            .unwrap_or(0);
        // No event since start or the last `clear counters`: HAProxy raises its maximum on
        // events only, so it shows 0 even while the window still holds older ones.
        if per_thread == 0 {
            return 0;
        }
        cur.max(per_thread)
            .max(self.read_rate_max[rate as usize].load(Ordering::Relaxed))
    }

    /// Seconds since the last session (`lastsess`), or `None` if there was none.
    pub fn last_session_age(&self, now_sec: u32) -> Option<u32> {
        let last = self
            .shards
            .iter()
            .map(|s| s.last_sess.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        (last != 0).then(|| now_sec.saturating_sub(last - 1))
    }

    /// Records one duration in milliseconds for `timer`: no lock, no allocation.
    #[inline]
    pub fn record_time(&self, thread: usize, timer: Timer, ms: u32) {
        if let Some(shard) = self.shards.get(thread) {
            shard.timers.record(timer, ms);
        }
    }

    /// Average over about the last 1024 samples (HAProxy's `qtime`/`ctime`/`rtime`/`ttime`),
    /// the maximum, and p50/p90/p99 since start or the last `clear counters all`.
    pub fn timer_summary(&self, timer: Timer) -> TimerSummary {
        TimerSummary::merge(self.shards.iter().map(|s| &s.timers), timer)
    }

    /// `clear counters` (`all == false`): highest values restart (gauge maxima, rate maxima,
    /// time maxima). `clear counters all`: every total, rate, timing and `lastsess` too.
    ///
    /// A worker adding to its shard at the same moment may write back its old value, so a
    /// clear racing with traffic can miss that one thread's last increments; HAProxy's
    /// `clear counters` makes the same trade.
    pub fn clear(&self, all: bool) {
        self.sessions.reset_max();
        self.queue.reset_max();
        for m in &self.read_rate_max {
            m.store(0, Ordering::Relaxed);
        }
        for shard in self.shards.iter() {
            shard.rates.clear_max();
            shard.timers.clear_max();
            if all {
                for c in &shard.totals {
                    c.store(0, Ordering::Relaxed);
                }
                shard.rates.clear();
                shard.timers.clear();
                shard.last_sess.store(0, Ordering::Relaxed);
            }
        }
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

    /// `clear counters [all]` over every row.
    pub fn clear(&self, all: bool) {
        self.frontends
            .iter()
            .chain(self.backends.iter())
            .chain(self.servers.iter().flatten())
            .for_each(|r| r.clear(all));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn totals_are_summed_over_threads() {
        let row = CounterRow::new("fe", "FRONTEND", RowKind::Frontend, 3);
        row.add(0, Counter::BytesIn, 10);
        row.add(2, Counter::BytesIn, 5);
        row.incr(1, Counter::BytesIn);
        // A thread index past the shards is ignored, never a panic.
        row.incr(9, Counter::BytesIn);
        row.tick(9, Rate::Sessions, 5);
        row.record_time(9, Timer::Total, 5);
        assert_eq!(row.total(Counter::BytesIn), 16);
        assert_eq!(row.total(Counter::BytesOut), 0);
    }

    #[test]
    fn real_threads_each_writing_their_shard_lose_nothing() {
        let row = Arc::new(CounterRow::new("b", "s1", RowKind::Server, 4));
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let row = Arc::clone(&row);
                std::thread::spawn(move || {
                    for i in 0..10_000u32 {
                        row.incr(t, Counter::HttpRequests);
                        row.add(t, Counter::BytesOut, 3);
                        row.record_time(t, Timer::Response, i % 100);
                        row.tick(t, Rate::Requests, 1000 + i / 5000);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("worker thread");
        }
        assert_eq!(row.total(Counter::HttpRequests), 40_000);
        assert_eq!(row.total(Counter::BytesOut), 120_000);
        let s = row.timer_summary(Timer::Response);
        assert_eq!(s.count, 40_000);
        assert_eq!(s.max, 99);
        // Each thread did 5000 requests in second 1000 then 5000 in second 1001.
        assert_eq!(row.rate(Rate::Requests, 1001), 20_000);
        assert_eq!(row.rate_max(Rate::Requests, 1001), 20_000);
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
        g.reset_max();
        assert_eq!(g.max(), 3.min(g.cur()));
    }

    #[test]
    fn gauge_never_goes_below_zero() {
        let g = Gauge::default();
        g.leave();
        assert_eq!(g.cur(), 0);
    }

    #[test]
    fn status_classes() {
        assert_eq!(class_of(101), Counter::Http1xx);
        assert_eq!(class_of(204), Counter::Http2xx);
        assert_eq!(class_of(503), Counter::Http5xx);
        assert_eq!(class_of(99), Counter::HttpOther);
    }

    #[test]
    fn last_session_age_follows_now() {
        let row = CounterRow::new("b", "s", RowKind::Server, 2);
        assert_eq!(row.last_session_age(100), None);
        row.session_started(1, 0);
        assert_eq!(
            row.last_session_age(3),
            Some(3),
            "second 0 is a real second"
        );
        row.session_started(1, 90);
        row.session_started(0, 95);
        assert_eq!(row.last_session_age(100), Some(5));
        assert_eq!(row.total(Counter::SessionsTotal), 3);
    }

    #[test]
    fn clear_resets_maxima_then_everything() {
        let row = CounterRow::new("b", "s", RowKind::Server, 2);
        row.sessions.enter();
        row.sessions.enter();
        row.sessions.leave();
        row.incr(0, Counter::HttpRequests);
        row.record_time(0, Timer::Total, 500);
        row.record_time(0, Timer::Total, 10);
        for _ in 0..7 {
            row.tick(1, Rate::Requests, 50);
        }
        row.session_started(0, 50);
        assert_eq!(row.rate_max(Rate::Requests, 50), 7);

        row.clear(false);
        assert_eq!(row.sessions.max(), 1, "max restarts at the current level");
        assert_eq!(row.timer_summary(Timer::Total).max, 0);
        assert_eq!(row.rate_max(Rate::Requests, 200), 0);
        assert_eq!(row.total(Counter::HttpRequests), 1, "totals kept");
        assert_eq!(row.timer_summary(Timer::Total).count, 2, "samples kept");

        row.clear(true);
        assert_eq!(row.total(Counter::HttpRequests), 0);
        assert_eq!(row.timer_summary(Timer::Total).count, 0);
        assert_eq!(row.last_session_age(60), None);
        assert_eq!(row.sessions.cur(), 1, "a level is not a counter");
    }

    #[test]
    fn table_finds_rows_and_clears_all() {
        let t = CounterTable {
            frontends: vec![CounterRow::new("fe", "FRONTEND", RowKind::Frontend, 1)],
            backends: vec![CounterRow::new("be", "BACKEND", RowKind::Backend, 1)],
            servers: vec![vec![CounterRow::new("be", "s1", RowKind::Server, 1)]],
        };
        assert!(t.frontend("fe").is_some());
        assert!(t.backend("fe").is_none());
        let s = t.server("be", "s1").expect("server row");
        s.incr(0, Counter::LbTotal);
        assert!(t.server("be", "s2").is_none());
        t.clear(true);
        assert_eq!(s.total(Counter::LbTotal), 0);
    }
}
