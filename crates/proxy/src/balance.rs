//! Server choice: the hook through which the `balance` crate's algorithms (HAProxy's
//! `balance` keyword) pick a server for each connection or request.
//!
//! Each worker thread owns one picker per backend (`&mut self`, no lock). The caller passes
//! what the algorithm may look at: each server's weight and whether it is in service, the
//! connections it serves now (shared counters), which server to avoid (redispatch), and the
//! parts of the request a hash needs ([`RequestKey`]). The picker mirrors that into its
//! `balance::Balancer`, so a server going down or changing weight reaches the algorithm's
//! own structure (map, ring) as an incremental change. Whether the chosen server really has
//! a free slot is settled by the caller when it claims one.

use std::net::SocketAddr;

pub use balance::ServerId;

/// A server as the picker sees it.
#[derive(Debug, Clone, Copy)]
pub struct PickServer {
    /// 0..=256; 0 takes no traffic.
    pub weight: u32,
    pub backup: bool,
}

/// The parts of a request the hashing algorithms read; all borrowed from the request buffer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestKey<'a> {
    /// The request target as received (`uri`, `url_param`).
    pub uri: Option<&'a [u8]>,
    /// The value of the header the algorithm names (`hdr(NAME)`).
    pub header: Option<&'a [u8]>,
    pub is_post: bool,
    /// Request body bytes already received (`url_param NAME check_post`).
    pub body: Option<&'a [u8]>,
    /// The first bytes of a TCP stream (`rdp-cookie`).
    pub payload: Option<&'a [u8]>,
}

/// What a picker may look at for one decision.
pub struct PickContext<'a> {
    pub client: Option<SocketAddr>,
    pub servers: &'a [PickServer],
    /// `option allbackups`.
    pub all_backups: bool,
    /// Whether a server is in service (not `disabled`, not marked down).
    pub in_service: &'a dyn Fn(ServerId) -> bool,
    /// The weight to use now when it may differ from `servers[id].weight` (an agent's `N%`,
    /// a `slowstart` ramp, as the health checker publishes them).
    pub weight: Option<&'a dyn Fn(ServerId) -> u32>,
    /// Connections a server serves now, across all threads.
    pub served: &'a dyn Fn(ServerId) -> u32,
    /// A server to avoid if another will do (the one that just failed, on redispatch).
    pub avoid: Option<ServerId>,
    pub key: RequestKey<'a>,
}

/// A load-balancing algorithm, one instance per backend per worker thread.
pub trait ServerPicker {
    /// The server for the next connection, or `None` when none can take it now.
    fn pick(&mut self, ctx: &PickContext<'_>) -> Option<ServerId>;
    /// The connection given by an earlier `pick` is over.
    fn release(&mut self, _server: ServerId) {}
}

/// The `balance` crate behind the picker hook.
#[derive(Debug)]
pub struct BalancePicker {
    balancer: balance::Balancer,
}

impl BalancePicker {
    /// `seed` differs per thread so `balance random` threads do not draw alike.
    pub fn new(
        spec: balance::BalanceSpec,
        servers: Vec<balance::ServerSpec>,
        all_backups: bool,
        seed: u64,
    ) -> BalancePicker {
        BalancePicker {
            balancer: balance::Balancer::new(spec, servers, all_backups, seed),
        }
    }

    /// What the algorithm needs in the [`RequestKey`].
    pub fn needs(&self) -> balance::KeyNeeds<'_> {
        self.balancer.needs()
    }

    /// Brings the pool in line with the caller's view: state and weight changes go to the
    /// algorithm as such (only when they happen), loads are copied.
    fn sync(&mut self, ctx: &PickContext<'_>) {
        let n = self.balancer.pool().len().min(ctx.servers.len());
        for id in 0..n {
            let up = (ctx.in_service)(id);
            if self.balancer.pool().is_up(id) != up {
                self.balancer.set_up(id, up);
            }
            let w = ctx.weight.map_or(ctx.servers[id].weight, |f| f(id));
            if self.balancer.pool().weight(id) != w {
                self.balancer.set_weight(id, w);
            }
            self.balancer.set_served(id, (ctx.served)(id));
        }
    }
}

impl ServerPicker for BalancePicker {
    fn pick(&mut self, ctx: &PickContext<'_>) -> Option<ServerId> {
        self.sync(ctx);
        let key = balance::PickKey {
            client: ctx.client.map(|a| match a.ip() {
                // A v4 client on a dual-stack listener hashes as the v4 address it is.
                std::net::IpAddr::V6(v6) => v6
                    .to_ipv4_mapped()
                    .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
                v4 => v4,
            }),
            uri: ctx.key.uri,
            header: ctx.key.header,
            is_post: ctx.key.is_post,
            body: ctx.key.body,
            payload: ctx.key.payload,
            avoid: ctx.avoid,
        };
        self.balancer.pick(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(algo: &str, weights: &[(u32, bool)]) -> (BalancePicker, Vec<PickServer>) {
        let spec = balance::BalanceSpec::parse(algo, &[], None, None).expect("spec");
        let servers: Vec<PickServer> = weights
            .iter()
            .map(|&(weight, backup)| PickServer { weight, backup })
            .collect();
        let specs = servers
            .iter()
            .enumerate()
            .map(|(i, s)| balance::ServerSpec {
                weight: s.weight,
                backup: s.backup,
                ..balance::ServerSpec::new(i as u32 + 1)
            })
            .collect();
        (BalancePicker::new(spec, specs, false, 1), servers)
    }

    fn ctx<'a>(
        servers: &'a [PickServer],
        in_service: &'a dyn Fn(ServerId) -> bool,
        key: RequestKey<'a>,
    ) -> PickContext<'a> {
        PickContext {
            client: None,
            servers,
            all_backups: false,
            in_service,
            weight: None,
            served: &|_| 0,
            avoid: None,
            key,
        }
    }

    #[test]
    fn weights_give_proportional_shares() {
        let (mut p, s) = picker("roundrobin", &[(1, false), (3, false), (0, false)]);
        let mut counts = [0; 3];
        for _ in 0..400 {
            counts[p.pick(&ctx(&s, &|_| true, RequestKey::default())).unwrap()] += 1;
        }
        assert_eq!(counts, [100, 300, 0]);
    }

    #[test]
    fn servers_out_of_service_leave_and_rejoin() {
        let (mut p, s) = picker("roundrobin", &[(1, false), (1, false), (1, true)]);
        let down0 = |id: ServerId| id != 0;
        for _ in 0..4 {
            assert_eq!(p.pick(&ctx(&s, &down0, RequestKey::default())), Some(1));
        }
        let none_active = |id: ServerId| id == 2;
        assert_eq!(
            p.pick(&ctx(&s, &none_active, RequestKey::default())),
            Some(2)
        );
        let mut seen = [false; 3];
        for _ in 0..4 {
            seen[p.pick(&ctx(&s, &|_| true, RequestKey::default())).unwrap()] = true;
        }
        assert_eq!(seen, [true, true, false]);
    }

    #[test]
    fn uri_hash_reads_the_request_key() {
        let (mut p, s) = picker("uri", &[(1, false); 4]);
        assert!(p.needs().uri);
        for i in 0..50 {
            let u = format!("/k{i}");
            let k = RequestKey {
                uri: Some(u.as_bytes()),
                ..RequestKey::default()
            };
            let a = p.pick(&ctx(&s, &|_| true, k));
            assert_eq!(a, p.pick(&ctx(&s, &|_| true, k)));
        }
    }
}
