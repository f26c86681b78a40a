//! A snapshot of the stats: process info plus one [`StatRow`] per frontend, backend and
//! server, each holding HAProxy 2.6's `show stat` fields as typed values. Built from a
//! [`CounterRow`] and the facts of [`crate::facts`]; every renderer reads only this.
//!
//! Which fields a row fills follows what HAProxy 2.6 fills for the same kind of row (a field
//! HAProxy leaves empty for servers is empty here too), so CSV cells line up column for column.

use crate::counters::{Counter, CounterRow};
use crate::facts::{
    BackendFacts, BackendStatus, CheckFacts, FrontendFacts, ProcessInfo, ProxyMode, ServerFacts,
    ServerState,
};
use crate::fields::{StatField as F, STAT_FIELD_COUNT};
use crate::rate::Rate;
use crate::timing::{Timer, TimerSummary};
use crate::value::{ObjType, Tags, Value};

/// What the HTML page colours a row by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    Frontend,
    Backend(BackendStatus),
    Server { state: ServerState, backup: bool },
}

/// One `show stat` line.
#[derive(Debug, Clone)]
pub struct StatRow {
    pub obj: ObjType,
    pub state: RowState,
    pub mode: ProxyMode,
    values: Vec<Value>,
    /// halb's addition: queue/connect/response/total summaries, indexed by `Timer as usize`.
    pub timers: [TimerSummary; Timer::COUNT],
}

impl StatRow {
    fn new(obj: ObjType, state: RowState, mode: ProxyMode) -> StatRow {
        StatRow {
            obj,
            state,
            mode,
            values: vec![Value::Empty; STAT_FIELD_COUNT],
            timers: [TimerSummary::default(); Timer::COUNT],
        }
    }

    pub fn get(&self, f: F) -> &Value {
        &self.values[f as usize]
    }

    pub fn set(&mut self, f: F, v: Value) {
        self.values[f as usize] = v;
    }

    /// The field's tags on this kind of row.
    pub fn tags(&self, f: F) -> Tags {
        f.tags(self.obj)
    }

    pub fn proxy(&self) -> &str {
        self.get(F::Pxname).as_str()
    }

    pub fn name(&self) -> &str {
        self.get(F::Svname).as_str()
    }

    pub fn iid(&self) -> u32 {
        self.get(F::Iid).as_u64() as u32
    }

    pub fn sid(&self) -> u32 {
        self.get(F::Sid).as_u64() as u32
    }

    pub fn timer(&self, t: Timer) -> &TimerSummary {
        &self.timers[t as usize]
    }

    /// Every value in field order.
    pub fn values(&self) -> impl Iterator<Item = (F, &Value)> {
        F::ALL.iter().copied().zip(self.values.iter())
    }

    fn u32(&mut self, f: F, v: u64) {
        self.set(f, Value::U32(v.min(u64::from(u32::MAX)) as u32));
    }

    fn u64(&mut self, f: F, v: u64) {
        self.set(f, Value::U64(v));
    }

    fn str(&mut self, f: F, v: &str) {
        self.set(f, Value::Str(v.to_string()));
    }
}

/// Everything one renderer call shows.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub info: ProcessInfo,
    /// Rows in HAProxy's order: per proxy, the frontend, then its servers, then the backend.
    pub rows: Vec<StatRow>,
}

/// The columns every kind of row shares.
fn common(row: &mut StatRow, c: &CounterRow, iid: u32, sid: u32, obj: ObjType, now_sec: u32) {
    row.str(F::Pxname, &c.proxy);
    row.str(F::Svname, &c.name);
    row.u32(F::Scur, c.sessions.cur());
    row.u32(F::Smax, c.sessions.max());
    row.u64(F::Stot, c.total(Counter::SessionsTotal));
    row.u64(F::Bin, c.total(Counter::BytesIn));
    row.u64(F::Bout, c.total(Counter::BytesOut));
    row.u64(F::Dresp, c.total(Counter::DeniedResp));
    row.u32(F::Pid, 1);
    row.u32(F::Iid, u64::from(iid));
    row.u32(F::Sid, u64::from(sid));
    row.u32(F::Type, u64::from(obj.code()));
    row.u32(F::Rate, u64::from(c.rate(Rate::Sessions, now_sec)));
    row.u32(F::RateMax, u64::from(c.rate_max(Rate::Sessions, now_sec)));
    row.u64(F::Wrew, c.total(Counter::Rewrites));
    row.u64(F::Eint, c.total(Counter::InternalErrors));
    for (f, counter) in [
        (F::Hrsp1xx, Counter::Http1xx),
        (F::Hrsp2xx, Counter::Http2xx),
        (F::Hrsp3xx, Counter::Http3xx),
        (F::Hrsp4xx, Counter::Http4xx),
        (F::Hrsp5xx, Counter::Http5xx),
        (F::HrspOther, Counter::HttpOther),
    ] {
        row.u64(f, c.total(counter));
    }
    for t in Timer::ALL {
        row.timers[t as usize] = c.timer_summary(t);
    }
}

/// Backend and server columns: queue, errors, aborts, timings.
fn backend_side(row: &mut StatRow, c: &CounterRow, now_sec: u32) {
    row.u32(F::Qcur, c.queue.cur());
    row.u32(F::Qmax, c.queue.max());
    row.u64(F::Econ, c.total(Counter::ErrorsConn));
    row.u64(F::Eresp, c.total(Counter::ErrorsResp));
    row.u64(F::Wretr, c.total(Counter::Retries));
    row.u64(F::Wredis, c.total(Counter::Redispatches));
    row.u64(F::Lbtot, c.total(Counter::LbTotal));
    row.u64(F::ReqTot, c.total(Counter::HttpRequests));
    row.u64(F::CliAbrt, c.total(Counter::CliAborts));
    row.u64(F::SrvAbrt, c.total(Counter::SrvAborts));
    // HAProxy prints -1 when there never was a session.
    let lastsess = c
        .last_session_age(now_sec)
        .map_or(-1, |a| i32::try_from(a).unwrap_or(i32::MAX));
    row.set(F::Lastsess, Value::S32(lastsess));
    for (avg, max, t) in [
        (F::Qtime, F::QtimeMax, Timer::Queue),
        (F::Ctime, F::CtimeMax, Timer::Connect),
        (F::Rtime, F::RtimeMax, Timer::Response),
        (F::Ttime, F::TtimeMax, Timer::Total),
    ] {
        let s = row.timers[t as usize];
        row.u32(avg, u64::from(s.avg));
        row.u32(max, u64::from(s.max));
    }
    row.u64(F::Connect, c.total(Counter::Connects));
    row.u64(F::Reuse, c.total(Counter::ConnReuse));
}

fn http_only(row: &mut StatRow, mode: ProxyMode) {
    if mode != ProxyMode::Http {
        for f in [
            F::Hrsp1xx,
            F::Hrsp2xx,
            F::Hrsp3xx,
            F::Hrsp4xx,
            F::Hrsp5xx,
            F::HrspOther,
            F::ReqRate,
            F::ReqRateMax,
            F::ReqTot,
            F::Intercepted,
            F::CacheLookups,
            F::CacheHits,
            F::CompIn,
            F::CompOut,
            F::CompByp,
            F::CompRsp,
        ] {
            row.set(f, Value::Empty);
        }
    }
}

/// The `ssl`, `h2` and `h1` module columns halb does not track yet: zero like an idle
/// HAProxy, so tools reading them see a number.
fn module_zeros(row: &mut StatRow, from: F, to: F) {
    for f in F::ALL.iter().copied().filter(|f| *f >= from && *f <= to) {
        row.u64(f, 0);
    }
}

/// Builds a `FRONTEND` row.
pub fn frontend_row(c: &CounterRow, facts: &FrontendFacts, now_sec: u32) -> StatRow {
    let mut row = StatRow::new(ObjType::Frontend, RowState::Frontend, facts.mode);
    common(&mut row, c, facts.iid, 0, ObjType::Frontend, now_sec);
    row.u32(F::Slim, u64::from(facts.maxconn));
    row.u64(F::Dreq, c.total(Counter::DeniedReq));
    row.u64(F::Ereq, c.total(Counter::ErrorsReq));
    row.str(F::Status, facts.status.as_str());
    row.u32(F::RateLim, u64::from(facts.rate_limit));
    row.u32(F::ReqRate, u64::from(c.rate(Rate::Requests, now_sec)));
    row.u32(
        F::ReqRateMax,
        u64::from(c.rate_max(Rate::Requests, now_sec)),
    );
    row.u64(F::ReqTot, c.total(Counter::HttpRequests));
    for f in [
        F::CompIn,
        F::CompOut,
        F::CompByp,
        F::CompRsp,
        F::CacheLookups,
        F::CacheHits,
    ] {
        row.u64(f, 0);
    }
    row.str(F::Mode, facts.mode.as_str());
    row.u32(F::ConnRate, u64::from(c.rate(Rate::Connections, now_sec)));
    row.u32(
        F::ConnRateMax,
        u64::from(c.rate_max(Rate::Connections, now_sec)),
    );
    row.u64(F::ConnTot, c.total(Counter::ConnTotal));
    row.u64(F::Intercepted, c.total(Counter::Intercepted));
    row.u64(F::Dcon, c.total(Counter::DeniedConn));
    row.u64(F::Dses, c.total(Counter::DeniedSess));
    module_zeros(&mut row, F::SslSess, F::H1SplicedBytesOut);
    http_only(&mut row, facts.mode);
    row
}

/// Builds a `BACKEND` row.
pub fn backend_row(c: &CounterRow, facts: &BackendFacts, now_sec: u32) -> StatRow {
    let mut row = StatRow::new(
        ObjType::Backend,
        RowState::Backend(facts.status),
        facts.mode,
    );
    common(&mut row, c, facts.iid, 0, ObjType::Backend, now_sec);
    backend_side(&mut row, c, now_sec);
    row.u32(F::Slim, u64::from(facts.maxconn));
    row.u64(F::Dreq, c.total(Counter::DeniedReq));
    row.str(
        F::Status,
        match facts.status {
            BackendStatus::Up => "UP",
            BackendStatus::Down => "DOWN",
        },
    );
    row.u32(F::Weight, u64::from(facts.weight));
    row.u32(F::Uweight, u64::from(facts.uweight));
    row.u32(F::Act, u64::from(facts.active));
    row.u32(F::Bck, u64::from(facts.backup));
    row.u64(F::Chkdown, facts.downs);
    row.u32(F::Lastchg, u64::from(facts.last_change_sec));
    // Cleared again by `Snapshot::push` when the backend has no server rows.
    row.u32(F::Downtime, u64::from(facts.downtime_sec));
    for f in [
        F::CompIn,
        F::CompOut,
        F::CompByp,
        F::CompRsp,
        F::CacheLookups,
        F::CacheHits,
    ] {
        row.u64(f, 0);
    }
    if let Some(cookie) = &facts.cookie {
        row.str(F::Cookie, cookie);
    }
    row.str(F::Mode, facts.mode.as_str());
    row.str(F::Algo, &facts.algo);
    // Aggregated server states (HAProxy 2.6 reports 0 in these deprecated gauges).
    for f in [
        F::AggServerStatus,
        F::AggServerCheckStatus,
        F::AggCheckStatus,
    ] {
        row.u32(f, 0);
    }
    module_zeros(&mut row, F::SslSess, F::H1SplicedBytesOut);
    http_only(&mut row, facts.mode);
    row
}

fn check_fields(row: &mut StatRow, check: &CheckFacts, agent: bool) {
    let [status, code, duration, desc, last, rise, fall, health] = if agent {
        [
            F::AgentStatus,
            F::AgentCode,
            F::AgentDuration,
            F::AgentDesc,
            F::LastAgt,
            F::AgentRise,
            F::AgentFall,
            F::AgentHealth,
        ]
    } else {
        [
            F::CheckStatus,
            F::CheckCode,
            F::CheckDuration,
            F::CheckDesc,
            F::LastChk,
            F::CheckRise,
            F::CheckFall,
            F::CheckHealth,
        ]
    };
    row.str(status, &check.status);
    if let Some(c) = check.code {
        row.u32(code, u64::from(c));
    }
    if let Some(d) = check.duration_ms {
        row.u64(duration, d);
    }
    row.str(desc, &check.desc);
    row.str(last, &check.last_output);
    row.u32(rise, u64::from(check.rise));
    row.u32(fall, u64::from(check.fall));
    row.u32(health, u64::from(check.health));
}

/// Builds a server row.
pub fn server_row(c: &CounterRow, facts: &ServerFacts, now_sec: u32) -> StatRow {
    let state = RowState::Server {
        state: facts.state.clone(),
        backup: facts.backup,
    };
    let mut row = StatRow::new(ObjType::Server, state, facts.mode);
    common(&mut row, c, facts.iid, facts.sid, ObjType::Server, now_sec);
    backend_side(&mut row, c, now_sec);
    if facts.maxconn != 0 {
        row.u32(F::Slim, u64::from(facts.maxconn));
    }
    if facts.maxqueue != 0 {
        row.u32(F::Qlimit, u64::from(facts.maxqueue));
    }
    row.str(F::Status, &facts.state.text());
    row.u32(F::Weight, u64::from(facts.weight));
    row.u32(F::Uweight, u64::from(facts.uweight));
    // The server's role, whatever its state (HAProxy reports a DOWN backup as act=0, bck=1).
    row.u32(F::Act, u64::from(!facts.backup));
    row.u32(F::Bck, u64::from(facts.backup));
    row.u32(F::Lastchg, u64::from(facts.last_change_sec));
    if let Some(check) = &facts.check {
        row.u64(F::Chkfail, check.failures + c.total(Counter::CheckFailures));
        row.u64(F::Chkdown, check.downs);
        row.u32(F::Downtime, u64::from(facts.downtime_sec));
        check_fields(&mut row, check, false);
    }
    if let Some(agent) = &facts.agent {
        check_fields(&mut row, agent, true);
    }
    if let Some(t) = facts.throttle {
        row.u32(F::Throttle, u64::from(t));
    }
    if let Some(t) = &facts.tracked {
        row.str(F::Tracked, t);
    }
    row.str(F::Addr, &facts.addr);
    if let Some(cookie) = &facts.cookie {
        row.str(F::Cookie, cookie);
    }
    row.str(F::Mode, facts.mode.as_str());
    row.u32(F::SrvIcur, u64::from(facts.idle_conns));
    for f in [
        F::IdleConnCur,
        F::SafeConnCur,
        F::UsedConnCur,
        F::NeedConnEst,
    ] {
        row.u32(f, 0);
    }
    row.u32(F::IdleConnCur, u64::from(facts.idle_conns));
    row.u32(F::UsedConnCur, c.sessions.cur());
    module_zeros(&mut row, F::SslSess, F::SslFailedHandshake);
    http_only(&mut row, facts.mode);
    row
}

impl Snapshot {
    pub fn new(info: ProcessInfo) -> Snapshot {
        Snapshot {
            info,
            rows: Vec::new(),
        }
    }

    /// Appends a row. Push a backend's servers before its `BACKEND` row (HAProxy's order):
    /// a backend without servers then loses its `downtime` cell, as in HAProxy.
    pub fn push(&mut self, mut row: StatRow) {
        if row.obj == ObjType::Backend
            && !self
                .rows
                .iter()
                .any(|r| r.obj == ObjType::Server && r.proxy() == row.proxy())
        {
            row.set(F::Downtime, Value::Empty);
        }
        self.rows.push(row);
    }

    /// Rows of one proxy name, in order.
    pub fn proxy_rows<'a>(&'a self, proxy: &'a str) -> impl Iterator<Item = &'a StatRow> + 'a {
        self.rows.iter().filter(move |r| r.proxy() == proxy)
    }

    /// Proxy names in first-seen order.
    pub fn proxies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.proxy()) {
                out.push(r.proxy());
            }
        }
        out
    }
}
