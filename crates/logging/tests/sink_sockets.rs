//! LogSink against real receivers: UDP on 127.0.0.1 and ::1, unix datagram sockets that fill
//! up, disappear and come back. Sending must never block and every frame must be counted as
//! sent or dropped.

use std::net::UdpSocket;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use logging::{Level, LogSink, LogTime, SyslogIdentity, TargetStats};

fn sink(global_lines: &str) -> LogSink {
    let cfg = format!("global\n{global_lines}\n");
    let loaded = haproxy_cfg::parse_str("test.cfg", &cfg).expect("config parses");
    let g = &loaded.config.global;
    let id = SyslogIdentity::resolve(g, None, "testhost", 4242, "haproxy");
    LogSink::new(&g.logs, id).expect("sink opens")
}

fn recv(s: &UdpSocket) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.recv(&mut buf).expect("a datagram arrives");
    buf[..n].to_vec()
}

fn temp_sock() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "halb-logging-{}-{}.sock",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&p);
    p
}

fn one(stats: Vec<TargetStats>) -> TargetStats {
    assert_eq!(stats.len(), 1);
    stats.into_iter().next().unwrap()
}

#[test]
fn udp_ipv4_and_ipv6_receivers_get_their_frames() {
    let v4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let v6 = UdpSocket::bind("[::1]:0").unwrap();
    let s = sink(&format!(
        "  log {} local0\n  log {} format raw local1\n",
        v4.local_addr().unwrap(),
        v6.local_addr().unwrap()
    ));
    let now = LogTime::new(1_795_445_943, 0, 0);
    s.send_at(Level::Info, &now, None, b"hello from halb");
    assert_eq!(
        recv(&v4),
        b"<134>Nov 23 14:59:03 haproxy[4242]: hello from halb\n".to_vec()
    );
    assert_eq!(recv(&v6), b"hello from halb\n".to_vec());
    // The clock-reading variant frames the same message.
    s.send(Level::Notice, b"second");
    let f = recv(&v4);
    assert!(f.starts_with(b"<133>") && f.ends_with(b"haproxy[4242]: second\n"));
    let stats = s.stats();
    assert_eq!(stats[0].sent, 2);
    assert_eq!(stats[1].target, v6.local_addr().unwrap().to_string());
    assert_eq!((stats[1].sent, stats[1].dropped), (2, 0));
}

#[test]
fn level_filter_and_min_level_are_applied_and_counted() {
    let r = UdpSocket::bind("127.0.0.1:0").unwrap();
    let s = sink(&format!(
        "  log {} local0 notice err\n",
        r.local_addr().unwrap()
    ));
    s.send(Level::Info, b"dropped by level");
    s.send(Level::Emerg, b"capped");
    // emerg is more severe than the min level err: sent at err (16*8+3).
    assert!(recv(&r).starts_with(b"<131>"));
    let st = one(s.stats());
    assert_eq!((st.sent, st.filtered, st.dropped), (1, 1, 0));
}

#[test]
fn udp_without_receiver_never_blocks_and_counts_everything() {
    // Bind then drop: the port is (almost certainly) closed now.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = sink(&format!("  log {port} local0\n"));
    for _ in 0..2000 {
        s.send(Level::Info, &[b'x'; 512]);
    }
    let st = one(s.stats());
    assert_eq!(st.sent + st.dropped, 2000);
}

#[test]
fn unix_receiver_missing_at_start_is_reached_once_it_exists() {
    let path = temp_sock();
    let s = sink(&format!("  log {} format short local0\n", path.display()));
    s.send(Level::Info, b"nobody listens");
    assert_eq!(one(s.stats()).dropped, 1);

    let r = UnixDatagram::bind(&path).unwrap();
    r.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send(Level::Info, b"now someone does");
    let mut buf = [0u8; 256];
    let n = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"<6>now someone does\n");

    // Receiver gone again (process restarted): counted drops, no error, no block.
    drop(r);
    std::fs::remove_file(&path).unwrap();
    s.send(Level::Info, b"gone");
    let st = one(s.stats());
    assert_eq!((st.sent, st.dropped), (1, 2));
}

#[test]
fn unix_receiver_that_does_not_read_fills_up_and_frames_are_dropped_not_blocked() {
    let path = temp_sock();
    let r = UnixDatagram::bind(&path).unwrap();
    let s = sink(&format!("  log {} format raw local0\n", path.display()));
    let total = 5000;
    for i in 0..total {
        s.send(Level::Info, format!("line {i}").as_bytes());
    }
    let st = one(s.stats());
    assert_eq!(st.sent + st.dropped, total);
    assert!(
        st.dropped > 0,
        "a receive queue never read must overflow: {st:?}"
    );

    // Exactly the frames counted as sent are waiting in the receiver, in order.
    r.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 256];
    let mut got = 0u64;
    while let Ok(n) = r.recv(&mut buf) {
        assert_eq!(&buf[..n], format!("line {got}\n").as_bytes());
        got += 1;
    }
    assert_eq!(got, st.sent);

    // Drained: sending works again.
    s.send(Level::Info, b"after drain");
    r.set_nonblocking(false).unwrap();
    r.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"after drain\n");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn sink_is_shared_by_threads() {
    let r = UdpSocket::bind("127.0.0.1:0").unwrap();
    let s = std::sync::Arc::new(sink(&format!(
        "  log {} format raw local0\n",
        r.local_addr().unwrap()
    )));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let s = std::sync::Arc::clone(&s);
            std::thread::spawn(move || {
                for i in 0..50 {
                    s.send(Level::Info, format!("t{t} {i}").as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let st = one(s.stats());
    assert_eq!(st.sent + st.dropped, 200);
}
