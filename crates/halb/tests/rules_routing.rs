//! Content switching through the real `halb proxy` binary: the tutorials' configurations
//! (seed 002's stock example, seed 003's L7 balancer) with their servers replaced by mock
//! servers on 127.0.0.1 ephemeral ports, and virtual hosts on the Host header.

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

/// Drops the `global` lines that need root or a daemon (chroot, user, group, daemon, pidfile,
/// stats socket) and rewrites addresses; everything else runs as written.
fn adapt(text: &str, addrs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if [
            "chroot",
            "user ",
            "group ",
            "daemon",
            "pidfile",
            "stats socket",
            "maxconn 30000",
        ]
        .iter()
        .any(|p| t.starts_with(p))
        {
            continue;
        }
        let mut l = line.to_string();
        for (from, to) in addrs {
            l = l.replace(from, to);
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn get(addr: SocketAddr, path: &str, host: &str) -> (u16, String) {
    let mut c = RawClient::connect(addr).expect("connect");
    c.send(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    ))
    .expect("send");
    let r = c.read_response().expect("response");
    (r.status, r.body_text())
}

fn named(name: &'static str) -> MockHttp {
    MockHttp::start(move |_| Reply::Ok(name.as_bytes().to_vec()))
}

#[test]
fn seed002_static_content_goes_to_static_and_the_rest_to_app() {
    let stat = named("static");
    let apps: Vec<MockHttp> = (0..4).map(|_| named("app")).collect();
    let port = free_port();
    let mut addrs = vec![
        ("*:5000", format!("127.0.0.1:{port}")),
        ("127.0.0.1:4331", stat.addr().to_string()),
    ];
    for (i, a) in apps.iter().enumerate() {
        addrs.push((
            [
                "127.0.0.1:5001",
                "127.0.0.1:5002",
                "127.0.0.1:5003",
                "127.0.0.1:5004",
            ][i],
            a.addr().to_string(),
        ));
    }
    let mut cfg = adapt(include_str!("data/rules/seed002-example.cfg"), &addrs);
    if std::env::var_os("HALB_E2E_PROXY_BIN").is_some() {
        // HAProxy 2.6 refuses the legacy `frontend NAME ADDR` header that halb reads.
        cfg = cfg.replace(
            &format!("frontend  main 127.0.0.1:{port}"),
            &format!("frontend main\n    bind 127.0.0.1:{port}"),
        );
    }
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    for path in [
        "/static/x",
        "/images/y",
        "/a.png",
        "/b.css",
        "/javascript/app.js",
        "/IMAGES/Z",
        "/x/y.JPG",
    ] {
        assert_eq!(
            get(addr, path, "example.com"),
            (200, "static".to_string()),
            "{path}"
        );
    }
    for path in [
        "/",
        "/index.html",
        "/app/static",
        "/a.png.html",
        "/q?f=b.css",
    ] {
        assert_eq!(
            get(addr, path, "example.com"),
            (200, "app".to_string()),
            "{path}"
        );
    }
    let seen: Vec<String> = stat.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(seen.len(), 7, "{seen:?}");
    let app_seen: usize = apps.iter().map(|a| a.requests().len()).sum();
    assert_eq!(app_seen, 5);
}

#[test]
fn seed003_ms1_and_ms2_prefixes_route_case_insensitively() {
    let ms1 = named("ms1");
    let ms2 = named("ms2");
    let def = named("default");
    let port = free_port();
    let stats_port = free_port();
    let cfg = adapt(
        include_str!("data/rules/seed003-l7.cfg"),
        &[
            ("*:9001", format!("127.0.0.1:{port}")),
            ("*:1080", format!("127.0.0.1:{stats_port}")),
            ("192.168.8.111:8080", ms1.addr().to_string()),
            ("192.168.8.112:8080", ms1.addr().to_string()),
            ("192.168.8.111:8081", ms2.addr().to_string()),
            ("192.168.8.112:8081", ms2.addr().to_string()),
            ("192.168.8.111:8082", def.addr().to_string()),
            ("192.168.8.112:8082", def.addr().to_string()),
        ],
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    for (path, want) in [
        ("/ms1/", "ms1"),
        ("/ms1/orders?id=3", "ms1"),
        ("/MS1/x", "ms1"),
        ("/ms2/", "ms2"),
        ("/Ms2/a/b", "ms2"),
        ("/ms1", "default"),
        ("/ms3/", "default"),
        ("/", "default"),
    ] {
        assert_eq!(get(addr, path, "a"), (200, want.to_string()), "{path}");
    }
    // Health checks (`option httpchk GET /healthCheck.html`) may also reach the mocks.
    let paths = |m: &MockHttp| -> Vec<String> {
        m.requests()
            .into_iter()
            .map(|r| r.path)
            .filter(|p| p != "/healthCheck.html")
            .collect()
    };
    assert_eq!(paths(&ms1), vec!["/ms1/", "/ms1/orders?id=3", "/MS1/x"]);
    assert_eq!(paths(&ms2), vec!["/ms2/", "/Ms2/a/b"]);
    assert_eq!(paths(&def).len(), 3);
}

#[test]
fn virtual_hosts_route_on_the_host_header() {
    let api = named("api");
    let www = named("www");
    let dynamic = named("dynamic");
    let fallback = named("fallback");
    let port = free_port();
    let cfg = format!(
        "defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    acl is_api hdr(host) -i api.example.com
    acl is_www hdr_dom(host) -i www.example.com
    use_backend api if is_api
    use_backend www if is_www
    use_backend %[req.hdr(host),lower,field(1,:)] if {{ hdr_end(host) -i .internal }}
    default_backend fallback
backend api
    server s {}
backend www
    server s {}
backend shop.internal
    server s {}
backend fallback
    server s {}
",
        api.addr(),
        www.addr(),
        dynamic.addr(),
        fallback.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    let route = |host: &str| get(addr, "/", host).1;
    assert_eq!(route("api.example.com"), "api");
    assert_eq!(route("API.EXAMPLE.COM"), "api");
    // hdr(host) keeps the port, so the exact match misses; hdr_dom matches parts.
    assert_eq!(route("api.example.com:80"), "fallback");
    assert_eq!(route("www.example.com:8080"), "www");
    assert_eq!(route("Shop.Internal"), "dynamic");
    // A dynamic name that is no backend falls back to default_backend.
    assert_eq!(route("nope.internal"), "fallback");
    assert_eq!(route("example.org"), "fallback");
}
