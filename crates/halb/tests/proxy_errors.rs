//! The answers `halb proxy` gives on its own, with HAProxy's statuses and default pages:
//! 400 (bad or oversized request, every smuggling case), 408 (slow client), 502 (bad
//! response), 503 (no server, connection refused, queue full or timed out), 504 (slow
//! server), `errorfile` replacements; and server `maxconn` queueing.

use std::net::SocketAddr;
use std::time::Duration;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn cfg(fe_port: u16, defaults: &str, backend: &str) -> String {
    format!(
        "global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
{defaults}
frontend fe
    bind 127.0.0.1:{fe_port}
    default_backend be
backend be
{backend}
"
    )
}

fn start(cfg: &str, port: u16, extra: &[(&str, &[u8])]) -> (HalbProcess, SocketAddr) {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), cfg, extra, &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"));
    (p, addr)
}

fn get(addr: SocketAddr, raw: &str) -> e2e::HttpResponse {
    let mut c = RawClient::connect(addr).unwrap();
    c.send(raw).unwrap();
    c.read_response().unwrap()
}

#[test]
fn backend_without_servers_answers_503_with_haproxys_page() {
    let port = free_port();
    let (_p, addr) = start(&cfg(port, "", ""), port, &[]);
    let r = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 503);
    assert!(r
        .body_text()
        .contains("No server is available to handle this request."));
}

#[test]
fn refused_connection_after_retries_answers_503() {
    let dead = free_port();
    let port = free_port();
    let c = cfg(
        port,
        "    retries 1",
        &format!("    server s1 127.0.0.1:{dead}"),
    );
    let (_p, addr) = start(&c, port, &[]);
    assert_eq!(get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status, 503);
}

#[test]
fn redispatch_moves_the_last_retry_to_another_server() {
    let alive = MockHttp::ok("alive");
    let dead = free_port();
    let port = free_port();
    // Weight 100 for the dead server so it is picked first.
    let c = cfg(
        port,
        "    retries 1\n    option redispatch",
        &format!(
            "    server dead 127.0.0.1:{dead} weight 100\n    server alive {} weight 1",
            alive.addr()
        ),
    );
    let (_p, addr) = start(&c, port, &[]);
    let r = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "alive");
}

#[test]
fn slow_server_gets_504() {
    let srv = MockHttp::start(|_| {
        Reply::Slow(
            Duration::from_secs(3),
            Box::new(Reply::Ok(b"late".to_vec())),
        )
    });
    let port = free_port();
    let c = cfg(
        port,
        "",
        &format!("    timeout server 300ms\n    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let r = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 504);
    assert!(r.body_text().contains("504 Gateway Time-out"));
}

#[test]
fn slow_client_gets_408() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let c = cfg(
        port,
        "    timeout http-request 300ms",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let mut cl = RawClient::connect(addr).unwrap();
    // Half a head, then nothing.
    cl.send("GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let r = cl.read_response().unwrap();
    assert_eq!(r.status, 408);
    assert!(r.body_text().contains("408 Request Time-out"));
    assert!(srv.requests().is_empty());
}

#[test]
fn head_larger_than_the_buffer_gets_400() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    let big = "a".repeat(20_000);
    let mut c = RawClient::connect(addr).unwrap();
    c.send(format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n"))
        .unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 400);
    assert!(srv.requests().is_empty());
}

#[test]
fn every_smuggling_case_is_refused_with_400() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    let cases = [
        (
            "two different content-lengths",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        ),
        (
            "content-length list that differs",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd",
        ),
        (
            "signed content-length",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc",
        ),
        (
            "transfer-encoding not ending in chunked",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        ),
        (
            "transfer-encoding in HTTP/1.0",
            "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ),
        (
            "obs-fold",
            "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
        ),
        (
            "space before colon",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n",
        ),
        (
            "two host headers",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        ),
        (
            "NUL in a value",
            "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n",
        ),
        ("bad version", "GET / HTTP/1.2\r\nHost: x\r\n\r\n"),
        (
            "control char in target",
            "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
    ];
    for (what, raw) in cases {
        let r = get(addr, raw);
        assert_eq!(r.status, 400, "{what}");
        assert!(r.body_text().contains("400 Bad request"), "{what}");
    }
    assert!(
        srv.requests().is_empty(),
        "a refused request reached the server"
    );
}

#[test]
fn bad_chunk_framing_in_a_request_is_refused() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    let r = get(
        addr,
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    );
    assert_eq!(r.status, 400);
    assert!(srv.requests().is_empty());
}

#[test]
fn content_length_with_transfer_encoding_is_forwarded_chunked_only_then_closed() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        .unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    let seen = srv.wait_requests(1);
    assert!(
        seen[0].header("content-length").is_none(),
        "{:?}",
        seen[0].headers
    );
    assert_eq!(seen[0].body, b"abc");
    // The exchange's framing was repaired: the client connection is not reused.
    assert!(c.is_closed());
}

#[test]
fn invalid_response_gets_502() {
    let srv = MockHttp::start(|_| {
        Reply::RawClose(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
        )
    });
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    let r = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 502);
    assert!(r.body_text().contains("502 Bad Gateway"));
}

#[test]
fn server_closing_without_answer_gets_502() {
    let srv = MockHttp::start(|_| Reply::Close);
    let port = free_port();
    let (_p, addr) = start(
        &cfg(port, "", &format!("    server s1 {}", srv.addr())),
        port,
        &[],
    );
    assert_eq!(get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status, 502);
}

#[test]
fn errorfile_replaces_the_builtin_page() {
    let page = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nsorry, down\n";
    let port = free_port();
    let c = cfg(port, "    errorfile 503 {dir}/503.http", "");
    let (_p, addr) = start(&c, port, &[("503.http", page)]);
    let mut cl = RawClient::connect(addr).unwrap();
    cl.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = cl.read_response().unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.body_text(), "sorry, down\n");
    assert_eq!(r.header("content-type"), Some("text/plain"));
}

#[test]
fn server_maxconn_queues_requests_instead_of_overloading() {
    let srv = MockHttp::start(|_| {
        Reply::Slow(
            Duration::from_millis(150),
            Box::new(Reply::Ok(b"ok".to_vec())),
        )
    });
    let port = free_port();
    let c = cfg(
        port,
        "    timeout queue 10s",
        &format!("    server s1 {} maxconn 1", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let handles: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status))
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(statuses, vec![200; 4]);
    assert_eq!(srv.wait_requests(4).len(), 4);
    // The server never had more than one request at a time: the others waited in the queue.
    assert_eq!(srv.max_in_flight(), 1);
}

#[test]
fn full_server_queue_answers_503() {
    let srv = MockHttp::start(|_| {
        Reply::Slow(
            Duration::from_millis(800),
            Box::new(Reply::Ok(b"ok".to_vec())),
        )
    });
    let port = free_port();
    let c = cfg(
        port,
        "    timeout queue 10s",
        &format!("    server s1 {} maxconn 1 maxqueue 1", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let handles: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                // Staggered so the first holds the slot and the second the queue place.
                std::thread::sleep(Duration::from_millis(100 * i));
                get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 200, 503]);
}

#[test]
fn queue_timeout_answers_503() {
    let srv = MockHttp::start(|_| {
        Reply::Slow(
            Duration::from_millis(1500),
            Box::new(Reply::Ok(b"ok".to_vec())),
        )
    });
    let port = free_port();
    let c = cfg(
        port,
        "    timeout queue 200ms",
        &format!("    server s1 {} maxconn 1", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let first = std::thread::spawn(move || get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status);
    // Wait until the first request holds the only slot.
    srv.wait_requests(1);
    assert_eq!(get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status, 503);
    assert_eq!(first.join().unwrap(), 200);
}

#[test]
fn empty_connection_gets_408_unless_http_ignore_probes() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let c = cfg(
        port,
        "    timeout http-request 200ms",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let mut cl = RawClient::connect(addr).unwrap();
    let got = String::from_utf8_lossy(&cl.read_to_close().unwrap()).into_owned();
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");

    let port = free_port();
    let c = cfg(
        port,
        "    timeout http-request 200ms\n    option http-ignore-probes",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p2, addr) = start(&c, port, &[]);
    let mut cl = RawClient::connect(addr).unwrap();
    assert!(cl.read_to_close().unwrap().is_empty());
}

#[test]
fn idle_keep_alive_connection_closes_silently() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let c = cfg(
        port,
        "    timeout http-request 5s\n    timeout http-keep-alive 200ms",
        &format!("    server s1 {}", srv.addr()),
    );
    let (_p, addr) = start(&c, port, &[]);
    let mut cl = RawClient::connect(addr).unwrap();
    cl.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(cl.read_response().unwrap().status, 200);
    // No 408 after a keep-alive timeout: the connection just closes.
    assert!(cl.read_to_close().unwrap().is_empty());
}
