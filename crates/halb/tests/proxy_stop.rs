//! Stopping `halb proxy` with HAProxy's signals: SIGUSR1 (soft stop: stop accepting, finish
//! what is in flight, exit) and SIGTERM (stop now).

use std::net::SocketAddr;
use std::time::Duration;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply};

fn start(srv: &MockHttp) -> (HalbProcess, SocketAddr) {
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
    server s1 {}
",
        srv.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"));
    (p, addr)
}

#[test]
fn sigusr1_finishes_the_request_in_flight_then_exits() {
    let srv = MockHttp::start(|_| {
        Reply::Slow(
            Duration::from_millis(400),
            Box::new(Reply::Ok(b"finished".to_vec())),
        )
    });
    let (mut p, addr) = start(&srv);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    srv.wait_requests(1);
    p.signal("USR1");
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "finished");
    // The idle keep-alive connection is closed, and the process leaves on its own.
    assert!(c.is_closed());
    let status = p
        .wait_exit(e2e::WAIT)
        .expect("proxy exited after the soft stop");
    assert!(status.success(), "{status}");
}

#[test]
fn sigterm_stops_at_once() {
    let srv = MockHttp::ok("ok");
    let (mut p, addr) = start(&srv);
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    p.signal("TERM");
    assert!(p.wait_exit(e2e::WAIT).is_some());
    assert!(c.is_closed());
}
