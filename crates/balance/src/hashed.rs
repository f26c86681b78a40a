//! The hashing algorithms — `source`, `uri`, `url_param`, `hdr(NAME)`, `rdp-cookie(NAME)` —
//! as one [`Algorithm`]: take the key from the request (one file per key kind), hash it as
//! `hash-type` says (`hash.rs`), and look it up in the static map (`map.rs`, map-based) or
//! the ring (`consistent.rs`). When the key is missing, round robin over the same structure,
//! as HAProxy does (`assign_server()` in `backend.c`).

use crate::consistent::ConsistentRing;
use crate::hash::{HashMethod, HashSpec};
use crate::map::ServerMap;
use crate::pool::ServerPool;
use crate::rdp_cookie::RdpCookie;
use crate::uri::UriOptions;
use crate::{Algorithm, PickKey, ServerId};

/// Where the hashed key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `balance source`.
    Source,
    /// `balance uri [options]`.
    Uri(UriOptions),
    /// `balance url_param NAME [check_post]`.
    UrlParam { name: String, check_post: bool },
    /// `balance hdr(NAME) [use_domain_only]`.
    Header { name: String, use_domain_only: bool },
    /// `balance rdp-cookie[(NAME)]`.
    RdpCookie { name: String },
}

#[derive(Debug, Clone)]
enum Lookup {
    Map(ServerMap),
    Ring(ConsistentRing),
}

#[derive(Debug, Clone)]
pub struct HashBalance {
    key: KeySource,
    hash: HashSpec,
    lookup: Lookup,
}

impl HashBalance {
    pub fn new(key: KeySource, hash: HashSpec, balance_factor: u32, pool: &ServerPool) -> Self {
        let lookup = match hash.method {
            HashMethod::MapBased => Lookup::Map(ServerMap::new(pool)),
            HashMethod::Consistent => Lookup::Ring(ConsistentRing::new(pool, balance_factor)),
        };
        HashBalance { key, hash, lookup }
    }

    /// The key's hash, or `None` when the request does not carry the key.
    pub fn key_hash(&self, key: &PickKey<'_>, pool: &ServerPool) -> Option<u32> {
        // HAProxy skips hashing when a single server serves (the result cannot differ),
        // except for url_param and rdp-cookie which look for the key first.
        let single = pool.group_len() == 1;
        match &self.key {
            KeySource::Source => {
                if single {
                    return Some(0);
                }
                let h = crate::source::source_hash(key.client?);
                Some(self.hash.finish(h))
            }
            KeySource::Uri(o) => {
                let uri = key.uri?;
                if single {
                    return Some(0);
                }
                Some(self.hash.hash(crate::uri::uri_key(uri, o)))
            }
            KeySource::UrlParam { name, check_post } => {
                let found = key
                    .uri
                    .and_then(|u| crate::url_param::query_param(u, name.as_bytes()))
                    .or_else(|| {
                        if *check_post && key.is_post {
                            crate::url_param::body_param(key.body?, name.as_bytes())
                        } else {
                            None
                        }
                    })?;
                Some(self.hash.hash(found))
            }
            KeySource::Header {
                use_domain_only, ..
            } => {
                let raw = key.header?;
                if single {
                    return Some(0);
                }
                let v = crate::hdr::header_key(raw, *use_domain_only)?;
                Some(self.hash.hash(v))
            }
            KeySource::RdpCookie { name } => {
                let RdpCookie::Found(v) = crate::rdp_cookie::find(key.payload?, name) else {
                    return None;
                };
                if v.is_empty() {
                    return None;
                }
                if single {
                    return Some(0);
                }
                Some(self.hash.hash(v))
            }
        }
    }
}

impl Algorithm for HashBalance {
    fn pick(&mut self, key: &PickKey<'_>, pool: &ServerPool) -> Option<ServerId> {
        let h = self.key_hash(key, pool);
        match (&mut self.lookup, h) {
            (Lookup::Map(m), Some(h)) => m.lookup(h),
            (Lookup::Ring(r), Some(h)) => r.lookup(pool, h, key.avoid),
            (Lookup::Map(m), None) => m.next_rr(pool, key.avoid),
            (Lookup::Ring(r), None) => r.next_rr(pool, key.avoid),
        }
    }

    fn server_up(&mut self, pool: &ServerPool, id: ServerId) {
        self.sync(pool, id);
    }

    fn server_down(&mut self, pool: &ServerPool, id: ServerId) {
        self.sync(pool, id);
    }

    fn set_weight(&mut self, pool: &ServerPool, id: ServerId) {
        self.sync(pool, id);
    }
}

impl HashBalance {
    fn sync(&mut self, pool: &ServerPool, id: ServerId) {
        match &mut self.lookup {
            Lookup::Map(m) => m.rebuild(pool),
            Lookup::Ring(r) => r.sync_server(pool, id),
        }
    }
}
