//! `mode tcp` through the real `halb proxy` binary: half-close, listeners on several address
//! forms, frontend `maxconn` (accepting pauses, nothing dropped), retries.

use std::io::{Read, Write};
use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockTcp, RawClient};

fn tcp_cfg(binds: &str, servers: &str, extra: &str) -> String {
    format!(
        "global
    nbthread 2
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
{extra}
frontend ft
{binds}
    default_backend bt
backend bt
{servers}
"
    )
}

fn start(cfg: &str, listening: &[SocketAddr]) -> HalbProcess {
    HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), cfg, &[], listening)
        .unwrap_or_else(|e| panic!("proxy did not start: {e}"))
}

/// What the server received, without the empty connections of the harness's readiness probe
/// (in mode tcp the proxy connects to the server as soon as a client connects).
fn received(srv: &MockTcp) -> Vec<Vec<u8>> {
    srv.received()
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
fn half_close_keeps_the_other_direction_open() {
    let srv = MockTcp::start("echo:");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = start(
        &tcp_cfg(
            &format!("    bind 127.0.0.1:{port}"),
            &format!("    server s1 {}", srv.addr()),
            "",
        ),
        &[addr],
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("hello ").unwrap();
    c.send("world").unwrap();
    // FIN from the client: the server sees end of stream, and only then answers.
    c.shutdown_write().unwrap();
    assert_eq!(c.read_to_close().unwrap(), b"echo:hello world");
    assert_eq!(received(&srv), vec![b"hello world".to_vec()]);
}

#[test]
fn large_transfer_is_forwarded_intact() {
    let srv = MockTcp::start("");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = start(
        &tcp_cfg(
            &format!("    bind 127.0.0.1:{port}"),
            &format!("    server s1 {}", srv.addr()),
            "",
        ),
        &[addr],
    );
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut c = RawClient::connect(addr).unwrap();
    let writer = {
        let mut s = c.stream().try_clone().unwrap();
        let data = data.clone();
        std::thread::spawn(move || {
            s.write_all(&data).unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    let got = c.read_to_close().unwrap();
    writer.join().unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data);
}

#[test]
fn several_binds_ipv6_and_unix_socket_listeners() {
    let srv = MockTcp::start("via:");
    let p1 = free_port();
    let p2 = free_port();
    let dir = e2e::TempDir::new("unix").unwrap();
    let sock = dir.path().join("fe.sock");
    let binds = format!(
        "    bind 127.0.0.1:{p1}\n    bind [::1]:{p2}\n    bind {}",
        sock.display()
    );
    let a1: SocketAddr = ([127, 0, 0, 1], p1).into();
    let a2: SocketAddr = "[::1]:0"
        .parse::<SocketAddr>()
        .map(|mut a| {
            a.set_port(p2);
            a
        })
        .unwrap();
    let _p = start(
        &tcp_cfg(&binds, &format!("    server s1 {}", srv.addr()), ""),
        &[a1, a2],
    );
    for addr in [a1, a2] {
        let mut c = RawClient::connect(addr).unwrap();
        c.send("x").unwrap();
        c.shutdown_write().unwrap();
        assert_eq!(c.read_to_close().unwrap(), b"via:x");
    }
    let mut u = std::os::unix::net::UnixStream::connect(&sock).unwrap();
    u.set_read_timeout(Some(e2e::WAIT)).unwrap();
    u.write_all(b"unix").unwrap();
    u.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    u.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"via:unix");
}

#[test]
fn frontend_maxconn_pauses_accepting_without_dropping() {
    let srv = MockTcp::start("");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let cfg = tcp_cfg(
        &format!("    bind 127.0.0.1:{port}\n    maxconn 1"),
        &format!("    server s1 {}", srv.addr()),
        "",
    )
    .replace("nbthread 2", "nbthread 1");
    let _p = start(&cfg, &[addr]);
    let mut a = RawClient::connect(addr).unwrap();
    a.send("A").unwrap();
    // B connects (the kernel queues it) and finishes its side before A does.
    let mut b = RawClient::connect(addr).unwrap();
    b.send("B").unwrap();
    b.shutdown_write().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    a.shutdown_write().unwrap();
    assert_eq!(a.read_to_close().unwrap(), b"A");
    // B was served, but only after A's session ended: it reached the server second.
    assert_eq!(b.read_to_close().unwrap(), b"B");
    assert_eq!(received(&srv), vec![b"A".to_vec(), b"B".to_vec()]);
}

#[test]
fn connect_failure_is_retried_then_redispatched() {
    let srv = MockTcp::start("ok:");
    let dead = free_port();
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let servers = format!(
        "    server dead 127.0.0.1:{dead} weight 100\n    server s1 {} weight 1",
        srv.addr()
    );
    let _p = start(
        &tcp_cfg(
            &format!("    bind 127.0.0.1:{port}"),
            &servers,
            "    retries 2\n    option redispatch",
        ),
        &[addr],
    );
    let mut c = RawClient::connect(addr).unwrap();
    c.send("r").unwrap();
    c.shutdown_write().unwrap();
    assert_eq!(c.read_to_close().unwrap(), b"ok:r");
}

#[test]
fn no_server_closes_the_client_connection() {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = start(
        &tcp_cfg(&format!("    bind 127.0.0.1:{port}"), "", ""),
        &[addr],
    );
    let mut c = RawClient::connect(addr).unwrap();
    assert!(c.is_closed());
}

#[test]
fn server_port_can_follow_the_client_destination_port() {
    // The server listens on the frontend's port + 1; `server s1 127.0.0.1:+1` finds it.
    let srv_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let srv_port = srv_listener.local_addr().unwrap().port();
    drop(srv_listener);
    let srv = loop {
        // MockTcp binds an ephemeral port; use a plain echo on the chosen one instead.
        match std::net::TcpListener::bind(("127.0.0.1", srv_port)) {
            Ok(l) => break l,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    std::thread::spawn(move || {
        for conn in srv.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut data = Vec::new();
                let _ = conn.read_to_end(&mut data);
                let _ = conn.write_all(&data);
            });
        }
    });
    let port = srv_port - 1;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = match HalbProcess::start_proxy(
        env!("CARGO_BIN_EXE_halb"),
        &tcp_cfg(
            &format!("    bind 127.0.0.1:{port}"),
            "    server s1 127.0.0.1:+1",
            "",
        ),
        &[],
        &[addr],
    ) {
        Ok(p) => p,
        // The port below the server's was taken by something else: nothing to test here.
        Err(e) if e.contains("bind") => return,
        Err(e) => panic!("proxy did not start: {e}"),
    };
    let mut c = RawClient::connect(addr).unwrap();
    c.send("offset").unwrap();
    c.shutdown_write().unwrap();
    assert_eq!(c.read_to_close().unwrap(), b"offset");
    drop(p);
}
