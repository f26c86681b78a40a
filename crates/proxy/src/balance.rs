//! Server choice: the hook the `balance` crate's algorithms plug into, and the default
//! smooth weighted round robin.
//!
//! Each worker thread owns one picker per backend (`&mut self`, no lock). Which servers may be
//! chosen right now (up, not disabled, not full) is decided by the caller and passed in as
//! `usable`; the picker only decides the order. Backup servers are used only when no active
//! server is usable: the first usable backup, or all of them in turn with `option allbackups`.

use std::net::SocketAddr;

/// Index of a server in its backend's server list.
pub type ServerId = usize;

/// A server as the picker sees it.
#[derive(Debug, Clone, Copy)]
pub struct PickServer {
    /// 0..=256; 0 takes no traffic.
    pub weight: u32,
    pub backup: bool,
}

/// What a picker may look at for one decision.
pub struct PickContext<'a> {
    pub client: Option<SocketAddr>,
    pub servers: &'a [PickServer],
    /// `option allbackups`.
    pub all_backups: bool,
    /// Whether a server can take this request now (up, enabled, has a free slot).
    pub usable: &'a dyn Fn(ServerId) -> bool,
}

/// A load-balancing algorithm, one instance per backend per worker thread.
pub trait ServerPicker {
    /// The server for the next connection, or `None` when no server is usable.
    fn pick(&mut self, ctx: &PickContext<'_>) -> Option<ServerId>;
    /// The connection given by an earlier `pick` is over (leastconn-like algorithms count).
    fn release(&mut self, _server: ServerId) {}
}

/// Smooth weighted round robin (nginx's): over a cycle each server is picked in proportion to
/// its weight, spread out rather than in bursts, which is what HAProxy's `roundrobin` gives.
#[derive(Debug, Default)]
pub struct SmoothWeightedRoundRobin {
    current: Vec<i64>,
    /// Next backup to try with `allbackups` (plain rotation).
    backup_cursor: usize,
}

impl SmoothWeightedRoundRobin {
    pub fn new(servers: usize) -> Self {
        SmoothWeightedRoundRobin {
            current: vec![0; servers],
            backup_cursor: 0,
        }
    }

    fn pick_active(&mut self, ctx: &PickContext<'_>) -> Option<ServerId> {
        if self.current.len() < ctx.servers.len() {
            self.current.resize(ctx.servers.len(), 0);
        }
        let mut total: i64 = 0;
        let mut best: Option<ServerId> = None;
        for (id, s) in ctx.servers.iter().enumerate() {
            if s.backup || s.weight == 0 || !(ctx.usable)(id) {
                continue;
            }
            let w = i64::from(s.weight);
            self.current[id] += w;
            total += w;
            match best {
                Some(b) if self.current[b] >= self.current[id] => {}
                _ => best = Some(id),
            }
        }
        let b = best?;
        self.current[b] -= total;
        Some(b)
    }

    fn pick_backup(&mut self, ctx: &PickContext<'_>) -> Option<ServerId> {
        let n = ctx.servers.len();
        if n == 0 {
            return None;
        }
        let usable_backup =
            |id: ServerId| ctx.servers[id].backup && ctx.servers[id].weight > 0 && (ctx.usable)(id);
        if !ctx.all_backups {
            return (0..n).find(|&id| usable_backup(id));
        }
        for step in 0..n {
            let id = (self.backup_cursor + step) % n;
            if usable_backup(id) {
                self.backup_cursor = (id + 1) % n;
                return Some(id);
            }
        }
        None
    }
}

impl ServerPicker for SmoothWeightedRoundRobin {
    fn pick(&mut self, ctx: &PickContext<'_>) -> Option<ServerId> {
        self.pick_active(ctx).or_else(|| self.pick_backup(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(spec: &[(u32, bool)]) -> Vec<PickServer> {
        spec.iter()
            .map(|&(weight, backup)| PickServer { weight, backup })
            .collect()
    }

    fn run(
        spec: &[(u32, bool)],
        all_backups: bool,
        usable: &dyn Fn(ServerId) -> bool,
        n: usize,
    ) -> Vec<usize> {
        let s = servers(spec);
        let mut p = SmoothWeightedRoundRobin::new(s.len());
        let mut counts = vec![0; s.len()];
        for _ in 0..n {
            let ctx = PickContext {
                client: None,
                servers: &s,
                all_backups,
                usable,
            };
            if let Some(id) = p.pick(&ctx) {
                counts[id] += 1;
            }
        }
        counts
    }

    #[test]
    fn weights_give_proportional_shares() {
        let c = run(&[(1, false), (3, false), (0, false)], false, &|_| true, 400);
        assert_eq!(c, vec![100, 300, 0]);
    }

    #[test]
    fn picks_are_interleaved_not_bursty() {
        let s = servers(&[(1, false), (1, false)]);
        let mut p = SmoothWeightedRoundRobin::new(2);
        let ctx = PickContext {
            client: None,
            servers: &s,
            all_backups: false,
            usable: &|_| true,
        };
        let seq: Vec<_> = (0..4).map(|_| p.pick(&ctx)).collect();
        assert_eq!(seq, vec![Some(0), Some(1), Some(0), Some(1)]);
    }

    #[test]
    fn unusable_servers_are_skipped() {
        let c = run(&[(1, false), (1, false)], false, &|id| id == 1, 10);
        assert_eq!(c, vec![0, 10]);
    }

    #[test]
    fn backups_only_when_no_active_is_usable() {
        let spec = [(1, false), (1, true), (1, true)];
        assert_eq!(run(&spec, false, &|_| true, 6), vec![6, 0, 0]);
        // Active server down: the first backup takes everything...
        assert_eq!(run(&spec, false, &|id| id != 0, 6), vec![0, 6, 0]);
        // ...or all backups share with `option allbackups`.
        assert_eq!(run(&spec, true, &|id| id != 0, 6), vec![0, 3, 3]);
    }

    #[test]
    fn nothing_usable_gives_none() {
        let s = servers(&[(1, false), (0, true)]);
        let mut p = SmoothWeightedRoundRobin::new(2);
        let ctx = PickContext {
            client: None,
            servers: &s,
            all_backups: false,
            usable: &|_| false,
        };
        assert_eq!(p.pick(&ctx), None);
        let empty: Vec<PickServer> = Vec::new();
        let ctx = PickContext {
            client: None,
            servers: &empty,
            all_backups: true,
            usable: &|_| true,
        };
        assert_eq!(p.pick(&ctx), None);
    }
}
