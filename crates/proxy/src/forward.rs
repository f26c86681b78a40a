//! Bidirectional forwarding between a client and a server: mode tcp sessions, and HTTP
//! connections after an upgrade (WebSocket, `101 Switching Protocols`).
//!
//! Each direction copies until end of stream, then sends FIN to the other side and keeps the
//! opposite direction open (half-close). The session ends when both directions are done or
//! nothing moved either way for the inactivity timeout. Buffers are taken only while data is
//! in flight.

use std::cell::Cell;
use std::io;
use std::time::Duration;

use tokio::time::Instant;

use crate::bufpool::BufPool;
use crate::stream::{write_all, Stream};

/// Inactivity limits of a tunnel.
#[derive(Debug, Clone, Copy)]
pub struct TunnelTimeouts {
    /// Both directions idle this long ends the tunnel (`timeout tunnel`, else the smaller of
    /// `timeout client` / `timeout server`). `None`: no limit.
    pub idle: Option<Duration>,
    /// Once one direction is closed, the limit for the other (`timeout client-fin` /
    /// `server-fin`); `None` keeps `idle`.
    pub half_closed: Option<Duration>,
}

/// How a tunnel ended and what it moved.
#[derive(Debug, Default, Clone, Copy)]
pub struct TunnelResult {
    /// Bytes client -> server.
    pub up: u64,
    /// Bytes server -> client.
    pub down: u64,
    pub timed_out: bool,
    /// A read or write failed (reset by a peer).
    pub error: bool,
}

/// Copies both ways until both ends have closed, an error, or inactivity.
pub async fn tunnel<C: Stream, S: Stream>(
    pool: &std::rc::Rc<BufPool>,
    client: &C,
    server: &S,
    timeouts: TunnelTimeouts,
) -> TunnelResult {
    let last = Cell::new(Instant::now());
    let half_closed = Cell::new(false);
    let up = Cell::new(0u64);
    let down = Cell::new(0u64);

    let c2s = pump(pool, client, server, &last, &half_closed, &up);
    let s2c = pump(pool, server, client, &last, &half_closed, &down);
    tokio::pin!(c2s, s2c);
    let (mut c2s_done, mut s2c_done) = (false, false);
    let mut result = TunnelResult::default();
    let idle = inactivity(&last, &half_closed, timeouts);
    tokio::pin!(idle);
    while !(c2s_done && s2c_done) {
        tokio::select! {
            r = &mut c2s, if !c2s_done => {
                c2s_done = true;
                if r.is_err() { result.error = true; break; }
            }
            r = &mut s2c, if !s2c_done => {
                s2c_done = true;
                if r.is_err() { result.error = true; break; }
            }
            _ = &mut idle => { result.timed_out = true; break; }
        }
    }
    result.up = up.get();
    result.down = down.get();
    result
}

/// One direction: read from `from`, write to `to`, FIN to `to` at end of stream.
async fn pump<R: Stream, W: Stream>(
    pool: &std::rc::Rc<BufPool>,
    from: &R,
    to: &W,
    last: &Cell<Instant>,
    half_closed: &Cell<bool>,
    bytes: &Cell<u64>,
) -> io::Result<()> {
    loop {
        from.readable().await?;
        let mut buf = pool.get();
        loop {
            match from.try_read(&mut buf) {
                Ok(0) => {
                    half_closed.set(true);
                    last.set(Instant::now());
                    // The peer may already be gone; the other direction ends on its own then.
                    let _ = to.shutdown_write();
                    return Ok(());
                }
                Ok(n) => {
                    // A short read drained the socket. Forget readiness now, before awaiting
                    // anything: later events carry a newer tick and are not cleared.
                    let drained = n < buf.len();
                    if drained {
                        from.clear_read_ready();
                    }
                    last.set(Instant::now());
                    bytes.set(bytes.get() + n as u64);
                    write_all(to, &buf[..n]).await?;
                    if drained {
                        // Give the buffer back before waiting.
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Completes once nothing moved for the applicable timeout.
async fn inactivity(last: &Cell<Instant>, half_closed: &Cell<bool>, t: TunnelTimeouts) {
    loop {
        let limit = if half_closed.get() {
            t.half_closed.or(t.idle)
        } else {
            t.idle
        };
        let Some(limit) = limit else {
            // No limit now; a half-close may set one, so look again later.
            if t.half_closed.is_none() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let deadline = last.get() + limit;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}
