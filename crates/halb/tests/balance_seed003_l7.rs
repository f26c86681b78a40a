//! The tutorial's L7 configuration (seed 003, `seed003-l7.cfg`) run unchanged except for
//! addresses: its servers become local mock servers, its listeners ephemeral ports, the
//! process-level lines that need a real deployment (`daemon`, `user ha`, `pidfile`) are
//! dropped, and `no strict-limits` lets `maxconn 30000` start under the test's fd limit. The tutorial says: `cookie HA_STICKY_xxx insert indirect nocache` makes HAProxy
//! insert a cookie naming the server, route a client carrying a valid one to that server, not
//! insert it again, and forbid caches from storing the response that sets it.

use std::collections::HashMap;
use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, HttpResponse, MockHttp, RawClient, Reply};

const SEED: &str = include_str!("data/haproxy/seed003-l7.cfg");

/// The tutorial's server addresses and the names of the servers behind them.
const SERVERS: [(&str, &str); 6] = [
    ("192.168.8.111:8080", "ms1.srv1"),
    ("192.168.8.112:8080", "ms1.srv2"),
    ("192.168.8.111:8081", "ms2.srv1"),
    ("192.168.8.112:8081", "ms2.srv2"),
    ("192.168.8.111:8082", "def.srv1"),
    ("192.168.8.112:8082", "def.srv2"),
];

struct Site {
    _proxy: HalbProcess,
    addr: SocketAddr,
    mocks: HashMap<&'static str, MockHttp>,
}

fn start() -> Site {
    let mut cfg = SEED.to_string();
    let mut mocks = HashMap::new();
    for (addr, name) in SERVERS {
        let m = MockHttp::start(move |_| Reply::Ok(name.as_bytes().to_vec()));
        cfg = cfg.replace(addr, &m.addr().to_string());
        mocks.insert(name, m);
    }
    let port = free_port();
    cfg = cfg
        .replace("bind *:9001", &format!("bind 127.0.0.1:{port}"))
        .replace("bind *:1080", &format!("bind 127.0.0.1:{}", free_port()));
    let cfg: String = cfg
        .lines()
        .filter(|l| {
            let w = l.split_whitespace().next().unwrap_or("");
            !matches!(w, "daemon" | "user" | "pidfile")
        })
        .map(|l| {
            if l.trim() == "global" {
                format!("{l}\n    no strict-limits\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let proxy = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"));
    Site {
        _proxy: proxy,
        addr,
        mocks,
    }
}

fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> HttpResponse {
    let mut c = RawClient::connect(addr).expect("connect");
    let cookie = cookie
        .map(|v| format!("Cookie: {v}\r\n"))
        .unwrap_or_default();
    c.send(format!(
        "GET {path} HTTP/1.1\r\nHost: www.example.com\r\n{cookie}Connection: close\r\n\r\n"
    ))
    .expect("send");
    c.read_response().expect("response")
}

/// The persistence cookie a response sets: (name, value).
fn sticky(r: &HttpResponse) -> Option<(String, String)> {
    let v = r.header("set-cookie")?;
    let (pair, attrs) = v.split_once("; ")?;
    assert_eq!(
        attrs, "path=/",
        "insert mode sets a session cookie for the whole site"
    );
    let (n, val) = pair.split_once('=')?;
    Some((n.to_string(), val.to_string()))
}

#[test]
fn insert_indirect_nocache_works_as_the_tutorial_says() {
    let site = start();
    for path in ["/", "/index.html", "/ms1/app", "/ms2/app"] {
        let first = get(site.addr, path, None);
        assert_eq!(first.status, 200, "{path}");
        let server = first.body_text();
        let (name, value) = sticky(&first).expect("a persistence cookie on the first visit");
        // The cookie's value is the `cookie` of the server that answered, its name the one of
        // that server's backend (HA_STICKY_ms1 for ms1.*, HA_STICKY_def for def.*).
        assert_eq!(value, server, "{path}");
        let group = server.split('.').next().unwrap_or_default();
        assert_eq!(name, format!("HA_STICKY_{group}"));
        // nocache: the response that sets the cookie must not be cached.
        assert_eq!(
            first
                .header("cache-control")
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("private")
        );
        // With the cookie the client stays on its server (roundrobin would alternate), and
        // the cookie is not set again.
        for _ in 0..5 {
            let r = get(site.addr, path, Some(&format!("{name}={value}")));
            assert_eq!(r.body_text(), server, "{path}");
            assert!(r.header("set-cookie").is_none(), "{path}: cookie set again");
        }
        // New clients without the cookie are balanced over both servers of the backend
        // (each worker thread runs its own round robin, so 8 clients surely use both).
        let fresh: std::collections::HashSet<String> = (0..8)
            .map(|_| get(site.addr, path, None).body_text())
            .collect();
        assert_eq!(fresh.len(), 2, "{path}: {fresh:?}");
    }
    // indirect: the application servers never see the persistence cookie, and
    // `option forwardfor` tells them the client's address.
    // (The health checks, `option httpchk GET /healthCheck.html`, come from halb itself and
    // carry neither, as HAProxy's do not.)
    for (name, m) in &site.mocks {
        for r in m
            .requests()
            .into_iter()
            .filter(|r| r.path != "/healthCheck.html")
        {
            assert!(
                r.header_all("cookie")
                    .iter()
                    .all(|c| !c.contains("HA_STICKY")),
                "{name} saw the persistence cookie"
            );
            assert_eq!(r.header("x-forwarded-for").as_deref(), Some("127.0.0.1"));
        }
    }
}

#[test]
fn a_cookie_for_another_server_of_the_backend_is_honoured() {
    let site = start();
    // Whichever server round robin would pick, the cookie decides.
    for _ in 0..3 {
        let r = get(site.addr, "/", Some("HA_STICKY_def=def.srv2"));
        assert_eq!(r.body_text(), "def.srv2");
    }
    // An unknown value is ignored: the request is balanced and a valid cookie is set.
    let r = get(site.addr, "/", Some("HA_STICKY_def=nonexistent"));
    let (_, value) = sticky(&r).expect("a fresh cookie");
    assert_eq!(value, r.body_text());
}
