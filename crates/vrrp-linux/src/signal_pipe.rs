//! Signals delivered to the event loop as bytes on a pipe (the self-pipe trick).
//!
//! The handler only writes the signal number to a non-blocking pipe, which is
//! async-signal-safe; the loop polls the read end with the sockets and handles SIGHUP (reload),
//! SIGTERM/SIGINT (leave), SIGUSR1 (dump counters) and SIGCHLD (reap scripts) in normal code.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; `b` lives for the call. A full pipe drops
        // the byte, which is fine: a byte of the same kind is already queued or read soon.
        unsafe {
            libc::write(fd, (&b as *const u8).cast(), 1);
        }
    }
}

/// The read end of the signal pipe.
#[derive(Debug)]
pub struct SignalPipe {
    read_fd: RawFd,
}

/// Signals the daemon handles.
pub const HANDLED: [libc::c_int; 6] = [
    libc::SIGHUP,
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGCHLD,
];

impl SignalPipe {
    /// Installs the handlers; call once per process.
    pub fn install() -> io::Result<Self> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
        WRITE_FD.store(fds[1], Ordering::Relaxed);
        for sig in HANDLED {
            // SAFETY: sigaction is plain data; the handler only does async-signal-safe work.
            unsafe {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                act.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut act.sa_mask);
                if libc::sigaction(sig, &act, std::ptr::null_mut()) < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        // A dead notify reader must not kill the daemon.
        // SAFETY: setting SIGPIPE to ignored has no memory effects.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        Ok(SignalPipe { read_fd: fds[0] })
    }

    pub fn fd(&self) -> RawFd {
        self.read_fd
    }

    /// The signals received since the last call, in order.
    pub fn drain(&self) -> Vec<libc::c_int> {
        let mut buf = [0u8; 64];
        let mut out = Vec::new();
        loop {
            // SAFETY: `buf` is valid for writes of its length.
            let n = unsafe { libc::read(self.read_fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return out;
            }
            out.extend(buf[..n as usize].iter().map(|b| libc::c_int::from(*b)));
        }
    }
}
