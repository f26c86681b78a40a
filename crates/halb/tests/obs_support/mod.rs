//! Shared parts of the observability tests (`obs_*.rs`): the proxy under test, syslog
//! receivers, and the real operator tools (socat, curl, halog, hatop, chromium, python3).
//!
//! The proxy under test is `halb proxy -f CFG` by default. With `HALB_OBS_PEER=haproxy` in the
//! environment it is `/usr/sbin/haproxy -f CFG` instead: every test is first validated against
//! the real HAProxy 2.6, so a test that passes on both proves the behaviour both ways. Checks
//! that only make sense for halb (latency percentiles) call [`halb_only`] and are skipped
//! under the peer.
//!
//! A test that needs a tool which is missing prints a SKIP line and returns, except with
//! `CI=true`, where that is a failure. Every wait is bounded; nothing here asserts a timing.

#![allow(dead_code)] // each test file uses a different part

pub mod logline;
pub mod syslog;
pub mod tools;

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[allow(unused_imports)]
pub use e2e::{free_port, MockHttp, MockTcp, RawClient, Reply, TempDir};

/// Upper bound for one wait in these tests (a log line, a state change, a tool).
pub const WAIT: Duration = Duration::from_secs(15);

/// Which program answers as the proxy under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Halb,
    Haproxy,
}

/// `HALB_OBS_PEER=haproxy` selects the real HAProxy; anything else (or nothing) selects halb.
pub fn peer() -> Peer {
    match std::env::var("HALB_OBS_PEER") {
        Ok(v) if v.eq_ignore_ascii_case("haproxy") => Peer::Haproxy,
        _ => Peer::Halb,
    }
}

/// The program and the arguments that go before the config path.
pub fn proxy_bin() -> (PathBuf, Vec<&'static str>) {
    bin_of(peer())
}

/// The program and the arguments that go before the config path, for `which`.
pub fn bin_of(which: Peer) -> (PathBuf, Vec<&'static str>) {
    match which {
        Peer::Halb => (
            PathBuf::from(env!("CARGO_BIN_EXE_halb")),
            vec!["proxy", "-f"],
        ),
        Peer::Haproxy => (PathBuf::from("/usr/sbin/haproxy"), vec!["-f"]),
    }
}

/// True (and a SKIP line printed) when the check is halb-only and the peer is HAProxy.
pub fn halb_only(what: &str) -> bool {
    if peer() == Peer::Haproxy {
        eprintln!("SKIP under HALB_OBS_PEER=haproxy (halb-only): {what}");
        return true;
    }
    false
}

/// Whether a missing tool is a failure (`CI=true`) rather than a skip.
pub fn strict() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// Prints SKIP with `reason`, or panics under `CI=true`.
pub fn skip(reason: &str) {
    if strict() {
        panic!("cannot run under CI=true: {reason}");
    }
    eprintln!("SKIP: {reason}");
}

pub use e2e::wait_for;

/// A 127.0.0.1 address on a free port.
pub fn local_addr() -> SocketAddr {
    ([127, 0, 0, 1], free_port()).into()
}

/// Output of a child, collected by a reader thread as it comes.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn follow(mut from: impl Read + Send + 'static) -> Captured {
        let c = Captured::default();
        let into = c.clone();
        std::thread::spawn(move || {
            let mut b = [0u8; 8192];
            while let Ok(n) = from.read(&mut b) {
                if n == 0 {
                    break;
                }
                if let Ok(mut v) = into.0.lock() {
                    v.extend_from_slice(&b[..n]);
                }
            }
        });
        c
    }

    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }

    /// Waits (bounded) for a line for which `pred` holds; panics with everything seen if none.
    pub fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        wait_for(WAIT, || {
            self.text().lines().find(|l| pred(l)).map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no output line {what}; got:\n{}", self.text()))
    }
}

/// The proxy under test on an embedded config; killed on drop.
pub struct Proxy {
    child: Child,
    pub dir: TempDir,
    pub cfg: PathBuf,
    pub stdout: Captured,
    pub stderr: Captured,
}

impl Proxy {
    /// Writes `cfg` (with `{dir}` replaced by a fresh temp dir) and runs the proxy on it, then
    /// waits until every TCP address in `listening` accepts and every unix socket path in
    /// `sockets` exists. Panics with the proxy's stderr when it does not come up.
    pub fn start(cfg: &str, listening: &[SocketAddr], sockets: &[&str]) -> Proxy {
        let dir = TempDir::new("obs").expect("temp dir");
        Proxy::start_in(dir, cfg, listening, sockets)
    }

    /// Like [`Proxy::start`] in a directory the test prepared (e.g. a unix log socket in it).
    pub fn start_in(dir: TempDir, cfg: &str, listening: &[SocketAddr], sockets: &[&str]) -> Proxy {
        Proxy::start_as(peer(), dir, cfg, listening, sockets)
    }

    /// Like [`Proxy::start_in`] with an explicit program: a test that compares with the real
    /// HAProxy (e.g. the CSV header) runs both.
    pub fn start_as(
        which: Peer,
        dir: TempDir,
        cfg: &str,
        listening: &[SocketAddr],
        sockets: &[&str],
    ) -> Proxy {
        let d = dir.path().display().to_string();
        let text = cfg.replace("{dir}", &d);
        let cfg_path = dir.write("haproxy.cfg", &text).expect("write cfg");
        let (program, args) = bin_of(which);
        let mut child = Command::new(&program)
            .args(&args)
            .arg(&cfg_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        let stdout = Captured::follow(child.stdout.take().expect("piped stdout"));
        let stderr = Captured::follow(child.stderr.take().expect("piped stderr"));
        let mut p = Proxy {
            child,
            dir,
            cfg: cfg_path,
            stdout,
            stderr,
        };
        let ready = wait_for(WAIT, || {
            if let Ok(Some(st)) = p.child.try_wait() {
                return Some(Err(format!("exited early ({st})")));
            }
            let tcp = listening
                .iter()
                .all(|a| TcpStream::connect_timeout(a, Duration::from_millis(200)).is_ok());
            let unix = sockets
                .iter()
                .all(|s| Path::new(&s.replace("{dir}", &d)).exists());
            (tcp && unix).then_some(Ok(()))
        });
        match ready {
            Some(Ok(())) => p,
            Some(Err(e)) => {
                // Let the reader thread drain what the process wrote before it died.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "{} did not start: {e}\nconfig:\n{text}\nstderr:\n{}",
                    program.display(),
                    p.stderr.text()
                )
            }
            None => panic!(
                "{} not ready after {WAIT:?}\nstderr:\n{}",
                program.display(),
                p.stderr.text()
            ),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig` (e.g. "USR1") to the proxy.
    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits (bounded) for the proxy to exit; its status.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        wait_for(WAIT, || self.child.try_wait().ok().flatten())
    }

    /// A path inside the proxy's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `GET` on a fresh connection with `Connection: close`; the response.
pub fn get(addr: SocketAddr, path: &str) -> e2e::HttpResponse {
    get_with(addr, path, "")
}

/// One `GET` with extra header lines (each ending in `\r\n`).
pub fn get_with(addr: SocketAddr, path: &str, headers: &str) -> e2e::HttpResponse {
    let mut c = RawClient::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    c.send(format!(
        "GET {path} HTTP/1.1\r\nHost: obs.test\r\n{headers}Connection: close\r\n\r\n"
    ))
    .expect("send request");
    c.read_response()
        .unwrap_or_else(|e| panic!("no response from {addr} to GET {path}: {e}"))
}
