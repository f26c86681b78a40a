//! Parking for accepted HTTP connections that have not sent anything yet.
//!
//! Sits between the accept loop (worker.rs) and the HTTP session (http/mod.rs). A new
//! connection whose first read finds nothing is not given a task or a tokio registration:
//! its socket goes into this thread's private epoll instance (one-shot) and a ~100-byte slot,
//! and one task per thread waits on that epoll (itself registered with tokio) and on the
//! earliest first-request deadline. When bytes arrive the socket is read, registered with
//! tokio and handed to a session task; at the deadline it gets HAProxy's 408 (or is closed
//! silently with `http-ignore-probes`); on a stop it is closed. This is what keeps 10,000 idle
//! connections at a fraction of HAProxy's memory: a task and a registration are ~1 KiB.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;

use tokio::io::unix::AsyncFd;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::control::StopState;
use crate::http::FirstRead;
use crate::worker::{SessionTicket, Worker};

/// Ready events taken per `epoll_wait`.
const BATCH: usize = 64;

/// One parked connection.
struct Parked {
    sock: StdTcpStream,
    ticket: SessionTicket,
    peer: SocketAddr,
    /// `timeout http-request` (or `timeout client`) counted from the accept.
    deadline: Option<Instant>,
}

/// A slot: its generation changes on every reuse, so stale deadlines and events are ignored.
struct Slot {
    gen: u32,
    parked: Option<Parked>,
}

/// This thread's parked connections (see the module documentation).
pub struct Parking {
    epoll: AsyncFd<OwnedFd>,
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<u32>>,
    deadlines: RefCell<BinaryHeap<Reverse<(Instant, u32, u32)>>>,
    /// The deadline the parking task's timer is set to (`None`: not armed).
    armed: Cell<Option<Instant>>,
    rearm: Notify,
    closed: Cell<bool>,
}

impl Parking {
    pub fn new() -> io::Result<Rc<Parking>> {
        // SAFETY: plain system call; the returned descriptor is owned by the OwnedFd below.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: the OwnedFd keeps the descriptor open, unchanged, as long as the AsyncFd.
        let epoll = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }?;
        Ok(Rc::new(Parking {
            epoll,
            slots: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            deadlines: RefCell::new(BinaryHeap::new()),
            armed: Cell::new(None),
            rearm: Notify::new(),
            closed: Cell::new(false),
        }))
    }

    /// Takes a freshly accepted connection: reads it if bytes are already there (then the
    /// session starts at once), else parks it until they arrive.
    pub fn admit(
        &self,
        w: &Rc<Worker>,
        sock: StdTcpStream,
        ticket: SessionTicket,
        peer: SocketAddr,
        deadline: Option<Instant>,
    ) {
        let parked = Parked {
            sock,
            ticket,
            peer,
            deadline,
        };
        let Some(parked) = try_start(w, parked) else {
            return;
        };
        if self.closed.get() || w.control.state() != StopState::Running {
            return;
        }
        let (idx, gen) = {
            let mut slots = self.slots.borrow_mut();
            let idx = match self.free.borrow_mut().pop() {
                Some(i) => i,
                None => {
                    slots.push(Slot {
                        gen: 0,
                        parked: None,
                    });
                    (slots.len() - 1) as u32
                }
            };
            let Some(slot) = slots.get_mut(idx as usize) else {
                return;
            };
            slot.gen = slot.gen.wrapping_add(1);
            (idx, slot.gen)
        };
        let fd = parked.sock.as_raw_fd();
        if epoll_ctl(&self.epoll, libc::EPOLL_CTL_ADD, fd, token(idx, gen)).is_err() {
            self.free.borrow_mut().push(idx);
            return;
        }
        if let Some(d) = parked.deadline {
            self.deadlines.borrow_mut().push(Reverse((d, idx, gen)));
            if self.armed.get().is_none_or(|a| d < a) {
                self.rearm.notify_one();
            }
        }
        if let Some(slot) = self.slots.borrow_mut().get_mut(idx as usize) {
            slot.parked = Some(parked);
        }
    }

    /// The parking task: runs until the worker stops, then closes what is still parked.
    pub async fn run(self: Rc<Self>, w: Rc<Worker>) {
        let sleep = tokio::time::sleep(std::time::Duration::from_secs(3600));
        tokio::pin!(sleep);
        loop {
            let next = self.next_deadline();
            self.armed.set(next);
            if let Some(d) = next {
                if sleep.deadline() != d {
                    sleep.as_mut().reset(d);
                }
            }
            tokio::select! {
                biased;
                _ = w.control.stopping() => break,
                guard = self.epoll.readable() => match guard {
                    Ok(mut g) => {
                        if self.take_ready(&w) < BATCH {
                            g.clear_ready();
                        }
                    }
                    Err(_) => break,
                },
                _ = &mut sleep, if next.is_some() => self.expire(&w, Instant::now()),
                _ = self.rearm.notified() => {}
            }
        }
        self.close_all();
    }

    /// The earliest deadline of a connection still parked (stale entries dropped on the way).
    fn next_deadline(&self) -> Option<Instant> {
        let slots = self.slots.borrow();
        let mut heap = self.deadlines.borrow_mut();
        while let Some(Reverse((d, idx, gen))) = heap.peek().copied() {
            if is_current(&slots, idx, gen) {
                return Some(d);
            }
            heap.pop();
        }
        None
    }

    /// Starts sessions for parked connections that became readable; returns the events seen.
    fn take_ready(&self, w: &Rc<Worker>) -> usize {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; BATCH];
        // SAFETY: `events` is a valid array of BATCH entries for the kernel to fill.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.get_ref().as_raw_fd(),
                events.as_mut_ptr(),
                BATCH as i32,
                0,
            )
        };
        let Ok(n) = usize::try_from(n) else {
            return 0;
        };
        for ev in events.iter().take(n) {
            let data = ev.u64;
            let (idx, gen) = ((data & 0xffff_ffff) as u32, (data >> 32) as u32);
            let Some(parked) = self.take(idx, gen) else {
                continue;
            };
            let fd = parked.sock.as_raw_fd();
            match try_start(w, parked) {
                // Woken with nothing to read after all: wait again in the same slot.
                Some(parked)
                    if epoll_ctl(&self.epoll, libc::EPOLL_CTL_MOD, fd, token(idx, gen)).is_ok() =>
                {
                    if let Some(slot) = self.slots.borrow_mut().get_mut(idx as usize) {
                        slot.parked = Some(parked);
                    }
                }
                _ => self.free.borrow_mut().push(idx),
            }
        }
        n
    }

    /// Answers connections whose first-request deadline passed.
    fn expire(&self, w: &Rc<Worker>, now: Instant) {
        loop {
            let top = self.deadlines.borrow().peek().copied();
            let Some(Reverse((d, idx, gen))) = top else {
                return;
            };
            if d > now {
                return;
            }
            self.deadlines.borrow_mut().pop();
            let Some(p) = self.take(idx, gen) else {
                continue;
            };
            self.free.borrow_mut().push(idx);
            let fe = &w.plan.frontends[p.ticket.frontend];
            if fe.ignore_probes {
                continue;
            }
            start_session(p, FirstRead::TimedOut);
        }
    }

    /// Takes a connection out of its slot (`None` if the slot moved on); the caller puts
    /// it back or frees the slot.
    fn take(&self, idx: u32, gen: u32) -> Option<Parked> {
        let mut slots = self.slots.borrow_mut();
        let slot = slots.get_mut(idx as usize)?;
        if slot.gen != gen {
            return None;
        }
        slot.parked.take()
    }

    /// Closes every parked connection (a stop: they have no request in progress).
    fn close_all(&self) {
        self.closed.set(true);
        let parked: Vec<Parked> = self
            .slots
            .borrow_mut()
            .iter_mut()
            .filter_map(|s| s.parked.take())
            .collect();
        self.deadlines.borrow_mut().clear();
        // Dropped outside the borrow: releasing tickets may wake other tasks.
        drop(parked);
    }
}

fn is_current(slots: &[Slot], idx: u32, gen: u32) -> bool {
    slots
        .get(idx as usize)
        .is_some_and(|s| s.gen == gen && s.parked.is_some())
}

fn token(idx: u32, gen: u32) -> u64 {
    u64::from(idx) | (u64::from(gen) << 32)
}

/// Tries the first read; starts the session if it found bytes, drops the connection on end
/// of stream or error, and gives the connection back if there was nothing yet.
fn try_start(w: &Rc<Worker>, p: Parked) -> Option<Parked> {
    let mut buf = w.bufs.get();
    loop {
        match (&p.sock).read(&mut buf) {
            Ok(0) => {
                crate::http::empty_connection(&p.ticket, Some(p.peer));
                return None;
            }
            Ok(n) => {
                start_session(p, FirstRead::Bytes(buf, n));
                return None;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Some(p),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Spawns the session task; the socket joins the event loop when the session first waits on
/// it (lazy_tcp.rs).
fn start_session(p: Parked, first: FirstRead) {
    let Parked {
        sock,
        ticket,
        peer,
        deadline,
    } = p;
    tokio::task::spawn_local(crate::http::serve_started(
        ticket,
        crate::lazy_tcp::LazyTcp::new(sock),
        Some(peer),
        deadline,
        first,
    ));
}

fn epoll_ctl(epoll: &AsyncFd<OwnedFd>, op: i32, fd: i32, data: u64) -> io::Result<()> {
    let mut ev = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLONESHOT) as u32,
        u64: data,
    };
    // SAFETY: both descriptors are open (owned by the caller); `ev` is a valid event.
    let r = unsafe { libc::epoll_ctl(epoll.get_ref().as_raw_fd(), op, fd, &mut ev) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Accepts one connection, non-blocking and close-on-exec, without registering it anywhere.
pub fn accept(listener: &std::net::TcpListener) -> io::Result<(StdTcpStream, SocketAddr)> {
    // SAFETY: zeroed sockaddr_storage is a valid (empty) address buffer.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage`/`len` describe a writable buffer of the size given.
    let fd = unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh connected socket nobody else owns.
    let sock = unsafe { StdTcpStream::from_raw_fd(fd) };
    // SAFETY: the kernel filled `storage` with `len` bytes of a socket address.
    let addr = unsafe { socket2::SockAddr::new(storage, len) };
    let peer = addr
        .as_socket()
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))?;
    Ok((sock, peer))
}
