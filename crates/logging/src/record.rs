//! What one log line can show. The proxy fills a [`LogRecord`] from data it already holds
//! (borrowed: names, the request line, captured headers) when a session or request ends,
//! and a [`crate::CompiledFormat`] renders it. Filling it allocates nothing.

use std::net::SocketAddr;

use crate::termination::TerminationState;
use crate::time::LogTime;

/// The timers of configuration manual 8.4, in milliseconds; `None` is printed as `-1`
/// (the event never happened, e.g. `Tc` when no connection was attempted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timers {
    /// `Th`: handshake time (PROXY protocol, TLS).
    pub th: Option<u64>,
    /// `Ti`: idle time before the first byte of the request.
    pub ti: Option<u64>,
    /// `TR`: time to receive the full request head.
    pub treq: Option<u64>,
    /// `Tw`: time in queues.
    pub tw: Option<u64>,
    /// `Tc`: time to connect to the server.
    pub tc: Option<u64>,
    /// `Tr`: server response time (headers).
    pub tr: Option<u64>,
    /// `Ta`: active time of the request (`Tt - Th - Ti`).
    pub ta: Option<u64>,
    /// `Tt`: total session time.
    pub tt: Option<u64>,
    /// `Td`: data transfer time (`Tt - (Tq + Tw + Tc + Tr)`).
    pub td: Option<u64>,
    /// `Tq`: `Th + Ti + TR`.
    pub tq: Option<u64>,
}

impl Timers {
    /// Builds every timer from the phases the proxy measures, deriving `Ta`, `Tq` and `Td`
    /// the way HAProxy does.
    pub fn from_phases(
        th: Option<u64>,
        ti: Option<u64>,
        treq: Option<u64>,
        tw: Option<u64>,
        tc: Option<u64>,
        tr: Option<u64>,
        tt: Option<u64>,
    ) -> Timers {
        let idle = th.unwrap_or(0) + ti.unwrap_or(0);
        let tq = treq.map(|r| idle + r);
        let ta = tt.map(|t| t.saturating_sub(idle));
        let td = match (tt, tq, tw, tc, tr) {
            (Some(t), Some(q), Some(w), Some(c), Some(r)) => Some(t.saturating_sub(q + w + c + r)),
            _ => None,
        };
        Timers {
            th,
            ti,
            treq,
            tw,
            tc,
            tr,
            ta,
            tt,
            td,
            tq,
        }
    }
}

/// Everything a log line can show about one session (TCP) or one request (HTTP).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogRecord<'a> {
    /// `%ci %cp`: the client's address.
    pub client: Option<SocketAddr>,
    /// `%fi %fp`: the address the client connected to.
    pub frontend_addr: Option<SocketAddr>,
    /// `%bi %bp`: the local address of the server connection.
    pub backend_source: Option<SocketAddr>,
    /// `%si %sp`: the server's address.
    pub server_addr: Option<SocketAddr>,
    /// `%t %T %Tl %ms %Ts`: when the connection was accepted.
    pub accept_date: LogTime,
    /// `%tr %trg %trl`: when the request started; `None` means the accept date plus Th + Ti.
    pub request_date: Option<LogTime>,
    /// `%f %ft`
    pub frontend: &'a str,
    /// `%ft` appends `~` when the listener is TLS.
    pub frontend_ssl: bool,
    /// `%b`
    pub backend: &'a str,
    /// `%s`; `None` renders `<NOSRV>`.
    pub server: Option<&'a str>,
    pub timers: Timers,
    /// `%ST`; `None` renders `-1`.
    pub status: Option<u16>,
    /// `%B`: bytes sent to the client.
    pub bytes_read: u64,
    /// `%U`: bytes received from the client.
    pub bytes_uploaded: u64,
    /// `%CC`, `%CS`: `capture cookie` values.
    pub request_cookie: Option<&'a [u8]>,
    pub response_cookie: Option<&'a [u8]>,
    /// `%ts %tsc`
    pub termination: TerminationState,
    /// `%ac %fc %bc %sc`
    pub actconn: u32,
    pub feconn: u32,
    pub beconn: u32,
    pub srv_conn: u32,
    /// `%rc`; printed `+N` when the request was redispatched.
    pub retries: u32,
    pub redispatched: bool,
    /// `%sq %bq`
    pub srv_queue: u32,
    pub backend_queue: u32,
    /// `%hr %hrl`: one value per `capture request header`, in declaration order; an absent
    /// header is `None`.
    pub request_headers: &'a [Option<&'a [u8]>],
    /// `%hs %hsl`: the same for `capture response header`.
    pub response_headers: &'a [Option<&'a [u8]>],
    /// `%r`; `%HM %HU %HP %HPO %HQ %HV` are cut from it. Empty renders `<BADREQ>`.
    pub request_line: &'a [u8],
    /// True in `mode http` (the default format says `(fe/HTTP)`).
    pub http: bool,
    /// `%pid`
    pub pid: u32,
    /// `%H`
    pub hostname: &'a str,
    /// `%ID`
    pub unique_id: &'a [u8],
    /// `%rt`: request (or TCP session) counter.
    pub request_counter: u64,
    /// `%lc`: the frontend's log counter.
    pub log_counter: u64,
    /// `option logasap`: the line is emitted before the end, so `%Tt`, `%Ta` and `%B` are
    /// partial and HAProxy prefixes them with `+`.
    pub logasap: bool,
}

impl LogRecord<'_> {
    /// The request date: explicit, or accept date + Th + Ti as HAProxy computes it.
    pub fn request_date(&self) -> LogTime {
        self.request_date.unwrap_or_else(|| {
            let idle = self.timers.th.unwrap_or(0) + self.timers.ti.unwrap_or(0);
            self.accept_date.plus_millis(idle)
        })
    }

    /// True when HAProxy would consider the line an error (`option log-separate-errors`,
    /// `option dontlog-normal`): abnormal termination, a 5xx, or retries.
    pub fn is_error(&self) -> bool {
        self.termination.is_error()
            || self.status.is_some_and(|s| s >= 500)
            || self.retries > 0
            || self.redispatched
    }

    /// True when no byte was read from the client (`option dontlognull`).
    pub fn is_null(&self) -> bool {
        self.bytes_uploaded == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_timers_follow_haproxy() {
        let t = Timers::from_phases(
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            Some(30),
        );
        assert_eq!(t.tq, Some(6));
        assert_eq!(t.ta, Some(27));
        assert_eq!(t.td, Some(30 - (6 + 4 + 5 + 6)));
        let aborted =
            Timers::from_phases(Some(0), Some(0), Some(0), Some(0), None, None, Some(3004));
        assert_eq!(aborted.td, None);
        assert_eq!(aborted.ta, Some(3004));
    }
}
