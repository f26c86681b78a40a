//! `mode http` connections that say nothing at first, through the real `halb proxy` binary.
//! Such connections are parked outside the event loop until their first bytes (the proxy's
//! parking.rs); these tests show a parked connection is served once it speaks, keeps its
//! first request's deadline, and gives its `maxconn` slot back when it closes silently.

use std::net::SocketAddr;
use std::time::Duration;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn start(port: u16, frontend_extra: &str, server: SocketAddr) -> (HalbProcess, SocketAddr) {
    let cfg = format!(
        "global
    nbthread 2
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
{frontend_extra}
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

/// Lets the proxy accept (and park) connections that have sent nothing.
fn let_them_idle() {
    std::thread::sleep(Duration::from_millis(200));
}

#[test]
fn many_silent_connections_are_each_served_when_they_speak() {
    let srv = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let port = free_port();
    let (_p, addr) = start(port, "", srv.addr());
    let mut clients: Vec<RawClient> = (0..300)
        .map(|_| RawClient::connect(addr).unwrap())
        .collect();
    let_them_idle();
    // Speak in the reverse order of connecting, then a second request on each.
    for round in 0..2 {
        for (i, c) in clients.iter_mut().enumerate().rev() {
            c.send(format!("GET /c{i}r{round} HTTP/1.1\r\nHost: x\r\n\r\n"))
                .unwrap();
            let r = c.read_response_to("GET").unwrap();
            assert_eq!(r.status, 200);
            assert_eq!(r.body_text(), format!("/c{i}r{round}"));
        }
    }
}

#[test]
fn a_head_split_across_the_wait_is_assembled() {
    let srv = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let port = free_port();
    let (_p, addr) = start(port, "", srv.addr());
    let mut c = RawClient::connect(addr).unwrap();
    let_them_idle();
    c.send("GET /spl").unwrap();
    let_them_idle();
    c.send("it HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = c.read_response_to("GET").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "/split");
}

#[test]
fn a_silent_connection_that_closes_gives_back_its_maxconn_slot() {
    let srv = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let port = free_port();
    let (_p, addr) = start(port, "    maxconn 1", srv.addr());
    for i in 0..3 {
        let silent = RawClient::connect(addr).unwrap();
        let_them_idle();
        drop(silent);
        // Served only if the silent connection's slot came back.
        let mut c = RawClient::connect(addr).unwrap();
        c.send(format!(
            "GET /after{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ))
        .unwrap();
        let r = c.read_response_to("GET").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body_text(), format!("/after{i}"));
    }
}

#[test]
fn a_silent_connection_gets_408_at_its_first_request_deadline() {
    let srv = MockHttp::start(|r| Reply::Ok(r.path.clone().into_bytes()));
    let port = free_port();
    let (_p, addr) = start(port, "    timeout http-request 300ms", srv.addr());
    let mut silent = RawClient::connect(addr).unwrap();
    let mut talking = RawClient::connect(addr).unwrap();
    talking.send("GET /t HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(talking.read_response_to("GET").unwrap().status, 200);
    let all = silent.read_to_close().unwrap();
    assert!(
        all.starts_with(b"HTTP/1.1 408 "),
        "{}",
        String::from_utf8_lossy(&all)
    );
    assert_eq!(srv.accepted(), 1);
}
