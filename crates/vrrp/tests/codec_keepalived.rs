//! The codec against adverts captured from keepalived 2.2.7.
//!
//! Captured on 2026-11-23 with dumpcap on a veth pair between two network namespaces
//! (198.18.0.201 priority 100, 198.18.0.202 priority 90, VRID 51, VIPs 198.18.0.100 and
//! 198.18.0.150, `auth_pass 1111`), including the priority-0 adverts sent on SIGTERM.
//! Wireshark 4.0 reported every checksum as good. Each fixture: IP source, IP destination,
//! VRRP payload as on the wire. `data/capture_keepalived.sh` and `data/pcap_vrrp.py` redo the
//! capture (root); a rerun gave the same bytes.

use std::net::Ipv4Addr;

use vrrp::{decode, encode, Advert, Auth, DecodeError, Version, VRRP_MCAST_GROUP};

const A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 201);
const B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 202);
const VIPS: [Ipv4Addr; 2] = [
    Ipv4Addr::new(198, 18, 0, 100),
    Ipv4Addr::new(198, 18, 0, 150),
];

struct Fixture {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    hex: &'static str,
    version: Version,
    priority: u8,
    advert_int: u16,
}

#[rustfmt::skip]
const FIXTURES: &[Fixture] = &[
    // VRRPv2, advert_int 1, auth PASS "1111".
    Fixture { src: A, dst: VRRP_MCAST_GROUP, hex: "2133640201018a47c6120064c61200963131313100000000", version: Version::V2, priority: 100, advert_int: 1 },
    Fixture { src: A, dst: VRRP_MCAST_GROUP, hex: "213300020101ee47c6120064c61200963131313100000000", version: Version::V2, priority: 0, advert_int: 1 },
    Fixture { src: B, dst: VRRP_MCAST_GROUP, hex: "21335a0201019447c6120064c61200963131313100000000", version: Version::V2, priority: 90, advert_int: 1 },
    Fixture { src: B, dst: VRRP_MCAST_GROUP, hex: "213300020101ee47c6120064c61200963131313100000000", version: Version::V2, priority: 0, advert_int: 1 },
    // VRRPv3, advert_int 1 (100 cs), multicast: the checksum includes the pseudo-header.
    Fixture { src: A, dst: VRRP_MCAST_GROUP, hex: "31336402006435d8c6120064c6120096", version: Version::V3, priority: 100, advert_int: 100 },
    Fixture { src: A, dst: VRRP_MCAST_GROUP, hex: "31330002006499d8c6120064c6120096", version: Version::V3, priority: 0, advert_int: 100 },
    Fixture { src: B, dst: VRRP_MCAST_GROUP, hex: "31335a0200643fd7c6120064c6120096", version: Version::V3, priority: 90, advert_int: 100 },
    Fixture { src: B, dst: VRRP_MCAST_GROUP, hex: "31330002006499d7c6120064c6120096", version: Version::V3, priority: 0, advert_int: 100 },
    // VRRPv3, advert_int 0.1 (10 cs), unicast peers: the pseudo-header carries the peer.
    Fixture { src: A, dst: B, hex: "31336402000a4f68c6120064c6120096", version: Version::V3, priority: 100, advert_int: 10 },
    Fixture { src: A, dst: B, hex: "31330002000ab368c6120064c6120096", version: Version::V3, priority: 0, advert_int: 10 },
    Fixture { src: B, dst: A, hex: "31335a02000a5968c6120064c6120096", version: Version::V3, priority: 90, advert_int: 10 },
    Fixture { src: B, dst: A, hex: "31330002000ab368c6120064c6120096", version: Version::V3, priority: 0, advert_int: 10 },
];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("fixture is hex"))
        .collect()
}

#[test]
fn every_captured_advert_decodes_to_what_keepalived_sent() {
    for f in FIXTURES {
        let bytes = unhex(f.hex);
        let adv = decode(&bytes, f.src, f.dst).unwrap_or_else(|e| panic!("{}: {e}", f.hex));
        assert_eq!(adv.version, f.version, "{}", f.hex);
        assert_eq!(adv.vrid, 51);
        assert_eq!(adv.priority, f.priority, "{}", f.hex);
        assert_eq!(adv.advert_int, f.advert_int, "{}", f.hex);
        assert_eq!(adv.addresses, VIPS);
        let want_auth = match f.version {
            Version::V2 => Auth::Simple(*b"1111\0\0\0\0"),
            Version::V3 => Auth::None,
        };
        assert_eq!(adv.auth, want_auth);
        assert_eq!(adv.checksum, u16::from_be_bytes([bytes[6], bytes[7]]));
    }
}

#[test]
fn reencoding_reproduces_keepalived_bytes_and_checksum() {
    for f in FIXTURES {
        let bytes = unhex(f.hex);
        let adv = decode(&bytes, f.src, f.dst).expect("fixture decodes");
        // Rebuild from scratch, with a wrong checksum field, to prove encode computes it.
        let rebuilt = Advert {
            checksum: 0xdead,
            ..adv
        };
        assert_eq!(encode(&rebuilt, f.src, f.dst), bytes, "{}", f.hex);
    }
}

#[test]
fn v3_checksum_depends_on_the_pseudo_header() {
    for f in FIXTURES.iter().filter(|f| f.version == Version::V3) {
        let bytes = unhex(f.hex);
        let other_src = Ipv4Addr::new(198, 18, 0, 203);
        assert!(matches!(
            decode(&bytes, other_src, f.dst),
            Err(DecodeError::BadChecksum { version: 3, .. })
        ));
    }
    // The two shutdown adverts differ only by source address, and so does their checksum.
    assert_ne!(FIXTURES[5].hex, FIXTURES[7].hex);
}

#[test]
fn v2_checksum_ignores_the_addresses_of_the_ip_header() {
    // Both nodes' priority-0 v2 adverts are byte-identical: no pseudo-header in v2.
    assert_eq!(FIXTURES[1].hex, FIXTURES[3].hex);
    let bytes = unhex(FIXTURES[0].hex);
    assert!(decode(
        &bytes,
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(10, 0, 0, 2)
    )
    .is_ok());
}
