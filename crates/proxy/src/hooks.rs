//! Extension points at a session's phases, for code embedding the data plane (ACLs and rules
//! are compiled into the plan itself; logs come from `access_log` at each transaction's end).
//!
//! Every method has a no-op default, so a phase nobody cares about costs one virtual call.
//! The session calls them in order: `on_accept` → (`on_request_head` → `on_backend_chosen` →
//! `on_response_head`)*.

use std::net::SocketAddr;

/// What a hook decides about the connection or request it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// Refuse: the session answers 403 (http) or closes (tcp) and counts a denial.
    Deny,
}

/// What is known about a session when a hook runs.
#[derive(Debug, Clone, Copy)]
pub struct SessionInfo<'a> {
    pub frontend: &'a str,
    pub client: Option<SocketAddr>,
    pub thread: usize,
}

pub trait SessionHooks: Send + Sync {
    fn on_accept(&self, _s: &SessionInfo<'_>) -> Verdict {
        Verdict::Continue
    }
    /// `head` is the raw request head as received.
    fn on_request_head(&self, _s: &SessionInfo<'_>, _head: &[u8]) -> Verdict {
        Verdict::Continue
    }
    fn on_backend_chosen(&self, _s: &SessionInfo<'_>, _backend: &str, _server: &str) {}
    /// `head` is the raw response head as received from the server.
    fn on_response_head(&self, _s: &SessionInfo<'_>, _status: u16, _head: &[u8]) -> Verdict {
        Verdict::Continue
    }
}

/// The hooks used until rules and logging exist: every phase continues.
#[derive(Debug, Default)]
pub struct NoHooks;

impl SessionHooks for NoHooks {}
