//! Every `balance` algorithm through the real `halb proxy` binary: each test embeds its
//! haproxy.cfg, runs mock servers on 127.0.0.1 ephemeral ports that answer with their name,
//! drives real client connections, and asserts which server got each request. One worker
//! thread (`nbthread 1`) where an exact order is asserted.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use e2e::{free_port, HalbProcess, HttpResponse, MockHttp, RawClient, Reply};

struct Farm {
    servers: Vec<MockHttp>,
}

impl Farm {
    /// `n` mock servers answering with their name (`s0`, `s1`, ...); `/slow` waits first.
    fn new(n: usize) -> Farm {
        let servers = (0..n)
            .map(|i| {
                let name = format!("s{i}");
                MockHttp::start(move |r| {
                    let body = name.clone().into_bytes();
                    if r.path.starts_with("/slow") {
                        Reply::Slow(Duration::from_millis(1500), Box::new(Reply::Ok(body)))
                    } else {
                        Reply::Ok(body)
                    }
                })
            })
            .collect();
        Farm { servers }
    }

    /// `server sN ADDR OPTIONS` lines, with per-server options.
    fn lines(&self, opts: &[&str]) -> String {
        self.servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "    server s{i} {} {}\n",
                    s.addr(),
                    opts.get(i).unwrap_or(&"")
                )
            })
            .collect()
    }
}

fn start(backend: &str, mode: &str) -> (HalbProcess, SocketAddr) {
    let port = free_port();
    let cfg = format!(
        "global
    nbthread 1
defaults
    mode {mode}
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
{backend}"
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}\n{cfg}"));
    (p, addr)
}

/// One request on a new connection; extra header lines end with `\r\n`.
fn get(addr: SocketAddr, path: &str, headers: &str) -> HttpResponse {
    let mut c = RawClient::connect(addr).expect("connect");
    c.send(format!(
        "GET {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n"
    ))
    .expect("send");
    c.read_response().expect("response")
}

/// Which server answered.
fn who(addr: SocketAddr, path: &str, headers: &str) -> String {
    let r = get(addr, path, headers);
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.raw_head)
    );
    r.body_text()
}

/// Waits (bounded by the harness's limit) until `cond` holds.
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < e2e::WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn tally(names: impl IntoIterator<Item = String>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for n in names {
        *m.entry(n).or_insert(0) += 1;
    }
    m
}

#[test]
fn roundrobin_follows_weights_interleaved() {
    let farm = Farm::new(3);
    let (_p, addr) = start(
        &format!(
            "    balance roundrobin\n{}",
            farm.lines(&["weight 1", "weight 2", "weight 3"])
        ),
        "http",
    );
    let seq: Vec<String> = (0..60).map(|i| who(addr, &format!("/{i}"), "")).collect();
    let t = tally(seq.clone());
    assert_eq!((t["s0"], t["s1"], t["s2"]), (10, 20, 30));
    // Smooth: the heaviest server never takes more than 3 of any 6 consecutive requests... and
    // the light one is never served twice in a row.
    assert!(
        seq.windows(2).all(|w| !(w[0] == "s0" && w[1] == "s0")),
        "{seq:?}"
    );
}

#[test]
fn static_rr_serves_in_haproxys_order() {
    let farm = Farm::new(3);
    let (_p, addr) = start(
        &format!(
            "    balance static-rr\n{}",
            farm.lines(&["weight 1", "weight 2", "weight 3"])
        ),
        "http",
    );
    let seq: String = (0..12)
        .map(|i| who(addr, &format!("/{i}"), ""))
        .map(|s| s[1..].to_string())
        .collect();
    // The order real HAProxy 2.6 gives for weights 1,2,3 (recorded in crates/balance's vectors).
    assert_eq!(seq, "021212021212");
}

#[test]
fn leastconn_avoids_the_busy_server() {
    let farm = Farm::new(2);
    let (_p, addr) = start(
        &format!("    balance leastconn\n{}", farm.lines(&[])),
        "http",
    );
    // Hold one long request on one server...
    let slow = std::thread::spawn(move || who(addr, "/slow", ""));
    wait_until("the slow request", || {
        farm.servers.iter().any(|s| !s.requests().is_empty())
    });
    let busy = farm
        .servers
        .iter()
        .position(|s| !s.requests().is_empty())
        .unwrap_or(0);
    // ...while it lasts, every short request goes to the idle one (round robin would
    // alternate).
    let idle = format!("s{}", 1 - busy);
    for i in 0..6 {
        assert_eq!(who(addr, &format!("/{i}"), ""), idle);
    }
    assert_eq!(slow.join().expect("slow request"), format!("s{busy}"));
}

#[test]
fn first_fills_the_first_server_up_to_maxconn() {
    let farm = Farm::new(3);
    let (_p, addr) = start(
        &format!(
            "    balance first\n{}",
            farm.lines(&["maxconn 1", "maxconn 1", "maxconn 1"])
        ),
        "http",
    );
    // One at a time: always the first server (lowest id); round robin would rotate.
    for i in 0..5 {
        assert_eq!(who(addr, &format!("/{i}"), ""), "s0");
    }
    // s0 busy (maxconn 1): the next server takes the next request.
    let slow = std::thread::spawn(move || who(addr, "/slow", ""));
    wait_until("the slow request on s0", || {
        farm.servers[0].requests().len() >= 6
    });
    assert_eq!(who(addr, "/x", ""), "s1");
    assert_eq!(slow.join().expect("slow"), "s0");
}

#[test]
fn uri_hash_sticks_per_path_and_ignores_the_query() {
    let farm = Farm::new(4);
    let (_p, addr) = start(&format!("    balance uri\n{}", farm.lines(&[])), "http");
    let mut used = std::collections::HashSet::new();
    for i in 0..24 {
        let a = who(addr, &format!("/obj/{i}"), "");
        assert_eq!(
            who(addr, &format!("/obj/{i}?v=2"), ""),
            a,
            "query is not part of the key"
        );
        assert_eq!(who(addr, &format!("/obj/{i}"), ""), a);
        used.insert(a);
    }
    assert!(used.len() >= 3, "24 paths should spread: {used:?}");
}

#[test]
fn uri_whole_and_depth_change_the_key() {
    let farm = Farm::new(4);
    let (_p, addr) = start(
        &format!(
            "    balance uri depth 1\n    hash-type consistent\n{}",
            farm.lines(&[])
        ),
        "http",
    );
    for d in 0..10 {
        let a = who(addr, &format!("/dir{d}/a"), "");
        // depth 1: only `/dirN` counts.
        assert_eq!(who(addr, &format!("/dir{d}/b/c"), ""), a);
    }
    drop(_p);
    let (_p2, addr) = start(
        &format!("    balance uri whole\n{}", farm.lines(&[])),
        "http",
    );
    let mut seen = std::collections::HashSet::new();
    for q in 0..20 {
        seen.insert(who(addr, &format!("/same?q={q}"), ""));
    }
    assert!(seen.len() >= 2, "with whole, the query changes the server");
}

#[test]
fn url_param_sticks_per_value_and_falls_back_to_round_robin() {
    let farm = Farm::new(3);
    let (_p, addr) = start(
        &format!("    balance url_param uid\n{}", farm.lines(&[])),
        "http",
    );
    for u in 0..12 {
        let a = who(addr, &format!("/p?uid={u}"), "");
        assert_eq!(who(addr, &format!("/q?x=1&uid={u}&y=2"), ""), a);
    }
    // No parameter: round robin over the map.
    let t = tally((0..9).map(|i| who(addr, &format!("/none/{i}"), "")));
    assert_eq!(t.values().copied().collect::<Vec<_>>(), vec![3, 3, 3]);
}

#[test]
fn hdr_hash_uses_the_domain_only_when_asked() {
    let farm = Farm::new(4);
    let (_p, addr) = start(
        &format!(
            "    balance hdr(X-Site) use_domain_only\n{}",
            farm.lines(&[])
        ),
        "http",
    );
    let mut used = std::collections::HashSet::new();
    for d in 0..16 {
        let a = who(addr, "/", &format!("X-Site: www.site{d}.com\r\n"));
        assert_eq!(who(addr, "/", &format!("X-Site: api.site{d}.com\r\n")), a);
        used.insert(a);
    }
    assert!(used.len() >= 3);
    // Header missing: round robin.
    let t = tally((0..8).map(|_| who(addr, "/", "")));
    assert_eq!(t.len(), 4);
}

#[test]
fn source_hash_keeps_each_client_address_on_one_server() {
    let farm = Farm::new(4);
    let (_p, addr) = start(&format!("    balance source\n{}", farm.lines(&[])), "tcp");
    let mut used = std::collections::HashSet::new();
    for last in 1..=20u8 {
        let from: SocketAddr = ([127, 0, 0, last], 0).into();
        // curl binds the client side to 127.0.0.N: a different source address each time.
        let names: Vec<String> = (0..3)
            .map(|_| {
                let out = std::process::Command::new("curl")
                    .args([
                        "-s",
                        "--max-time",
                        "10",
                        "--interface",
                        &from.ip().to_string(),
                    ])
                    .arg(format!("http://{addr}/"))
                    .output()
                    .expect("run curl");
                String::from_utf8_lossy(&out.stdout).into_owned()
            })
            .collect();
        assert!(names.windows(2).all(|w| w[0] == w[1]), "{from}: {names:?}");
        used.insert(names[0].clone());
    }
    assert!(used.len() >= 3, "20 clients should spread: {used:?}");
}

#[test]
fn random_uses_every_server() {
    let farm = Farm::new(3);
    let (_p, addr) = start(&format!("    balance random\n{}", farm.lines(&[])), "http");
    let t = tally((0..60).map(|i| who(addr, &format!("/{i}"), "")));
    assert_eq!(t.len(), 3, "{t:?}");
}

#[test]
fn weight_zero_and_disabled_take_nothing_backups_take_over() {
    let farm = Farm::new(4);
    let (_p, addr) = start(
        &format!(
            "    balance roundrobin\n{}",
            farm.lines(&["weight 0", "disabled", "backup", "backup"])
        ),
        "http",
    );
    // No usable active server: the first backup only.
    let t = tally((0..6).map(|i| who(addr, &format!("/{i}"), "")));
    assert_eq!(t.get("s2"), Some(&6), "{t:?}");
    let (_p2, addr) = start(
        &format!(
            "    balance roundrobin\n    option allbackups\n{}",
            farm.lines(&["weight 0", "disabled", "backup", "backup"])
        ),
        "http",
    );
    let t = tally((0..6).map(|i| who(addr, &format!("/{i}"), "")));
    assert_eq!((t.get("s2"), t.get("s3")), (Some(&3), Some(&3)), "{t:?}");
}

#[test]
fn default_server_options_apply() {
    let farm = Farm::new(2);
    let (_p, addr) = start(
        &format!(
            "    balance roundrobin\n    default-server weight 0\n{}",
            farm.lines(&["", "weight 5"])
        ),
        "http",
    );
    for i in 0..6 {
        assert_eq!(who(addr, &format!("/{i}"), ""), "s1");
    }
}

/// An RDP client's first bytes: TPKT and X.224 Connection Request headers, then the cookie.
fn rdp_request(user: &str) -> Vec<u8> {
    let mut v = vec![
        0x03, 0x00, 0x00, 0x2b, 0x26, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    v.extend_from_slice(format!("Cookie: mstshash={user}\r\n").as_bytes());
    v.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
    v
}

#[test]
fn rdp_cookie_sends_each_user_to_one_server() {
    let servers: Vec<e2e::MockTcp> = (0..3)
        .map(|i| e2e::MockTcp::start(&format!("s{i}:")))
        .collect();
    let lines: String = servers
        .iter()
        .enumerate()
        .map(|(i, s)| format!("    server s{i} {}\n", s.addr()))
        .collect();
    let (_p, addr) = start(
        &format!("    balance rdp-cookie\n    tcp-request inspect-delay 5s\n{lines}"),
        "tcp",
    );
    let ask = |user: &str| -> (String, Vec<u8>) {
        let mut c = RawClient::connect(addr).expect("connect");
        let req = rdp_request(user);
        // Sent in two pieces: the proxy waits for the whole cookie line before choosing.
        c.send(&req[..15]).expect("send");
        std::thread::sleep(Duration::from_millis(50));
        c.send(&req[15..]).expect("send");
        c.shutdown_write().expect("fin");
        let out = c.read_to_close().expect("read");
        let colon = out.iter().position(|&b| b == b':').expect("prefix");
        (
            String::from_utf8_lossy(&out[..colon]).into_owned(),
            out[colon + 1..].to_vec(),
        )
    };
    let mut used = std::collections::HashSet::new();
    for u in 0..12 {
        let user = format!("user{u}");
        let (first, echoed) = ask(&user);
        // The server got the request bytes the proxy read to find the cookie, intact.
        assert_eq!(echoed, rdp_request(&user));
        for _ in 0..2 {
            assert_eq!(ask(&user).0, first, "{user} moved");
        }
        used.insert(first);
    }
    assert!(used.len() >= 2, "12 users should spread: {used:?}");
}

/// Runs real HAProxy 2.6 (the installed peer) on the same configuration.
fn start_haproxy(backend: &str) -> Option<(HalbProcess, SocketAddr)> {
    let bin = std::path::Path::new("/usr/sbin/haproxy");
    if !bin.exists() {
        return None;
    }
    let port = free_port();
    let cfg = format!(
        "defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
{backend}"
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start(bin, &["-db", "-f"], &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("haproxy did not start: {e}"));
    Some((p, addr))
}

#[test]
fn hashing_sends_each_key_where_real_haproxy_does() {
    let farm = Farm::new(4);
    let weights = farm.lines(&["weight 1", "weight 3", "weight 2", "weight 1"]);
    for (balance, header) in [
        ("balance uri\n    hash-type consistent", false),
        ("balance uri", false),
        (
            "balance uri whole\n    hash-type map-based djb2 avalanche",
            false,
        ),
        ("balance hdr(X-User)\n    hash-type consistent wt6", true),
        ("balance url_param id\n    hash-type map-based crc32", false),
    ] {
        let backend = format!("    {balance}\n{weights}");
        let Some((_hp, haproxy)) = start_haproxy(&backend) else {
            panic!("/usr/sbin/haproxy is part of this environment");
        };
        let (_p, halb) = start(&backend, "http");
        for i in 0..40 {
            let (path, hdr) = if header {
                ("/".to_string(), format!("X-User: user{i}\r\n"))
            } else {
                (format!("/obj/{i}?id={}", i * 7), String::new())
            };
            assert_eq!(
                who(halb, &path, &hdr),
                who(haproxy, &path, &hdr),
                "{balance}: key {i}"
            );
        }
    }
}
