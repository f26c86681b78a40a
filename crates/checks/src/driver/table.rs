//! The server states the data plane reads: one byte of [`ServerState`] and one weight per
//! server, in atomics, written by the checker thread only. Reading one is a relaxed load, so
//! server choice never waits on a check.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::Mutex;

use haproxy_cfg::model::Config;
use tokio::sync::mpsc;

use crate::messages::PoolSummary;
use crate::observe::{ObserveMode, Observed};
use crate::server::ServerState;

/// One observed event on its way to the checker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub backend: usize,
    pub server: usize,
    pub ok: bool,
    pub event: Observed,
}

/// One server's published state.
#[derive(Debug)]
pub struct ServerSlot {
    pub name: String,
    pub backup: bool,
    /// `observe layer4|layer7`, when set.
    pub observe: Option<ObserveMode>,
    state: AtomicU8,
    weight: AtomicU32,
}

impl ServerSlot {
    pub fn state(&self) -> ServerState {
        ServerState::from_u8(self.state.load(Ordering::Relaxed))
    }

    pub fn weight(&self) -> u32 {
        self.weight.load(Ordering::Relaxed)
    }

    /// May take new traffic: up (or going down) with a weight above 0.
    pub fn usable(&self) -> bool {
        self.state().usable() && self.weight() > 0
    }

    pub(crate) fn publish(&self, state: ServerState, weight: u32) {
        self.weight.store(weight, Ordering::Relaxed);
        self.state.store(state as u8, Ordering::Release);
    }
}

/// The servers of one backend, in `server` line order (the data plane's `ServerId`).
#[derive(Debug)]
pub struct BackendHealth {
    pub name: String,
    pub servers: Box<[ServerSlot]>,
}

impl BackendHealth {
    /// Whether server `id` may take new traffic; an unknown id is not usable.
    pub fn usable(&self, id: usize) -> bool {
        self.servers.get(id).is_some_and(ServerSlot::usable)
    }

    pub fn state(&self, id: usize) -> Option<ServerState> {
        self.servers.get(id).map(ServerSlot::state)
    }

    pub fn weight(&self, id: usize) -> Option<u32> {
        self.servers.get(id).map(ServerSlot::weight)
    }

    /// Usable active and backup servers, for the log lines.
    pub fn summary(&self) -> PoolSummary {
        let usable = |backup: bool| {
            self.servers
                .iter()
                .filter(|s| s.backup == backup && s.usable())
                .count()
        };
        PoolSummary {
            active: usable(false),
            backup: usable(true),
            ..PoolSummary::default()
        }
    }
}

/// Every backend's servers, indexed like [`Config::proxies`] (`None` for frontends).
#[derive(Debug)]
pub struct HealthTable {
    backends: Vec<Option<BackendHealth>>,
    observed: mpsc::UnboundedSender<Observation>,
    /// Taken once by the checker that consumes observations.
    observed_rx: Mutex<Option<mpsc::UnboundedReceiver<Observation>>>,
}

impl HealthTable {
    /// The state at start: `disabled` servers in MAINT, every other one UP at its weight
    /// (a checked server starts up and the first failed check takes it down, as in HAProxy).
    pub fn new(config: &Config) -> Self {
        let backends = config
            .proxies
            .iter()
            .map(|p| {
                p.cap.backend.then(|| BackendHealth {
                    name: p.name.clone(),
                    servers: p
                        .servers
                        .iter()
                        .map(|s| {
                            let state = if s.disabled {
                                ServerState::Maint
                            } else {
                                ServerState::Up
                            };
                            ServerSlot {
                                name: s.name.clone(),
                                backup: s.backup,
                                observe: s
                                    .observe
                                    .as_deref()
                                    .and_then(ObserveMode::parse)
                                    .filter(|_| s.check),
                                state: AtomicU8::new(state as u8),
                                weight: AtomicU32::new(if s.disabled { 0 } else { s.weight }),
                            }
                        })
                        .collect(),
                })
            })
            .collect();
        let (observed, rx) = mpsc::unbounded_channel();
        HealthTable {
            backends,
            observed,
            observed_rx: Mutex::new(Some(rx)),
        }
    }

    /// The data plane reports what it saw on live traffic to a server (`observe`). A load and
    /// a return when the server does not observe, or the event does not count in its mode.
    pub fn report(&self, proxy_index: usize, server: usize, event: Observed) {
        let Some(slot) = self
            .backend(proxy_index)
            .and_then(|b| b.servers.get(server))
        else {
            return;
        };
        let Some(ok) = slot.observe.and_then(|m| event.counts_in(m)) else {
            return;
        };
        let _ = self.observed.send(Observation {
            backend: proxy_index,
            server,
            ok,
            event,
        });
    }

    pub(crate) fn take_observations(&self) -> Option<mpsc::UnboundedReceiver<Observation>> {
        self.observed_rx.lock().ok()?.take()
    }

    /// The backend at this index of [`Config::proxies`].
    pub fn backend(&self, proxy_index: usize) -> Option<&BackendHealth> {
        self.backends.get(proxy_index)?.as_ref()
    }

    /// Whether server `server` of the backend at `proxy_index` may take new traffic.
    pub fn usable(&self, proxy_index: usize, server: usize) -> bool {
        self.backend(proxy_index).is_some_and(|b| b.usable(server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_up_except_disabled() {
        let cfg = haproxy_cfg::parse_str(
            "t.cfg",
            "frontend f\n bind 127.0.0.1:8080\n default_backend b\nbackend b\n server a 127.0.0.1:1 check\n server c 127.0.0.1:2 disabled\n server d 127.0.0.1:3 backup weight 0\n",
        )
        .expect("parses")
        .config;
        let t = HealthTable::new(&cfg);
        assert!(t.backend(0).is_none(), "a frontend has no servers");
        let b = t.backend(1).expect("backend");
        assert!(b.usable(0));
        assert_eq!(b.state(1), Some(ServerState::Maint));
        assert!(!b.usable(1));
        assert!(!b.usable(2), "weight 0 takes no traffic");
        assert!(!b.usable(99));
        assert_eq!(
            b.summary(),
            PoolSummary {
                active: 1,
                ..PoolSummary::default()
            }
        );
        b.servers[0].publish(ServerState::Down, 0);
        assert!(!t.usable(1, 0));
    }
}
