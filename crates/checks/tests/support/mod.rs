//! Real backends for driver tests: an HTTP server on 127.0.0.1 whose behaviour the test
//! switches (healthy, hanging, wrong status, wrong body), that can die (its port then
//! refuses connections) and come back on the same port; a log that collects check events.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use checks::driver::{CheckEvent, CheckLog};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// `200 OK`, body `hello`.
    Healthy = 0,
    /// Accepts, reads, never answers.
    Hang = 1,
    /// `503 Service Unavailable`.
    WrongStatus = 2,
    /// `200 OK`, body `oops`.
    WrongBody = 3,
    /// Answers a line with the agent text set by `set_agent`.
    Agent = 4,
}

struct Shared {
    mode: AtomicU8,
    stop: AtomicBool,
    answered: AtomicUsize,
    agent_reply: Mutex<String>,
}

pub struct Backend {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Backend {
    pub fn start(mode: Mode) -> Backend {
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(mode as u8),
            stop: AtomicBool::new(false),
            answered: AtomicUsize::new(0),
            agent_reply: Mutex::new("up\n".into()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let thread = Some(serve(listener, Arc::clone(&shared)));
        Backend {
            addr,
            shared,
            thread,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn set_mode(&self, m: Mode) {
        self.shared.mode.store(m as u8, Ordering::SeqCst);
    }

    pub fn set_agent(&self, reply: &str) {
        if let Ok(mut r) = self.shared.agent_reply.lock() {
            *r = reply.to_string();
        }
    }

    /// Requests answered so far.
    pub fn answered(&self) -> usize {
        self.shared.answered.load(Ordering::SeqCst)
    }

    /// The web server dies: the port refuses connections from now on.
    pub fn kill(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The web server comes back on the same port.
    pub fn revive(&mut self) {
        self.shared.stop.store(false, Ordering::SeqCst);
        let start = Instant::now();
        let listener = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if start.elapsed() < WAIT => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot rebind {}: {e}", self.addr),
            }
        };
        self.thread = Some(serve(listener, Arc::clone(&self.shared)));
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.kill();
    }
}

fn serve(listener: TcpListener, shared: Arc<Shared>) -> JoinHandle<()> {
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        while !shared.stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((conn, _)) => {
                    let s = Arc::clone(&shared);
                    std::thread::spawn(move || answer(conn, &s));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    })
}

fn answer(mut conn: TcpStream, s: &Shared) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mode = s.mode.load(Ordering::SeqCst);
    if mode == Mode::Agent as u8 {
        let reply = s.agent_reply.lock().map(|r| r.clone()).unwrap_or_default();
        let _ = conn.write_all(reply.as_bytes());
        s.answered.fetch_add(1, Ordering::SeqCst);
        return;
    }
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let reply: &[u8] = match mode {
        0 => b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        1 => {
            std::thread::sleep(Duration::from_secs(3));
            return;
        }
        2 => b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        _ => b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\noops",
    };
    let _ = conn.write_all(reply);
    s.answered.fetch_add(1, Ordering::SeqCst);
}

/// Collects every check event, in order.
#[derive(Default)]
pub struct CollectLog {
    events: Mutex<Vec<CheckEvent>>,
}

impl CheckLog for CollectLog {
    fn emit(&self, e: &CheckEvent) {
        if let Ok(mut v) = self.events.lock() {
            v.push(e.clone());
        }
    }
}

impl CollectLog {
    pub fn lines(&self) -> Vec<String> {
        self.events
            .lock()
            .map(|v| v.iter().map(|e| e.text.clone()).collect())
            .unwrap_or_default()
    }

    /// Waits (bounded) for a line containing `needle`; returns it.
    pub fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self.lines().into_iter().find(|l| l.contains(needle)) {
                return l;
            }
            assert!(
                start.elapsed() < WAIT,
                "no line with {needle:?} within {WAIT:?}; got {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for `n` lines containing `needle`.
    pub fn wait_count(&self, needle: &str, n: usize) {
        let start = Instant::now();
        while self.lines().iter().filter(|l| l.contains(needle)).count() < n {
            assert!(
                start.elapsed() < WAIT,
                "fewer than {n} lines with {needle:?}: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Waits (bounded) until `f` holds.
pub fn wait_until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn config(text: &str) -> haproxy_cfg::model::Config {
    match haproxy_cfg::parse_str("test.cfg", text) {
        Ok(l) => l.config,
        Err(e) => panic!("config does not parse: {e:?}"),
    }
}
