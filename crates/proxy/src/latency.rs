//! Per-request latency into the counter table: HAProxy's `qtime`/`ctime`/`rtime`/`ttime`
//! averages and halb's percentiles, for the backend and the server that served.

use crate::counters::Timer;
use crate::txn::Txn;
use crate::worker::Worker;

pub(crate) fn record(w: &Worker, txn: &Txn, timers: &logging::Timers) {
    let (Some(b), Some(s)) = (txn.backend, txn.server) else {
        return;
    };
    let c = &w.plan.counters;
    let (Some(be), Some(srv)) = (c.backends.get(b), c.servers.get(b).and_then(|r| r.get(s))) else {
        return;
    };
    let clamp = |v: u64| v.min(u64::from(u32::MAX)) as u32;
    for (timer, v) in [
        (Timer::Queue, timers.tw),
        (Timer::Connect, timers.tc),
        (Timer::Response, timers.tr),
        (Timer::Total, timers.ta),
    ] {
        if let Some(v) = v {
            be.record_time(w.thread, timer, clamp(v));
            srv.record_time(w.thread, timer, clamp(v));
        }
    }
}
