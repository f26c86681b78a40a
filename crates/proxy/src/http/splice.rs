//! Moving a known-length body from one socket to another through a pipe with `splice(2)`:
//! the bytes never enter user space (no copy in, no copy out). Used by the HTTP body pump
//! (http/io.rs) for large `Content-Length` bodies; one pipe per thread is reused.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::io::{deadline, readable_until, writable_until, Stop};
use crate::stream::Stream;

/// Bodies at least this long go through `splice` (below it the two copies cost less than
/// the extra system calls).
pub const SPLICE_MIN: u64 = 32 * 1024;

/// Linux's default pipe capacity.
const PIPE_SIZE: usize = 64 * 1024;

/// An empty pipe, both ends non-blocking.
pub struct Pipe {
    r: OwnedFd,
    w: OwnedFd,
}

thread_local! {
    static PIPES: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

impl Pipe {
    fn take() -> io::Result<Pipe> {
        if let Some(p) = PIPES.with(|p| p.borrow_mut().pop()) {
            return Ok(p);
        }
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors are fresh and owned by nobody else.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Pipe { r, w })
    }

    /// Back to the thread's pool (only when empty: bytes left inside would leak into the
    /// next body).
    fn give_back(self) {
        PIPES.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < 64 {
                p.push(self);
            }
        });
    }
}

fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: plain system call on descriptors the caller keeps open; null offsets (sockets
    // and pipes have none).
    let n = unsafe {
        libc::splice(
            from,
            std::ptr::null_mut(),
            to,
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// How a spliced body ended early.
pub enum SpliceError {
    Source(Stop),
    Sink(Stop),
}

/// Moves exactly `len` bytes from `from` to `to`. Each wait is limited by its timeout.
pub async fn splice_body<R: Stream, W: Stream>(
    from: &R,
    to: &W,
    len: u64,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
) -> Result<(), SpliceError> {
    let pipe = Pipe::take().map_err(|_| SpliceError::Source(Stop::Failed))?;
    let mut left = len;
    let mut in_pipe = 0usize;
    while left > 0 || in_pipe > 0 {
        if left > 0 && in_pipe == 0 {
            let want = left.min(1 << 20) as usize;
            match from.try_io_read(|| splice(from.raw_fd(), pipe.w.as_raw_fd(), want)) {
                Ok(0) => return Err(SpliceError::Source(Stop::Closed)),
                Ok(n) => {
                    if n < want.min(PIPE_SIZE) {
                        // Drained: the next wait goes straight to the event loop.
                        from.clear_read_ready();
                    }
                    in_pipe = n;
                    left -= n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    readable_until(from, deadline(read_timeout))
                        .await
                        .map_err(SpliceError::Source)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(SpliceError::Source(Stop::Failed)),
            }
            continue;
        }
        match to.try_io_write(|| splice(pipe.r.as_raw_fd(), to.raw_fd(), in_pipe)) {
            Ok(0) => return Err(SpliceError::Sink(Stop::Failed)),
            Ok(n) => in_pipe -= n.min(in_pipe),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                writable_until(to, deadline(write_timeout))
                    .await
                    .map_err(SpliceError::Sink)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(SpliceError::Sink(Stop::Failed)),
        }
    }
    pipe.give_back();
    Ok(())
}
