//! The socket operations a session needs, for TCP and unix stream sockets alike.
//!
//! Readiness-based (`readable` then `try_read`), all through `&self`, so one task can read one
//! direction and write the other without splitting the socket, and an idle connection holds
//! no buffer: a buffer is taken from the pool only once data is there.

use std::io;
use std::os::fd::AsFd;
use std::task::{Context, Poll};

use socket2::SockRef;
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

/// A connected stream socket registered with the worker's event loop.
pub trait Stream {
    fn readable(&self) -> impl std::future::Future<Output = io::Result<()>>;
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn writable(&self) -> impl std::future::Future<Output = io::Result<()>>;
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize>;
    /// Sends FIN: the peer reads end of stream, the other direction stays open.
    fn shutdown_write(&self) -> io::Result<()>;
    /// Forgets read readiness after a read that did not fill the buffer: the socket is
    /// drained, so the next `readable` waits for the event loop instead of costing a read
    /// that would only return `EAGAIN`. (Safe with edge-triggered epoll: data arriving after
    /// the read raises a new event with a newer tick, which this does not clear.)
    fn clear_read_ready(&self);
}

macro_rules! impl_stream {
    ($t:ty) => {
        impl Stream for $t {
            fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> {
                <$t>::readable(self)
            }
            fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> {
                <$t>::writable(self)
            }
            #[inline]
            fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$t>::poll_read_ready(self, cx)
            }
            #[inline]
            fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$t>::poll_write_ready(self, cx)
            }
            #[inline]
            fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$t>::try_read(self, buf)
            }
            #[inline]
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$t>::try_write(self, buf)
            }
            #[inline]
            fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                <$t>::try_write_vectored(self, bufs)
            }
            fn shutdown_write(&self) -> io::Result<()> {
                SockRef::from(&self.as_fd()).shutdown(std::net::Shutdown::Write)
            }
            #[inline]
            fn clear_read_ready(&self) {
                let _ = self.try_io(Interest::READABLE, || {
                    Err::<(), io::Error>(io::ErrorKind::WouldBlock.into())
                });
            }
        }
    };
}

impl_stream!(TcpStream);
impl_stream!(UnixStream);

/// Writes all of `buf`, waiting for room as needed.
pub async fn write_all<S: Stream>(s: &S, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match s.try_write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => s.writable().await?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes `a` then `b` with as few system calls as possible (one `writev` when both fit).
pub async fn write_all2<S: Stream>(s: &S, mut a: &[u8], mut b: &[u8]) -> io::Result<()> {
    if a.is_empty() {
        return write_all(s, b).await;
    }
    if b.is_empty() {
        return write_all(s, a).await;
    }
    while !a.is_empty() {
        let bufs = [io::IoSlice::new(a), io::IoSlice::new(b)];
        match s.try_write_vectored(&bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) if n >= a.len() => {
                b = &b[n - a.len()..];
                a = &[];
            }
            Ok(n) => a = &a[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => s.writable().await?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    write_all(s, b).await
}
