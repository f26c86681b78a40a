//! An instance fed arbitrary packets and timer ticks: never panics, whatever the sequence.
#![no_main]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use vrrp::{Instance, InstanceConfig, Version};

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let mut cfg = InstanceConfig::new("VI_1", 51, 100, Ipv4Addr::new(198, 18, 0, 11));
    cfg.vips = vec![Ipv4Addr::new(198, 18, 0, 100)];
    if data.first().is_some_and(|b| b & 1 == 1) {
        cfg.version = Version::V3;
    }
    let mut inst = Instance::new(cfg, t0);
    let mut now = t0;
    // Records: [delay ms, ttl, len, payload…]
    let mut rest = data.get(1..).unwrap_or(&[]);
    while rest.len() >= 3 {
        now += Duration::from_millis(u64::from(rest[0]) * 20);
        let ttl = rest[1];
        let len = usize::from(rest[2]).min(rest.len() - 3);
        let payload = &rest[3..3 + len];
        rest = &rest[3 + len..];
        inst.handle_timeout(now);
        let _ = inst.receive(
            now,
            ttl,
            Ipv4Addr::new(198, 18, 0, 12),
            vrrp::VRRP_MCAST_GROUP,
            payload,
        );
        while inst.poll_action().is_some() {}
    }
});
