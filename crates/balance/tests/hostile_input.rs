//! Whatever bytes a client sends — cookie headers, request targets, header values, RDP
//! payloads — key extraction and persistence never panic, and what they return stays inside
//! the input.

use balance::cookie::{
    CookieConfig, CookieMode, CookieServer, RequestCookie, ResponseContext, ResponseCookies,
};
use balance::{BalanceSpec, Balancer, PickKey, ServerSpec};
use proptest::prelude::*;

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            any::<u8>(),
            Just(b';'),
            Just(b'='),
            Just(b'|'),
            Just(b'~'),
            Just(b'"'),
            Just(b','),
            Just(b'/'),
            Just(b'?'),
            Just(b'&'),
            Just(b'.'),
            Just(b'\r'),
            Just(b'\n')
        ],
        0..120,
    )
}

proptest! {
    #[test]
    fn cookie_scanning_never_panics(v in bytes(), mode in 0usize..4, now in any::<u32>()) {
        let mode = [CookieMode::Insert, CookieMode::Rewrite, CookieMode::Prefix, CookieMode::Passive][mode];
        let cfg = CookieConfig { indirect: true, maxidle: 60, maxlife: 600, ..CookieConfig::new("S", mode) };
        let servers = [CookieServer { cookie: Some("a"), up: true }, CookieServer { cookie: Some("b"), up: false }];
        let mut st = RequestCookie::default();
        let mut out = Vec::new();
        let _ = cfg.scan_request_header(&v, &|i| servers.get(i).copied(), false, u64::from(now), &mut st, &mut out);
        prop_assert!(st.server.is_none_or(|s| s < 2));
        let ctx = ResponseContext { has_server: true, server_cookie: Some("a"), direct: st.server.is_some(), is_post: false, cacheable: true, request: st };
        let mut found = ResponseCookies::default();
        let _ = cfg.scan_set_cookie(&v, &ctx, &mut found, &mut out);
        let _ = cfg.insert(&ctx, &found, u64::from(now), &mut out);
    }

    #[test]
    fn hash_keys_never_panic(v in bytes(), seed in any::<u64>()) {
        let ip = std::net::IpAddr::from((seed as u128).to_be_bytes());
        for (algo, args) in [("uri", vec![]), ("uri", vec!["len".to_string(), "3".to_string(), "depth".to_string(), "2".to_string(), "path-only".to_string()]), ("url_param", vec!["S".to_string(), "check_post".to_string()]), ("hdr(x)", vec!["use_domain_only".to_string()]), ("rdp-cookie", vec![]), ("source", vec![])] {
            for ht in [None, Some(("consistent", None, false))] {
                let spec = BalanceSpec::parse(algo, &args, ht, Some(150)).expect("spec");
                let mut b = Balancer::new(spec, (1..=3).map(ServerSpec::new).collect(), false, seed);
                let k = PickKey { client: Some(ip), uri: Some(&v), header: Some(&v), is_post: true, body: Some(&v), payload: Some(&v), avoid: Some(seed as usize % 4) };
                let s = b.pick(&k);
                prop_assert!(s.is_some_and(|s| s < 3));
            }
        }
    }
}
