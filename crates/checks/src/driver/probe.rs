//! Runs one check over a real socket: follows [`CheckRun`]'s instructions with the connect
//! and read deadlines of [`CheckTimeouts`]. Every failure becomes an outcome; nothing here
//! can panic on what a server sends.

use std::io;
use std::net::SocketAddr;
use std::time::Instant as StdInstant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::agent::{parse_reply, reply_complete, AgentReply};
use crate::outcome::{CheckOutcome, CheckStatus};
use crate::plan::CheckPlan;
use crate::run::{CheckRun, Io};
use crate::timeouts::CheckTimeouts;

/// Where a server's checks go: its check address (`addr`, `port`, or its own address) and
/// whether to send a PROXY header first (`check-send-proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckTarget {
    pub addr: SocketAddr,
    pub send_proxy: bool,
}

/// The system's text for an error, without Rust's ` (os error N)` tail: HAProxy prints
/// `strerror(errno)`, e.g. `Connection refused`.
pub fn error_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn proxy_v1_header(s: &TcpStream) -> Vec<u8> {
    match (s.local_addr(), s.peer_addr()) {
        (Ok(SocketAddr::V4(l)), Ok(SocketAddr::V4(p))) => format!(
            "PROXY TCP4 {} {} {} {}\r\n",
            l.ip(),
            p.ip(),
            l.port(),
            p.port()
        )
        .into_bytes(),
        (Ok(SocketAddr::V6(l)), Ok(SocketAddr::V6(p))) => format!(
            "PROXY TCP6 {} {} {} {}\r\n",
            l.ip(),
            p.ip(),
            l.port(),
            p.port()
        )
        .into_bytes(),
        _ => b"PROXY UNKNOWN\r\n".to_vec(),
    }
}

async fn connect(addr: SocketAddr, send_proxy: bool) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    // Close with a reset, as HAProxy does for checks: no TIME_WAIT pile-up on either side.
    // Linger 0 does not block on drop (the deprecation is about a non-zero linger).
    let _ = socket2::SockRef::from(&s).set_linger(Some(std::time::Duration::ZERO));
    let _ = s.set_nodelay(true);
    if send_proxy {
        let h = proxy_v1_header(&s);
        s.write_all(&h).await?;
    }
    Ok(s)
}

/// Runs one health check of `plan` against `target`.
pub async fn run_check(plan: &CheckPlan, target: CheckTarget, t: CheckTimeouts) -> CheckOutcome {
    let start = Instant::now();
    let mut run = CheckRun::new(plan);
    let mut conn: Option<TcpStream> = None;
    let mut read_deadline = start + t.inter;
    let mut buf = vec![0u8; 4096];
    loop {
        match run.poll() {
            Io::Connect(spec) => {
                conn = None;
                let addr = SocketAddr::new(
                    spec.addr.unwrap_or(target.addr.ip()),
                    spec.port.unwrap_or(target.addr.port()),
                );
                let attempt = Instant::now();
                let deadline = Instant::from_std(t.connect_deadline(attempt.into_std()));
                match timeout_at(
                    deadline,
                    connect(addr, target.send_proxy || spec.send_proxy),
                )
                .await
                {
                    Ok(Ok(s)) => {
                        conn = Some(s);
                        read_deadline =
                            Instant::from_std(t.read_deadline(start.into_std(), StdInstant::now()));
                        run.connected();
                    }
                    Ok(Err(e)) => run.connect_failed(&error_text(&e)),
                    Err(_) => run.connect_timed_out(),
                }
            }
            Io::Send(bytes) => {
                let Some(s) = conn.as_mut() else {
                    run.send_failed("not connected");
                    continue;
                };
                match timeout_at(read_deadline, s.write_all(bytes)).await {
                    Ok(Ok(())) => run.sent(),
                    Ok(Err(e)) => run.send_failed(&error_text(&e)),
                    Err(_) => run.timed_out(),
                }
            }
            Io::Recv => {
                let Some(s) = conn.as_mut() else {
                    run.closed();
                    continue;
                };
                match timeout_at(read_deadline, s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => run.closed(),
                    Ok(Ok(n)) => run.received(&buf[..n]),
                    Err(_) => run.timed_out(),
                }
            }
            Io::Done(mut o) => {
                o.duration = start.elapsed();
                return o;
            }
        }
    }
}

/// Asks an agent for its state: connect, read one line. `Err` carries the outcome of a
/// failed attempt (logged; it changes nothing, as in HAProxy).
pub async fn run_agent(addr: SocketAddr, t: CheckTimeouts) -> Result<AgentReply, CheckOutcome> {
    let start = Instant::now();
    let fail = |status, info: String| {
        let mut o = CheckOutcome::new(status).with_info(info);
        o.duration = start.elapsed();
        o
    };
    let deadline = Instant::from_std(t.connect_deadline(start.into_std()));
    let mut s = match timeout_at(deadline, connect(addr, false)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(fail(CheckStatus::L4Con, error_text(&e))),
        Err(_) => return Err(fail(CheckStatus::L4Timeout, String::new())),
    };
    let read_deadline = Instant::from_std(t.read_deadline(start.into_std(), StdInstant::now()));
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match timeout_at(read_deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                reply.extend_from_slice(&buf[..n]);
                if reply_complete(&reply, false) || reply.len() > 1024 {
                    break;
                }
            }
            Err(_) => {
                if reply.is_empty() {
                    return Err(fail(CheckStatus::L7Timeout, String::new()));
                }
                break;
            }
        }
    }
    if reply.is_empty() {
        return Err(fail(CheckStatus::L7Response, String::new()));
    }
    Ok(parse_reply(&reply))
}
