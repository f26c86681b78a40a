//! `use-server` through the real `halb proxy` binary: a condition pins a request (or a tcp
//! connection) to a server, even one with `weight 0` that balancing never picks; a rule naming
//! a server that is down is skipped and the next matching rule (or balancing) decides.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use e2e::{free_port, HalbProcess, MockHttp, MockTcp, RawClient, Reply, SeenRequest};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

fn named(name: &'static str) -> MockHttp {
    MockHttp::start(move |_r: &SeenRequest| Reply::Ok(name.as_bytes().to_vec()))
}

fn get(addr: SocketAddr, head: &str) -> String {
    let mut c = RawClient::connect(addr).expect("connect");
    c.send(head.replace('\n', "\r\n")).expect("send");
    let r = c.read_response().expect("response");
    assert_eq!(r.status, 200, "{}", r.body_text());
    r.body_text()
}

#[test]
fn use_server_pins_requests_and_skips_servers_that_are_down() {
    let (a, b, pinned) = (named("a"), named("b"), named("pinned"));
    let port = free_port();
    let dead = free_port();
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
    balance roundrobin
    use-server down if {{ hdr(x-pin) down }}
    use-server pinned if {{ hdr(x-pin) pinned }} || {{ hdr(x-pin) down }}
    use-server b if {{ path_beg /b/ }}
    server a {}
    server b {}
    server pinned {} weight 0
    server down 127.0.0.1:{dead} disabled
",
        a.addr(),
        b.addr(),
        pinned.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));

    // Balancing alone never picks the weight-0 server.
    for _ in 0..6 {
        let who = get(addr, "GET / HTTP/1.1\nHost: x\n\n");
        assert!(who == "a" || who == "b", "balanced to {who}");
    }
    // A matching rule wins over balancing, every time.
    for _ in 0..4 {
        assert_eq!(
            get(addr, "GET / HTTP/1.1\nHost: x\nX-Pin: pinned\n\n"),
            "pinned"
        );
        assert_eq!(get(addr, "GET /b/x HTTP/1.1\nHost: x\n\n"), "b");
    }
    // The first rule names a server in maintenance: it is skipped, the next one matches.
    assert_eq!(
        get(addr, "GET / HTTP/1.1\nHost: x\nX-Pin: down\n\n"),
        "pinned"
    );
    assert_eq!(b.requests().iter().filter(|r| r.path == "/b/x").count(), 4);
}

#[test]
fn use_server_works_in_tcp_mode_on_connection_fetches() {
    let (a, b) = (MockTcp::start("a:"), MockTcp::start("b:"));
    let port = free_port();
    let other = free_port();
    let cfg = format!(
        "defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen l
    bind 127.0.0.1:{port}
    bind 127.0.0.1:{other}
    balance roundrobin
    use-server b if {{ dst_port {other} }}
    server a {}
    server b {}
",
        a.addr(),
        b.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let pinned: SocketAddr = ([127, 0, 0, 1], other).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr, pinned])
        .unwrap_or_else(|e| panic!("{e}"));
    for i in 0..4 {
        let mut s = TcpStream::connect(pinned).expect("connect");
        s.write_all(format!("hello{i}").as_bytes()).expect("send");
        s.shutdown(std::net::Shutdown::Write).expect("shutdown");
        let mut got = String::new();
        s.read_to_string(&mut got).expect("read");
        assert!(got.starts_with("b:"), "pinned connection went to {got:?}");
    }
    // (The harness's readiness probes on the first port may have reached `a`, empty.)
    assert!(
        a.received().iter().all(|got| got.is_empty()),
        "a pinned connection reached a: {:?}",
        a.received()
    );
}
