//! Stop requests from the process (signals caught by `halb`) to the worker threads.
//!
//! `halb` turns SIGUSR1 into [`ProxyControl::soft_stop`] and SIGTERM/SIGINT into
//! [`ProxyControl::hard_stop`]; each worker watches the shared state and either stops
//! accepting and drains its sessions (soft) or drops everything at once (hard).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

const RUNNING: u8 = 0;
const SOFT: u8 = 1;
const HARD: u8 = 2;

/// What the workers have been asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopState {
    Running,
    /// Stop accepting; finish the sessions in flight, close idle ones.
    Soft,
    /// Stop now.
    Hard,
}

#[derive(Debug, Default)]
pub(crate) struct ControlShared {
    state: AtomicU8,
    changed: Notify,
}

impl ControlShared {
    pub(crate) fn state(&self) -> StopState {
        match self.state.load(Ordering::Acquire) {
            RUNNING => StopState::Running,
            SOFT => StopState::Soft,
            _ => StopState::Hard,
        }
    }

    /// Completes once the state is at least `Soft` (returns the state seen).
    pub(crate) async fn stopping(&self) -> StopState {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let s = self.state();
            if s != StopState::Running {
                return s;
            }
            notified.await;
        }
    }

    /// A waiter woken when the state changes; `enable()` it, then check [`Self::state`].
    pub(crate) fn stop_requested(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Completes once the state is `Hard`.
    pub(crate) async fn hard_stopping(&self) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.state() == StopState::Hard {
                return;
            }
            notified.await;
        }
    }

    fn raise(&self, to: u8) {
        self.state.fetch_max(to, Ordering::AcqRel);
        self.changed.notify_waiters();
    }
}

/// A cloneable handle to stop a running [`crate::Proxy`] from any thread.
#[derive(Debug, Clone, Default)]
pub struct ProxyControl {
    pub(crate) shared: Arc<ControlShared>,
}

impl ProxyControl {
    /// Stop accepting; the workers exit when their current sessions are done (SIGUSR1).
    pub fn soft_stop(&self) {
        self.shared.raise(SOFT);
    }

    /// Stop now, closing every connection (SIGTERM / SIGINT).
    pub fn hard_stop(&self) {
        self.shared.raise(HARD);
    }

    pub fn state(&self) -> StopState {
        self.shared.state()
    }
}
