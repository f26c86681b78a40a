//! The per-server "kill your sessions" signal: `on-marked-down shutdown-sessions`,
//! `on-marked-up shutdown-backup-sessions` and the runtime API's
//! `shutdown sessions server B/S`. The checker (or an admin command) bumps an epoch and wakes
//! every waiter; a session bound to the server remembers the epoch it started under and ends
//! itself when the epoch moves on. No registry of sessions is needed, and the data plane only
//! pays a relaxed load plus one more branch in its `select!`.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct ShutdownSignal {
    epoch: AtomicU64,
    notify: Notify,
}

impl ShutdownSignal {
    /// The current epoch: read it when a session is bound to the server.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// How many times the signal fired.
    pub fn fired(&self) -> u64 {
        self.epoch()
    }

    /// Resolves once the signal has fired since `epoch` was read; never misses a firing that
    /// happens between the read and the wait.
    pub async fn wait_past(&self, epoch: u64) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a fire() in between still wakes us.
            notified.as_mut().enable();
            if self.epoch() != epoch {
                return;
            }
            notified.await;
        }
    }

    /// Ends every session bound to the server.
    pub(crate) fn fire(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn waiters_wake_on_fire_and_late_waiters_return_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let s = Arc::new(ShutdownSignal::default());
            let e = s.epoch();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let s = Arc::clone(&s);
                    tokio::spawn(async move { s.wait_past(e).await })
                })
                .collect();
            tokio::task::yield_now().await;
            assert!(waiters.iter().all(|w| !w.is_finished()));
            s.fire();
            for w in waiters {
                w.await.expect("woken");
            }
            // A session that read the epoch before the fire but waits after it.
            s.wait_past(e).await;
            assert_eq!(s.fired(), 1);
            // One that started after the fire waits for the next one.
            let e2 = s.epoch();
            let s2 = Arc::clone(&s);
            let w = tokio::spawn(async move { s2.wait_past(e2).await });
            tokio::task::yield_now().await;
            assert!(!w.is_finished());
            s.fire();
            w.await.expect("woken again");
        });
    }
}
