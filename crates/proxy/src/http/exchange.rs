//! One request/response exchange of an HTTP session: backend and server choice, the server
//! connection (kept from an earlier request, from the thread's idle pool, or new), the request
//! head and body, the response head and body, and what happens to both connections after.

use std::net::IpAddr;
use std::ops::Range;

use crate::clock::Mono;
use haproxy_cfg::model::{HttpConnMode, HttpReuse};
use http1::{
    request_body_kind, response_body_kind, starts_tunnel, BodyFramer, BodyKind, ConnectionHeader,
    Edit, Head, Limits, Method, Side, Version,
};
use logging::{SessionPhase as Phase, TerminationCause as Cause};
use tokio::net::TcpStream;

use crate::balance::RequestKey;
use crate::connect::{
    assign_server, connect, connect_server_once, in_service, Choice, ConnectError, ServerSlot,
};
use crate::counters::Counter;
use crate::forward::{tunnel, TunnelTimeouts};
use crate::hooks::{SessionInfo, Verdict};
use crate::plan::{effective_conn_mode, BackendPlan};
use crate::stream::Stream;
use balance::cookie::RequestCookie;

use super::io::{
    pump_body, read_response_head, write2_within, write_within, BodyError, RespHeadError, Stop,
};
use super::rules::RequestOutcome;
use super::{count_status, persist, ServerConn, Session, MAX_ATTACHED};
use rules::ResponseVerdict;

/// Longest textual IP address plus slack.
const IP_TEXT: usize = 48;

/// An IP address written into a stack buffer (no allocation per request).
struct IpText {
    buf: [u8; IP_TEXT],
    len: usize,
}

impl IpText {
    fn new(ip: IpAddr) -> IpText {
        use std::io::Write;
        let mut buf = [0u8; IP_TEXT];
        let mut cur = std::io::Cursor::new(&mut buf[..]);
        // Mapped IPv4 clients on a dual-stack socket are shown as plain IPv4, as HAProxy does.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let _ = write!(cur, "{ip}");
        let len = cur.position() as usize;
        IpText { buf, len }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Whether the server connection of this exchange is meant to outlive it: HAProxy keeps the
/// server side persistent in keep-alive mode even when the client closes (an HTTP/1.1
/// `close` is not forwarded), so a later request can use the connection; when nothing does,
/// the proxy closes it itself, with a reset ([`crate::connect::close_abortive`]), instead of
/// making the server close and the proxy answer its FIN.
fn server_side_persists(mode: HttpConnMode, be: &BackendPlan, req: &http1::Head) -> bool {
    mode == HttpConnMode::KeepAlive
        && be.http_reuse != HttpReuse::Never
        && (req.wants_keep_alive() || req.server_side_may_persist())
}

/// The server connection of one exchange, and where it came from.
struct Upstream {
    stream: TcpStream,
    /// Kept by the session or taken from the thread's idle pool (not a fresh connect).
    reused: bool,
    /// Bound to this session's client (see [`super::ServerConn::private`]).
    private: bool,
    slot: ServerSlot,
}

/// What the request body did while the response head was awaited.
type BodyOutcome = Option<Result<(u64, Range<usize>), BodyError>>;

impl<S: Stream> Session<'_, S> {
    /// Runs one exchange for the request head of `head_len` bytes at `rbuf[rstart..]`,
    /// then logs it. Returns whether the client connection stays open for another request.
    pub(super) async fn exchange(&mut self, head_len: usize) -> bool {
        let now = Mono::now();
        self.txn.head_done = Some(now);
        // Rules and server choice take microseconds: queueing counts from here.
        self.txn.queue_start = Some(now);
        self.txn.bytes_in = head_len as u64;
        if let Some(u) = &self.fe.unique_id {
            u.generate(&self.fe.name, true, &mut self.txn, self.peer, self.local);
        }
        self.note_request_head(head_len);
        let keep = self.exchange_inner(head_len).await;
        self.ended = self.finish_txn();
        keep
    }

    async fn exchange_inner(&mut self, head_len: usize) -> bool {
        let w = self.w;
        let fe = self.fe;
        let thread = w.thread;
        let counters = &w.plan.counters;
        let fe_row = &counters.frontends[fe.id];
        fe_row.incr(thread, Counter::HttpRequests);
        fe_row.tick(
            thread,
            crate::counters::RateKind::Requests,
            crate::clock::now_sec(),
        );
        let info = SessionInfo {
            frontend: &fe.name,
            client: self.peer,
            thread,
        };
        let denied = match self.rbuf.as_deref() {
            Some(b) => {
                w.hooks
                    .on_request_head(&info, &b[self.rstart..self.rstart + head_len])
                    == Verdict::Deny
            }
            None => return false,
        };
        if denied {
            fe_row.incr(thread, Counter::DeniedReq);
            self.txn.end(Cause::ProxyAbort, Phase::Request);
            self.reply(None, 403).await;
            return false;
        }
        let be_id = match self.request_rules(head_len).await {
            RequestOutcome::Answered(keep) => return keep,
            RequestOutcome::Stats(px, backend) => {
                return self.serve_stats(px, backend, head_len).await;
            }
            RequestOutcome::Service(svc, backend) => {
                return self.serve_service(svc, backend, head_len).await;
            }
            RequestOutcome::Forward(Some(b)) => b,
            RequestOutcome::Forward(None) => {
                // No backend for this request: HAProxy answers 503.
                self.txn.end(Cause::ServerAbort, Phase::Connect);
                self.reply(None, 503).await;
                return false;
            }
        };
        let be = &w.plan.backends[be_id];
        let be_row = &counters.backends[be_id];
        be_row.incr(thread, Counter::HttpRequests);
        self.txn.backend = Some(be_id);

        let mode = effective_conn_mode(fe.conn_mode, be.conn_mode);
        let mut req_framer = BodyFramer::new(request_body_kind(&self.req));
        let body_start = self.rstart + head_len;
        let first_body = {
            let Some(buf) = self.rbuf.as_deref() else {
                return false;
            };
            match req_framer.advance(&buf[body_start..self.rend]) {
                Ok(p) => p.consumed,
                Err(_) => {
                    fe_row.incr(thread, Counter::ErrorsReq);
                    self.txn.end(Cause::ProxyAbort, Phase::Request);
                    self.reply(Some(be_id), 400).await;
                    return false;
                }
            }
        };
        let replayable = req_framer.is_done();

        // Persistence first: a valid cookie names the server ("cookie", manual 4.2); then the
        // balancing algorithm, with the parts of the request its hash needs.
        let now = if be.cookie.is_some() {
            persist::unix_now()
        } else {
            0
        };
        let mut req_edits = persist::HeaderEdits::default();
        // `use-server` goes before cookies and wins over them; the cookie is still processed.
        let forced = self.forced_server(be, head_len);
        let chosen = {
            let Some(buf) = self.rbuf.as_deref() else {
                return false;
            };
            let head_buf = &buf[self.rstart..self.rstart + head_len];
            let req_cookie = if be.cookie.is_some() {
                persist::scan_request(
                    be,
                    &|id| in_service(be, id),
                    &self.req,
                    head_buf,
                    now,
                    &mut req_edits,
                )
            } else {
                RequestCookie::default()
            };
            let needs = be.balance_spec.needs();
            let key = RequestKey {
                uri: needs.uri.then(|| self.req.target.of(head_buf)),
                header: needs
                    .header
                    .and_then(|h| self.req.find(head_buf, h.as_bytes()))
                    .map(|i| self.req.value(head_buf, i)),
                is_post: self.req.method == Method::Post,
                body: needs
                    .body
                    .then(|| &buf[body_start..body_start + first_body]),
                payload: None,
            };
            let choice = Choice {
                key,
                direct: forced.or(req_cookie.server),
            };
            self.txn.be_queue = be_row.queue.cur() as u32;
            (assign_server(w, be_id, self.peer, choice).await, req_cookie)
        };
        let (slot, req_cookie) = chosen;
        if be.cookie.is_some() {
            self.txn.state.client_cookie = crate::txn::client_cookie(req_cookie.status);
        }
        let slot = match slot {
            Ok(s) => s,
            Err(e) => {
                be_row.incr(thread, Counter::ErrorsConn);
                match e {
                    ConnectError::QueueTimeout => self.txn.end(Cause::ServerTimeout, Phase::Queue),
                    _ => self.txn.end(Cause::ServerAbort, Phase::Connect),
                }
                self.reply(Some(be_id), 503).await;
                return false;
            }
        };
        self.txn.assigned = Some(Mono::now());
        self.txn.server = Some(slot.server);
        self.txn.srv_queue = counters.servers[be_id][slot.server].queue.cur() as u32;

        // The forwarded request head: verbatim when nothing changes, else rewritten.
        let mut out = w.take_head_buf();
        let verbatim = self.build_request_head(be, mode, head_len, &req_edits, &mut out);

        let Upstream {
            stream: mut server,
            mut reused,
            mut private,
            slot,
        } = match self.server_conn(be, slot).await {
            Ok(c) => c,
            Err(()) => {
                w.put_head_buf(out);
                self.txn.end(Cause::ServerAbort, Phase::Connect);
                self.reply(Some(be_id), 503).await;
                return false;
            }
        };
        // A kept or pooled connection is ready at once: no clock read for it.
        self.txn.connected = if reused {
            self.txn.assigned
        } else {
            Some(Mono::now())
        };
        self.txn.server = Some(slot.server);
        if let Some(l) = self.listed {
            l.bind(be_id, slot.server);
        }
        self.txn.retries = slot.retries;
        self.txn.redispatched = slot.redispatched;
        w.hooks
            .on_backend_chosen(&info, &be.name, slot.server_name());
        let srv_row = &counters.servers[be_id][slot.server];
        srv_row.incr(thread, Counter::HttpRequests);
        if reused {
            srv_row.incr(thread, Counter::ConnReuse);
        }

        // Send the head (and the body bytes already here), then wait for the response head
        // while the rest of the body streams. A kept or pooled connection the server closed
        // meanwhile gets the request again on a new one, which is safe while nothing of the
        // response came back and the whole request is still in our buffer.
        let mut sbuf = w.bufs.get();
        let mut slen = 0usize;
        let mut retried = false;
        let (head, body) = loop {
            let sent = {
                let Some(buf) = self.rbuf.as_deref() else {
                    w.put_head_buf(out);
                    return false;
                };
                let (a, b) = if verbatim {
                    (&buf[self.rstart..body_start + first_body], &[][..])
                } else {
                    (&out[..], &buf[body_start..body_start + first_body])
                };
                write2_within(&server, a, b, be.timeout_server).await
            };
            let (head, body) = match sent {
                Err(e) => (Err(RespHeadError::Empty(e)), None),
                Ok(()) => {
                    let Some(rbuf) = self.rbuf.as_deref_mut() else {
                        w.put_head_buf(out);
                        return false;
                    };
                    await_response_head(
                        &self.client,
                        &server,
                        rbuf,
                        &mut req_framer,
                        &mut self.resp,
                        &mut sbuf,
                        &mut slen,
                        &self.limits,
                        fe.timeout_client,
                        be.timeout_server,
                    )
                    .await
                }
            };
            if let Err(RespHeadError::Empty(Stop::Closed | Stop::Failed)) = head {
                if reused && replayable && !retried {
                    retried = true;
                    self.txn.retries += 1;
                    be_row.incr(thread, Counter::Retries);
                    srv_row.incr(thread, Counter::Retries);
                    match connect_server_once(be, slot.server, self.local).await {
                        Ok(s) => {
                            server = s;
                            reused = false;
                            private = false;
                            slen = 0;
                            continue;
                        }
                        Err(_) => {
                            srv_row.incr(thread, Counter::ErrorsConn);
                            break (Err(RespHeadError::Io(Stop::Failed)), None);
                        }
                    }
                }
            }
            break (head, body);
        };
        w.put_head_buf(out);
        fe_row.add(thread, Counter::BytesIn, (head_len + first_body) as u64);
        self.txn.bytes_in = (head_len + first_body) as u64;

        // The request body: done with the head, streamed meanwhile, or failed.
        let mut req_done = req_framer.is_done();
        match body {
            None => {
                if req_done {
                    self.rstart = body_start + first_body;
                }
            }
            Some(Ok((n, leftover))) => {
                fe_row.add(thread, Counter::BytesIn, n);
                self.txn.bytes_in += n;
                self.rstart = leftover.start;
                self.rend = leftover.end;
                req_done = true;
            }
            Some(Err(e @ (BodyError::Source(_) | BodyError::Framing))) => {
                // The client broke its own request: nothing sane to answer on this connection.
                fe_row.incr(thread, Counter::ErrorsReq);
                match e {
                    BodyError::Source(Stop::TimedOut) => {
                        self.txn.end(Cause::ClientTimeout, Phase::Data)
                    }
                    BodyError::Framing => self.txn.end(Cause::ProxyAbort, Phase::Data),
                    _ => self.txn.end(Cause::ClientAbort, Phase::Data),
                }
                return false;
            }
            Some(Err(BodyError::Sink(_))) => {
                srv_row.incr(thread, Counter::ErrorsResp);
                be_row.incr(thread, Counter::ErrorsResp);
                self.txn.end(Cause::ServerAbort, Phase::Headers);
                self.reply(Some(be_id), 502).await;
                return false;
            }
        }

        let resp_head_len = match head {
            Ok(n) => n,
            Err(e) => {
                be_row.incr(thread, Counter::ErrorsResp);
                srv_row.incr(thread, Counter::ErrorsResp);
                let status = match e {
                    RespHeadError::Io(Stop::TimedOut) | RespHeadError::Empty(Stop::TimedOut) => {
                        self.txn.end(Cause::ServerTimeout, Phase::Headers);
                        504
                    }
                    RespHeadError::Invalid(_) => {
                        self.txn.end(Cause::ProxyAbort, Phase::Headers);
                        502
                    }
                    _ => {
                        self.txn.end(Cause::ServerAbort, Phase::Headers);
                        502
                    }
                };
                count_server_status(w, be_id, slot.server, status);
                self.reply(Some(be_id), status).await;
                return false;
            }
        };

        let status = self.resp.status;
        self.txn.resp_head = Some(Mono::now());
        self.txn.status = Some(status);
        self.note_response_head(resp_head_len, &sbuf);
        if w.hooks
            .on_response_head(&info, status, &sbuf[..resp_head_len])
            == Verdict::Deny
        {
            be_row.incr(thread, Counter::DeniedResp);
            self.txn.end(Cause::ProxyAbort, Phase::Headers);
            self.reply(Some(be_id), 502).await;
            return false;
        }
        let mut resp_edits = persist::HeaderEdits::default();
        if be.cookie.is_some() {
            self.txn.state.server_cookie = persist::edit_response(
                be,
                slot.server,
                &req_cookie,
                self.req.method,
                &self.resp,
                &sbuf[..resp_head_len],
                now,
                &mut resp_edits,
            );
        }
        match self.response_rules(be, &sbuf[..resp_head_len]) {
            ResponseVerdict::Continue => {}
            ResponseVerdict::Deny { status } => {
                be_row.incr(thread, Counter::DeniedResp);
                self.txn.end(Cause::ProxyAbort, Phase::Headers);
                self.reply(Some(be_id), status).await;
                return false;
            }
            ResponseVerdict::Reject => {
                be_row.incr(thread, Counter::DeniedResp);
                self.txn.end(Cause::ProxyAbort, Phase::Headers);
                return false;
            }
            ResponseVerdict::Reply { status } => {
                count_status(w, fe.id, Some(be_id), status);
                self.txn.status = Some(status);
                self.txn.bytes_out = self.scratch.reply().len() as u64;
                self.txn.end(Cause::Local, Phase::Headers);
                super::reply::send_and_close(&self.client, self.scratch.reply(), fe.timeout_client)
                    .await;
                return false;
            }
        }
        let resp_body = response_body_kind(self.req.method, &self.resp);
        let is_tunnel = starts_tunnel(&self.req, &self.resp);
        // A connection-bound authentication makes the connection this client's.
        private |= self.resp.asks_connection_auth(&sbuf[..resp_head_len]);
        let mut client_keep = mode != HttpConnMode::Close
            && self.req.wants_keep_alive()
            && req_done
            && !is_tunnel
            && resp_body != BodyKind::CloseDelimited;
        let mut server_keep = server_side_persists(mode, be, &self.req)
            && self.resp.wants_keep_alive()
            && !matches!(resp_body, BodyKind::CloseDelimited | BodyKind::Tunnel)
            && req_done
            && !is_tunnel;
        let conn_hdr = if is_tunnel {
            ConnectionHeader::AsReceived
        } else if !client_keep {
            ConnectionHeader::Close
        } else if !self.resp.wants_keep_alive() || self.req.version == Version::Http10 {
            // The server closes but the client stays, or an HTTP/1.0 client must be told the
            // connection persists.
            ConnectionHeader::KeepAlive {
                http10_peer: self.req.version == Version::Http10,
            }
        } else {
            ConnectionHeader::AsReceived
        };

        let mut resp_framer = BodyFramer::new(resp_body);
        let first = match resp_framer.advance(&sbuf[resp_head_len..slen]) {
            Ok(p) => p.consumed,
            Err(_) => {
                be_row.incr(thread, Counter::ErrorsResp);
                srv_row.incr(thread, Counter::ErrorsResp);
                self.txn.end(Cause::ProxyAbort, Phase::Headers);
                self.reply(Some(be_id), 502).await;
                return false;
            }
        };
        if resp_head_len + first < slen && !is_tunnel {
            // Bytes after the response's end: the connection is not in a known state.
            server_keep = false;
        }
        let mut out = w.take_head_buf();
        let written = if conn_hdr == ConnectionHeader::AsReceived
            && !self.resp.edited
            && resp_edits.is_empty()
            && self.scratch.response_edits().is_empty()
        {
            let end = if is_tunnel {
                slen
            } else {
                resp_head_len + first
            };
            write_within(&self.client, &sbuf[..end], fe.timeout_client).await
        } else {
            // Persistence edits only exist with a `cookie` line: no allocation otherwise.
            let mut edits = Vec::new();
            resp_edits.as_edits(&mut edits);
            self.scratch.response_edits().write_head(
                &sbuf[..resp_head_len],
                &self.resp,
                Side::Response,
                &edits,
                conn_hdr,
                &mut self.edit_storage,
                &mut out,
            );
            let end = if is_tunnel {
                slen
            } else {
                resp_head_len + first
            };
            write2_within(
                &self.client,
                &out,
                &sbuf[resp_head_len..end],
                fe.timeout_client,
            )
            .await
        };
        // What the client got of the head: the server's, or the rewritten one.
        let head_sent = if out.is_empty() {
            resp_head_len
        } else {
            out.len()
        };
        w.put_head_buf(out);
        count_status(w, fe.id, Some(be_id), status);
        count_server_status(w, be_id, slot.server, status);
        let mut bytes_out = (head_sent + slen.min(resp_head_len + first) - resp_head_len) as u64;
        self.txn.bytes_out = bytes_out;
        if written.is_err() {
            fe_row.incr(thread, Counter::ErrorsReq);
            self.txn.end(Cause::ClientAbort, Phase::Data);
            return false;
        }

        if is_tunnel {
            return self.run_tunnel(be, &server, bytes_out, &slot).await;
        }

        if !resp_framer.is_done() {
            match pump_body(
                &server,
                &self.client,
                &mut sbuf,
                &mut resp_framer,
                be.timeout_server,
                fe.timeout_client,
            )
            .await
            {
                Ok((n, leftover)) => {
                    bytes_out += n;
                    if !leftover.is_empty() {
                        server_keep = false;
                    }
                    if resp_body == BodyKind::CloseDelimited {
                        server_keep = false;
                        client_keep = false;
                    }
                }
                Err(e) => {
                    match e {
                        BodyError::Sink(stop) => {
                            fe_row.incr(thread, Counter::ErrorsReq);
                            if stop == Stop::TimedOut {
                                self.txn.end(Cause::ClientTimeout, Phase::Data);
                            } else {
                                self.txn.end(Cause::ClientAbort, Phase::Data);
                            }
                        }
                        BodyError::Source(Stop::TimedOut) => {
                            be_row.incr(thread, Counter::ErrorsResp);
                            srv_row.incr(thread, Counter::ErrorsResp);
                            self.txn.end(Cause::ServerTimeout, Phase::Data);
                        }
                        _ => {
                            be_row.incr(thread, Counter::ErrorsResp);
                            srv_row.incr(thread, Counter::ErrorsResp);
                            self.txn.end(Cause::ServerAbort, Phase::Data);
                        }
                    }
                    return false;
                }
            }
        }
        for row in [fe_row, be_row, srv_row] {
            row.add(thread, Counter::BytesOut, bytes_out);
        }
        self.txn.bytes_out = bytes_out;
        drop(sbuf);

        if server_keep {
            self.attach(ServerConn {
                stream: server,
                backend: be_id,
                server: slot.server,
                private,
            });
        } else {
            crate::connect::close_abortive(server);
        }
        // The slot is released here, before the next request: idle connections do not count
        // against the server's maxconn.
        drop(slot);
        client_keep
    }

    /// After `101 Switching Protocols` (or a 2xx to CONNECT): bytes both ways until either
    /// side is done. Client bytes that came after the request head go first.
    async fn run_tunnel(
        &mut self,
        be: &BackendPlan,
        server: &TcpStream,
        bytes_out: u64,
        slot: &ServerSlot,
    ) -> bool {
        if self.rend > self.rstart {
            if let Some(buf) = self.rbuf.as_deref() {
                if write_within(server, &buf[self.rstart..self.rend], be.timeout_server)
                    .await
                    .is_err()
                {
                    return false;
                }
            }
        }
        self.rbuf = None;
        self.rstart = 0;
        self.rend = 0;
        let idle = be
            .timeout_tunnel
            .or(match (self.fe.timeout_client, be.timeout_server) {
                (Some(c), Some(s)) => Some(c.min(s)),
                (c, s) => c.or(s),
            });
        let tunneled = tunnel(
            &self.w.bufs,
            &self.client,
            server,
            TunnelTimeouts {
                idle,
                half_closed: self.fe.timeout_client_fin.or(be.timeout_server_fin),
            },
        );
        let r = if !be.watch_shutdown {
            tunneled.await
        } else {
            match crate::connect::unless_shut_down(be, slot.server, tunneled).await {
                Some(r) => r,
                None => {
                    self.txn
                        .end(crate::connect::shutdown_cause(be, slot.server), Phase::Data);
                    crate::forward::TunnelResult::default()
                }
            }
        };
        let c = &self.w.plan.counters;
        let t = self.w.thread;
        for row in [
            &c.frontends[self.fe.id],
            &c.backends[be.id],
            &c.servers[be.id][slot.server],
        ] {
            row.add(t, Counter::BytesIn, r.up);
            row.add(t, Counter::BytesOut, r.down + bytes_out);
        }
        self.txn.bytes_in += r.up;
        self.txn.bytes_out = r.down + bytes_out;
        false
    }

    /// Writes the request head to forward into `out` unless it can go verbatim (returns true).
    fn build_request_head(
        &mut self,
        be: &BackendPlan,
        mode: HttpConnMode,
        head_len: usize,
        cookie_edits: &persist::HeaderEdits,
        out: &mut Vec<u8>,
    ) -> bool {
        let fe = self.fe;
        let Some(buf) = self.rbuf.as_deref() else {
            return true;
        };
        let head_buf = &buf[self.rstart..self.rstart + head_len];
        let forwardfor = be.forwardfor.as_ref().or(fe.forwardfor.as_ref());
        let originalto = be.originalto.as_ref().or(fe.originalto.as_ref());
        // Addresses are formatted only for the headers that carry them.
        let client_ip = forwardfor.and(self.peer).map(|a| IpText::new(a.ip()));
        let local_ip = originalto.and(self.local).map(|a| IpText::new(a.ip()));
        let mut edits: [Edit<'_>; 3] = [
            Edit::Delete(usize::MAX),
            Edit::Delete(usize::MAX),
            Edit::Delete(usize::MAX),
        ];
        let mut n = 0;
        // HAProxy adds the identifier before X-Forwarded-For.
        if let Some(header) = fe.unique_id.as_ref().and_then(|u| u.header.as_ref()) {
            edits[n] = Edit::Append {
                name: header.as_bytes(),
                value: &self.txn.unique_id,
            };
            n += 1;
        }
        if let (Some(ff), Some(ip)) = (forwardfor, &client_ip) {
            let excepted = ff
                .except
                .is_some_and(|net| self.peer.is_some_and(|p| net.contains(p.ip())));
            let present = ff.if_none && self.req.find(head_buf, ff.header.as_bytes()).is_some();
            if !excepted && !present {
                edits[n] = Edit::Append {
                    name: ff.header.as_bytes(),
                    value: ip.as_bytes(),
                };
                n += 1;
            }
        }
        if let (Some(ot), Some(ip)) = (originalto, &local_ip) {
            let excepted = ot
                .except
                .is_some_and(|net| self.local.is_some_and(|l| net.contains(l.ip())));
            if !excepted {
                edits[n] = Edit::Append {
                    name: ot.header.as_bytes(),
                    value: ip.as_bytes(),
                };
                n += 1;
            }
        }
        let conn_hdr = match mode {
            HttpConnMode::KeepAlive
                if !self.req.wants_keep_alive() && server_side_persists(mode, be, &self.req) =>
            {
                // The client's `close` stays on the client side.
                ConnectionHeader::KeepAlive { http10_peer: false }
            }
            HttpConnMode::KeepAlive => ConnectionHeader::AsReceived,
            HttpConnMode::ServerClose | HttpConnMode::Close => ConnectionHeader::Close,
        };
        let rule_edits = self.scratch.request_edits();
        if n == 0
            && conn_hdr == ConnectionHeader::AsReceived
            && !self.req.edited
            && cookie_edits.is_empty()
            && rule_edits.is_empty()
        {
            return true;
        }
        // The rules' edits come first, then the proxy's own (HAProxy adds X-Forwarded-For
        // after the http-request rules ran).
        if cookie_edits.is_empty() {
            rule_edits.write_head(
                head_buf,
                &self.req,
                Side::Request,
                &edits[..n],
                conn_hdr,
                &mut self.edit_storage,
                out,
            );
        } else {
            // Persistence edits (`indirect`, `prefix`) only exist with a `cookie` line.
            let mut all = edits[..n].to_vec();
            cookie_edits.as_edits(&mut all);
            rule_edits.write_head(
                head_buf,
                &self.req,
                Side::Request,
                &all,
                conn_hdr,
                &mut self.edit_storage,
                out,
            );
        }
        false
    }

    /// A connection to the slot's server: one this session kept, an idle one of the thread
    /// (not for a session's first request under `http-reuse safe`), or a new one.
    async fn server_conn(&mut self, be: &BackendPlan, slot: ServerSlot) -> Result<Upstream, ()> {
        if let Some(pos) = self
            .attached
            .iter()
            .position(|c| c.backend == be.id && c.server == slot.server)
        {
            let c = self.attached.swap_remove(pos);
            return Ok(Upstream {
                stream: c.stream,
                reused: true,
                private: c.private,
                slot,
            });
        }
        let may_pool = match be.http_reuse {
            HttpReuse::Never => false,
            HttpReuse::Safe => self.requests > 0,
            HttpReuse::Aggressive | HttpReuse::Always => true,
        };
        if may_pool {
            if let Some(stream) = self.w.idle_servers.borrow_mut().take(be.id, slot.server) {
                return Ok(Upstream {
                    stream,
                    reused: true,
                    private: false,
                    slot,
                });
            }
        }
        match connect(self.w, slot, self.peer, self.local).await {
            Ok((stream, slot)) => Ok(Upstream {
                stream,
                reused: false,
                private: false,
                slot,
            }),
            Err(_) => Err(()),
        }
    }

    /// Keeps a server connection for this session's next requests; the oldest goes to the
    /// thread's pool when the session already keeps enough.
    fn attach(&mut self, c: ServerConn) {
        if self.attached.len() >= MAX_ATTACHED {
            let old = self.attached.remove(0);
            self.release(old);
        }
        self.attached.push(c);
    }
}

fn count_server_status(w: &crate::worker::Worker, be: usize, server: usize, status: u16) {
    // `observe layer7`: the status (or the 502/504 that stands for a bad or missing response)
    // counts for or against the server.
    if let Some(b) = w.plan.backends.get(be) {
        w.plan.health.report(
            b.proxy_index,
            server,
            checks::observe::Observed::from_status(status),
        );
    }
    if let Some(row) = w.plan.counters.servers.get(be).and_then(|s| s.get(server)) {
        row.incr(w.thread, crate::counters::class_of(status));
    }
}

/// Waits for the final response head while the rest of the request body (if any) streams
/// from client to server; interim responses (`100 Continue`, `103`) go to the client as they
/// come. Returns the head's length and what happened to the body (`None`: it was already
/// complete, or the final response came before its end).
#[allow(clippy::too_many_arguments)]
async fn await_response_head<C: Stream>(
    client: &C,
    server: &TcpStream,
    rbuf: &mut [u8],
    framer: &mut BodyFramer,
    resp: &mut Head,
    sbuf: &mut [u8],
    slen: &mut usize,
    limits: &Limits,
    timeout_client: Option<std::time::Duration>,
    timeout_server: Option<std::time::Duration>,
) -> (Result<usize, RespHeadError>, BodyOutcome) {
    let body_pending = !framer.is_done();
    let mut body: BodyOutcome = None;
    let pump = pump_body(client, server, rbuf, framer, timeout_client, timeout_server);
    tokio::pin!(pump);
    loop {
        let waiting_body = body_pending && body.is_none();
        let head = read_response_head(server, sbuf, slen, resp, limits, timeout_server);
        tokio::select! {
            biased;
            r = &mut pump, if waiting_body => {
                let failed = r.is_err();
                body = Some(r);
                if failed {
                    return (Err(RespHeadError::Io(Stop::Failed)), body);
                }
            }
            h = head => match h {
                Ok(n) if resp.is_interim() && resp.status != 101 => {
                    if write_within(client, &sbuf[..n], timeout_client).await.is_err() {
                        return (Err(RespHeadError::Io(Stop::Failed)), body);
                    }
                    sbuf.copy_within(n..*slen, 0);
                    *slen -= n;
                }
                other => return (other, body),
            }
        }
    }
}
