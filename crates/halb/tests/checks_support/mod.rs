//! Helpers for the health-check tests through the real binary: `halb proxy` with its stderr
//! read line by line while it runs (the check lines are asserted as they come), web servers
//! on 127.0.0.1 that can die, hang, answer the wrong status or body and come back on the same
//! port, and a plain HTTP/1.0 client. Every wait is bounded; nothing asserts a duration.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const HALB: &str = env!("CARGO_BIN_EXE_halb");

/// Upper bound of every wait.
pub const WAIT: Duration = Duration::from_secs(30);

/// `halb proxy -db -f <cfg>`, its stderr collected line by line.
pub struct Halb {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    dir: std::path::PathBuf,
}

impl Halb {
    pub fn start(cfg: &str, listening: SocketAddr) -> Halb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "halb-checks-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, cfg).expect("write cfg");
        // `HALB_E2E_PROXY_BIN` runs the same tests against another binary taking
        // `proxy -db -f FILE` (e.g. a wrapper around HAProxy), as the e2e harness allows.
        let program = std::env::var("HALB_E2E_PROXY_BIN").unwrap_or_else(|_| HALB.to_string());
        let mut child = Command::new(program)
            .args(["proxy", "-db", "-f"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run halb");
        let lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(err) = child.stderr.take() {
            let l = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { return };
                    if let Ok(mut v) = l.lock() {
                        v.push(line);
                    }
                }
            });
        }
        let h = Halb { child, lines, dir };
        let start = Instant::now();
        while TcpStream::connect_timeout(&listening, Duration::from_millis(200)).is_err() {
            assert!(
                start.elapsed() < WAIT,
                "halb not listening on {listening}: {:#?}",
                h.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        h
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits for a stderr line containing `needle`, returns it.
    pub fn wait_line(&self, needle: &str) -> String {
        self.wait_nth_line(needle, 1)
    }

    /// Waits for the `n`th stderr line containing `needle`.
    pub fn wait_nth_line(&self, needle: &str, n: usize) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self
                .lines()
                .into_iter()
                .filter(|l| l.contains(needle))
                .nth(n - 1)
            {
                return l;
            }
            assert!(
                start.elapsed() < WAIT,
                "no line #{n} with {needle:?} on stderr: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Halb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `[WARNING]  (pid) : ` prefix removed.
pub fn message(line: &str) -> &str {
    line.split_once(") : ").map_or(line, |(_, m)| m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// `200 OK`, body = the server's name.
    Healthy = 0,
    /// Reads the request, never answers.
    Hang = 1,
    /// `500 Internal Server Error`.
    WrongStatus = 2,
    /// `200 OK` with body `maintenance page`.
    WrongBody = 3,
}

struct Shared {
    name: String,
    mode: AtomicU8,
    stop: AtomicBool,
    requests: AtomicUsize,
}

/// A web server on 127.0.0.1 that answers with its name.
pub struct Web {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Web {
    pub fn start(name: &str) -> Web {
        let shared = Arc::new(Shared {
            name: name.to_string(),
            mode: AtomicU8::new(Mode::Healthy as u8),
            stop: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
        });
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        Web {
            addr,
            thread: Some(serve(l, Arc::clone(&shared))),
            shared,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn set_mode(&self, m: Mode) {
        self.shared.mode.store(m as u8, Ordering::SeqCst);
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The web server stops: its port refuses connections.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The web server starts again on the same port.
    pub fn restart(&mut self) {
        self.shared.stop.store(false, Ordering::SeqCst);
        let start = Instant::now();
        let l = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) => {
                    assert!(start.elapsed() < WAIT, "cannot rebind {}: {e}", self.addr);
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        self.thread = Some(serve(l, Arc::clone(&self.shared)));
    }
}

impl Drop for Web {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(l: TcpListener, s: Arc<Shared>) -> JoinHandle<()> {
    l.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        while !s.stop.load(Ordering::SeqCst) {
            match l.accept() {
                Ok((c, _)) => {
                    let s = Arc::clone(&s);
                    std::thread::spawn(move || answer(c, &s));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    })
}

/// Answers requests on one connection (keep-alive when the client asks for it).
fn answer(mut c: TcpStream, s: &Shared) {
    let _ = c.set_nonblocking(false);
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match c.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let end = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(0, |p| p + 4);
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        buf.drain(..end);
        s.requests.fetch_add(1, Ordering::SeqCst);
        let keep = head.starts_with("get")
            && head.contains("http/1.1")
            && !head.contains("connection: close");
        let (status, body) = match s.mode.load(Ordering::SeqCst) {
            0 => ("200 OK", s.name.clone()),
            1 => {
                std::thread::sleep(Duration::from_secs(10));
                return;
            }
            2 => ("500 Internal Server Error", "error".to_string()),
            _ => ("200 OK", "maintenance page".to_string()),
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/html\r\n{}\r\n{body}",
            body.len(),
            if keep { "" } else { "Connection: close\r\n" }
        );
        if c.write_all(resp.as_bytes()).is_err() || !keep {
            return;
        }
    }
}

/// `GET path` over a fresh connection: (status, body); status 0 when the connection failed.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let Ok(mut c) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
        return (0, String::new());
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    if c.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// See [`e2e::free_port`]: below the ephemeral range, so no client socket can take it.
pub use e2e::free_port;

/// An agent for `agent-check`: answers each connection with the current reply line.
pub struct Agent {
    pub addr: SocketAddr,
    reply: Arc<Mutex<String>>,
}

impl Agent {
    pub fn start(reply: &str) -> Agent {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let reply = Arc::new(Mutex::new(reply.to_string()));
        let r = Arc::clone(&reply);
        std::thread::spawn(move || {
            for c in l.incoming() {
                let Ok(mut c) = c else { continue };
                let text = r.lock().map(|t| t.clone()).unwrap_or_default();
                let _ = c.write_all(text.as_bytes());
            }
        });
        Agent { addr, reply }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn say(&self, reply: &str) {
        if let Ok(mut r) = self.reply.lock() {
            *r = reply.to_string();
        }
    }
}
