//! Syslog receivers for the log tests: a UDP socket on 127.0.0.1 (ephemeral port) and a unix
//! datagram socket, each keeping every datagram as one line, in arrival order.

use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{wait_for, WAIT};

/// Datagrams received so far, shared with the receiving thread.
#[derive(Clone, Default)]
pub struct Received {
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Received {
    fn push(&self, d: &[u8]) {
        // A syslog datagram may end with a newline (HAProxy's do not, others' may).
        let s = String::from_utf8_lossy(d)
            .trim_end_matches('\n')
            .to_string();
        if let Ok(mut l) = self.lines.lock() {
            l.push(s);
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Waits (bounded) for a line for which `pred` holds; panics with everything seen if none.
    pub fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        wait_for(WAIT, || self.lines().into_iter().find(|l| pred(l))).unwrap_or_else(|| {
            panic!(
                "no syslog line {what} within {WAIT:?}; got:\n{}",
                self.lines().join("\n")
            )
        })
    }

    /// Waits (bounded) until `n` lines satisfy `pred`; returns them.
    pub fn wait_lines(&self, n: usize, what: &str, pred: impl Fn(&str) -> bool) -> Vec<String> {
        wait_for(WAIT, || {
            let l: Vec<String> = self.lines().into_iter().filter(|l| pred(l)).collect();
            (l.len() >= n).then_some(l)
        })
        .unwrap_or_else(|| {
            panic!(
                "fewer than {n} syslog lines {what} within {WAIT:?}; got:\n{}",
                self.lines().join("\n")
            )
        })
    }
}

impl Received {
    /// Collects every datagram `recv` returns, on a thread of its own, until stopped (`recv`
    /// must time out now and then so the thread sees the stop).
    fn spawn_reader(
        mut recv: impl FnMut(&mut [u8]) -> std::io::Result<usize> + Send + 'static,
    ) -> Received {
        let got = Received::default();
        let g = got.clone();
        std::thread::spawn(move || {
            let mut b = vec![0u8; 65536];
            while !g.stop.load(Ordering::Relaxed) {
                if let Ok(n) = recv(&mut b) {
                    g.push(&b[..n]);
                }
            }
        });
        got
    }
}

/// A UDP syslog server on 127.0.0.1, ephemeral port.
pub struct SyslogUdp {
    addr: SocketAddr,
    pub got: Received,
}

impl SyslogUdp {
    pub fn start() -> SyslogUdp {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind udp 127.0.0.1:0");
        let addr = sock.local_addr().expect("udp local addr");
        let _ = sock.set_read_timeout(Some(Duration::from_millis(200)));
        let got = Received::spawn_reader(move |b| sock.recv(b));
        SyslogUdp { addr, got }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl std::ops::Deref for SyslogUdp {
    type Target = Received;
    fn deref(&self) -> &Received {
        &self.got
    }
}

impl Drop for SyslogUdp {
    fn drop(&mut self) {
        self.got.stop.store(true, Ordering::Relaxed);
    }
}

/// A unix datagram syslog socket (like `/dev/log`) at a path the test chooses.
pub struct SyslogUnix {
    path: PathBuf,
    pub got: Received,
}

impl SyslogUnix {
    pub fn start(path: &Path) -> SyslogUnix {
        let _ = std::fs::remove_file(path);
        let sock = UnixDatagram::bind(path).expect("bind unix datagram socket");
        let _ = sock.set_read_timeout(Some(Duration::from_millis(200)));
        let got = Received::spawn_reader(move |b| sock.recv(b));
        SyslogUnix {
            path: path.to_path_buf(),
            got,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for SyslogUnix {
    type Target = Received;
    fn deref(&self) -> &Received {
        &self.got
    }
}

impl Drop for SyslogUnix {
    fn drop(&mut self) {
        self.got.stop.store(true, Ordering::Relaxed);
        let _ = std::fs::remove_file(&self.path);
    }
}
