//! `balance first`: the first server (lowest numeric id) with a free connection slot takes
//! the connection; weights are ignored (configuration manual 4.2, "first"; `lb_fas.c`).
//! Meant with server `maxconn`: the next server only gets traffic once the previous is full.

use crate::pool::ServerPool;
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug, Clone)]
pub struct First {
    /// Server indexes sorted by numeric id.
    by_id: Vec<ServerId>,
}

impl First {
    pub fn new(pool: &ServerPool) -> First {
        let mut by_id: Vec<ServerId> = (0..pool.len()).collect();
        by_id.sort_by_key(|&i| (pool.spec(i).id, i));
        First { by_id }
    }
}

impl Algorithm for First {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        let mut avoided = None;
        for &id in &self.by_id {
            if !pool.in_group(id) || !pool.has_room(id) {
                continue;
            }
            if Some(id) != key.avoid {
                return Some(id);
            }
            avoided = Some(id);
        }
        avoided
    }

    fn server_up(&mut self, _pool: &ServerPool, _id: ServerId) {}

    fn server_down(&mut self, _pool: &ServerPool, _id: ServerId) {}

    fn set_weight(&mut self, _pool: &ServerPool, _id: ServerId) {}
}
