//! The runtime admin commands, callable from any thread: the runtime API
//! (`set server B/S state`, `set weight`, `enable|disable health|agent`,
//! `shutdown sessions server`) and the stats page's admin form act on a server through a
//! [`ServerAdmin`]. Every server of every backend can be set, checked or not. Each change
//! goes through [`HealthTable::apply`], so it is published to the data plane and logged in
//! HAProxy's words exactly as a check's would be.

use std::sync::Arc;

use super::facts::ServerFacts;
use super::table::{BackendHealth, HealthTable};
use crate::admin::{AdminError, AdminSource};
use crate::server::AdminState;
use crate::weight::parse_weight_change;

/// A server, by its place in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerRef {
    /// Index in `Config::proxies`.
    pub proxy_index: usize,
    /// Index in the backend's `servers`.
    pub server: usize,
}

/// `get weight B/S`: prints as `{current} (initial {initial})`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightInfo {
    pub current: u32,
    pub initial: u32,
}

/// A cloneable handle on the servers' admin side; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct ServerAdmin {
    table: Arc<HealthTable>,
}

impl HealthTable {
    /// The admin handle on this table.
    pub fn admin(self: &Arc<Self>) -> ServerAdmin {
        ServerAdmin {
            table: Arc::clone(self),
        }
    }
}

/// A `#N` numeric id, as the runtime API accepts in place of a name.
fn numeric_id(word: &str) -> Option<u32> {
    word.strip_prefix('#')?.parse().ok()
}

impl ServerAdmin {
    pub fn table(&self) -> &Arc<HealthTable> {
        &self.table
    }

    /// A backend by name or `#id`.
    pub fn find_backend(&self, backend: &str) -> Result<usize, AdminError> {
        let id = numeric_id(backend);
        self.table
            .backends()
            .find(|(_, b)| b.name == backend || Some(b.uid) == id)
            .map(|(i, _)| i)
            .ok_or(AdminError::NoSuchBackend)
    }

    /// A server by backend and server name (or `#id`).
    pub fn find(&self, backend: &str, server: &str) -> Result<ServerRef, AdminError> {
        let proxy_index = self.find_backend(backend)?;
        let b = self.backend(proxy_index)?;
        let id = numeric_id(server);
        b.servers
            .iter()
            .position(|s| s.name == server || Some(s.uid) == id)
            .map(|server| ServerRef {
                proxy_index,
                server,
            })
            .ok_or(AdminError::NoSuchServer)
    }

    /// `backend/server` as the runtime API writes it.
    pub fn find_path(&self, path: &str) -> Result<ServerRef, AdminError> {
        let (b, s) = path.split_once('/').ok_or(AdminError::BadPath)?;
        self.find(b, s)
    }

    fn backend(&self, proxy_index: usize) -> Result<&BackendHealth, AdminError> {
        self.table
            .backend(proxy_index)
            .ok_or(AdminError::NoSuchBackend)
    }

    fn check(&self, s: ServerRef) -> Result<&BackendHealth, AdminError> {
        let b = self.backend(s.proxy_index)?;
        if s.server >= b.servers.len() {
            return Err(AdminError::NoSuchServer);
        }
        Ok(b)
    }

    /// `set server B/S state ready|drain|maint`; `disable server` is `Maint`, `enable
    /// server` is `Ready`. Setting the state a server is already in does nothing.
    pub fn set_state(&self, s: ServerRef, state: AdminState) -> Result<(), AdminError> {
        self.check(s)?;
        let left_maint = self
            .table
            .apply(s.proxy_index, s.server, None, |sc, now| {
                let was_maint = sc.admin() == AdminState::Maint;
                let tr = sc.set_admin(now, state, AdminSource::Cli);
                (was_maint && state != AdminState::Maint, tr)
            })
            .ok_or(AdminError::NoSuchServer)?;
        if left_maint {
            // "Start OK but check immediately", as HAProxy does when leaving maintenance.
            self.wake_check(s);
        }
        Ok(())
    }

    /// `set weight B/S N|N%` (`set server B/S weight …`): HAProxy's rules and error texts.
    pub fn set_weight(&self, s: ServerRef, text: &str) -> Result<(), AdminError> {
        let b = self.check(s)?;
        let dynamic = b.dynamic_weights;
        let was_empty = b.summary() == Default::default();
        self.table
            .apply(s.proxy_index, s.server, None, |sc, _| {
                let r = parse_weight_change(text, sc.config().weight, dynamic);
                if let Ok(w) = r {
                    sc.set_user_weight(w);
                }
                (r, Vec::new())
            })
            .ok_or(AdminError::NoSuchServer)??;
        let pool = b.summary();
        if !was_empty && pool.active == 0 && pool.backup == 0 {
            self.table.no_server_available(b);
        }
        Ok(())
    }

    /// `get weight B/S`.
    pub fn weight(&self, s: ServerRef) -> Result<WeightInfo, AdminError> {
        let f = self.facts(s)?;
        Ok(WeightInfo {
            current: f.user_weight,
            initial: f.initial_weight,
        })
    }

    /// `enable health B/S` / `disable health B/S`. Disabling a server without a check is
    /// accepted (as HAProxy does); enabling one is refused.
    pub fn set_health_check(&self, s: ServerRef, enabled: bool) -> Result<(), AdminError> {
        self.check(s)?;
        let ok = self
            .table
            .apply(s.proxy_index, s.server, None, |sc, _| {
                (sc.set_check_enabled(enabled), Vec::new())
            })
            .ok_or(AdminError::NoSuchServer)?;
        if !ok {
            return Err(AdminError::HealthNotConfigured);
        }
        if enabled {
            self.wake_check(s);
        }
        Ok(())
    }

    /// `enable agent B/S` / `disable agent B/S`.
    pub fn set_agent_check(&self, s: ServerRef, enabled: bool) -> Result<(), AdminError> {
        self.check(s)?;
        let ok = self
            .table
            .apply(s.proxy_index, s.server, None, |sc, _| {
                (sc.set_agent_enabled(enabled), Vec::new())
            })
            .ok_or(AdminError::NoSuchServer)?;
        if ok {
            Ok(())
        } else {
            Err(AdminError::AgentNotConfigured)
        }
    }

    /// `shutdown sessions server B/S`: every session bound to the server ends.
    pub fn shutdown_sessions(&self, s: ServerRef) -> Result<(), AdminError> {
        let b = self.check(s)?;
        b.servers[s.server].shutdown().fire();
        Ok(())
    }

    /// See [`HealthTable::facts`].
    pub fn facts(&self, s: ServerRef) -> Result<ServerFacts, AdminError> {
        self.check(s)?;
        self.table
            .facts(s.proxy_index, s.server)
            .ok_or(AdminError::NoSuchServer)
    }

    fn wake_check(&self, s: ServerRef) {
        if let Some(slot) = self.table.slot(s.proxy_index, s.server) {
            slot.wake.notify_one();
        }
    }
}
