//! The one counter table every stats renderer reads lives in the `stats` crate; the data
//! plane writes it through these names. The health checker reads servers' current sessions
//! and queues from it for its state-change lines.

use std::sync::Arc;

pub use stats::counters::*;

/// The counter table as the checker's [`checks::driver::LoadProbe`]: rows are in plan order,
/// the checker counts in `Config::proxies` order.
pub(crate) struct CountersLoad {
    pub counters: Arc<CounterTable>,
    /// `Config::proxies` index → backend id.
    pub backend_of_proxy: Vec<Option<usize>>,
}

impl CountersLoad {
    fn server(&self, proxy_index: usize, server: usize) -> Option<&CounterRow> {
        let b = self.backend_of_proxy.get(proxy_index).copied().flatten()?;
        self.counters.servers.get(b)?.get(server)
    }
}

impl checks::driver::LoadProbe for CountersLoad {
    fn sessions(&self, proxy_index: usize, server: usize) -> u64 {
        self.server(proxy_index, server)
            .map_or(0, |r| r.sessions.cur())
    }

    fn queued(&self, proxy_index: usize, server: usize) -> u64 {
        self.server(proxy_index, server)
            .map_or(0, |r| r.queue.cur())
    }

    fn backend_queued(&self, proxy_index: usize) -> u64 {
        self.backend_of_proxy
            .get(proxy_index)
            .copied()
            .flatten()
            .and_then(|b| self.counters.backends.get(b))
            .map_or(0, |r| r.queue.cur())
    }
}
