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
    /// The descriptor, for system calls tokio has no wrapper for (`splice`).
    fn raw_fd(&self) -> std::os::fd::RawFd;
    /// Runs `f` (a read-like system call on [`Self::raw_fd`]); `WouldBlock` clears read
    /// readiness, so the next wait goes to the event loop.
    fn try_io_read(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize>;
    /// As [`Self::try_io_read`], for write-like calls and write readiness.
    fn try_io_write(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize>;
    /// The local address of a TCP connection (a system call: ask only when needed).
    fn local_ip_addr(&self) -> Option<std::net::SocketAddr>;
}

macro_rules! impl_stream {
    ($t:ty, $local:expr) => {
        impl Stream for $t {
            // Through the socket's single reader/writer waker slot (`poll_*_ready`) rather
            // than tokio's `readable()` futures: no waiter-list node in every waiting
            // session's state, and no lock to link and unlink it.
            fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> {
                std::future::poll_fn(move |cx| <$t>::poll_read_ready(self, cx))
            }
            fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> {
                std::future::poll_fn(move |cx| <$t>::poll_write_ready(self, cx))
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
            fn raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self)
            }
            fn try_io_read(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
                self.try_io(Interest::READABLE, f)
            }
            fn try_io_write(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
                self.try_io(Interest::WRITABLE, f)
            }
            fn local_ip_addr(&self) -> Option<std::net::SocketAddr> {
                $local(self)
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

impl_stream!(TcpStream, |s: &TcpStream| s.local_addr().ok());
impl_stream!(UnixStream, |_: &UnixStream| None);
