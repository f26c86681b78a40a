//! One transaction's story (an HTTP request and its response, or a whole TCP connection):
//! when each phase happened, where it went, how it ended. The log line (HAProxy's timers,
//! manual 8.4, and termination state, 8.5) and the latency figures of the stats are both
//! read from it when the transaction ends.
//!
//! Recording costs a monotonic clock read per phase (vDSO, no system call); the wall clock is
//! read only when the frontend logs.

use std::time::SystemTime;

use crate::clock::Mono;

use logging::{SessionPhase, TerminationCause, TerminationState};

use crate::balance::ServerId;
use crate::plan::BackendId;

#[derive(Debug, Clone)]
pub(crate) struct Txn {
    /// When the connection was taken in hand (accept, or its first bytes when it was parked).
    pub session_start: Mono,
    /// The wall clock at `session_start` (only read when the frontend logs).
    pub session_wall: Option<SystemTime>,
    /// When the connection became idle before this request (`Ti` starts here).
    pub idle_from: Mono,
    /// The first byte of this request.
    pub req_start: Option<Mono>,
    /// The complete request head.
    pub head_done: Option<Mono>,
    /// Server choice started (queueing counts from here: `Tw`).
    pub queue_start: Option<Mono>,
    /// A server slot was granted.
    pub assigned: Option<Mono>,
    /// The server connection is ready (`Tc`).
    pub connected: Option<Mono>,
    /// The response head arrived (`Tr`).
    pub resp_head: Option<Mono>,
    pub backend: Option<BackendId>,
    pub server: Option<ServerId>,
    pub status: Option<u16>,
    /// Bytes received from the client (`%U`).
    pub bytes_in: u64,
    /// Bytes sent to the client (`%B`).
    pub bytes_out: u64,
    pub state: TerminationState,
    pub retries: u32,
    pub redispatched: bool,
    /// Queue lengths seen when the server was assigned (`%sq`, `%bq`).
    pub srv_queue: u32,
    pub be_queue: u32,
    /// The applet that answered instead of a server (`<STATS>`, `<PROMEX>`), as logged.
    pub local_server: Option<&'static str>,
    /// `%rt`, once taken (by `unique-id-format`; else the log line takes it).
    pub request_counter: Option<u64>,
    /// `%ID` (`unique-id-format`); the buffer is kept from request to request.
    pub unique_id: Vec<u8>,
}

impl Txn {
    pub fn new(now: Mono, wall: bool) -> Txn {
        Txn {
            session_start: now,
            session_wall: wall.then(SystemTime::now),
            idle_from: now,
            req_start: None,
            head_done: None,
            queue_start: None,
            assigned: None,
            connected: None,
            resp_head: None,
            backend: None,
            server: None,
            status: None,
            bytes_in: 0,
            bytes_out: 0,
            state: TerminationState::default(),
            retries: 0,
            redispatched: false,
            srv_queue: 0,
            be_queue: 0,
            local_server: None,
            request_counter: None,
            unique_id: Vec::new(),
        }
    }

    /// A transaction whose connection was taken in hand `ago` (e.g. a first-request timeout
    /// found now), with the wall clock moved back as much.
    pub fn started_ago(ago: std::time::Duration, wall: bool) -> Txn {
        let mut t = Txn::new(Mono::now().before(ago), false);
        if wall {
            t.session_wall = SystemTime::now()
                .checked_sub(ago)
                .or_else(|| Some(SystemTime::now()));
        }
        t
    }

    /// Starts the next request on the same connection: everything but the session's start.
    pub fn next_request(&mut self, idle_from: Mono) {
        let keep = (self.session_start, self.session_wall);
        let mut id = std::mem::take(&mut self.unique_id);
        id.clear();
        *self = Txn::new(idle_from, false);
        (self.session_start, self.session_wall) = keep;
        self.unique_id = id;
        self.idle_from = idle_from;
    }

    /// Records how the transaction ended; the first abnormal cause wins, as in HAProxy where
    /// the first error sets the flags.
    pub fn end(&mut self, cause: TerminationCause, phase: SessionPhase) {
        if self.state.cause == TerminationCause::Normal {
            self.state.cause = cause;
            self.state.phase = phase;
        }
    }

    /// The timers of manual 8.4 at `now` (the end of the transaction).
    pub fn timers(&self, now: Mono) -> logging::Timers {
        let ms = |from: Mono, to: Mono| to.ms_since(from);
        let req_start = self.req_start.unwrap_or(self.idle_from);
        let ti = ms(self.idle_from, req_start);
        let treq = self.head_done.map(|h| ms(req_start, h));
        let tw = match (self.queue_start, self.assigned) {
            (Some(q), Some(a)) => Some(ms(q, a)),
            _ => None,
        };
        let tc = match (self.assigned, self.connected) {
            (Some(a), Some(c)) => Some(ms(a, c)),
            _ => None,
        };
        let tr = match (self.connected, self.resp_head) {
            (Some(c), Some(r)) => Some(ms(c, r)),
            _ => None,
        };
        // Tt counts from the start of this request's idle period, so that Ta = Tt - Th - Ti
        // is this request's active time on a kept-alive connection, as HAProxy reports it.
        let tt = ms(self.idle_from, now);
        logging::Timers::from_phases(Some(0), Some(ti), treq, tw, tc, tr, Some(tt))
    }

    /// When the request became active (its first byte), for the request date `%tr`.
    pub fn request_wall(&self) -> Option<SystemTime> {
        let wall = self.session_wall?;
        let start = self.req_start.unwrap_or(self.idle_from);
        Some(wall + start.since(self.session_start))
    }

    /// The wall clock when this transaction's connection was accepted (`%t`).
    pub fn accept_wall(&self) -> Option<SystemTime> {
        self.session_wall
    }
}

/// The third character of the termination state for a backend with a `cookie` line.
pub(crate) fn client_cookie(status: balance::cookie::CookieStatus) -> logging::ClientCookie {
    use balance::cookie::CookieStatus as S;
    use logging::ClientCookie as C;
    match status {
        S::None => C::None,
        S::Valid => C::Valid,
        S::Down => C::Down,
        S::Invalid => C::Invalid,
        S::Expired => C::Expired,
        S::Old => C::Old,
        S::Unused => C::Unused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_follow_the_phases() {
        let t0 = Mono::now();
        let at = |ms: u64| Mono(t0.0 + ms * 1_000_000);
        let mut t = Txn::new(t0, false);
        t.req_start = Some(at(5));
        t.head_done = Some(at(7));
        t.queue_start = Some(at(7));
        t.assigned = Some(at(10));
        t.connected = Some(at(11));
        t.resp_head = Some(at(20));
        let tm = t.timers(at(25));
        assert_eq!(tm.ti, Some(5));
        assert_eq!(tm.treq, Some(2));
        assert_eq!(tm.tw, Some(3));
        assert_eq!(tm.tc, Some(1));
        assert_eq!(tm.tr, Some(9));
        assert_eq!(tm.tt, Some(25));
        assert_eq!(tm.ta, Some(20));
    }

    #[test]
    fn unreached_phases_are_minus_one_and_first_cause_wins() {
        let t0 = Mono::now();
        let mut t = Txn::new(t0, false);
        t.req_start = Some(t0);
        t.head_done = Some(t0);
        let tm = t.timers(t0);
        assert_eq!((tm.tw, tm.tc, tm.tr), (None, None, None));
        t.end(TerminationCause::ServerAbort, SessionPhase::Connect);
        t.end(TerminationCause::ClientAbort, SessionPhase::Data);
        assert_eq!(&t.state.codes()[..2], b"SC");
        t.next_request(t0);
        assert_eq!(&t.state.codes()[..2], b"--");
    }
}
