//! A mock TCP server for `mode tcp`: reads each connection to end of stream (the client's
//! FIN), records what it got, then answers `prefix + data` and closes. A proxy that closed
//! both directions on the client's FIN would lose the answer: that is the half-close test.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Shared {
    accepted: AtomicUsize,
    received: Mutex<Vec<Vec<u8>>>,
    stop: AtomicBool,
    prefix: Vec<u8>,
}

pub struct MockTcp {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl MockTcp {
    pub fn start(prefix: &str) -> MockTcp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            accepted: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            prefix: prefix.as_bytes().to_vec(),
        });
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                s.accepted.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(s, conn));
            }
        });
        MockTcp { addr, shared }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// What each finished connection sent, in the order they finished.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for MockTcp {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(s: Arc<Shared>, mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(crate::WAIT));
    let mut data = Vec::new();
    let mut b = [0u8; 8192];
    loop {
        match conn.read(&mut b) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&b[..n]),
            Err(_) => return,
        }
    }
    if let Ok(mut r) = s.received.lock() {
        r.push(data.clone());
    }
    let mut out = s.prefix.clone();
    out.extend_from_slice(&data);
    let _ = conn.write_all(&out);
}
