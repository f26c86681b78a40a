//! `on-marked-down shutdown-sessions` through the real `halb proxy` binary: a long-lived tcp
//! session through a server ends when the server's health check marks it down; without the
//! option the session outlives the server's state change, as in HAProxy. The DOWN line
//! counts the sessions the server still had.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use e2e::{free_port, HalbProcess, MockTcp};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

/// Starts halb with one server whose health is checked on `check_port`, opens a session
/// through it, takes the check listener away, and reports whether the session was closed
/// by the proxy within a generous bound.
fn session_closed_after_marked_down(option: &str) -> bool {
    let srv = MockTcp::start("srv:");
    let check = TcpListener::bind("127.0.0.1:0").expect("bind check port");
    let check_port = check.local_addr().expect("addr").port();
    let port = free_port();
    let cfg = format!(
        "defaults
    mode tcp
    timeout connect 1s
    timeout client 30s
    timeout server 30s
listen l
    bind 127.0.0.1:{port}
    server s1 {} check port {check_port} inter 200 rise 1 fall 1 {option}
",
        srv.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    let mut client = TcpStream::connect(addr).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    // The session is up once the server accepted it (the readiness probe was one more).
    let deadline = Instant::now() + Duration::from_secs(5);
    while srv.accepted() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(srv.accepted() >= 2, "the session never reached the server");
    drop(check);
    // fall 1, inter 200ms: the server is DOWN well within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut buf = [0u8; 64];
    while Instant::now() < deadline {
        match client.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn sessions_end_when_the_server_is_marked_down_with_shutdown_sessions() {
    assert!(
        session_closed_after_marked_down("on-marked-down shutdown-sessions"),
        "the session survived the server going down"
    );
}

#[test]
fn sessions_survive_the_server_going_down_without_the_option() {
    assert!(
        !session_closed_after_marked_down(""),
        "the session was closed although no on-marked-down option asks for it"
    );
}

/// The DOWN line says how many sessions the server still had, as HAProxy's does
/// (`… 1 sessions active, 0 requeued, 0 remaining in queue.`), on the syslog target.
#[test]
fn the_down_line_counts_the_server_sessions() {
    let log = std::net::UdpSocket::bind("127.0.0.1:0").expect("syslog receiver");
    log.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let log_addr = log.local_addr().expect("addr");
    let srv = MockTcp::start("srv:");
    let check = TcpListener::bind("127.0.0.1:0").expect("bind check port");
    let check_port = check.local_addr().expect("addr").port();
    let port = free_port();
    let cfg = format!(
        "global
    log {log_addr} local0
defaults
    mode tcp
    timeout connect 1s
    timeout client 30s
    timeout server 30s
listen l
    bind 127.0.0.1:{port}
    server s1 {} check port {check_port} inter 200 rise 1 fall 1
",
        srv.addr()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    let _client = TcpStream::connect(addr).expect("connect");
    let deadline = Instant::now() + Duration::from_secs(5);
    while srv.accepted() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(check);
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut buf = [0u8; 2048];
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Ok(n) = log.recv(&mut buf) else { continue };
        let line = String::from_utf8_lossy(&buf[..n]).into_owned();
        if line.contains("Server l/s1 is DOWN") {
            assert!(
                line.contains("1 sessions active, 0 requeued, 0 remaining in queue."),
                "{line}"
            );
            return;
        }
        seen.push(line);
    }
    panic!("no DOWN line on the syslog target: {seen:#?}");
}
