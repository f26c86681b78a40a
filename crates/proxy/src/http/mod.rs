//! A `mode http` client connection: the keep-alive loop of request → backend → server →
//! response, with HAProxy's connection modes, timeouts, error pages and connection reuse.
//!
//! Memory: until the first byte arrives a connection is a small task and a socket; the
//! session state (heads, buffers) is boxed then, and the buffers go back to the thread's
//! pool whenever nothing is buffered (between keep-alive requests).

mod exchange;
mod io;
mod local_service;
mod logline;

pub(crate) use logline::LogTexts;
mod persist;
mod reply;
mod rules;
mod splice;

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Poll;

use http1::{Head, Limits, Parsed};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::balance::ServerId;
use crate::bufpool::PooledBuf;
use crate::control::StopState;
use crate::counters::Counter;
use crate::hooks::{SessionInfo, Verdict};
use crate::plan::{BackendId, FrontendPlan};
use crate::stream::Stream;
use crate::worker::{SessionTicket, Worker};

use self::io::{deadline, read_until, readable_until, Stop};

/// Server connections a session keeps for its next requests (HAProxy's
/// `max-session-srv-conns` is 10; two covers alternating round robin over two servers).
const MAX_ATTACHED: usize = 4;

/// Entry point for one accepted connection (unix sockets; TCP connections come through
/// parking.rs and [`serve_started`]).
/// Runs until the connection closes; `ticket` (the connection's `maxconn` slot) is released
/// when this returns.
pub async fn serve<S: Stream>(ticket: SessionTicket, client: S, peer: Option<SocketAddr>) {
    if accept_denied(&ticket, peer, || client.local_ip_addr()) {
        return;
    }
    let w = &ticket.w;
    let fe = &w.plan.frontends[ticket.frontend];
    // `timeout http-request` runs from the accept for the first request.
    let first_deadline = first_deadline(fe);
    let first = match first_bytes(w, &client, first_deadline).await {
        Err(Stop::TimedOut) => FirstRead::TimedOut,
        Ok((buf, n)) if n > 0 => FirstRead::Bytes(buf, n),
        Ok(_) | Err(Stop::Failed) => {
            empty_connection(&ticket, peer);
            return;
        }
        _ => return,
    };
    // Boxed: the state kept while the connection idles stays small.
    Box::pin(serve_started(ticket, client, peer, first_deadline, first)).await;
}

/// A connection closed (or reset) before sending a byte: a 400 `CR--` `<BADREQ>` log line.
pub fn empty_connection(ticket: &SessionTicket, peer: Option<SocketAddr>) {
    let w = &ticket.w;
    if let Some(fe) = w.plan.frontends.get(ticket.frontend) {
        crate::access_log::no_request(
            w,
            fe,
            peer,
            std::time::Duration::ZERO,
            400,
            0,
            logging::TerminationCause::ClientAbort,
        );
    }
}

/// How the wait for a connection's first bytes ended (for [`serve_started`]).
pub enum FirstRead {
    /// `n` bytes (n > 0) were read into the buffer.
    Bytes(PooledBuf, usize),
    /// The first request's deadline passed with nothing received.
    TimedOut,
}

/// Whether a new connection is refused at accept: by the `on_accept` hook or by
/// `tcp-request connection` rules (counted when refused). `local` is asked only when such
/// rules exist (a system call).
pub fn accept_denied(
    ticket: &SessionTicket,
    peer: Option<SocketAddr>,
    local: impl FnOnce() -> Option<SocketAddr>,
) -> bool {
    let w = &ticket.w;
    let fe = &w.plan.frontends[ticket.frontend];
    let denied = {
        let info = SessionInfo {
            frontend: &fe.name,
            client: peer,
            thread: w.thread,
        };
        w.hooks.on_accept(&info) == Verdict::Deny
    };
    let rejected = !denied
        && w.plan.rules.proxy(fe.proxy_index).has_connection_rules()
        && !crate::rules_glue::accepts(w, fe, peer, local());
    if denied || rejected {
        w.plan.counters.frontends[fe.id].incr(w.thread, Counter::DeniedReq);
        return true;
    }
    false
}

/// When the first request's head must be complete, counted from the accept.
pub fn first_deadline(fe: &FrontendPlan) -> Option<Instant> {
    deadline(fe.timeout_http_request.or(fe.timeout_client))
}

/// The rest of a connection once its first bytes arrived (or its first deadline passed):
/// the session's state is allocated only now. `first_deadline` is [`first_deadline`] at
/// accept time.
pub async fn serve_started<S: Stream>(
    ticket: SessionTicket,
    client: S,
    peer: Option<SocketAddr>,
    first_deadline: Option<Instant>,
    first: FirstRead,
) {
    let w = &ticket.w;
    let fe = &w.plan.frontends[ticket.frontend];
    match first {
        FirstRead::Bytes(buf, got) => {
            run_session(w, fe, client, peer, first_deadline, buf, got).await;
        }
        FirstRead::TimedOut => {
            if fe.ignore_probes {
                return;
            }
            // HAProxy answers 408 even when nothing was sent (unless http-ignore-probes),
            // and logs it as a `<BADREQ>` line (unless dontlognull).
            w.plan.counters.frontends[fe.id].incr(w.thread, Counter::ErrorsReq);
            let page = crate::errors::error_page(None, &fe.errors, 408);
            reply::send_and_close(&client, page, fe.timeout_client).await;
            count_status(w, fe.id, None, 408);
            let waited = fe
                .timeout_http_request
                .or(fe.timeout_client)
                .unwrap_or_default();
            crate::access_log::no_request(
                w,
                fe,
                peer,
                waited,
                408,
                page.len() as u64,
                logging::TerminationCause::ClientTimeout,
            );
        }
    }
}

async fn run_session<S: Stream>(
    w: &Rc<Worker>,
    fe: &FrontendPlan,
    client: S,
    peer: Option<SocketAddr>,
    head_deadline: Option<Instant>,
    first: PooledBuf,
    got: usize,
) {
    // The local address costs a system call: only for `option originalto` and servers whose
    // port follows the client's destination port.
    let local = if fe.needs_local_addr {
        client.local_ip_addr()
    } else {
        None
    };
    let started = crate::clock::Mono::now();
    let mut session = Session {
        w,
        fe,
        client,
        peer,
        local,
        limits: Limits {
            max_head_len: fe.bufsize.saturating_sub(fe.maxrewrite).max(1024),
            max_headers: fe.max_headers,
        },
        req: Head::with_capacity(16),
        resp: Head::with_capacity(16),
        rbuf: Some(first),
        rstart: 0,
        rend: got,
        attached: Vec::new(),
        requests: 0,
        head_deadline,
        scratch: ::rules::Scratch::default(),
        edit_storage: Vec::new(),
        txn: crate::txn::Txn::new(started, fe.wall_clock),
        log_texts: logline::LogTexts::default(),
        ended: started,
        listed: None,
    };
    session.txn.req_start = Some(session.txn.session_start);
    crate::access_log::accepted(w, fe, &session.txn, peer, local);
    let listed =
        crate::sessions::list_new(&w.plan, w.thread, peer, fe.id, session.txn.session_start);
    session.listed = listed.as_ref();
    session.run().await;
    session.detach_all();
}

/// Waits until the client has sent something (or closed), holding no buffer meanwhile.
/// Waits for the first bytes of a new connection, for the deadline, or for a stop request
/// (then `Stop::Closed`), holding no buffer meanwhile. One hand-written future: this is the
/// state every idle connection carries, so it is kept to a timer, a stop waiter and a few
/// references.
async fn first_bytes<S: Stream>(
    w: &Worker,
    client: &S,
    deadline: Option<Instant>,
) -> Result<(PooledBuf, usize), Stop> {
    let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(far_future));
    tokio::pin!(sleep);
    let stop = w.control.stop_requested();
    tokio::pin!(stop);
    stop.as_mut().enable();
    std::future::poll_fn(|cx| {
        if w.control.state() != StopState::Running {
            return Poll::Ready(Err(Stop::Closed));
        }
        loop {
            match client.poll_read_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => return Poll::Ready(Err(Stop::Failed)),
                Poll::Pending => break,
            }
            // A pooled buffer costs a pop and a push: try the read with one and give it back
            // if there was nothing after all (tokio reports a new socket readable before
            // anything arrived). Cheaper than peeking: no extra system call when the request
            // is already there, as it nearly always is.
            let mut buf = w.bufs.get();
            match client.try_read(&mut buf) {
                Ok(n) => {
                    if n > 0 && n < buf.len() {
                        client.clear_read_ready();
                    }
                    return Poll::Ready(Ok((buf, n)));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Poll::Ready(Err(Stop::Failed)),
            }
        }
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(Stop::Closed));
        }
        if deadline.is_some() && sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(Stop::TimedOut));
        }
        Poll::Pending
    })
    .await
}

/// A deadline that never comes (about 30 years ahead), for a timer that is never polled.
fn far_future() -> Instant {
    Instant::now() + std::time::Duration::from_secs(86400 * 365 * 30)
}

/// A server connection kept between requests.
pub(crate) struct ServerConn {
    pub stream: TcpStream,
    pub backend: BackendId,
    pub server: ServerId,
    /// Authenticated for this session's client (NTLM, Negotiate): never goes to the shared
    /// pool, closed when the session ends.
    pub private: bool,
}

pub(crate) struct Session<'w, S> {
    pub w: &'w Rc<Worker>,
    pub fe: &'w FrontendPlan,
    pub client: S,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    pub limits: Limits,
    pub req: Head,
    pub resp: Head,
    /// Request bytes: `rbuf[rstart..rend]` are received and not yet forwarded.
    pub rbuf: Option<PooledBuf>,
    pub rstart: usize,
    pub rend: usize,
    pub attached: Vec<ServerConn>,
    /// Requests completed on this connection.
    pub requests: u64,
    /// When the head being read must be complete (`timeout http-request`).
    head_deadline: Option<Instant>,
    /// Rule evaluation state (edits, replies, variables), reused across requests.
    pub scratch: ::rules::Scratch,
    /// Storage for the edit list handed to `http1::write_head`, reused across requests.
    pub edit_storage: Vec<http1::Edit<'static>>,
    /// The current transaction's phases and outcome, for its log line and the latency figures.
    pub txn: crate::txn::Txn,
    /// Request line and captured headers, copied at head time for the log line (the head's
    /// bytes may be gone by the end); empty unless the frontend logs.
    pub log_texts: logline::LogTexts,
    /// When the last transaction ended (the next one's idle time starts there).
    pub ended: crate::clock::Mono,
    /// This session's line in `show sess` (only with a `stats socket`).
    pub listed: Option<&'w crate::sessions::Registration<'w>>,
}

/// How reading a request head ended without a head.
enum NoHead {
    /// Close silently (peer gone, idle keep-alive timeout, stop).
    Close,
    /// Answer this status, then close.
    Reply(u16),
}

impl<S: Stream> Session<'_, S> {
    async fn run(&mut self) {
        loop {
            let head_len = match self.read_request_head().await {
                Ok(n) => n,
                Err(NoHead::Close) => return,
                Err(NoHead::Reply(status)) => {
                    self.w.plan.counters.frontends[self.fe.id]
                        .incr(self.w.thread, Counter::ErrorsReq);
                    // A bad request is the proxy's refusal; a slow one the client's timeout.
                    let cause = if status == 408 {
                        logging::TerminationCause::ClientTimeout
                    } else {
                        logging::TerminationCause::ProxyAbort
                    };
                    self.txn.end(cause, logging::SessionPhase::Request);
                    self.log_texts.clear();
                    self.reply(None, status).await;
                    let _ = self.finish_txn();
                    return;
                }
            };
            let keep_going = self.exchange(head_len).await;
            self.requests += 1;
            self.txn.next_request(self.ended);
            if !keep_going || self.w.control.state() != StopState::Running {
                return;
            }
            self.release_rbuf_if_empty();
        }
    }

    fn release_rbuf_if_empty(&mut self) {
        if self.rstart >= self.rend {
            self.rstart = 0;
            self.rend = 0;
            self.rbuf = None;
        }
    }

    /// Reads until `self.req` holds a complete head at `rbuf[rstart..]`; returns its length.
    async fn read_request_head(&mut self) -> Result<usize, NoHead> {
        let fe = self.fe;
        let mut started = self.rend > self.rstart;
        if started && self.requests > 0 {
            self.txn.req_start = Some(crate::clock::Mono::now());
        }
        if self.requests > 0 {
            self.head_deadline = if started {
                deadline(fe.timeout_http_request.or(fe.timeout_client))
            } else {
                None
            };
        }
        loop {
            if self.rend > self.rstart {
                let Some(buf) = self.rbuf.as_deref() else {
                    return Err(NoHead::Close);
                };
                match self
                    .req
                    .parse_request(&buf[self.rstart..self.rend], &self.limits)
                {
                    Ok(Parsed::Complete(n)) => return Ok(n),
                    Ok(Parsed::Partial) => {}
                    Err(_) => return Err(NoHead::Reply(400)),
                }
            }
            if !started {
                // Between keep-alive requests: `timeout http-keep-alive`, silent close.
                let idle = deadline(
                    fe.timeout_http_keep_alive
                        .or(fe.timeout_http_request)
                        .or(fe.timeout_client),
                );
                let waited = tokio::select! {
                    r = readable_until(&self.client, idle) => r,
                    _ = self.w.control.stopping() => return Err(NoHead::Close),
                };
                if waited.is_err() {
                    return Err(NoHead::Close);
                }
            }
            if self.rbuf.is_none() {
                self.rbuf = Some(self.w.bufs.get());
                self.rstart = 0;
                self.rend = 0;
            }
            let Some(buf) = self.rbuf.as_deref_mut() else {
                return Err(NoHead::Close);
            };
            if self.rend == buf.len() {
                if self.rstart == 0 {
                    return Err(NoHead::Reply(400));
                }
                // Make room: move the partial head to the front.
                buf.copy_within(self.rstart..self.rend, 0);
                self.rend -= self.rstart;
                self.rstart = 0;
            }
            match read_until(&self.client, &mut buf[self.rend..], self.head_deadline).await {
                Ok(0) => return Err(NoHead::Close),
                Ok(n) => {
                    if !started {
                        started = true;
                        if self.requests > 0 {
                            self.txn.req_start = Some(crate::clock::Mono::now());
                            self.head_deadline =
                                deadline(fe.timeout_http_request.or(fe.timeout_client));
                        }
                    }
                    self.rend += n;
                }
                Err(Stop::TimedOut) => return Err(NoHead::Reply(408)),
                Err(_) => return Err(NoHead::Close),
            }
        }
    }

    /// Sends the error page for `status` and closes the client side.
    async fn reply(&mut self, backend: Option<BackendId>, status: u16) {
        let w = self.w;
        self.txn.status = Some(status);
        let be_errors = backend.map(|b| &w.plan.backends[b].errors);
        let page = crate::errors::error_page(be_errors, &self.fe.errors, status);
        count_status(w, self.fe.id, backend, status);
        let edited = self.after_response_edit(backend, page);
        let page = edited.as_deref().unwrap_or(page);
        self.txn.bytes_out = page.len() as u64;
        reply::send_and_close(&self.client, page, self.fe.timeout_client).await;
    }

    /// Hands the session's idle server connections to the thread's pool.
    fn detach_all(&mut self) {
        for c in std::mem::take(&mut self.attached) {
            self.release(c);
        }
    }

    /// A server connection this session no longer keeps: to the thread's pool, or closed
    /// when it is private to this session's client.
    pub(super) fn release(&self, c: ServerConn) {
        if c.private {
            crate::connect::close_abortive(c.stream);
        } else {
            self.w
                .idle_servers
                .borrow_mut()
                .put(c.backend, c.server, c.stream);
        }
    }
}

/// Counts a response status on the frontend (and backend).
pub(crate) fn count_status(w: &Worker, fe: usize, be: Option<BackendId>, status: u16) {
    let class = crate::counters::class_of(status);
    let c = &w.plan.counters;
    c.frontends[fe].incr(w.thread, class);
    if let Some(b) = be.and_then(|b| c.backends.get(b)) {
        b.incr(w.thread, class);
    }
}
