//! Hostile and broken adverts: every drop reason, and no panic on any input.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vrrp::{
    decode, encode, Advert, AdvertCheck, Auth, DecodeError, Instance, InstanceConfig, Version,
    VRRP_MCAST_GROUP,
};

const SRC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
const OURS: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);

fn config(version: Version) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 51, 100, OURS);
    c.version = version;
    c.vips = vec![VIP];
    if version == Version::V2 {
        c.auth = Some(InstanceConfig::password("1111"));
    }
    c
}

fn advert(version: Version) -> Advert {
    Advert {
        version,
        vrid: 51,
        priority: 90,
        advert_int: if version == Version::V2 { 1 } else { 100 },
        auth: if version == Version::V2 {
            Auth::Simple(InstanceConfig::password("1111"))
        } else {
            Auth::None
        },
        addresses: vec![VIP],
        checksum: 0,
    }
}

fn wire(adv: &Advert) -> Vec<u8> {
    encode(adv, SRC, VRRP_MCAST_GROUP)
}

fn check(version: Version, adv: &Advert) -> Result<(), DecodeError> {
    AdvertCheck::from_config(&config(version)).check_advert(SRC, adv)
}

#[test]
fn short_packets_are_truncated() {
    let bytes = wire(&advert(Version::V2));
    for len in 0..bytes.len() {
        assert!(
            matches!(
                decode(&bytes[..len], SRC, VRRP_MCAST_GROUP),
                Err(DecodeError::Truncated { .. })
            ),
            "len {len}"
        );
    }
}

#[test]
fn trailing_octets_are_refused_like_keepalived() {
    let mut bytes = wire(&advert(Version::V3));
    bytes.push(0);
    assert_eq!(
        decode(&bytes, SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::TooLong { len: 13, need: 12 })
    );
}

#[test]
fn address_count_larger_than_the_packet_is_truncated() {
    let mut bytes = wire(&advert(Version::V3));
    bytes[3] = 200;
    assert_eq!(
        decode(&bytes, SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::Truncated { len: 12, need: 808 })
    );
}

#[test]
fn unknown_version_type_zero_vrid_and_zero_interval_are_refused() {
    let good = wire(&advert(Version::V3));
    let mut b = good.clone();
    b[0] = 0x41;
    assert_eq!(
        decode(&b, SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::UnknownVersion(4))
    );
    let mut b = good.clone();
    b[0] = 0x32;
    assert_eq!(
        decode(&b, SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::UnknownType(2))
    );
    let mut adv = advert(Version::V3);
    adv.vrid = 0;
    assert_eq!(
        decode(&wire(&adv), SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::ZeroVrid)
    );
    let mut adv = advert(Version::V3);
    adv.advert_int = 0;
    assert_eq!(
        decode(&wire(&adv), SRC, VRRP_MCAST_GROUP),
        Err(DecodeError::ZeroInterval)
    );
}

#[test]
fn corrupted_octet_fails_the_checksum() {
    for version in [Version::V2, Version::V3] {
        let good = wire(&advert(version));
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0x10;
            match decode(&b, SRC, VRRP_MCAST_GROUP) {
                Err(DecodeError::BadChecksum { .. }) => {}
                // Flipping bits of the header may make it fail earlier, never succeed.
                Err(
                    DecodeError::UnknownVersion(_)
                    | DecodeError::UnknownType(_)
                    | DecodeError::TooLong { .. }
                    | DecodeError::Truncated { .. },
                ) if i == 0 => {}
                Err(DecodeError::Truncated { .. }) if i == 3 => {}
                other => panic!("{version:?} octet {i}: {other:?}"),
            }
        }
    }
}

#[test]
fn instance_checks_name_each_mismatch() {
    let a2 = advert(Version::V2);
    assert_eq!(check(Version::V2, &a2), Ok(()));
    assert_eq!(check(Version::V3, &advert(Version::V3)), Ok(()));

    let mut a = a2.clone();
    a.vrid = 52;
    let e = check(Version::V2, &a).unwrap_err();
    assert_eq!(
        e,
        DecodeError::VridMismatch {
            got: 52,
            expected: 51
        }
    );
    assert!(e.is_silent());

    assert_eq!(
        check(Version::V3, &a2),
        Err(DecodeError::VersionMismatch {
            got: 2,
            expected: 3
        })
    );

    let mut a = a2.clone();
    a.auth = Auth::None;
    assert_eq!(
        check(Version::V2, &a),
        Err(DecodeError::AuthTypeMismatch {
            got: 0,
            expected: 1
        })
    );
    a.auth = Auth::Simple(InstanceConfig::password("2222"));
    assert_eq!(check(Version::V2, &a), Err(DecodeError::AuthFailure));
    a.auth = Auth::Other {
        auth_type: 2,
        data: [0; 8],
    };
    assert_eq!(check(Version::V2, &a), Err(DecodeError::InvalidAuthType(2)));

    let mut a = a2.clone();
    a.advert_int = 2;
    let e = check(Version::V2, &a).unwrap_err();
    assert_eq!(e, DecodeError::AdvertIntMismatch { mine: 1, got: 2 });
    assert_eq!(
        e.log_line("VI_1"),
        "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec"
    );

    // v3 carries the master's interval: a different one is learned, not refused.
    let mut a = advert(Version::V3);
    a.advert_int = 10;
    assert_eq!(check(Version::V3, &a), Ok(()));

    let mut a = a2.clone();
    a.addresses.push(Ipv4Addr::new(198, 18, 0, 101));
    assert_eq!(
        check(Version::V2, &a),
        Err(DecodeError::AddressCountMismatch {
            got: 2,
            expected: 1
        })
    );
    a.addresses = vec![Ipv4Addr::new(198, 18, 0, 101)];
    assert_eq!(
        check(Version::V2, &a),
        Err(DecodeError::AddressMissing {
            vrid: 51,
            missing: VIP
        })
    );
}

#[test]
fn ttl_and_destination_checks() {
    let multicast = AdvertCheck::from_config(&config(Version::V3));
    assert_eq!(multicast.check_ip(255, VRRP_MCAST_GROUP), Ok(()));
    assert_eq!(
        multicast.check_ip(64, VRRP_MCAST_GROUP),
        Err(DecodeError::BadTtl(64))
    );
    assert!(matches!(
        multicast.check_ip(255, OURS),
        Err(DecodeError::WrongCast { .. })
    ));

    let mut c = config(Version::V3);
    c.unicast_peers = vec![SRC];
    c.check_unicast_src = true;
    let unicast = AdvertCheck::from_config(&c);
    // Unicast adverts may be routed: keepalived does not check their TTL.
    assert_eq!(unicast.check_ip(60, OURS), Ok(()));
    assert!(matches!(
        unicast.check_ip(255, VRRP_MCAST_GROUP),
        Err(DecodeError::WrongCast { .. })
    ));
    let stranger = Ipv4Addr::new(198, 18, 0, 66);
    assert_eq!(
        unicast.check_advert(stranger, &advert(Version::V3)),
        Err(DecodeError::NotUnicastPeer(stranger))
    );
}

#[test]
fn dropped_packets_are_counted_and_logged_by_the_instance() {
    let now = Instant::now();
    let mut inst = Instance::new(config(Version::V2), now);
    while inst.poll_action().is_some() {}
    let good = wire(&advert(Version::V2));
    let mut bad_sum = good.clone();
    bad_sum[7] ^= 1;
    let mut bad_pass = advert(Version::V2);
    bad_pass.auth = Auth::Simple(InstanceConfig::password("nope"));
    let mut other_vrid = advert(Version::V2);
    other_vrid.vrid = 7;

    let t = now + Duration::from_millis(10);
    assert!(inst.receive(t, 255, SRC, VRRP_MCAST_GROUP, &good).is_ok());
    assert!(inst
        .receive(t, 255, SRC, VRRP_MCAST_GROUP, &bad_sum)
        .is_err());
    assert!(inst
        .receive(t, 255, SRC, VRRP_MCAST_GROUP, &wire(&bad_pass))
        .is_err());
    assert!(inst.receive(t, 1, SRC, VRRP_MCAST_GROUP, &good).is_err());
    assert!(inst
        .receive(t, 255, SRC, VRRP_MCAST_GROUP, &wire(&other_vrid))
        .is_err());
    assert!(inst
        .receive(t, 255, SRC, VRRP_MCAST_GROUP, &good[..5])
        .is_err());

    let s = inst.stats();
    assert_eq!(s.advert_rcvd, 1);
    assert_eq!(s.checksum_err, 1);
    assert_eq!(s.auth_failure, 1);
    assert_eq!(s.ip_ttl_err, 1);
    assert_eq!(s.vrid_mismatch, 1);
    assert_eq!(s.packet_len_err, 1);
    assert_eq!(s.dropped(), 5);

    let logs: Vec<String> = std::iter::from_fn(|| inst.poll_action())
        .filter_map(|a| match a {
            vrrp::Action::Log { line, .. } => Some(line),
            _ => None,
        })
        .collect();
    assert!(
        logs.contains(&"(VI_1) received an invalid passwd!".to_string()),
        "{logs:?}"
    );
    assert!(logs.contains(&"(VI_1) invalid TTL/HL. Received 1 and expect 255".to_string()));
    assert!(logs.contains(&"(VI_1) Invalid VRRPv2 checksum".to_string()));
    // The good advert (priority 90 < 100) is processed: a preempting backup discards it.
    assert!(logs.contains(
        &"(VI_1) received lower priority (90) advert from 198.18.0.12 - discarding".to_string()
    ));
    // Another router's VRID is not worth a log line.
    assert_eq!(logs.len(), 5, "{logs:?}");
}

fn arb_advert() -> impl Strategy<Value = Advert> {
    (
        prop_oneof![Just(Version::V2), Just(Version::V3)],
        1u8..=255,
        any::<u8>(),
        1u16..=255,
        prop::option::of(any::<[u8; 8]>()),
        prop::collection::vec(any::<[u8; 4]>(), 0..20),
    )
        .prop_map(|(version, vrid, priority, int, pass, addrs)| Advert {
            version,
            vrid,
            priority,
            advert_int: int,
            auth: match (version, pass) {
                (Version::V2, Some(p)) => Auth::Simple(p),
                _ => Auth::None,
            },
            addresses: addrs.into_iter().map(Ipv4Addr::from).collect(),
            checksum: 0,
        })
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..1100), s in any::<u32>(), d in any::<u32>()) {
        let _ = decode(&bytes, Ipv4Addr::from(s), Ipv4Addr::from(d));
    }

    #[test]
    fn receive_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), ttl in any::<u8>()) {
        let now = Instant::now();
        let mut inst = Instance::new(config(Version::V3), now);
        let _ = inst.receive(now, ttl, SRC, VRRP_MCAST_GROUP, &bytes);
    }

    #[test]
    fn encode_then_decode_is_identity(adv in arb_advert(), s in any::<u32>(), d in any::<u32>()) {
        let (src, dst) = (Ipv4Addr::from(s), Ipv4Addr::from(d));
        let bytes = encode(&adv, src, dst);
        prop_assert_eq!(bytes.len(), adv.wire_len());
        let back = decode(&bytes, src, dst).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Advert { checksum: 0, ..back }, adv);
    }
}
