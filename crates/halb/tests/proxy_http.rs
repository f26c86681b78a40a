//! `mode http` through the real `halb proxy` binary: keep-alive and connection reuse, bodies
//! (chunked both ways, close-delimited, no-body statuses, 100-continue), pipelining,
//! WebSocket upgrade, X-Forwarded-For, connection modes. Each test embeds its haproxy.cfg,
//! runs mock servers on 127.0.0.1 ephemeral ports, and asserts on what the servers received
//! and what the client got.

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn start(cfg: &str, fe_port: u16) -> (HalbProcess, SocketAddr) {
    let addr: SocketAddr = ([127, 0, 0, 1], fe_port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"));
    (p, addr)
}

fn http_cfg(fe_port: u16, extra_defaults: &str, servers: &str) -> String {
    format!(
        "global
    nbthread 2
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
{extra_defaults}
frontend fe
    bind 127.0.0.1:{fe_port}
    default_backend be
backend be
{servers}
"
    )
}

#[test]
fn keep_alive_reuses_one_connection_on_each_side() {
    let srv = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    for i in 0..5 {
        c.send(format!("GET /r{i} HTTP/1.1\r\nHost: x\r\n\r\n"))
            .unwrap();
        let r = c.read_response().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body_text(), format!("/r{i}"));
    }
    let seen = srv.wait_requests(5);
    assert_eq!(seen.len(), 5);
    // Five requests on one client connection went over one server connection.
    assert_eq!(srv.accepted(), 1);
    assert!(seen.iter().all(|r| r.conn == 0));
}

#[test]
fn chunked_bodies_pass_through_both_ways_with_trailers() {
    let srv = MockHttp::start(|_| {
        Reply::Chunked(
            vec![b"hello ".to_vec(), b"world".to_vec()],
            vec!["X-Sum: 42".to_string()],
        )
    });
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    let body = "4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\nX-Trailer: yes\r\n\r\n";
    c.send(format!(
        "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
    ))
    .unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "hello world");
    assert_eq!(r.trailers, vec!["X-Sum: 42".to_string()]);
    let seen = srv.wait_requests(1);
    assert_eq!(seen[0].body, b"abcdefg");
    // The framing is forwarded as received, extensions and trailers included.
    assert_eq!(seen[0].raw_body, body.as_bytes());
    assert_eq!(seen[0].trailers, vec!["X-Trailer: yes".to_string()]);
    // The connection is still usable afterwards.
    c.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
}

#[test]
fn content_length_body_is_forwarded_exactly() {
    let srv = MockHttp::ok("done");
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    let body = vec![b'z'; 100_000];
    c.send(format!(
        "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ))
    .unwrap();
    c.send(&body).unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(srv.wait_requests(1)[0].body, body);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let srv = MockHttp::start(|r| {
        // The first request is answered last on the server side if anything reorders.
        if r.path == "/1" {
            Reply::Slow(
                std::time::Duration::from_millis(200),
                Box::new(Reply::Ok(b"one".to_vec())),
            )
        } else {
            Reply::Ok(r.path.clone().into_bytes())
        }
    });
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send(
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .unwrap();
    let bodies: Vec<String> = (0..3)
        .map(|_| c.read_response().unwrap().body_text())
        .collect();
    assert_eq!(bodies, vec!["one", "/2", "/3"]);
    let paths: Vec<String> = srv.wait_requests(3).into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/1", "/2", "/3"]);
}

#[test]
fn websocket_upgrade_switches_to_a_tunnel() {
    let srv = MockHttp::start(|_| Reply::UpgradeEcho);
    let port = free_port();
    let cfg = http_cfg(
        port,
        "    timeout tunnel 10s",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    c.send(
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 101);
    let seen = srv.wait_requests(1);
    assert_eq!(seen[0].header("upgrade").as_deref(), Some("websocket"));
    assert!(seen[0]
        .header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .contains("upgrade"));
    // Bytes now flow both ways unchanged (not HTTP any more).
    c.send(b"\x81\x05hello-not-http").unwrap();
    c.shutdown_write().unwrap();
    let echoed = c.read_to_close().unwrap();
    assert_eq!(echoed, b"\x81\x05hello-not-http");
}

#[test]
fn forwardfor_appends_a_header_without_merging() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let cfg = http_cfg(
        port,
        "    option forwardfor",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n")
        .unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    let seen = srv.wait_requests(2);
    assert_eq!(
        seen[0].header_all("x-forwarded-for"),
        vec!["203.0.113.7", "127.0.0.1"]
    );
    assert_eq!(seen[1].header_all("x-forwarded-for"), vec!["127.0.0.1"]);
}

#[test]
fn forwardfor_except_and_if_none_and_header_name() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let port2 = free_port();
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
    option forwardfor header X-Client if-none
    server s1 {}
frontend fe2
    bind 127.0.0.1:{port2}
    option forwardfor except 127.0.0.0/8
    default_backend be2
backend be2
    server s1 {}
",
        srv.addr(),
        srv.addr(),
    );
    let addr2: SocketAddr = ([127, 0, 0, 1], port2).into();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p =
        HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr, addr2]).unwrap();
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET /a HTTP/1.1\r\nHost: x\r\nX-Client: 198.51.100.1\r\n\r\n")
        .unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    c.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    let mut c2 = RawClient::connect(addr2).unwrap();
    c2.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c2.read_response().unwrap().status, 200);
    let seen = srv.wait_requests(3);
    let by_path = |p: &str| seen.iter().find(|r| r.path == p).cloned().unwrap();
    // if-none: a client-supplied header is left alone.
    assert_eq!(by_path("/a").header_all("x-client"), vec!["198.51.100.1"]);
    assert_eq!(by_path("/b").header_all("x-client"), vec!["127.0.0.1"]);
    // except 127.0.0.0/8: no header for local clients.
    assert!(by_path("/c").header_all("x-forwarded-for").is_empty());
}

#[test]
fn no_body_statuses_and_head_keep_the_connection_in_sync() {
    let srv = MockHttp::start(|r| match r.path.as_str() {
        "/204" => Reply::Raw(b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()),
        "/304" => Reply::Raw(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n".to_vec()),
        // A HEAD response announces a length but carries no body.
        _ => Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec()),
    });
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 204);
    c.send("GET /304 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 304);
    c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = c.read_response_to("HEAD").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("1000"));
    assert_eq!(srv.wait_requests(3).len(), 3);
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn close_delimited_response_is_forwarded_then_client_closed() {
    let srv = MockHttp::start(|_| Reply::RawClose(b"HTTP/1.1 200 OK\r\n\r\nuntil-close".to_vec()));
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "until-close");
}

#[test]
fn expect_100_continue_is_relayed() {
    let srv = MockHttp::ok("got-it");
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    // The client waits for the interim response before sending its body.
    let interim = c.read_response().unwrap();
    assert_eq!(interim.status, 100);
    c.send("12345").unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "got-it");
    assert_eq!(srv.wait_requests(1)[0].body, b"12345");
}

#[test]
fn http_server_close_closes_server_side_only() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let cfg = http_cfg(
        port,
        "    option http-server-close",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    for _ in 0..2 {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(c.read_response().unwrap().status, 200);
    }
    let seen = srv.wait_requests(2);
    assert!(seen
        .iter()
        .all(|r| r.header("connection").as_deref() == Some("close")));
    // One client connection, one server connection per request.
    assert_eq!(srv.accepted(), 2);
}

#[test]
fn httpclose_closes_both_sides() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let cfg = http_cfg(
        port,
        "    option httpclose",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.is_closed());
    assert_eq!(
        srv.wait_requests(1)[0].header("connection").as_deref(),
        Some("close")
    );
}

#[test]
fn requests_are_balanced_round_robin_by_weight() {
    let a = MockHttp::ok("a");
    let b = MockHttp::ok("b");
    let port = free_port();
    let servers = format!(
        "    balance roundrobin\n    server a {} weight 1\n    server b {} weight 3\n    server z 127.0.0.1:1 weight 0",
        a.addr(),
        b.addr()
    );
    let cfg = http_cfg(port, "", &servers).replace("nbthread 2", "nbthread 1");
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    let mut got = String::new();
    for _ in 0..8 {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        got.push_str(&c.read_response().unwrap().body_text());
    }
    assert_eq!(got.matches('a').count(), 2, "{got}");
    assert_eq!(got.matches('b').count(), 6, "{got}");
}

#[test]
fn backup_server_used_only_when_active_ones_are_unusable() {
    let backup = MockHttp::ok("backup");
    let active = MockHttp::ok("active");
    let port = free_port();
    let servers = format!(
        "    server bk {} backup\n    server act {}",
        backup.addr(),
        active.addr()
    );
    let (_p, addr) = start(&http_cfg(port, "", &servers), port);
    let mut c = RawClient::connect(addr).unwrap();
    for _ in 0..3 {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(c.read_response().unwrap().body_text(), "active");
    }
    assert_eq!(backup.accepted(), 0);

    let port = free_port();
    let servers = format!(
        "    server act {} disabled\n    server bk {} backup",
        active.addr(),
        backup.addr()
    );
    let (_p2, addr) = start(&http_cfg(port, "", &servers), port);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().body_text(), "backup");
}

#[test]
fn listen_section_and_use_backend_route_requests() {
    let a = MockHttp::ok("from-listen");
    let b = MockHttp::ok("from-b");
    let port = free_port();
    let p2 = free_port();
    let cfg = format!(
        "defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen web
    bind 127.0.0.1:{port}
    server a {}
frontend fe
    bind 127.0.0.1:{p2}
    use_backend bb
    default_backend web
backend bb
    server b {}
",
        a.addr(),
        b.addr(),
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let addr2: SocketAddr = ([127, 0, 0, 1], p2).into();
    let _p =
        HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr, addr2]).unwrap();
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().body_text(), "from-listen");
    let mut c = RawClient::connect(addr2).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().body_text(), "from-b");
}

#[test]
fn curl_gets_the_page_through_the_proxy() {
    let srv = MockHttp::ok("hello from mock");
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let url = format!("http://{addr}/x");
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "10", &url, &url])
        .output()
        .expect("curl is installed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from mockhello from mock"
    );
    // curl reused its connection, and so did the proxy.
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn originalto_adds_the_destination_address() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let cfg = http_cfg(
        port,
        "    option originalto",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&cfg, port);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    assert_eq!(
        srv.wait_requests(1)[0].header_all("x-original-to"),
        vec!["127.0.0.1"]
    );
}

/// One worker thread (idle server connections are kept per thread) and round robin over
/// s1 and s2: requests go to s1, s2, s1, ...
fn start_two_servers_one_thread(s1: &MockHttp, s2: &MockHttp) -> (HalbProcess, SocketAddr) {
    let port = free_port();
    let cfg = http_cfg(
        port,
        "",
        &format!("    server s1 {}\n    server s2 {}", s1.addr(), s2.addr()),
    )
    .replace("nbthread 2", "nbthread 1");
    start(&cfg, port)
}

/// A second client's session: /b1 (its first request, to s2), then /b2 (to s1, where it may
/// use an idle connection of the thread).
fn second_session_b1_b2(addr: SocketAddr) {
    let mut b = RawClient::connect(addr).unwrap();
    for path in ["/b1", "/b2"] {
        b.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
            .unwrap();
        assert_eq!(b.read_response().unwrap().body_text(), path);
    }
}

/// HAProxy keeps the server side persistent when a client closes: the client's `close` is
/// not forwarded, and the idle server connection serves a later session's second request
/// (`http-reuse safe`).
#[test]
fn a_client_close_stays_on_the_client_side_and_the_server_connection_is_reused() {
    let s1 = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let s2 = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let (_p, addr) = start_two_servers_one_thread(&s1, &s2);

    let mut a = RawClient::connect(addr).unwrap();
    a.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = a.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(a.is_closed());
    let first = s1.wait_requests(1);
    assert_eq!(first[0].header("connection"), None, "{first:?}");

    second_session_b1_b2(addr);
    let on_s1 = s1.wait_requests(2);
    assert_eq!(on_s1[1].path, "/b2");
    // /b2 went over the connection /a used: kept open after A left.
    assert_eq!(s1.accepted(), 1, "{on_s1:?}");
    assert_eq!(on_s1[1].conn, on_s1[0].conn);
    assert_eq!(s2.wait_requests(1)[0].path, "/b1");
}

/// An HTTP/1.0 client that closes keeps its `close` semantics on the server side too: the
/// server may not know the proxy's persistence rules for 1.0.
#[test]
fn an_http10_request_is_not_made_persistent_towards_the_server() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let (_p, addr) = start(
        &http_cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    let seen = srv.wait_requests(1);
    assert_eq!(seen[0].version, "HTTP/1.0");
    assert_eq!(seen[0].header("connection"), None);
}

/// A server connection that started NTLM (or Negotiate) authentication belongs to its client:
/// HAProxy marks it private, and it never serves another session.
#[test]
fn a_connection_bound_authentication_keeps_the_server_connection_out_of_the_pool() {
    let s1 = MockHttp::start(|r| {
        if r.path == "/auth" {
            Reply::Raw(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n"
                    .to_vec(),
            )
        } else {
            Reply::Ok(r.path.clone().into_bytes())
        }
    });
    let s2 = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let (_p, addr) = start_two_servers_one_thread(&s1, &s2);

    let mut a = RawClient::connect(addr).unwrap();
    a.send("GET /auth HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(a.read_response().unwrap().status, 401);
    drop(a);
    s1.wait_requests(1);
    // Let the proxy see A's close and end its session.
    std::thread::sleep(std::time::Duration::from_millis(200));

    second_session_b1_b2(addr);
    let on_s1 = s1.wait_requests(2);
    assert_eq!(on_s1[1].path, "/b2");
    assert_ne!(on_s1[1].conn, on_s1[0].conn, "{on_s1:?}");
    assert_eq!(s1.accepted(), 2);
}
