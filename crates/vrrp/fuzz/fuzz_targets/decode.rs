//! The VRRP codec on arbitrary bytes: never panics, and whatever decodes re-encodes into
//! bytes that decode to the same advert (checksum aside: v3 reserved bits and v2 auth-none
//! data are not kept, which changes the checksum).
#![no_main]

use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use vrrp::Advert;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let src = Ipv4Addr::new(data[0], data[1], data[2], data[3]);
    let dst = Ipv4Addr::new(data[4], data[5], data[6], data[7]);
    if let Ok(adv) = vrrp::decode(&data[8..], src, dst) {
        let again = vrrp::encode(&adv, src, dst);
        let back = vrrp::decode(&again, src, dst).expect("our own encoding decodes");
        assert_eq!(
            Advert {
                checksum: 0,
                ..back
            },
            Advert { checksum: 0, ..adv }
        );
    }
});
