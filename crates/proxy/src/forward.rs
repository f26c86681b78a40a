//! Bidirectional forwarding between a client and a server: mode tcp sessions, and HTTP
//! connections after an upgrade (WebSocket, `101 Switching Protocols`).
//!
//! Each direction copies until end of stream, then sends FIN to the other side and keeps the
//! opposite direction open (half-close). The tunnel ends when both directions are done, on an
//! error, or when nothing moved either way for the inactivity timeout. A buffer is taken from
//! the pool only while data is in flight.
//!
//! Written as one hand-made future over readiness polling rather than two `async` loops in a
//! `select!`: a wake-up of one direction then costs no poll of the other, and waiting
//! registers the task in the socket's waker slot instead of a waiter list.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::bufpool::{BufPool, PooledBuf};
use crate::stream::Stream;

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

/// Reads in a row one direction may do before letting other tasks run.
const BUDGET: u32 = 16;

/// One direction's state.
#[derive(Default)]
struct Direction {
    buf: Option<PooledBuf>,
    /// Bytes `buf[start..end]` are read and not yet written.
    start: usize,
    end: usize,
    /// End of stream seen and FIN passed on.
    done: bool,
    bytes: u64,
}

impl Direction {
    /// Moves data from `from` to `to` until it would block. `Ready(Ok)` once the direction is
    /// finished. Sets `progress` when bytes moved or the stream ended.
    fn poll<R: Stream, W: Stream>(
        &mut self,
        cx: &mut Context<'_>,
        pool: &Rc<BufPool>,
        from: &R,
        to: &W,
        progress: &mut bool,
    ) -> Poll<io::Result<()>> {
        if self.done {
            return Poll::Ready(Ok(()));
        }
        let mut budget = BUDGET;
        loop {
            while self.start < self.end {
                let Some(buf) = self.buf.as_deref() else {
                    self.start = self.end;
                    break;
                };
                match to.try_write(&buf[self.start..self.end]) {
                    Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Ok(n) => {
                        self.start += n;
                        *progress = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        match to.poll_write_ready(cx) {
                            Poll::Ready(Ok(())) => {}
                            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                            Poll::Pending => return Poll::Pending,
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            budget -= 1;
            if budget == 0 {
                // Let other sessions run; come back right after.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match from.poll_read_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    // Nothing buffered while waiting: the buffer goes back to the pool.
                    self.buf = None;
                    return Poll::Pending;
                }
            }
            let buf = self.buf.get_or_insert_with(|| pool.get());
            match from.try_read(buf) {
                Ok(0) => {
                    self.done = true;
                    self.buf = None;
                    *progress = true;
                    // The peer may already be gone; the other direction ends on its own then.
                    let _ = to.shutdown_write();
                    return Poll::Ready(Ok(()));
                }
                Ok(n) => {
                    if n < buf.len() {
                        // Drained: the next wait goes to the event loop, not to a read that
                        // would only return EAGAIN.
                        from.clear_read_ready();
                    }
                    self.start = 0;
                    self.end = n;
                    self.bytes += n as u64;
                    *progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// Copies both ways until both ends have closed, an error, or inactivity.
pub async fn tunnel<C: Stream, S: Stream>(
    pool: &Rc<BufPool>,
    client: &C,
    server: &S,
    timeouts: TunnelTimeouts,
) -> TunnelResult {
    let mut up = Direction::default();
    let mut down = Direction::default();
    let mut last = Instant::now();
    // Armed lazily and never reset on activity (a timer-wheel update per read would cost
    // more than the whole copy): when it fires, it checks the last activity and re-arms.
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    let mut result = TunnelResult::default();
    std::future::poll_fn(|cx| {
        let mut progress = false;
        let u = up.poll(cx, pool, client, server, &mut progress);
        let d = down.poll(cx, pool, server, client, &mut progress);
        if matches!(u, Poll::Ready(Err(_))) || matches!(d, Poll::Ready(Err(_))) {
            result.error = true;
            return Poll::Ready(());
        }
        if u.is_ready() && d.is_ready() {
            return Poll::Ready(());
        }
        if progress {
            last = Instant::now();
        }
        let half_closed = up.done || down.done;
        let limit = if half_closed {
            timeouts.half_closed.or(timeouts.idle)
        } else {
            timeouts.idle
        };
        let Some(limit) = limit else {
            return Poll::Pending;
        };
        let deadline = last + limit;
        loop {
            match timer.as_mut() {
                None => timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
                Some(t) => {
                    if t.deadline() > deadline {
                        // A shorter limit took over (half-close): re-arm earlier.
                        t.as_mut().reset(deadline);
                    }
                    if t.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if Instant::now() >= deadline {
                        result.timed_out = true;
                        return Poll::Ready(());
                    }
                    t.as_mut().reset(deadline);
                }
            }
        }
    })
    .await;
    result.up = up.bytes;
    result.down = down.bytes;
    result
}
