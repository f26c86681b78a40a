//! Large `Content-Length` bodies through the real `halb proxy` binary. Bodies of 32 KiB and
//! more are moved socket to socket with `splice(2)` through a pooled pipe (the proxy's
//! http/splice.rs): these tests check every byte arrives in order, in both directions, on a
//! reused connection, and that a body cut short by the server is not passed off as complete.

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn start(port: u16, server: SocketAddr) -> (HalbProcess, SocketAddr) {
    let cfg = format!(
        "global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    server s1 {server}
"
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"));
    (p, addr)
}

/// A body whose every position is recognisable (a shifted or dropped byte shows).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(31).wrapping_add(u32::from(seed)) as u8)
        .collect()
}

#[test]
fn large_bodies_arrive_intact_both_ways_on_a_reused_connection() {
    // The server answers with the request body reversed, so each response depends on the
    // whole request body.
    let srv = MockHttp::start(|r| {
        let mut b = r.body.clone();
        b.reverse();
        Reply::Ok(b)
    });
    let port = free_port();
    let (_p, addr) = start(port, srv.addr());
    let mut c = RawClient::connect(addr).unwrap();
    for (i, len) in [40_000usize, 300_000, 65_536, 32_768, 1_000_000]
        .iter()
        .enumerate()
    {
        let body = pattern(*len, i as u8);
        c.send(format!(
            "POST /b{i} HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n"
        ))
        .unwrap();
        c.send(&body).unwrap();
        let r = c.read_response().unwrap();
        assert_eq!(r.status, 200);
        let mut expected = body.clone();
        expected.reverse();
        assert_eq!(r.body.len(), expected.len());
        assert!(r.body == expected, "response {i} differs");
    }
    let seen = srv.wait_requests(5);
    assert_eq!(seen.len(), 5);
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn a_large_response_cut_short_by_the_server_is_not_completed() {
    let full = 200_000;
    let srv = MockHttp::start(move |_| {
        let mut raw = format!("HTTP/1.1 200 OK\r\nContent-Length: {full}\r\n\r\n").into_bytes();
        raw.extend(pattern(full / 2, 7));
        Reply::RawClose(raw)
    });
    let port = free_port();
    let (_p, addr) = start(port, srv.addr());
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET /cut HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let got = c.read_to_close().unwrap();
    // The head and the half that existed went through; then the proxy closed the client
    // connection instead of waiting or pretending the body was complete.
    let head_end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap();
    assert!(got.starts_with(b"HTTP/1.1 200"));
    assert_eq!(got.len() - head_end, full / 2);
    assert!(got[head_end..] == pattern(full / 2, 7)[..]);
}
