//! Time per pick for each algorithm (ns/pick), 8 servers of mixed weights; plus the cookie
//! request scan and the Set-Cookie insertion. A measurement, not a test: nothing is asserted.
//! Run with `cargo bench -p balance`.

use std::hint::black_box;
use std::time::Instant;

use balance::cookie::{
    CookieConfig, CookieMode, CookieServer, RequestCookie, ResponseContext, ResponseCookies,
};
use balance::{BalanceSpec, Balancer, PickKey, ServerSpec};

const PICKS: u32 = 1_000_000;

fn servers() -> Vec<ServerSpec> {
    (0..8u32)
        .map(|i| ServerSpec {
            weight: 1 + i % 4,
            ..ServerSpec::new(i + 1)
        })
        .collect()
}

fn bench(name: &str, algo: &str, args: &[&str], hash_type: Option<(&str, Option<&str>, bool)>) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let spec = BalanceSpec::parse(algo, &args, hash_type, None).expect("spec");
    let mut b = Balancer::new(spec, servers(), false, 1);
    let uris: Vec<String> = (0..1024)
        .map(|i| format!("/static/img/{i}.png?v=3"))
        .collect();
    let ips: Vec<std::net::IpAddr> = (0..1024u32)
        .map(|i| std::net::IpAddr::from((0x0a00_0000 + i).to_be_bytes()))
        .collect();
    let start = Instant::now();
    for i in 0..PICKS {
        let k = (i & 1023) as usize;
        let key = PickKey {
            uri: Some(uris[k].as_bytes()),
            client: Some(ips[k]),
            header: Some(b"www.example.com"),
            ..PickKey::default()
        };
        let s = b.pick(black_box(&key));
        if let Some(s) = s {
            // Exercise the load-aware paths like a short connection would.
            b.conn_started(s);
            b.conn_ended(s);
        }
        black_box(s);
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(PICKS);
    println!("{name:<34} {ns:>8.1} ns/pick");
}

fn main() {
    bench("roundrobin", "roundrobin", &[], None);
    bench("static-rr", "static-rr", &[], None);
    bench("leastconn", "leastconn", &[], None);
    bench("first", "first", &[], None);
    bench("random(2)", "random", &[], None);
    bench("source map-based", "source", &[], None);
    bench(
        "source consistent",
        "source",
        &[],
        Some(("consistent", None, false)),
    );
    bench("uri map-based sdbm", "uri", &[], None);
    bench(
        "uri consistent sdbm+avalanche",
        "uri",
        &[],
        Some(("consistent", None, false)),
    );
    bench(
        "uri map-based crc32",
        "uri",
        &[],
        Some(("map-based", Some("crc32"), false)),
    );
    bench(
        "uri map-based wt6",
        "uri",
        &[],
        Some(("map-based", Some("wt6"), false)),
    );
    bench(
        "hdr(host) use_domain_only",
        "hdr(host)",
        &["use_domain_only"],
        None,
    );

    let cfg = CookieConfig {
        indirect: true,
        nocache: true,
        ..CookieConfig::new("SERVERID", CookieMode::Insert)
    };
    let srv = [
        CookieServer {
            cookie: Some("s1"),
            up: true,
        },
        CookieServer {
            cookie: Some("s2"),
            up: true,
        },
    ];
    let mut out = Vec::with_capacity(256);
    let start = Instant::now();
    for _ in 0..PICKS {
        let mut st = RequestCookie::default();
        let e = cfg.scan_request_header(
            black_box(b"lang=fr; SERVERID=s2; theme=dark"),
            &|i| srv.get(i).copied(),
            false,
            1_700_000_000,
            &mut st,
            &mut out,
        );
        black_box((e, st));
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(PICKS);
    println!("{:<34} {ns:>8.1} ns/op", "cookie request scan (indirect)");
    let ctx = ResponseContext {
        has_server: true,
        server_cookie: Some("s1"),
        direct: false,
        is_post: false,
        cacheable: true,
        request: RequestCookie::default(),
    };
    let start = Instant::now();
    for _ in 0..PICKS {
        black_box(cfg.insert(
            black_box(&ctx),
            &ResponseCookies::default(),
            1_700_000_000,
            &mut out,
        ));
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(PICKS);
    println!("{:<34} {ns:>8.1} ns/op", "cookie Set-Cookie insertion");
}
