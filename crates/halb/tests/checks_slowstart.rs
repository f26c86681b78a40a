//! `slowstart` ramps a server's `maxconn` with its weight after it comes back UP, through the
//! real `halb proxy` binary: early in the ramp only one session at a time reaches the server,
//! the others wait in the queue (the state asserted is how many the server accepted).

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use e2e::{free_port, HalbProcess, MockTcp};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

/// Waits for a syslog line containing `needle`.
fn wait_log(log: &UdpSocket, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline {
        if let Ok(n) = log.recv(&mut buf) {
            if String::from_utf8_lossy(&buf[..n]).contains(needle) {
                return;
            }
        }
    }
    panic!("no log line with {needle:?}");
}

#[test]
fn a_server_coming_back_takes_one_session_at_a_time_early_in_its_slowstart() {
    let log = UdpSocket::bind("127.0.0.1:0").expect("syslog receiver");
    log.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let srv = MockTcp::start("srv:");
    let check = TcpListener::bind("127.0.0.1:0").expect("check port");
    let check_addr = check.local_addr().expect("addr");
    let port = free_port();
    let cfg = format!(
        "global
    log {} local0
defaults
    mode tcp
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout queue 30s
listen l
    bind 127.0.0.1:{port}
    server s1 {} maxconn 10 slowstart 60s check port {} inter 200 rise 1 fall 1
",
        log.local_addr().expect("addr"),
        srv.addr(),
        check_addr.port()
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    drop(check);
    wait_log(&log, "Server l/s1 is DOWN");
    let _check = TcpListener::bind(check_addr).expect("check port again");
    wait_log(&log, "Server l/s1 is UP");

    // 60 s of ramp: maxconn is max(1, 10 × elapsed / 60 s) = 1 for the first 12 s.
    let base = srv.accepted();
    let clients: Vec<TcpStream> = (0..3)
        .map(|i| {
            let mut c = TcpStream::connect(addr).expect("connect");
            c.write_all(format!("hello{i}").as_bytes()).expect("send");
            c
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(2);
    while srv.accepted() < base + 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give the other two every chance to get through if the ramp did not hold them.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        srv.accepted() - base,
        1,
        "early in the slowstart only one session may be on the server"
    );
    drop(clients);
}
