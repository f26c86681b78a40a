//! A proxy's (or the process's) log targets, ready to send from any worker thread without
//! blocking: UDP syslog (IPv4/IPv6) with non-blocking `send_to`, unix datagram sockets
//! (`/dev/log` or any path, resolved on every send so a receiver that appears later is
//! reached), and stdout/stderr through a bounded queue. What cannot be sent at once is
//! dropped and counted per target.

use std::cell::RefCell;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use haproxy_cfg::model::{LogDest, LogTarget};

use super::clock;
use super::stdio::{StdioWriter, Stream};
use crate::syslog::{FramingError, Level, SyslogFraming, SyslogIdentity};
use crate::time::LogTime;

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(transparent)]
    Framing(#[from] FramingError),
    #[error("{file}:{line}: cannot open a socket for log target {target}: {source}")]
    Socket {
        target: String,
        file: String,
        line: u32,
        source: std::io::Error,
    },
    #[error("{file}:{line}: cannot start the {target} log writer thread")]
    Writer {
        target: String,
        file: String,
        line: u32,
    },
}

/// Counters of one target, for the stats page and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStats {
    /// `127.0.0.1:514`, `[::1]:514`, `/dev/log`, `stdout`, `stderr`.
    pub target: String,
    /// Frames handed to the kernel (or to the stdio queue).
    pub sent: u64,
    /// Frames dropped: socket buffer full, receiver missing, queue full.
    pub dropped: u64,
    /// Messages this target's level filter skipped.
    pub filtered: u64,
}

enum Output {
    Udp { socket: UdpSocket, to: SocketAddr },
    Unix { socket: UnixDatagram, path: PathBuf },
    Stdio(&'static StdioWriter),
}

struct Target {
    name: String,
    framing: SyslogFraming,
    output: Output,
    sent: AtomicU64,
    dropped: AtomicU64,
    filtered: AtomicU64,
}

/// The targets of one `log` configuration (a proxy's, or `global`'s for process events).
pub struct LogSink {
    identity: SyslogIdentity,
    targets: Vec<Target>,
}

thread_local! {
    /// One frame buffer per thread: framing allocates nothing once it has grown.
    static FRAME: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl LogSink {
    /// Opens every target (`log global` must be expanded: see [`crate::proxy_targets`]).
    pub fn new(targets: &[LogTarget], identity: SyslogIdentity) -> Result<LogSink, SinkError> {
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            let framing = SyslogFraming::from_target(t)?;
            let file = t.location.file.to_string();
            let line = t.location.line;
            let (name, output) = match &t.dest {
                LogDest::Udp(to) => {
                    let socket = udp_socket(to).map_err(|source| SinkError::Socket {
                        target: to.to_string(),
                        file: file.clone(),
                        line,
                        source,
                    })?;
                    (to.to_string(), Output::Udp { socket, to: *to })
                }
                LogDest::Unix(path) => {
                    let name = path.display().to_string();
                    let socket = UnixDatagram::unbound()
                        .and_then(|s| s.set_nonblocking(true).map(|()| s))
                        .map_err(|source| SinkError::Socket {
                            target: name.clone(),
                            file: file.clone(),
                            line,
                            source,
                        })?;
                    let path = path.clone();
                    (name, Output::Unix { socket, path })
                }
                LogDest::Stdout | LogDest::Stderr => {
                    let (name, stream) = if t.dest == LogDest::Stdout {
                        ("stdout", Stream::Stdout)
                    } else {
                        ("stderr", Stream::Stderr)
                    };
                    let w = StdioWriter::get(stream).ok_or_else(|| SinkError::Writer {
                        target: name.to_string(),
                        file: file.clone(),
                        line,
                    })?;
                    (name.to_string(), Output::Stdio(w))
                }
            };
            out.push(Target {
                name,
                framing,
                output,
                sent: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                filtered: AtomicU64::new(0),
            });
        }
        Ok(LogSink {
            identity,
            targets: out,
        })
    }

    /// True when there is nowhere to send (no `log` line): callers skip rendering.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn identity(&self) -> &SyslogIdentity {
        &self.identity
    }

    /// Sends `msg` (a rendered line, no newline) at `level` to every target, now.
    pub fn send(&self, level: Level, msg: &[u8]) {
        self.send_at(level, &clock::now(), None, msg);
    }

    /// [`LogSink::send`] with an explicit emission time and the rfc5424 structured data
    /// rendered from `log-format-sd`. Never blocks; failures are counted, not returned.
    pub fn send_at(&self, level: Level, now: &LogTime, sd: Option<&[u8]>, msg: &[u8]) {
        FRAME.with(|cell| {
            // A re-entrant call (impossible today) would find the buffer borrowed: use a
            // fresh one rather than panic.
            let mut local = Vec::new();
            let mut guard = cell.try_borrow_mut().ok();
            let buf = match guard.as_deref_mut() {
                Some(b) => b,
                None => &mut local,
            };
            for t in &self.targets {
                buf.clear();
                if !t.framing.frame(&self.identity, level, now, sd, msg, buf) {
                    t.filtered.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let ok = match &t.output {
                    Output::Udp { socket, to } => socket.send_to(buf, to).is_ok(),
                    Output::Unix { socket, path } => socket.send_to(buf, path).is_ok(),
                    Output::Stdio(w) => w.push(buf),
                };
                let counter = if ok { &t.sent } else { &t.dropped };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    /// Per-target counters, in `log` line order.
    pub fn stats(&self) -> Vec<TargetStats> {
        self.targets
            .iter()
            .map(|t| TargetStats {
                target: t.name.clone(),
                sent: t.sent.load(Ordering::Relaxed),
                dropped: t.dropped.load(Ordering::Relaxed),
                filtered: t.filtered.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Waits (at most `timeout`) until frames queued for stdout/stderr are written: for
    /// orderly shutdown and tests. True when everything was written.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.targets.iter().all(|t| match t.output {
            Output::Stdio(w) => w.drain(timeout),
            _ => true,
        })
    }
}

fn udp_socket(to: &SocketAddr) -> std::io::Result<UdpSocket> {
    let bind: SocketAddr = if to.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = UdpSocket::bind(bind)?;
    s.set_nonblocking(true)?;
    Ok(s)
}
