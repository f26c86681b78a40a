//! Why a received advert was dropped.
//!
//! One enum for both steps of the receive path, wire decoding ([`crate::decode`]) and the
//! per-instance checks ([`crate::AdvertCheck`]), so the runtime counts drops per reason with
//! [`DecodeError::reason`] and logs them in keepalived's words with [`DecodeError::log_line`].

use std::net::Ipv4Addr;

/// A received VRRP packet that is not processed further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer octets than the header and the announced address list need.
    #[error("vrrp packet too short, length {len} and expect {need}")]
    Truncated { len: usize, need: usize },
    /// More octets than the header and the announced address list (keepalived refuses these).
    #[error("vrrp packet too long, length {len} and expect {need}")]
    TooLong { len: usize, need: usize },
    /// Version nibble other than 2 or 3.
    #[error("unknown VRRP version {0}")]
    UnknownVersion(u8),
    /// Type nibble other than 1 (ADVERTISEMENT).
    #[error("Invalid packet type. {0} and expect 1")]
    UnknownType(u8),
    /// VRID 0 is not a valid virtual router.
    #[error("VRID 0 is invalid")]
    ZeroVrid,
    /// An advert interval of 0 would make every timer fire at once.
    #[error("advert interval 0 is invalid")]
    ZeroInterval,
    /// The checksum on the wire is not the one computed over the packet.
    #[error("Invalid VRRPv{version} checksum")]
    BadChecksum {
        version: u8,
        got: u16,
        expected: u16,
    },
    /// Multicast adverts must arrive with TTL 255 (RFC 3768 §7.1, RFC 5798 §7.1).
    #[error("invalid TTL/HL. Received {0} and expect 255")]
    BadTtl(u8),
    /// The advert's version is not the instance's `vrrp_version`.
    #[error("wrong version. Received {got} and expect {expected}")]
    VersionMismatch { got: u8, expected: u8 },
    /// Not our virtual router: dropped silently (other routers share the link).
    #[error("VRID {got} is not ours ({expected})")]
    VridMismatch { got: u8, expected: u8 },
    /// v2 auth type other than 0 (none) or 1 (PASS).
    #[error("Invalid auth type: {0}")]
    InvalidAuthType(u8),
    /// v2 auth type differs from the configured `auth_type`.
    #[error("received a {got} auth, expecting {expected}!")]
    AuthTypeMismatch { got: u8, expected: u8 },
    /// v2 PASS with the wrong password.
    #[error("received an invalid passwd!")]
    AuthFailure,
    /// v2 only: both ends must use the same `advert_int` (seconds).
    #[error("advertisement interval mismatch mine={mine} sec rcv'd={got} sec")]
    AdvertIntMismatch { mine: u16, got: u16 },
    /// The advert lists a different number of addresses than our `virtual_ipaddress`.
    #[error("received an unexpected ip number count {got}, expected {expected}!")]
    AddressCountMismatch { got: usize, expected: usize },
    /// One of our virtual addresses is not in the advert.
    #[error("ip address associated with VRID {vrid} not present in MASTER advert: {missing}")]
    AddressMissing { vrid: u8, missing: Ipv4Addr },
    /// A multicast advert on a unicast instance or the reverse.
    #[error("Expected {expected}icast packet but received {got}icast packet")]
    WrongCast {
        expected: &'static str,
        got: &'static str,
    },
    /// `check_unicast_src`: the sender is not one of our `unicast_peer`s.
    #[error("unicast source address {0} not a unicast peer")]
    NotUnicastPeer(Ipv4Addr),
}

impl DecodeError {
    /// A short stable name per variant, for counters (`vrrp_drop_total{reason="..."}`).
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Truncated { .. } => "truncated",
            DecodeError::TooLong { .. } => "too_long",
            DecodeError::UnknownVersion(_) => "unknown_version",
            DecodeError::UnknownType(_) => "unknown_type",
            DecodeError::ZeroVrid => "zero_vrid",
            DecodeError::ZeroInterval => "zero_interval",
            DecodeError::BadChecksum { .. } => "bad_checksum",
            DecodeError::BadTtl(_) => "bad_ttl",
            DecodeError::VersionMismatch { .. } => "version_mismatch",
            DecodeError::VridMismatch { .. } => "vrid_mismatch",
            DecodeError::InvalidAuthType(_) => "invalid_auth_type",
            DecodeError::AuthTypeMismatch { .. } => "auth_type_mismatch",
            DecodeError::AuthFailure => "auth_failure",
            DecodeError::AdvertIntMismatch { .. } => "advert_int_mismatch",
            DecodeError::AddressCountMismatch { .. } => "address_count_mismatch",
            DecodeError::AddressMissing { .. } => "address_missing",
            DecodeError::WrongCast { .. } => "wrong_cast",
            DecodeError::NotUnicastPeer(_) => "not_unicast_peer",
        }
    }

    /// True for drops keepalived does not log (adverts of another virtual router).
    pub fn is_silent(&self) -> bool {
        matches!(self, DecodeError::VridMismatch { .. })
    }

    /// The line keepalived logs for this drop, e.g. `(VI_1) received an invalid passwd!`.
    pub fn log_line(&self, instance: &str) -> String {
        format!("({instance}) {self}")
    }
}
