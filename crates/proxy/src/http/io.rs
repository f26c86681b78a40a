//! Reading heads and moving bodies for the HTTP session, each with its inactivity deadline.
//! Everything here is cancel-safe: progress lives in the caller's buffers and lengths, so a
//! `select!` can drop a read half way and start it again.

use std::io;
use std::time::Duration;

use http1::{BodyFramer, Head, HeadError, Limits, Parsed};
use tokio::time::Instant;

use crate::stream::Stream;

/// How a wait ended when it did not deliver what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The deadline passed.
    TimedOut,
    /// End of stream from the peer.
    Closed,
    /// A socket error (reset, ...).
    Failed,
}

impl From<io::Error> for Stop {
    fn from(_: io::Error) -> Stop {
        Stop::Failed
    }
}

pub fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

/// Waits for readability until `deadline` (`None`: forever).
pub async fn readable_until<S: Stream>(s: &S, deadline: Option<Instant>) -> Result<(), Stop> {
    match deadline {
        None => s.readable().await.map_err(Stop::from),
        Some(d) => match tokio::time::timeout_at(d, s.readable()).await {
            Ok(r) => r.map_err(Stop::from),
            Err(_) => Err(Stop::TimedOut),
        },
    }
}

/// Reads into `buf`, waiting until `deadline`. `Ok(0)` is end of stream.
pub async fn read_until<S: Stream>(
    s: &S,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> Result<usize, Stop> {
    loop {
        match s.try_read(buf) {
            Ok(n) => {
                if n > 0 && n < buf.len() {
                    s.clear_read_ready();
                }
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => readable_until(s, deadline).await?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Stop::Failed),
        }
    }
}

/// Waits for room to write until `deadline` (`None`: forever).
pub async fn writable_until<S: Stream>(s: &S, deadline: Option<Instant>) -> Result<(), Stop> {
    match deadline {
        None => s.writable().await.map_err(Stop::from),
        Some(d) => match tokio::time::timeout_at(d, s.writable()).await {
            Ok(r) => r.map_err(Stop::from),
            Err(_) => Err(Stop::TimedOut),
        },
    }
}

/// Writes all of `buf`; waiting for room is limited to `timeout` (inactivity). The clock is
/// read and a timer armed only if the socket is full.
pub async fn write_within<S: Stream>(
    s: &S,
    buf: &[u8],
    timeout: Option<Duration>,
) -> Result<(), Stop> {
    write2_within(s, buf, &[], timeout).await
}

/// Writes `a` then `b` (one `writev` when both fit), like [`write_within`].
pub async fn write2_within<S: Stream>(
    s: &S,
    mut a: &[u8],
    mut b: &[u8],
    timeout: Option<Duration>,
) -> Result<(), Stop> {
    while !a.is_empty() || !b.is_empty() {
        let r = if a.is_empty() {
            s.try_write(b)
        } else if b.is_empty() {
            s.try_write(a)
        } else {
            s.try_write_vectored(&[io::IoSlice::new(a), io::IoSlice::new(b)])
        };
        match r {
            Ok(0) => return Err(Stop::Failed),
            Ok(n) if n >= a.len() => {
                b = &b[n - a.len()..];
                a = &[];
            }
            Ok(n) => a = &a[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                writable_until(s, deadline(timeout)).await?
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Stop::Failed),
        }
    }
    Ok(())
}

/// Reads into `buf`; waiting is limited to `timeout` (inactivity), the clock read only when
/// a wait is needed. `Ok(0)` is end of stream.
pub async fn read_within<S: Stream>(
    s: &S,
    buf: &mut [u8],
    timeout: Option<Duration>,
) -> Result<usize, Stop> {
    loop {
        match s.try_read(buf) {
            Ok(n) => {
                if n > 0 && n < buf.len() {
                    s.clear_read_ready();
                }
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                readable_until(s, deadline(timeout)).await?
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Stop::Failed),
        }
    }
}

/// Why a response head could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RespHeadError {
    Io(Stop),
    /// Nothing at all came before end of stream or error (a reused connection the server had
    /// closed: the request may be sent again on a new one).
    Empty(Stop),
    Invalid(HeadError),
}

/// Reads until `resp` holds a complete response head at the front of `buf[..*len]`.
/// Returns the head's length. Each read has `timeout` (`timeout server`).
pub async fn read_response_head(
    server: &tokio::net::TcpStream,
    buf: &mut [u8],
    len: &mut usize,
    resp: &mut Head,
    limits: &Limits,
    timeout: Option<Duration>,
) -> Result<usize, RespHeadError> {
    loop {
        if *len > 0 {
            match resp.parse_response(&buf[..*len], limits) {
                Ok(Parsed::Complete(n)) => return Ok(n),
                Ok(Parsed::Partial) => {}
                Err(e) => return Err(RespHeadError::Invalid(e)),
            }
            if *len >= buf.len() {
                return Err(RespHeadError::Invalid(HeadError::TooLarge {
                    limit: limits.max_head_len as u32,
                }));
            }
        }
        let got = read_within(server, &mut buf[*len..], timeout).await;
        match got {
            Ok(0) if *len == 0 => return Err(RespHeadError::Empty(Stop::Closed)),
            Ok(0) => return Err(RespHeadError::Io(Stop::Closed)),
            Ok(n) => *len += n,
            Err(Stop::Failed) if *len == 0 => return Err(RespHeadError::Empty(Stop::Failed)),
            Err(e) => return Err(RespHeadError::Io(e)),
        }
    }
}

/// A body stream ended badly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Reading the source failed or timed out, or it closed before the body's end.
    Source(Stop),
    /// Writing to the destination failed or timed out.
    Sink(Stop),
    /// The chunked framing is broken.
    Framing,
}

/// Forwards the rest of a body from `from` to `to` following `framer`, using `buf` as scratch.
/// Returns `(bytes forwarded, leftover)`: `buf[leftover]` holds bytes read past the body's end
/// (a pipelined request, or garbage after a response).
pub async fn pump_body<R: Stream, W: Stream>(
    from: &R,
    to: &W,
    buf: &mut [u8],
    framer: &mut BodyFramer,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
) -> Result<(u64, std::ops::Range<usize>), BodyError> {
    let mut total = 0u64;
    if let BodyFramer::Length(len) = *framer {
        if len >= super::splice::SPLICE_MIN {
            return match super::splice::splice_body(from, to, len, read_timeout, write_timeout)
                .await
            {
                Ok(()) => {
                    *framer = BodyFramer::Done;
                    Ok((len, 0..0))
                }
                Err(super::splice::SpliceError::Source(e)) => Err(BodyError::Source(e)),
                Err(super::splice::SpliceError::Sink(e)) => Err(BodyError::Sink(e)),
            };
        }
    }
    while !framer.is_done() {
        let n = read_within(from, buf, read_timeout)
            .await
            .map_err(BodyError::Source)?;
        if n == 0 {
            if framer.close_is_clean() {
                return Ok((total, 0..0));
            }
            return Err(BodyError::Source(Stop::Closed));
        }
        let p = framer.advance(&buf[..n]).map_err(|_| BodyError::Framing)?;
        write_within(to, &buf[..p.consumed], write_timeout)
            .await
            .map_err(BodyError::Sink)?;
        total += p.consumed as u64;
        if p.done || framer.is_done() {
            return Ok((total, p.consumed..n));
        }
    }
    Ok((total, 0..0))
}
