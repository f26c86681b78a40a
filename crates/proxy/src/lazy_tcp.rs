//! A client connection that joins the event loop only when its session first has to wait on
//! it.
//!
//! Most HTTP connections arrive with their request, which the accept path reads at once
//! (parking.rs). A `Connection: close` exchange then only writes the response to the client
//! and closes: such a connection never needs the event loop. Registering it anyway cost an
//! `epoll_ctl(ADD)` and, because tokio deregisters a socket before closing it, an
//! `epoll_ctl(DEL)`: two system calls per connection that HAProxy does not make either.
//!
//! Until the first wait, reads and writes go straight to the socket, and two flags remember
//! whether the last call found it drained or full. A wait on a direction whose flag says
//! "not ready" registers the socket; the registration reports the socket's current state
//! (epoll does on `ADD`), so nothing that arrived before it is missed. From then on every
//! call goes through tokio as for a plain `TcpStream`.

use std::cell::{Cell, OnceCell, RefCell};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use tokio::net::TcpStream;

use crate::stream::Stream;

#[derive(Debug)]
pub struct LazyTcp {
    fd: RawFd,
    /// The socket until it is registered (then `None`).
    unregistered: RefCell<Option<std::net::TcpStream>>,
    registered: OnceCell<TcpStream>,
    /// Before registration: may a read find data (false once one returned `EAGAIN` or the
    /// session said the socket is drained).
    read_ready: Cell<bool>,
    /// Before registration: may a write make progress.
    write_ready: Cell<bool>,
}

impl LazyTcp {
    /// `sock` must be non-blocking. Its first read already happened (and drained it, or the
    /// session will read on): read readiness starts unknown, so a wait registers at once.
    pub fn new(sock: std::net::TcpStream) -> Self {
        LazyTcp {
            fd: sock.as_raw_fd(),
            unregistered: RefCell::new(Some(sock)),
            registered: OnceCell::new(),
            read_ready: Cell::new(false),
            write_ready: Cell::new(true),
        }
    }

    /// Whether the socket joined the event loop.
    #[cfg(test)]
    fn is_registered(&self) -> bool {
        self.registered.get().is_some()
    }

    fn register(&self) -> io::Result<&TcpStream> {
        if let Some(s) = self.registered.get() {
            return Ok(s);
        }
        let sock = self
            .unregistered
            .borrow_mut()
            .take()
            .ok_or(io::ErrorKind::NotConnected)?;
        let stream = TcpStream::from_std(sock)?;
        Ok(self.registered.get_or_init(|| stream))
    }

    /// Runs a direct system call on the unregistered socket, noting `EAGAIN` in `ready`.
    fn direct<T>(
        &self,
        ready: &Cell<bool>,
        f: impl FnOnce(&std::net::TcpStream) -> io::Result<T>,
    ) -> io::Result<T> {
        let guard = self.unregistered.borrow();
        let sock = guard.as_ref().ok_or(io::ErrorKind::NotConnected)?;
        let r = f(sock);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            ready.set(false);
        }
        r
    }

    fn poll_ready(
        &self,
        ready: &Cell<bool>,
        cx: &mut Context<'_>,
        poll: fn(&TcpStream, &mut Context<'_>) -> Poll<io::Result<()>>,
    ) -> Poll<io::Result<()>> {
        if let Some(s) = self.registered.get() {
            return poll(s, cx);
        }
        if ready.get() {
            return Poll::Ready(Ok(()));
        }
        match self.register() {
            Ok(s) => poll(s, cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl Stream for LazyTcp {
    fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> {
        std::future::poll_fn(move |cx| self.poll_read_ready(cx))
    }
    fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> {
        std::future::poll_fn(move |cx| self.poll_write_ready(cx))
    }
    #[inline]
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(&self.read_ready, cx, TcpStream::poll_read_ready)
    }
    #[inline]
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(&self.write_ready, cx, TcpStream::poll_write_ready)
    }
    #[inline]
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self.registered.get() {
            Some(s) => s.try_read(buf),
            None => self.direct(&self.read_ready, |mut s| s.read(buf)),
        }
    }
    #[inline]
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self.registered.get() {
            Some(s) => s.try_write(buf),
            None => self.direct(&self.write_ready, |mut s| s.write(buf)),
        }
    }
    #[inline]
    fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self.registered.get() {
            Some(s) => s.try_write_vectored(bufs),
            None => self.direct(&self.write_ready, |mut s| s.write_vectored(bufs)),
        }
    }
    fn shutdown_write(&self) -> io::Result<()> {
        // SAFETY: `fd` stays open as long as `self` (owned by one of the two fields).
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        socket2::SockRef::from(&fd).shutdown(std::net::Shutdown::Write)
    }
    fn clear_read_ready(&self) {
        match self.registered.get() {
            Some(s) => s.clear_read_ready(),
            None => self.read_ready.set(false),
        }
    }
    fn raw_fd(&self) -> RawFd {
        self.fd
    }
    fn try_io_read(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
        match self.registered.get() {
            Some(s) => s.try_io_read(f),
            None => self.direct(&self.read_ready, |_| f()),
        }
    }
    fn try_io_write(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
        match self.registered.get() {
            Some(s) => s.try_io_write(f),
            None => self.direct(&self.write_ready, |_| f()),
        }
    }
    fn local_ip_addr(&self) -> Option<SocketAddr> {
        // SAFETY: as in `shutdown_write`.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        socket2::SockRef::from(&fd).local_addr().ok()?.as_socket()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, TcpListener};
    use std::time::Duration;

    /// A connected pair over loopback: (the peer's blocking end, our non-blocking end).
    fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let peer = std::net::TcpStream::connect(l.local_addr().expect("addr")).expect("connect");
        let (ours, _) = l.accept().expect("accept");
        ours.set_nonblocking(true).expect("nonblocking");
        (peer, ours)
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn an_exchange_that_never_waits_never_joins_the_event_loop() {
        block_on(async {
            let (mut peer, ours) = pair();
            peer.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("send");
            std::thread::sleep(Duration::from_millis(20));
            let s = LazyTcp::new(ours);
            let mut buf = [0u8; 64];
            assert_eq!(s.try_read(&mut buf).expect("read"), 18);
            s.clear_read_ready();
            let parts = [
                io::IoSlice::new(b"HTTP/1.1 200 OK\r\n"),
                io::IoSlice::new(b"\r\n"),
            ];
            std::future::poll_fn(|cx| s.poll_write_ready(cx))
                .await
                .expect("writable");
            assert_eq!(s.try_write_vectored(&parts).expect("write"), 19);
            assert!(s.local_ip_addr().is_some());
            s.shutdown_write().expect("shutdown");
            assert!(!s.is_registered());
            drop(s);
            let mut got = Vec::new();
            peer.read_to_end(&mut got).expect("read to end");
            assert_eq!(got, b"HTTP/1.1 200 OK\r\n\r\n");
        });
    }

    #[test]
    fn a_wait_sees_bytes_that_arrived_before_it_registered() {
        block_on(async {
            let (mut peer, ours) = pair();
            let s = LazyTcp::new(ours);
            // Drained as far as the session knows, yet bytes are there: registering must
            // report them (epoll's ADD does), or the session would hang.
            peer.write_all(b"more").expect("send");
            std::thread::sleep(Duration::from_millis(20));
            tokio::time::timeout(Duration::from_secs(5), s.readable())
                .await
                .expect("no wake-up for bytes sent before the wait")
                .expect("readable");
            assert!(s.is_registered());
            let mut buf = [0u8; 8];
            assert_eq!(s.try_read(&mut buf).expect("read"), 4);
        });
    }

    #[test]
    fn eagain_on_a_direct_read_makes_the_next_wait_go_to_the_event_loop() {
        block_on(async {
            let (mut peer, ours) = pair();
            let s = LazyTcp::new(ours);
            s.read_ready.set(true);
            let mut buf = [0u8; 8];
            let e = s.try_read(&mut buf).expect_err("nothing sent yet");
            assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
            assert!(!s.is_registered());
            let writer = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                peer.write_all(b"late").expect("send");
                peer
            });
            tokio::time::timeout(Duration::from_secs(5), s.readable())
                .await
                .expect("no wake-up for bytes sent after the wait began")
                .expect("readable");
            assert!(s.is_registered());
            assert_eq!(s.try_read(&mut buf).expect("read"), 4);
            drop(writer.join());
        });
    }
}
