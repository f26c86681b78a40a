//! The `Proxy` API as `halb` drives it, in-process on real sockets: bind, run, soft and hard
//! stop, and the counter table filled by real traffic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use e2e::{free_port, MockHttp, RawClient, Reply};
use proxy::counters::Counter;
use proxy::{Proxy, StopState};

fn config(text: &str) -> Arc<haproxy_cfg::Config> {
    Arc::new(
        haproxy_cfg::parse_str("test.cfg", text)
            .expect("valid config")
            .config,
    )
}

fn http_cfg(port: u16, server: SocketAddr) -> String {
    format!(
        "global
    nbthread 2
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
    )
}

#[test]
fn bind_reports_the_listening_addresses_before_running() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let p = Proxy::bind(config(&http_cfg(port, srv.addr()))).unwrap();
    assert_eq!(p.threads(), 2);
    let addrs = p.local_addrs();
    assert_eq!(
        addrs,
        vec![("fe".to_string(), ([127, 0, 0, 1], port).into())]
    );
    // Bound already: a client can connect (it waits in the backlog) before run().
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
}

#[test]
fn binding_a_busy_port_is_an_error_naming_the_proxy() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    // Without SO_REUSEPORT on the first socket, the second bind fails.
    let err = Proxy::bind(config(&http_cfg(port, ([127, 0, 0, 1], 1).into()))).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'fe'") && text.contains(&port.to_string()),
        "{text}"
    );
}

#[test]
fn counters_follow_traffic_and_soft_stop_waits_for_sessions() {
    let srv = MockHttp::start(|r| {
        if r.path == "/slow" {
            Reply::Slow(
                Duration::from_millis(300),
                Box::new(Reply::Ok(b"slow".to_vec())),
            )
        } else {
            Reply::Ok(b"fast".to_vec())
        }
    });
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = Proxy::bind(config(&http_cfg(port, srv.addr()))).unwrap();
    let control = p.control();
    let counters = p.counters();
    let runner = std::thread::spawn(move || p.run());

    let mut c = RawClient::connect(addr).unwrap();
    for _ in 0..3 {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(c.read_response().unwrap().status, 200);
    }
    let fe = counters.frontend("fe").unwrap();
    assert_eq!(fe.total(Counter::HttpRequests), 3);
    assert_eq!(fe.total(Counter::Http2xx), 3);
    assert_eq!(fe.total(Counter::SessionsTotal), 1);
    assert_eq!(fe.sessions.cur(), 1);
    assert!(fe.total(Counter::BytesOut) > 0);
    let s1 = counters.server("be", "s1").unwrap();
    assert_eq!(s1.total(Counter::HttpRequests), 3);
    assert_eq!(s1.total(Counter::ConnReuse), 2);

    // A request in flight when the soft stop comes still gets its answer.
    c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    srv.wait_requests(4);
    control.soft_stop();
    assert_eq!(control.state(), StopState::Soft);
    let r = c.read_response().unwrap();
    assert_eq!(r.body_text(), "slow");
    // Then the connection is closed and the proxy exits by itself.
    assert!(c.is_closed());
    runner.join().unwrap().unwrap();
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn hard_stop_closes_idle_connections_at_once() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = Proxy::bind(config(&http_cfg(port, srv.addr()))).unwrap();
    let control = p.control();
    let runner = std::thread::spawn(move || p.run());
    let mut c = RawClient::connect(addr).unwrap();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    control.hard_stop();
    runner.join().unwrap().unwrap();
    assert!(c.is_closed());
}

#[test]
fn global_maxconn_beyond_the_fd_limit_is_refused_with_strict_limits() {
    let text = format!(
        "global
    maxconn 100000000
defaults
    mode tcp
frontend f
    bind 127.0.0.1:{}
    default_backend b
backend b
    server s 127.0.0.1:1
",
        free_port()
    );
    let err = Proxy::bind(config(&text)).unwrap_err();
    assert!(err.to_string().contains("FD limit"), "{err}");
    let relaxed = text.replace(
        "maxconn 100000000",
        "maxconn 100000000\n    no strict-limits",
    );
    assert!(Proxy::bind(config(&relaxed)).is_ok());
}

#[test]
fn soft_stop_closes_connections_that_sent_nothing() {
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = Proxy::bind(config(&http_cfg(port, srv.addr()))).unwrap();
    let control = p.control();
    let counters = p.counters();
    let runner = std::thread::spawn(move || p.run());
    let mut idle = RawClient::connect(addr).unwrap();
    // Wait until the proxy has accepted it (it counts as a session from then on).
    let fe = counters.frontend("fe").unwrap();
    for _ in 0..500 {
        if fe.sessions.cur() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(fe.sessions.cur(), 1);
    control.soft_stop();
    // Closed without an answer (no 408), and the proxy exits without waiting for timeouts.
    assert!(idle.read_to_close().unwrap().is_empty());
    runner.join().unwrap().unwrap();
}
