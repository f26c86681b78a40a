//! Per-instance counters, named after keepalived's `vrrp_stats` fields.

use crate::error::DecodeError;

/// Counters of one instance. Plain integers: an instance lives on one thread; the driver
/// copies them into the shared stats table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceStats {
    /// Adverts that passed every check.
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    /// Drops, one counter per [`DecodeError::reason`].
    pub packet_len_err: u64,
    pub checksum_err: u64,
    pub ip_ttl_err: u64,
    pub version_err: u64,
    pub invalid_type_rcvd: u64,
    pub vrid_mismatch: u64,
    pub invalid_authtype: u64,
    pub authtype_mismatch: u64,
    pub auth_failure: u64,
    pub advert_interval_err: u64,
    pub addr_list_err: u64,
    pub other_err: u64,
}

impl InstanceStats {
    /// Count one dropped packet under its reason.
    pub fn count_drop(&mut self, e: &DecodeError) {
        let c = match e {
            DecodeError::Truncated { .. } | DecodeError::TooLong { .. } => &mut self.packet_len_err,
            DecodeError::BadChecksum { .. } => &mut self.checksum_err,
            DecodeError::BadTtl(_) => &mut self.ip_ttl_err,
            DecodeError::UnknownVersion(_) | DecodeError::VersionMismatch { .. } => {
                &mut self.version_err
            }
            DecodeError::UnknownType(_) => &mut self.invalid_type_rcvd,
            DecodeError::VridMismatch { .. } => &mut self.vrid_mismatch,
            DecodeError::InvalidAuthType(_) => &mut self.invalid_authtype,
            DecodeError::AuthTypeMismatch { .. } => &mut self.authtype_mismatch,
            DecodeError::AuthFailure => &mut self.auth_failure,
            DecodeError::AdvertIntMismatch { .. } => &mut self.advert_interval_err,
            DecodeError::AddressCountMismatch { .. }
            | DecodeError::AddressMissing { .. }
            | DecodeError::WrongCast { .. }
            | DecodeError::NotUnicastPeer(_) => &mut self.addr_list_err,
            DecodeError::ZeroVrid | DecodeError::ZeroInterval => &mut self.other_err,
        };
        *c += 1;
    }

    /// All drops, whatever the reason.
    pub fn dropped(&self) -> u64 {
        self.packet_len_err
            + self.checksum_err
            + self.ip_ttl_err
            + self.version_err
            + self.invalid_type_rcvd
            + self.vrid_mismatch
            + self.invalid_authtype
            + self.authtype_mismatch
            + self.auth_failure
            + self.advert_interval_err
            + self.addr_list_err
            + self.other_err
    }
}
