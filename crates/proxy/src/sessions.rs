//! The sessions in progress, for the runtime API's `show sess`. Kept only when a
//! `stats socket` exists: each worker registers its sessions in its own shard (a mutex
//! nobody but that worker takes, except a `show sess` reading it), so a proxy without a
//! runtime API pays nothing and one with it pays an uncontended lock per connection, never
//! per request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::plan::{BackendId, FrontendId};

#[derive(Debug, Clone)]
pub struct SessionEntry {
    pub client: Option<SocketAddr>,
    pub frontend: FrontendId,
    pub backend: Option<BackendId>,
    pub server: Option<usize>,
    pub since: crate::clock::Mono,
}

#[derive(Debug)]
pub struct SessionRegistry {
    next_id: AtomicU64,
    shards: Box<[Mutex<HashMap<u64, SessionEntry>>]>,
}

impl SessionRegistry {
    pub fn new(threads: usize) -> SessionRegistry {
        SessionRegistry {
            next_id: AtomicU64::new(1),
            shards: (0..threads.max(1)).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(
        &self,
        thread: usize,
    ) -> Option<std::sync::MutexGuard<'_, HashMap<u64, SessionEntry>>> {
        let m = self.shards.get(thread)?;
        Some(m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Registers a session; it is listed until the returned guard is dropped.
    pub fn register(&self, thread: usize, entry: SessionEntry) -> Registration<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(mut s) = self.shard(thread) {
            s.insert(id, entry);
        }
        Registration {
            registry: self,
            thread,
            id,
        }
    }

    /// Every session in progress, by id.
    pub fn list(&self) -> Vec<(u64, SessionEntry)> {
        let mut out = Vec::new();
        for t in 0..self.shards.len() {
            if let Some(s) = self.shard(t) {
                out.extend(s.iter().map(|(id, e)| (*id, e.clone())));
            }
        }
        out.sort_by_key(|(id, _)| *id);
        out
    }
}

/// Lists a new session of frontend `frontend` when the plan keeps a list (a `stats socket`
/// exists); `None` otherwise.
pub fn list_new<'p>(
    plan: &'p crate::plan::Plan,
    thread: usize,
    client: Option<SocketAddr>,
    frontend: FrontendId,
    since: crate::clock::Mono,
) -> Option<Registration<'p>> {
    plan.sessions.as_ref().map(|r| {
        r.register(
            thread,
            SessionEntry {
                client,
                frontend,
                backend: None,
                server: None,
                since,
            },
        )
    })
}

/// A listed session; dropping it takes the session off the list.
#[derive(Debug)]
pub struct Registration<'r> {
    registry: &'r SessionRegistry,
    thread: usize,
    id: u64,
}

impl Registration<'_> {
    /// The session now goes to this server.
    pub fn bind(&self, backend: BackendId, server: usize) {
        if let Some(mut s) = self.registry.shard(self.thread) {
            if let Some(e) = s.get_mut(&self.id) {
                e.backend = Some(backend);
                e.server = Some(server);
            }
        }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if let Some(mut s) = self.registry.shard(self.thread) {
            s.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_listed_while_registered() {
        let r = SessionRegistry::new(2);
        let entry = |fe| SessionEntry {
            client: None,
            frontend: fe,
            backend: None,
            server: None,
            since: crate::clock::Mono::now(),
        };
        let a = r.register(0, entry(0));
        let b = r.register(1, entry(1));
        // An unknown thread index is not listed, and never panics.
        let _c = r.register(7, entry(2));
        b.bind(3, 4);
        let l = r.list();
        assert_eq!(l.len(), 2);
        assert_eq!((l[1].1.backend, l[1].1.server), (Some(3), Some(4)));
        drop(a);
        assert_eq!(r.list().len(), 1);
        drop(b);
        assert!(r.list().is_empty());
    }
}
