//! TCP-level options of HAProxy's proxies, seen on the wire: `option tcp-smart-accept` (on
//! by default for HTTP), `option tcp-smart-connect`, `option nolinger`, and the reset that
//! closes a server connection nobody keeps. tshark captures loopback while the real binary
//! serves one request; the tests count the packets each option saves or changes.

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{free_port, HalbProcess, MockHttp, RawClient, TempDir};

fn strict() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Root and tshark are needed to capture; without them the test is skipped, except under
/// CI=true, where it fails.
fn can_capture() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let tshark = Path::new("/usr/bin/tshark").exists();
    if root && tshark {
        return true;
    }
    assert!(
        !strict(),
        "capture needs root and tshark (root {root}, tshark {tshark}) under CI=true"
    );
    eprintln!("SKIP: capture needs root and tshark");
    false
}

/// One TCP segment as tshark decoded it.
#[derive(Debug)]
struct Segment {
    src_port: u16,
    dst_port: u16,
    flags: String,
    len: usize,
}

impl Segment {
    /// An ACK alone: no data, no SYN/FIN/RST.
    fn is_bare_ack(&self) -> bool {
        self.len == 0 && self.flags == "A"
    }
}

struct Capture {
    child: Child,
    dir: TempDir,
}

impl Capture {
    fn start(ports: &[u16]) -> Capture {
        let dir = TempDir::new("tcpopt").expect("tempdir");
        let filter = ports
            .iter()
            .map(|p| format!("tcp port {p}"))
            .collect::<Vec<_>>()
            .join(" or ");
        let err = std::fs::File::create(dir.path().join("tshark.err")).expect("log");
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-f", &filter, "-w"])
            .arg(dir.path().join("cap.pcap"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("tshark");
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            let text = std::fs::read_to_string(dir.path().join("tshark.err")).unwrap_or_default();
            if text.contains("Capturing on") {
                // The message comes a moment before packets do.
                std::thread::sleep(Duration::from_millis(500));
                return Capture { child, dir };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("tshark did not start capturing");
    }

    /// Stops the capture and decodes it.
    fn finish(mut self) -> Vec<Segment> {
        // Let the last packets reach the capture before stopping it.
        std::thread::sleep(Duration::from_millis(500));
        // SAFETY: kill with a pid we spawned.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let _ = self.child.wait();
        let out = Command::new("tshark")
            .args(["-r"])
            .arg(self.dir.path().join("cap.pcap"))
            .args([
                "-T",
                "fields",
                "-e",
                "tcp.srcport",
                "-e",
                "tcp.dstport",
                "-e",
                "tcp.flags",
                "-e",
                "tcp.len",
            ])
            .output()
            .expect("tshark -r");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let flags = u16::from_str_radix(f.get(2)?.trim_start_matches("0x"), 16).ok()?;
                Some(Segment {
                    src_port: f.first()?.parse().ok()?,
                    dst_port: f.get(1)?.parse().ok()?,
                    flags: flag_letters(flags),
                    len: f.get(3)?.parse().ok()?,
                })
            })
            .collect()
    }
}

fn flag_letters(f: u16) -> String {
    [
        (0x02, 'S'),
        (0x01, 'F'),
        (0x04, 'R'),
        (0x08, 'P'),
        (0x10, 'A'),
    ]
    .iter()
    .filter(|(bit, _)| f & bit != 0)
    .map(|(_, c)| *c)
    .collect()
}

fn cfg(fe_port: u16, server: SocketAddr, frontend: &str, backend: &str) -> String {
    format!(
        "global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{fe_port}
{frontend}
    default_backend be
backend be
{backend}
    server s1 {server}
"
    )
}

/// Serves one `Connection: close` request through a proxy with these option lines, under
/// capture; returns the segments and what the client read after the response.
fn one_request(frontend: &str, backend: &str) -> (Vec<Segment>, u16, u16, std::io::Result<()>) {
    // One capture at a time: parallel tshark instances were seen missing packets.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let srv = MockHttp::ok("ok");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _p = HalbProcess::start_proxy(
        env!("CARGO_BIN_EXE_halb"),
        &cfg(port, srv.addr(), frontend, backend),
        &[],
        &[addr],
    )
    .expect("proxy");
    // The readiness probe's own connection is over before the capture starts.
    std::thread::sleep(Duration::from_millis(200));
    let cap = Capture::start(&[port, srv.port()]);
    let mut c = RawClient::connect(addr).expect("connect");
    c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let r = c.read_response().expect("response");
    assert_eq!(r.status, 200);
    let mut rest = Vec::new();
    let mut stream = c.stream();
    let end = stream.read_to_end(&mut rest).map(|_| ());
    (cap.finish(), port, srv.port(), end)
}

/// Segments from `src` to `dst` (ports) between the first one carrying data from `after_src`
/// and the first one carrying data from `until_src`, both excluded.
fn between(segs: &[Segment], after_src: u16, until_src: u16) -> Vec<&Segment> {
    segs.iter()
        .skip_while(|s| !(s.src_port == after_src && s.len > 0))
        .skip(1)
        .take_while(|s| !(s.src_port == until_src && s.len > 0))
        .collect()
}

#[test]
fn smart_accept_lets_the_response_carry_the_requests_ack() {
    if !can_capture() {
        return;
    }
    for (frontend, expect_ack) in [("", false), ("    no option tcp-smart-accept", true)] {
        let (segs, fe, _, _) = one_request(frontend, "");
        // From the client's request to the proxy's response: does the proxy acknowledge
        // the request on its own?
        let client_port = segs
            .iter()
            .find(|s| s.dst_port == fe && s.flags == "S")
            .map(|s| s.src_port)
            .unwrap_or_else(|| panic!("no SYN from the client: {segs:#?}"));
        let acks = between(&segs, client_port, fe)
            .into_iter()
            .filter(|s| s.src_port == fe && s.is_bare_ack())
            .count();
        assert_eq!(acks > 0, expect_ack, "frontend {frontend:?}: {segs:#?}");
    }
}

#[test]
fn smart_connect_sends_the_request_in_place_of_the_handshakes_ack() {
    if !can_capture() {
        return;
    }
    for (backend, expect_ack) in [("", true), ("    option tcp-smart-connect", false)] {
        let (segs, _, srv, _) = one_request("", backend);
        let proxy_port = segs
            .iter()
            .find(|s| s.dst_port == srv && s.flags == "S")
            .map(|s| s.src_port)
            .unwrap_or_else(|| panic!("no SYN to the server: {segs:#?}"));
        // After the server's SYN-ACK, up to the request: a bare ACK from the proxy?
        let acks = segs
            .iter()
            .skip_while(|s| !(s.src_port == srv && s.flags == "SA"))
            .skip(1)
            .take_while(|s| !(s.src_port == proxy_port && s.len > 0))
            .filter(|s| s.src_port == proxy_port && s.is_bare_ack())
            .count();
        assert_eq!(acks > 0, expect_ack, "backend {backend:?}: {segs:#?}");
    }
}

/// A server connection the proxy does not keep is reset, not closed with a FIN: neither
/// side is left with a TIME_WAIT socket. (`http-reuse never`: nothing keeps it.)
#[test]
fn an_unkept_server_connection_is_reset_and_the_client_side_closes_cleanly() {
    if !can_capture() {
        return;
    }
    let (segs, fe, srv, end) = one_request("", "    http-reuse never");
    assert!(end.is_ok(), "client read {end:?}");
    let to_server: Vec<_> = segs.iter().filter(|s| s.dst_port == srv).collect();
    assert!(to_server.iter().any(|s| s.flags.contains('R')), "{segs:#?}");
    assert!(
        !to_server.iter().any(|s| s.flags.contains('F')),
        "{segs:#?}"
    );
    let to_client: Vec<_> = segs.iter().filter(|s| s.src_port == fe).collect();
    assert!(to_client.iter().any(|s| s.flags.contains('F')), "{segs:#?}");
    assert!(
        !to_client.iter().any(|s| s.flags.contains('R')),
        "{segs:#?}"
    );
}

#[test]
fn nolinger_resets_the_client_connection_after_the_response() {
    if !can_capture() {
        return;
    }
    let (segs, fe, _, end) = one_request("    option nolinger", "");
    assert!(
        segs.iter()
            .any(|s| s.src_port == fe && s.flags.contains('R')),
        "{segs:#?}"
    );
    let err = end.expect_err("a reset, not a clean end of stream");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
}

/// `option nolinger` in a backend: a tunnel that ends on its idle timeout resets the server
/// connection instead of closing it with a FIN (compared with the same tunnel without it).
#[test]
fn nolinger_in_a_backend_resets_the_server_connection() {
    use std::net::TcpListener;
    for (backend, expect_reset) in [("", false), ("    option nolinger", true)] {
        let server = TcpListener::bind("127.0.0.1:0").expect("bind");
        let srv_addr = server.local_addr().expect("addr");
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let cfg = format!(
            "global
    nbthread 1
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout tunnel 500ms
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
{backend}
    server s1 {srv_addr}
"
        );
        let _p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
            .expect("proxy");
        let mut c = RawClient::connect(addr).expect("connect");
        c.send("x").expect("send");
        // The start-up probe's connection comes first, empty: skip it.
        let (got, end) = loop {
            let (mut conn, _) = server.accept().expect("accept");
            conn.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut buf = [0u8; 16];
            // "x", then how the proxy ends the idle tunnel.
            let mut got = Vec::new();
            let end = loop {
                match conn.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => break Err(e.kind()),
                }
            };
            if !got.is_empty() {
                break (got, end);
            }
        };
        assert_eq!(got, b"x");
        let want = if expect_reset {
            Err(std::io::ErrorKind::ConnectionReset)
        } else {
            Ok(())
        };
        assert_eq!(end, want, "backend {backend:?}");
    }
}
