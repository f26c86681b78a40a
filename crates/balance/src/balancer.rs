//! One backend's server choice: the pool (truth about servers) and its algorithm (derived
//! state), kept consistent. State changes from health checks or the runtime API go through
//! here so the algorithm hears about exactly the server that changed.

use crate::pool::{ServerPool, ServerSpec};
use crate::spec::{BalanceSpec, KeyNeeds};
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug)]
pub struct Balancer {
    spec: BalanceSpec,
    pool: ServerPool,
    algo: Box<dyn Algorithm>,
}

impl Balancer {
    /// `seed` only matters for `balance random` (use a different one per thread).
    pub fn new(spec: BalanceSpec, servers: Vec<ServerSpec>, all_backups: bool, seed: u64) -> Self {
        let pool = ServerPool::new(servers, all_backups);
        let algo = spec.build(&pool, seed);
        Balancer { spec, pool, algo }
    }

    pub fn spec(&self) -> &BalanceSpec {
        &self.spec
    }

    pub fn needs(&self) -> KeyNeeds<'_> {
        self.spec.needs()
    }

    pub fn pool(&self) -> &ServerPool {
        &self.pool
    }

    /// The server for this request; `None` when none can take it now.
    pub fn pick(&mut self, key: &PickKey<'_>) -> Option<ServerId> {
        self.algo.pick(key, &self.pool)
    }

    /// A server went up (`true`) or down / into maintenance (`false`).
    pub fn set_up(&mut self, id: ServerId, up: bool) {
        let was_usable = self.pool.usable(id);
        if !self.pool.set_up(id, up) {
            return;
        }
        self.notify(id, was_usable);
    }

    /// Run-time weight (0..=256; 0 drains the server of new traffic).
    pub fn set_weight(&mut self, id: ServerId, weight: u32) {
        let was_usable = self.pool.usable(id);
        if !self.pool.set_weight(id, weight) {
            return;
        }
        if was_usable == self.pool.usable(id) {
            self.algo.set_weight(&self.pool, id);
        } else {
            self.notify(id, was_usable);
        }
    }

    fn notify(&mut self, id: ServerId, was_usable: bool) {
        match (was_usable, self.pool.usable(id)) {
            (false, true) => self.algo.server_up(&self.pool, id),
            (true, false) => self.algo.server_down(&self.pool, id),
            _ => {}
        }
    }

    /// Connection counts, which `leastconn`, `first`, `random`, bounded loads and the
    /// `maxconn` checks read.
    pub fn set_served(&mut self, id: ServerId, served: u32) {
        self.pool.set_served(id, served);
    }

    pub fn conn_started(&mut self, id: ServerId) {
        self.pool.conn_started(id);
    }

    pub fn conn_ended(&mut self, id: ServerId) {
        self.pool.conn_ended(id);
    }
}
