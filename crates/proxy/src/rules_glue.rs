//! Where the `rules` crate meets the data plane: reading pattern and reply files at load,
//! live counters for `nbsrv`/`be_conn`/`fe_conn`, and the per-connection evaluation context.
//! Sessions call [`rules::RulePlan`] at HAProxy's phases (see `http/exchange.rs` and
//! `tcp.rs`); the plan itself is compiled once in [`crate::plan::Plan::build`].

use std::net::SocketAddr;

use rules::{ConnInfo, Counters, Env, FileSource};

use crate::plan::{FrontendPlan, Plan};
use crate::worker::Worker;

/// Pattern files (`acl … -f FILE`) and `return … file F` bodies, read from the file system
/// when the plan is built (before chroot).
pub(crate) struct FsFiles;

impl FileSource for FsFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| e.to_string())
    }
}

/// `nbsrv`, `be_conn`, `fe_conn` over the live counter table. Indexes are positions in
/// `Config::proxies`, as the rules crate knows them.
pub(crate) struct LiveCounters<'p>(pub &'p Plan);

impl Counters for LiveCounters<'_> {
    fn usable_servers(&self, backend: usize) -> u32 {
        match self.0.backend_of_proxy.get(backend).copied().flatten() {
            Some(b) => self.0.backends[b]
                .servers
                .iter()
                .filter(|s| !s.disabled)
                .count() as u32,
            None => 0,
        }
    }

    fn backend_conns(&self, backend: usize) -> u64 {
        match self.0.backend_of_proxy.get(backend).copied().flatten() {
            Some(b) => self.0.counters.backends[b].sessions.cur(),
            None => 0,
        }
    }

    fn frontend_conns(&self, frontend: usize) -> u64 {
        match self.0.frontend_of_proxy.get(frontend).copied().flatten() {
            Some(f) => self.0.counters.frontends[f].sessions.cur(),
            None => 0,
        }
    }
}

/// The evaluation context of a connection on frontend `fe_proxy` (a `Config::proxies` index).
pub(crate) fn env<'p>(
    counters: &'p LiveCounters<'p>,
    fe_proxy: usize,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) -> Env<'p> {
    Env {
        conn: ConnInfo {
            src: peer,
            dst: local,
            ssl: false,
        },
        counters,
        frontend: fe_proxy,
        backend: None,
    }
}

/// `tcp-request connection` rules of the frontend, at accept: false means close now.
pub(crate) fn accepts(
    w: &Worker,
    fe: &FrontendPlan,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) -> bool {
    let live = LiveCounters(&w.plan);
    let env = env(&live, fe.proxy_index, peer, local);
    // Connection rules keep no per-request state: a small scratch on the stack is enough.
    let mut scratch = rules::Scratch::default();
    w.plan
        .rules
        .tcp_connection(fe.proxy_index, &env, &mut scratch)
        == rules::TcpVerdict::Accept
}

/// `mode tcp` at accept: `tcp-request connection` and `tcp-request content` rules (on
/// connection fetches), then `use_backend`/`default_backend`. `None`: rejected; `Some(None)`:
/// no backend.
pub(crate) fn tcp_backend(
    w: &Worker,
    fe: &FrontendPlan,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) -> Option<Option<crate::plan::BackendId>> {
    let plan = &w.plan;
    let live = LiveCounters(plan);
    let env = env(&live, fe.proxy_index, peer, local);
    let mut scratch = rules::Scratch::default();
    let rules = &plan.rules;
    if rules.tcp_connection(fe.proxy_index, &env, &mut scratch) == rules::TcpVerdict::Reject
        || rules.tcp_content(fe.proxy_index, &env, None, &mut scratch) == rules::TcpVerdict::Reject
    {
        return None;
    }
    Some(
        rules
            .choose_backend(fe.proxy_index, &env, None, &mut scratch)
            .and_then(|i| plan.backend_of_proxy.get(i).copied().flatten())
            .or(fe.backend),
    )
}

/// `use-server` rules of backend `be` in `mode tcp`, on connection fetches (`src`, `dst`, …):
/// the server they force, up (or `option persist`) whatever its weight.
pub(crate) fn tcp_forced_server(
    w: &Worker,
    fe: &FrontendPlan,
    be: &crate::plan::BackendPlan,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) -> Option<usize> {
    let plan = &w.plan;
    if !plan.rules.proxy(be.proxy_index).has_use_server() {
        return None;
    }
    let live = LiveCounters(plan);
    let mut env = env(&live, fe.proxy_index, peer, local);
    env.backend = Some(be.proxy_index);
    let mut scratch = rules::Scratch::default();
    let up = |id: usize| be.persist || crate::connect::server_up(be, id);
    plan.rules
        .choose_server(be.proxy_index, &env, None, &mut scratch, &up)
}
