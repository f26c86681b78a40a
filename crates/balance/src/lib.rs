//! Server choice for one backend: HAProxy's `balance` algorithms (configuration manual 4.2),
//! one file per algorithm as HAProxy's `lb_*.c`, and cookie persistence.
//!
//! Where this sits: the proxy turns a backend's configuration into a [`BalanceSpec`] and a
//! list of [`ServerSpec`]s, builds one [`Balancer`] per backend (per worker thread), and for
//! each connection or request fills a [`PickKey`] with what the algorithm asks for
//! ([`KeyNeeds`]: client address, request target, one header, the first payload bytes) and
//! calls [`Balancer::pick`]. Health checks and the runtime API change server state through
//! [`Balancer::set_up`] and [`Balancer::set_weight`]; each algorithm keeps its own structure
//! (map, ring, counters) current through the [`Algorithm`] trait instead of rebuilding.
//! Persistence by cookie happens before balancing ([`cookie`]).
//!
//! Pure: no I/O, no clock (cookie dates take `now` as an argument), no global randomness
//! (`balance random` takes a seed).

mod balancer;
pub mod consistent;
pub mod cookie;
mod first;
pub mod hash;
mod hashed;
pub mod hdr;
mod leastconn;
pub mod map;
pub mod pool;
mod random;
pub mod rdp_cookie;
mod roundrobin;
pub mod source;
mod spec;
mod static_rr;
pub mod uri;
pub mod url_param;

pub use balancer::Balancer;
pub use first::First;
pub use hash::{HashFunction, HashMethod, HashSpec};
pub use hashed::{HashBalance, KeySource};
pub use leastconn::LeastConn;
pub use pool::{assign_ids, ServerPool, ServerSpec, ServingGroup};
pub use random::RandomBalance;
pub use roundrobin::RoundRobin;
pub use spec::{AlgorithmSpec, BalanceSpec, KeyNeeds, SpecError};
pub use static_rr::StaticRoundRobin;

/// Index of a server in its backend's server list (configuration order).
pub type ServerId = usize;

/// The largest server weight HAProxy accepts.
pub const MAX_WEIGHT: u32 = 256;

/// What a request offers for server choice. Only the parts the algorithm asks for
/// ([`KeyNeeds`]) need filling; everything borrows from the request, nothing is copied.
#[derive(Debug, Clone, Copy, Default)]
pub struct PickKey<'a> {
    /// The client's address (`balance source`).
    pub client: Option<std::net::IpAddr>,
    /// The request target as received (`uri`, `url_param`).
    pub uri: Option<&'a [u8]>,
    /// The raw value of the first header named by [`KeyNeeds::header`] (`hdr(NAME)`).
    pub header: Option<&'a [u8]>,
    /// Whether the request is a POST (`url_param NAME check_post`).
    pub is_post: bool,
    /// The body bytes received so far, for `check_post`.
    pub body: Option<&'a [u8]>,
    /// The first bytes of a TCP stream (`rdp-cookie`).
    pub payload: Option<&'a [u8]>,
    /// A server to avoid if any other will do (redispatch after a failed connection).
    pub avoid: Option<ServerId>,
}

/// A load-balancing algorithm. It owns only what it derives from the pool (a map, a ring,
/// round-robin state); the [`ServerPool`] is the truth about servers. After the pool changes,
/// the matching notification keeps the derived structure current.
pub trait Algorithm: std::fmt::Debug + Send {
    /// The server for this request, or `None` when no server can take it now (all down, or
    /// all at `maxconn` for the algorithms that skip full servers: the caller queues).
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId>;
    /// Server `id` became usable (the pool already says so).
    fn server_up(&mut self, pool: &ServerPool, id: ServerId);
    /// Server `id` stopped being usable (down, maintenance).
    fn server_down(&mut self, pool: &ServerPool, id: ServerId);
    /// Server `id`'s weight changed in the pool.
    fn set_weight(&mut self, pool: &ServerPool, id: ServerId);
}
