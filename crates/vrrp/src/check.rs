//! The per-instance receive checks of RFC 3768 §7.1 / RFC 5798 §7.1, in keepalived's order.
//!
//! Runs after [`crate::decode`] (which checked the wire format and checksum) and before the
//! state machine sees the advert. Built once per instance from its [`InstanceConfig`].

use std::net::Ipv4Addr;

use crate::codec::{Advert, Auth, Version, VRRP_TTL};
use crate::config::InstanceConfig;
use crate::error::DecodeError;

/// What a received advert must match to be processed by one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertCheck {
    pub version: Version,
    pub vrid: u8,
    /// v2 only: `None` = auth type 0, `Some(pass)` = type 1 with this password.
    pub auth: Option<[u8; 8]>,
    /// v2 only: our interval in seconds, which the advert must carry.
    pub advert_int_secs: u16,
    pub vips: Vec<Ipv4Addr>,
    pub unicast: bool,
    pub check_unicast_src: bool,
    pub unicast_peers: Vec<Ipv4Addr>,
}

impl AdvertCheck {
    /// The checks for an instance; v3 ignores `auth` as keepalived does.
    pub fn from_config(cfg: &InstanceConfig) -> Self {
        AdvertCheck {
            version: cfg.version,
            vrid: cfg.vrid,
            auth: match cfg.version {
                Version::V2 => cfg.auth,
                Version::V3 => None,
            },
            advert_int_secs: crate::timers::v2_interval_secs(cfg.advert_int),
            vips: cfg.vips.clone(),
            unicast: cfg.is_unicast(),
            check_unicast_src: cfg.check_unicast_src,
            unicast_peers: cfg.unicast_peers.clone(),
        }
    }

    /// The checks that need the IP header: TTL 255 (multicast only, as keepalived: unicast
    /// adverts may be routed) and multicast vs unicast destination.
    pub fn check_ip(&self, ttl: u8, dst: Ipv4Addr) -> Result<(), DecodeError> {
        if !self.unicast && ttl != VRRP_TTL {
            return Err(DecodeError::BadTtl(ttl));
        }
        if dst.is_multicast() == self.unicast {
            let (expected, got) = if self.unicast {
                ("un", "mult")
            } else {
                ("mult", "un")
            };
            return Err(DecodeError::WrongCast { expected, got });
        }
        Ok(())
    }

    /// The checks on the advert itself: VRID (silent), version, v2 auth and interval, the
    /// address list, and the unicast source.
    pub fn check_advert(&self, from: Ipv4Addr, advert: &Advert) -> Result<(), DecodeError> {
        self.check_advert_with(from, advert, true)
    }

    /// As [`AdvertCheck::check_advert`]; with `check_addresses` false the address list and
    /// the unicast source are not checked (keepalived's `skip_check_adv_addr` for adverts
    /// from the known master).
    pub fn check_advert_with(
        &self,
        from: Ipv4Addr,
        advert: &Advert,
        check_addresses: bool,
    ) -> Result<(), DecodeError> {
        if advert.vrid != self.vrid {
            return Err(DecodeError::VridMismatch {
                got: advert.vrid,
                expected: self.vrid,
            });
        }
        if advert.version != self.version {
            return Err(DecodeError::VersionMismatch {
                got: advert.version.number(),
                expected: self.version.number(),
            });
        }
        if self.version == Version::V2 {
            self.check_auth(&advert.auth)?;
            if advert.advert_int != self.advert_int_secs {
                return Err(DecodeError::AdvertIntMismatch {
                    mine: self.advert_int_secs,
                    got: advert.advert_int,
                });
            }
        }
        if !check_addresses {
            return Ok(());
        }
        if advert.addresses.len() != self.vips.len() {
            return Err(DecodeError::AddressCountMismatch {
                got: advert.addresses.len(),
                expected: self.vips.len(),
            });
        }
        if let Some(missing) = self.vips.iter().find(|v| !advert.addresses.contains(v)) {
            return Err(DecodeError::AddressMissing {
                vrid: self.vrid,
                missing: *missing,
            });
        }
        if self.unicast && self.check_unicast_src && !self.unicast_peers.contains(&from) {
            return Err(DecodeError::NotUnicastPeer(from));
        }
        Ok(())
    }

    fn check_auth(&self, auth: &Auth) -> Result<(), DecodeError> {
        let got = auth.type_number();
        if got > 1 {
            return Err(DecodeError::InvalidAuthType(got));
        }
        let expected = u8::from(self.auth.is_some());
        if got != expected {
            return Err(DecodeError::AuthTypeMismatch { got, expected });
        }
        match (auth, &self.auth) {
            (Auth::Simple(got), Some(want)) if !constant_time_eq(got, want) => {
                Err(DecodeError::AuthFailure)
            }
            _ => Ok(()),
        }
    }
}

/// Compare passwords without an early exit, as keepalived does (`memcmp_constant_time`).
fn constant_time_eq(a: &[u8; 8], b: &[u8; 8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
