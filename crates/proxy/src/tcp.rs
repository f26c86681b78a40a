//! A `mode tcp` session: pick a server, connect (queue, retries, redispatch), then forward
//! bytes both ways with half-close until both sides are done or the connection idles out.

use std::net::SocketAddr;
use std::rc::Rc;

use std::time::Duration;

use balance::rdp_cookie::{self, RdpCookie};
use balance::{AlgorithmSpec, KeySource};

use crate::balance::RequestKey;
use crate::clock::Mono;
use crate::connect::{assign_server, connect, Choice, ConnectError};
use crate::counters::Counter;
use crate::forward::{tunnel, TunnelTimeouts};
use crate::hooks::{SessionInfo, Verdict};
use crate::plan::FrontendPlan;
use crate::stream::Stream;
use crate::txn::Txn;
use crate::worker::Worker;
use logging::{SessionPhase as Phase, TerminationCause as Cause};

pub async fn serve<S: Stream>(
    w: &Rc<Worker>,
    fe: &FrontendPlan,
    client: S,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) {
    let mut txn = Txn::new(Mono::now(), fe.wall_clock);
    txn.req_start = Some(txn.session_start);
    txn.head_done = Some(txn.session_start);
    if let Some(u) = &fe.unique_id {
        u.generate(&fe.name, false, &mut txn, peer, local);
    }
    crate::access_log::accepted(w, fe, &txn, peer, local);
    let listed = crate::sessions::list_new(&w.plan, w.thread, peer, fe.id, txn.session_start);
    serve_txn(w, fe, client, peer, local, &mut txn, listed.as_ref()).await;
    drop(listed);
    crate::access_log::finish(w, fe, &txn, peer, local, None);
}

async fn serve_txn<S: Stream>(
    w: &Rc<Worker>,
    fe: &FrontendPlan,
    client: S,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    txn: &mut Txn,
    listed: Option<&crate::sessions::Registration<'_>>,
) {
    let counters = &w.plan.counters;
    let fe_row = &counters.frontends[fe.id];
    let info = SessionInfo {
        frontend: &fe.name,
        client: peer,
        thread: w.thread,
    };
    if w.hooks.on_accept(&info) == Verdict::Deny {
        fe_row.incr(w.thread, Counter::DeniedReq);
        txn.end(Cause::ProxyAbort, Phase::Request);
        return;
    }
    let Some(choice) = crate::rules_glue::tcp_backend(w, fe, peer, local) else {
        fe_row.incr(w.thread, Counter::DeniedReq);
        txn.end(Cause::ProxyAbort, Phase::Request);
        return;
    };
    let Some(backend) = choice else {
        fe_row.incr(w.thread, Counter::ErrorsReq);
        txn.end(Cause::ServerAbort, Phase::Connect);
        return;
    };
    txn.backend = Some(backend);
    let be = &w.plan.backends[backend];
    // `balance rdp-cookie`: the key is in the client's first bytes, waited for up to
    // `tcp-request inspect-delay` (without it, HAProxy does not wait either). They are sent to
    // the server before the rest of the stream.
    let mut peeked: Vec<u8> = Vec::new();
    if let (AlgorithmSpec::Hash(KeySource::RdpCookie { name }), Some(delay)) =
        (&be.balance_spec.algorithm, be.inspect_delay)
    {
        peeked.resize(PEEK_MAX, 0);
        let n = read_rdp_request(&client, delay, &mut peeked, name).await;
        peeked.truncate(n);
    }
    let choice = Choice {
        key: RequestKey {
            payload: Some(&peeked),
            ..RequestKey::default()
        },
        direct: crate::rules_glue::tcp_forced_server(w, fe, be, peer, local),
    };
    txn.queue_start = Some(Mono::now());
    txn.be_queue = counters.backends[backend].queue.cur() as u32;
    let slot = match assign_server(w, backend, peer, choice).await {
        Ok(s) => s,
        Err(e) => {
            counters.backends[backend].incr(w.thread, Counter::ErrorsConn);
            match e {
                ConnectError::QueueTimeout => txn.end(Cause::ServerTimeout, Phase::Queue),
                _ => txn.end(Cause::ServerAbort, Phase::Connect),
            }
            return;
        }
    };
    txn.assigned = Some(Mono::now());
    txn.server = Some(slot.server);
    txn.srv_queue = counters.servers[backend][slot.server].queue.cur() as u32;
    let (server, slot) = match connect(w, slot, peer, local).await {
        Ok(c) => c,
        Err(_) => {
            txn.end(Cause::ServerAbort, Phase::Connect);
            return;
        }
    };
    txn.connected = Some(Mono::now());
    txn.server = Some(slot.server);
    if let Some(l) = listed {
        l.bind(backend, slot.server);
    }
    txn.retries = slot.retries;
    txn.redispatched = slot.redispatched;
    if !peeked.is_empty() {
        let sent = match be.timeout_server {
            Some(t) => tokio::time::timeout(t, send_all(&server, &peeked))
                .await
                .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
            None => send_all(&server, &peeked).await,
        };
        if sent.is_err() {
            counters.servers[backend][slot.server].incr(w.thread, Counter::ErrorsConn);
            txn.end(Cause::ServerAbort, Phase::Connect);
            return;
        }
    }
    w.hooks
        .on_backend_chosen(&info, &be.name, slot.server_name());
    let timeouts = TunnelTimeouts {
        idle: be
            .timeout_tunnel
            .or(match (fe.timeout_client, be.timeout_server) {
                (Some(c), Some(s)) => Some(c.min(s)),
                (c, s) => c.or(s),
            }),
        half_closed: fe.timeout_client_fin.or(be.timeout_server_fin),
    };
    let tunneled = tunnel(&w.bufs, &client, &server, timeouts);
    let r = if !be.watch_shutdown {
        tunneled.await
    } else {
        match crate::connect::unless_shut_down(be, slot.server, tunneled).await {
            Some(r) => r,
            None => {
                txn.end(crate::connect::shutdown_cause(be, slot.server), Phase::Data);
                crate::forward::TunnelResult::default()
            }
        }
    };

    let srv_row = &counters.servers[backend][slot.server];
    let be_row = &counters.backends[backend];
    for row in [fe_row, be_row, srv_row] {
        row.add(w.thread, Counter::BytesIn, r.up);
        row.add(w.thread, Counter::BytesOut, r.down);
    }
    txn.bytes_in = r.up;
    txn.bytes_out = r.down;
    if r.error {
        // Which side failed is not known here; HAProxy counts a reset as a response error
        // when it comes from the server, which is the common case for a reset mid-stream.
        srv_row.incr(w.thread, Counter::ErrorsResp);
        txn.end(Cause::ServerAbort, Phase::Data);
    } else if r.timed_out {
        txn.end(Cause::ClientTimeout, Phase::Data);
    }
}

/// Room for an RDP connection request (a few dozen bytes in practice).
const PEEK_MAX: usize = 1024;

/// Reads the client's first bytes until the RDP cookie `name` is decided (found or absent),
/// the buffer is full, the client stops, or `delay` passes. Returns how many bytes were read.
async fn read_rdp_request<S: Stream>(
    client: &S,
    delay: Duration,
    buf: &mut [u8],
    name: &str,
) -> usize {
    let deadline = tokio::time::Instant::now() + delay;
    let mut len = 0;
    while len < buf.len() && rdp_cookie::find(&buf[..len], name) == RdpCookie::Incomplete {
        match tokio::time::timeout_at(deadline, client.readable()).await {
            Ok(Ok(())) => {}
            _ => break,
        }
        match client.try_read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => break,
        }
    }
    len
}

/// Writes all of `buf` to a freshly connected server.
async fn send_all<S: Stream>(s: &S, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        s.writable().await?;
        match s.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
