//! The IPv4 header of a received VRRP packet.
//!
//! A raw `IPPROTO_VRRP` socket hands us the whole IP datagram; the receive path reads the header
//! here (TTL, addresses, protocol, header length) before the VRRP payload goes to the codec in
//! `vrrp`. RFC 3768 §7.1 / RFC 5798 §7.1: the TTL must be 255, which proves the sender is on
//! the link.

use std::net::Ipv4Addr;

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;

/// What the receive path needs from the IP header, and the payload it wraps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedIpv4<'a> {
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// The bytes after the header, cut to the header's total length.
    pub payload: &'a [u8],
}

/// Why a datagram could not be read as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ipv4HeaderError {
    #[error("shorter than an IPv4 header ({0} bytes)")]
    Truncated(usize),
    #[error("IP version {0} is not 4")]
    NotIpv4(u8),
    #[error("bad IPv4 header length {0}")]
    BadHeaderLength(usize),
    #[error("total length {total} larger than the {received} bytes received")]
    TotalLengthTooLong { total: usize, received: usize },
}

/// Reads the IPv4 header of `datagram`.
pub fn parse_ipv4(datagram: &[u8]) -> Result<ReceivedIpv4<'_>, Ipv4HeaderError> {
    if datagram.len() < 20 {
        return Err(Ipv4HeaderError::Truncated(datagram.len()));
    }
    let version = datagram[0] >> 4;
    if version != 4 {
        return Err(Ipv4HeaderError::NotIpv4(version));
    }
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    if header_len < 20 || header_len > datagram.len() {
        return Err(Ipv4HeaderError::BadHeaderLength(header_len));
    }
    // Linux raw sockets give the total length in network order as on the wire.
    let total = usize::from(u16::from_be_bytes([datagram[2], datagram[3]]));
    if total > datagram.len() {
        return Err(Ipv4HeaderError::TotalLengthTooLong {
            total,
            received: datagram.len(),
        });
    }
    let end = if total >= header_len {
        total
    } else {
        datagram.len()
    };
    Ok(ReceivedIpv4 {
        ttl: datagram[8],
        protocol: datagram[9],
        src: Ipv4Addr::new(datagram[12], datagram[13], datagram[14], datagram[15]),
        dst: Ipv4Addr::new(datagram[16], datagram[17], datagram[18], datagram[19]),
        payload: &datagram[header_len..end],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ihl_words: u8, total: u16, payload: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; usize::from(ihl_words) * 4];
        h[0] = 0x40 | ihl_words;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[8] = 255;
        h[9] = IPPROTO_VRRP;
        h[12..16].copy_from_slice(&[198, 18, 0, 11]);
        h[16..20].copy_from_slice(&[224, 0, 0, 18]);
        h.extend_from_slice(payload);
        h
    }

    #[test]
    fn reads_fields_and_payload() {
        let d = header(5, 24, &[1, 2, 3, 4]);
        let p = parse_ipv4(&d).expect("valid");
        assert_eq!(p.ttl, 255);
        assert_eq!(p.protocol, 112);
        assert_eq!(p.src, Ipv4Addr::new(198, 18, 0, 11));
        assert_eq!(p.dst, Ipv4Addr::new(224, 0, 0, 18));
        assert_eq!(p.payload, &[1, 2, 3, 4]);
    }

    #[test]
    fn skips_ip_options() {
        let d = header(6, 26, &[9, 9]);
        assert_eq!(parse_ipv4(&d).expect("valid").payload, &[9, 9]);
    }

    #[test]
    fn payload_cut_to_total_length() {
        let d = header(5, 22, &[1, 2, 3, 4]);
        assert_eq!(parse_ipv4(&d).expect("valid").payload, &[1, 2]);
    }

    #[test]
    fn rejects_short_bad_version_and_lengths() {
        assert_eq!(parse_ipv4(&[0x45; 10]), Err(Ipv4HeaderError::Truncated(10)));
        let mut d = header(5, 20, &[]);
        d[0] = 0x65;
        assert_eq!(parse_ipv4(&d), Err(Ipv4HeaderError::NotIpv4(6)));
        let d = header(5, 20, &[]);
        let mut bad_ihl = d.clone();
        bad_ihl[0] = 0x44;
        assert_eq!(
            parse_ipv4(&bad_ihl),
            Err(Ipv4HeaderError::BadHeaderLength(16))
        );
        let mut long_ihl = d.clone();
        long_ihl[0] = 0x4f;
        assert_eq!(
            parse_ipv4(&long_ihl),
            Err(Ipv4HeaderError::BadHeaderLength(60))
        );
        let too_long = header(5, 40, &[1]);
        assert!(matches!(
            parse_ipv4(&too_long),
            Err(Ipv4HeaderError::TotalLengthTooLong {
                total: 40,
                received: 21
            })
        ));
    }
}
