//! VRRP advertisement wire format (RFC 3768 §5 for v2, RFC 5798 §5 for v3), IPv4 only.
//!
//! Sits between the raw socket of `vrrp-linux` and [`crate::Instance`]: the runtime strips the
//! IPv4 header, hands the VRRP payload to [`decode`] together with the header's source and
//! destination (the v3 checksum covers a pseudo-header built from them), then lets
//! [`crate::AdvertCheck`] apply the per-instance rules (TTL, VRID, auth, interval). Outgoing
//! adverts come out of the instance as [`Advert`] values and are turned into bytes by [`encode`].
//!
//! Nothing here panics on any input: every length is checked before it is read.

use std::net::Ipv4Addr;

use crate::error::DecodeError;

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// The IPv4 multicast group adverts are sent to (224.0.0.18).
pub const VRRP_MCAST_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The only valid TTL (and multicast hop limit) of a received advert.
pub const VRRP_TTL: u8 = 255;
/// Fixed part of an advert, before the address list.
pub const HEADER_LEN: usize = 8;
/// VRRPv2 authentication data that follows the address list.
pub const V2_AUTH_LEN: usize = 8;
/// Largest address count (the count field is one octet).
pub const MAX_ADDRESSES: usize = 255;

/// Protocol version of an advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// RFC 3768: advert interval in whole seconds, optional simple-password authentication.
    V2,
    /// RFC 5798: advert interval in centiseconds (12 bits), no authentication.
    V3,
}

impl Version {
    /// The value of the version nibble.
    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

/// VRRPv2 authentication (RFC 3768 §5.3.6). v3 adverts always carry [`Auth::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Type 0: no authentication; the 8 data octets are sent as zero and ignored on receipt.
    None,
    /// Type 1: the password in clear, NUL-padded to 8 octets (keepalived `auth_type PASS`).
    Simple([u8; 8]),
    /// Any other type seen on the wire (2 = the obsolete IP AH). Kept so the check can report
    /// a type mismatch instead of a decode failure.
    Other { auth_type: u8, data: [u8; 8] },
}

impl Auth {
    /// The auth type octet of a v2 advert.
    pub fn type_number(&self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Simple(_) => 1,
            Auth::Other { auth_type, .. } => *auth_type,
        }
    }

    fn data(&self) -> [u8; 8] {
        match self {
            Auth::None => [0; 8],
            Auth::Simple(p) => *p,
            Auth::Other { data, .. } => *data,
        }
    }
}

/// One VRRP advertisement, as decoded from or encoded to the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    pub version: Version,
    /// Virtual router id, 1..=255 (0 is refused by [`decode`]).
    pub vrid: u8,
    /// 0 = the master is leaving, 255 = address owner.
    pub priority: u8,
    /// v2: whole seconds (8 bits). v3: centiseconds (12 bits, 1..=4095).
    pub advert_int: u16,
    /// v2 only; v3 adverts carry [`Auth::None`].
    pub auth: Auth,
    /// The virtual addresses, in the order they are on the wire.
    pub addresses: Vec<Ipv4Addr>,
    /// The checksum as found on the wire by [`decode`]; [`encode`] ignores this field and
    /// writes the correct value.
    pub checksum: u16,
}

impl Advert {
    /// Length in octets of this advert once encoded.
    pub fn wire_len(&self) -> usize {
        let auth = match self.version {
            Version::V2 => V2_AUTH_LEN,
            Version::V3 => 0,
        };
        HEADER_LEN + 4 * self.addresses.len().min(MAX_ADDRESSES) + auth
    }

    /// The advert interval as a duration (v2 seconds, v3 centiseconds).
    pub fn interval(&self) -> std::time::Duration {
        match self.version {
            Version::V2 => std::time::Duration::from_secs(u64::from(self.advert_int)),
            Version::V3 => std::time::Duration::from_millis(10 * u64::from(self.advert_int)),
        }
    }
}

/// Encode `advert` as sent from `src` to `dst` (224.0.0.18 or a unicast peer) and return the
/// VRRP payload (the runtime adds the IPv4 header with TTL 255 and protocol 112).
///
/// At most 255 addresses are written; a v2 interval above 255 s and a v3 interval above 4095 cs
/// are saturated (the instance never produces them).
pub fn encode(advert: &Advert, src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let mut out = Vec::with_capacity(advert.wire_len());
    encode_into(advert, src, dst, &mut out);
    out
}

/// Like [`encode`], but appends to `out` so the runtime can reuse one buffer.
pub fn encode_into(advert: &Advert, src: Ipv4Addr, dst: Ipv4Addr, out: &mut Vec<u8>) {
    let start = out.len();
    let addrs = &advert.addresses[..advert.addresses.len().min(MAX_ADDRESSES)];
    out.push((advert.version.number() << 4) | 1); // type 1 = ADVERTISEMENT
    out.push(advert.vrid);
    out.push(advert.priority);
    out.push(addrs.len() as u8); // bounded by MAX_ADDRESSES above
    match advert.version {
        Version::V2 => {
            out.push(advert.auth.type_number());
            out.push(advert.advert_int.min(255) as u8);
        }
        Version::V3 => {
            let int = advert.advert_int.min(0x0fff);
            out.extend_from_slice(&int.to_be_bytes()); // top 4 bits (rsvd) are zero
        }
    }
    out.extend_from_slice(&[0, 0]); // checksum, filled below
    for a in addrs {
        out.extend_from_slice(&a.octets());
    }
    if advert.version == Version::V2 {
        out.extend_from_slice(&advert.auth.data());
    }
    let sum = checksum(advert.version, &out[start..], src, dst);
    out[start + 6..start + 8].copy_from_slice(&sum.to_be_bytes());
}

/// Decode one VRRP payload received from `src` at `dst`.
///
/// Checks what is intrinsic to the packet: length, version, type, address count against the
/// length, VRID ≠ 0, v3 interval ≠ 0 and the checksum (v2: over the VRRP message; v3: with the
/// IPv4 pseudo-header). Instance-specific rules are in [`crate::AdvertCheck`].
///
/// `bytes` must be exactly the advert: like keepalived, trailing octets are refused
/// ([`DecodeError::TooLong`]), so the runtime passes the IP payload as given by `tot_len`.
pub fn decode(bytes: &[u8], src: Ipv4Addr, dst: Ipv4Addr) -> Result<Advert, DecodeError> {
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated {
            len: bytes.len(),
            need: HEADER_LEN,
        });
    }
    let version = match bytes[0] >> 4 {
        2 => Version::V2,
        3 => Version::V3,
        other => return Err(DecodeError::UnknownVersion(other)),
    };
    let kind = bytes[0] & 0x0f;
    if kind != 1 {
        return Err(DecodeError::UnknownType(kind));
    }
    let vrid = bytes[1];
    if vrid == 0 {
        return Err(DecodeError::ZeroVrid);
    }
    let count = usize::from(bytes[3]);
    let auth_len = match version {
        Version::V2 => V2_AUTH_LEN,
        Version::V3 => 0,
    };
    let need = HEADER_LEN + 4 * count + auth_len;
    if bytes.len() < need {
        return Err(DecodeError::Truncated {
            len: bytes.len(),
            need,
        });
    }
    if bytes.len() > need {
        return Err(DecodeError::TooLong {
            len: bytes.len(),
            need,
        });
    }
    let msg = bytes;
    let wire_sum = u16::from_be_bytes([msg[6], msg[7]]);
    let computed = checksum(version, msg, src, dst);
    if computed != wire_sum {
        return Err(DecodeError::BadChecksum {
            version: version.number(),
            got: wire_sum,
            expected: computed,
        });
    }
    let (advert_int, auth) = match version {
        Version::V2 => {
            let mut data = [0u8; 8];
            data.copy_from_slice(&msg[need - V2_AUTH_LEN..need]);
            let auth = match msg[4] {
                0 => Auth::None,
                1 => Auth::Simple(data),
                t => Auth::Other { auth_type: t, data },
            };
            (u16::from(msg[5]), auth)
        }
        Version::V3 => (u16::from_be_bytes([msg[4], msg[5]]) & 0x0fff, Auth::None),
    };
    if advert_int == 0 {
        return Err(DecodeError::ZeroInterval);
    }
    let addresses = msg[HEADER_LEN..HEADER_LEN + 4 * count]
        .chunks_exact(4)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect();
    Ok(Advert {
        version,
        vrid,
        priority: msg[2],
        advert_int,
        auth,
        addresses,
        checksum: wire_sum,
    })
}

/// The checksum an advert must carry: the Internet checksum (RFC 1071) over the message with
/// its checksum field taken as zero; for v3 the IPv4 pseudo-header (src, dst, 0, 112, length)
/// is summed first (RFC 5798 §5.2.8).
pub fn checksum(version: Version, msg: &[u8], src: Ipv4Addr, dst: Ipv4Addr) -> u16 {
    let mut sum: u32 = 0;
    if version == Version::V3 {
        sum += sum_words(&src.octets());
        sum += sum_words(&dst.octets());
        sum += u32::from(IPPROTO_VRRP);
        // A VRRP message is at most 8 + 4*255 + 8 octets, so this never truncates.
        sum += (msg.len() & 0xffff) as u32;
    }
    for (i, pair) in msg.chunks(2).enumerate() {
        if i == 3 {
            continue; // the checksum field itself
        }
        let hi = u32::from(pair[0]) << 8;
        let lo = pair.get(1).map_or(0, |b| u32::from(*b));
        sum += hi | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn sum_words(b: &[u8; 4]) -> u32 {
    (u32::from(b[0]) << 8 | u32::from(b[1])) + (u32::from(b[2]) << 8 | u32::from(b[3]))
}
