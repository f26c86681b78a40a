//! `balance static-rr`: each server in turn according to its weight, over HAProxy's static
//! map (configuration manual 4.2, "static-rr"; `map_get_server_rr()` in `lb_map.c`). Same
//! order as HAProxy; a weight change is ignored unless it makes the server usable or not.

use crate::map::ServerMap;
use crate::pool::ServerPool;
use crate::{Algorithm, PickKey, ServerId};

#[derive(Debug, Clone)]
pub struct StaticRoundRobin {
    map: ServerMap,
}

impl StaticRoundRobin {
    pub fn new(pool: &ServerPool) -> StaticRoundRobin {
        StaticRoundRobin {
            map: ServerMap::new(pool),
        }
    }
}

impl Algorithm for StaticRoundRobin {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        self.map.next_rr(pool, key.avoid)
    }

    fn server_up(&mut self, pool: &ServerPool, _id: ServerId) {
        self.map.rebuild(pool);
    }

    fn server_down(&mut self, pool: &ServerPool, _id: ServerId) {
        self.map.rebuild(pool);
    }

    fn set_weight(&mut self, pool: &ServerPool, _id: ServerId) {
        self.map.rebuild(pool);
    }
}
