//! A `mode tcp` session: pick a server, connect (queue, retries, redispatch), then forward
//! bytes both ways with half-close until both sides are done or the connection idles out.

use std::net::SocketAddr;
use std::rc::Rc;

use crate::connect::{assign_server, connect};
use crate::counters::Counter;
use crate::forward::{tunnel, TunnelTimeouts};
use crate::hooks::{LogInfo, SessionInfo, Verdict};
use crate::plan::FrontendPlan;
use crate::stream::Stream;
use crate::worker::Worker;

pub async fn serve<S: Stream>(
    w: &Rc<Worker>,
    fe: &FrontendPlan,
    client: S,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
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
        return;
    }
    let Some(backend) = fe.backend else {
        fe_row.incr(w.thread, Counter::ErrorsReq);
        return;
    };
    let be = &w.plan.backends[backend];
    let slot = match assign_server(w, backend, peer).await {
        Ok(s) => s,
        Err(_) => {
            counters.backends[backend].incr(w.thread, Counter::ErrorsConn);
            return;
        }
    };
    let (server, slot) = match connect(w, slot, peer, local).await {
        Ok(c) => c,
        Err(_) => return,
    };
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
    let r = tunnel(&w.bufs, &client, &server, timeouts).await;

    let srv_row = &counters.servers[backend][slot.server];
    let be_row = &counters.backends[backend];
    for row in [fe_row, be_row, srv_row] {
        row.add(w.thread, Counter::BytesIn, r.up);
        row.add(w.thread, Counter::BytesOut, r.down);
    }
    if r.error {
        // Which side failed is not known here; HAProxy counts a reset as a response error
        // when it comes from the server, which is the common case for a reset mid-stream.
        srv_row.incr(w.thread, Counter::ErrorsResp);
    }
    w.hooks.on_log(&LogInfo {
        session: info,
        backend: Some(&be.name),
        server: Some(slot.server_name()),
        status: None,
        bytes_in: r.up,
        bytes_out: r.down,
    });
}
