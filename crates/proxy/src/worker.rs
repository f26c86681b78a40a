//! One worker thread: a single-threaded tokio runtime, its own listeners, its sessions.
//!
//! Sessions never leave the thread that accepted them, so everything per thread (buffer
//! pool, server pickers, idle server connections) is plain `Rc`/`RefCell` without locks.
//! Accepting pauses while the frontend or the process is at `maxconn`: pending connections
//! wait in the kernel backlog and nothing is dropped.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use tokio::io::unix::AsyncFd;
use tokio::net::{TcpListener, UnixListener};
use tokio::task::LocalSet;

use crate::balance::{BalancePicker, ServerPicker};
use crate::bufpool::BufPool;
use crate::control::{ControlShared, StopState};
use crate::counters::Counter;
use crate::hooks::SessionHooks;
use crate::listener::{BoundListener, BoundSocket};
use crate::parking::Parking;
use crate::plan::{FrontendId, Plan};
use crate::pool::IdleServerConns;
use crate::stream::Stream;

/// What every session on this thread shares.
pub struct Worker {
    pub thread: usize,
    pub plan: Arc<Plan>,
    pub control: Arc<ControlShared>,
    pub hooks: Arc<dyn SessionHooks>,
    pub bufs: Rc<BufPool>,
    /// One picker per backend, in plan order.
    pub pickers: Vec<RefCell<Box<dyn ServerPicker>>>,
    pub idle_servers: RefCell<IdleServerConns>,
    /// Sessions in progress on this thread (a soft stop waits for 0).
    live: Cell<usize>,
    drained: tokio::sync::Notify,
    /// Scratch buffers for rewritten heads, reused across sessions.
    head_bufs: RefCell<Vec<Vec<u8>>>,
}

impl Worker {
    pub fn take_head_buf(&self) -> Vec<u8> {
        self.head_bufs
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(1024))
    }

    pub fn put_head_buf(&self, mut b: Vec<u8>) {
        let mut bufs = self.head_bufs.borrow_mut();
        // Keep a few, and none that grew huge on one odd request.
        if bufs.len() < 64 && b.capacity() <= 64 * 1024 {
            b.clear();
            bufs.push(b);
        }
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("thread", &self.thread)
            .finish()
    }
}

/// Builds the picker for a backend's `balance` algorithm (the `balance` crate). `balance
/// random` draws from a generator seeded per thread and backend.
fn picker_for(b: &crate::plan::BackendPlan, thread: usize) -> Box<dyn ServerPicker> {
    let seed = (thread as u64) << 32 ^ b.id as u64 ^ 0x9e37_79b9_7f4a_7c15;
    Box::new(BalancePicker::new(
        b.balance_spec.clone(),
        b.balance_servers.clone(),
        b.all_backups,
        seed,
    ))
}

/// Runs worker `thread` until a hard stop, or a soft stop once its sessions are done.
pub fn run(
    thread: usize,
    plan: Arc<Plan>,
    control: Arc<ControlShared>,
    hooks: Arc<dyn SessionHooks>,
    listeners: Vec<BoundListener>,
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = LocalSet::new();
    let bufsize = plan
        .frontends
        .iter()
        .map(|f| f.bufsize)
        .max()
        .unwrap_or(16384);
    let w = Rc::new(Worker {
        thread,
        pickers: plan
            .backends
            .iter()
            .map(|b| RefCell::new(picker_for(b, thread)))
            .collect(),
        plan,
        control,
        hooks,
        bufs: BufPool::new(bufsize, 1024),
        idle_servers: RefCell::new(IdleServerConns::default()),
        live: Cell::new(0),
        drained: tokio::sync::Notify::new(),
        head_bufs: RefCell::new(Vec::new()),
    });
    // The future given to `block_on` is polled on every wake-up of the LocalSet, so it only
    // waits on a join handle (cheap to poll); the stop logic runs as a task of its own.
    local.block_on(&rt, async move {
        match tokio::task::spawn_local(supervise(w, listeners)).await {
            Ok(r) => r,
            Err(_) => Ok(()),
        }
    })
    // Dropping the LocalSet and the runtime drops every remaining session: sockets close.
}

/// Starts the accept loops, then waits for a stop request and carries it out.
async fn supervise(w: Rc<Worker>, listeners: Vec<BoundListener>) -> std::io::Result<()> {
    // Register the listeners inside the runtime (tokio needs its reactor for that).
    let mut accepting = Vec::new();
    for l in listeners {
        accepting.push(register(&w, l)?);
    }
    let parking = Parking::new()?;
    tokio::task::spawn_local(Rc::clone(&parking).run(Rc::clone(&w)));
    let anchor = tokio::task::spawn_local(timer_anchor());
    let accept_tasks: Vec<_> = accepting
        .into_iter()
        .map(|acc| tokio::task::spawn_local(accept_loop(Rc::clone(&w), Rc::clone(&parking), acc)))
        .collect();
    let first = w.control.stopping().await;
    // Stop accepting: dropping the accept tasks closes this thread's listening sockets.
    for t in accept_tasks {
        t.abort();
    }
    anchor.abort();
    if first == StopState::Soft {
        tokio::select! {
            _ = w.control.hard_stopping() => {}
            _ = wait_drained(&w) => {}
        }
    }
    Ok(())
}

/// Keeps a timer at most a second ahead in this thread's timer wheel. tokio wakes its own
/// (running) event loop through an eventfd write whenever a new timer is earlier than the
/// loop's next planned wake-up; without an anchor, every connection's `timeout connect`
/// (seconds) set under long client timeouts (minutes) costs that system call and an extra
/// turn of the loop. One wake-up a second per thread is the price.
async fn timer_anchor() {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn wait_drained(w: &Worker) {
    loop {
        let n = w.drained.notified();
        tokio::pin!(n);
        n.as_mut().enable();
        if w.live.get() == 0 {
            return;
        }
        n.await;
    }
}

enum Accepting {
    Tcp(FrontendId, TcpListener),
    /// A `mode http` TCP listener: connections are accepted unregistered and parked until
    /// their first bytes (see parking.rs).
    HttpTcp(FrontendId, AsyncFd<std::net::TcpListener>),
    Unix(FrontendId, UnixListener),
}

fn register(w: &Worker, l: BoundListener) -> std::io::Result<Accepting> {
    let http = w.plan.frontends[l.frontend].mode == haproxy_cfg::model::Mode::Http;
    Ok(match l.socket {
        BoundSocket::Tcp(s) if http => {
            // SAFETY: the listener owns its descriptor for as long as the AsyncFd holds it.
            let l2 = unsafe { AsyncFd::register_with_interest(s, tokio::io::Interest::READABLE) }?;
            Accepting::HttpTcp(l.frontend, l2)
        }
        BoundSocket::Tcp(s) => Accepting::Tcp(l.frontend, TcpListener::from_std(s)?),
        BoundSocket::Unix(s) => Accepting::Unix(l.frontend, UnixListener::from_std(s)?),
    })
}

/// Accepts one connection without registering it with the event loop.
async fn accept_unregistered(
    l: &AsyncFd<std::net::TcpListener>,
) -> std::io::Result<(std::net::TcpStream, SocketAddr)> {
    loop {
        let mut ready = std::future::poll_fn(|cx| l.poll_read_ready(cx)).await?;
        if let Ok(r) = ready.try_io(|l| crate::parking::accept(l.get_ref())) {
            return r;
        }
    }
}

async fn accept_loop(w: Rc<Worker>, parking: Rc<Parking>, acc: Accepting) {
    let fe = match &acc {
        Accepting::Tcp(f, _) | Accepting::HttpTcp(f, _) | Accepting::Unix(f, _) => *f,
    };
    loop {
        // Pause while the frontend or the process is at maxconn: new connections wait in the
        // kernel's backlog. The slot itself is taken after accept, so idle accept loops do not
        // hold slots; a race lost to another thread waits for the next free slot while holding
        // just this one connection.
        SessionTicket::wait_for_room(&w, fe).await;
        let accepted = match &acc {
            Accepting::Tcp(_, l) => match l.accept().await {
                Ok((s, peer)) => {
                    // TCP_NODELAY is inherited from the listening socket (Linux).
                    if let Some(ticket) = SessionTicket::acquire(&w, fe).await {
                        spawn_session(ticket, s, Some(peer));
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Accepting::HttpTcp(_, l) => match accept_unregistered(l).await {
                Ok((s, peer)) => {
                    if let Some(ticket) = SessionTicket::acquire(&w, fe).await {
                        if !crate::http::accept_denied(&ticket, Some(peer), || s.local_addr().ok())
                        {
                            let first = crate::http::first_deadline(&w.plan.frontends[fe]);
                            parking.admit(&w, s, ticket, peer, first);
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Accepting::Unix(_, l) => match l.accept().await {
                Ok((s, _)) => {
                    if let Some(ticket) = SessionTicket::acquire(&w, fe).await {
                        spawn_session(ticket, s, None);
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = accepted {
            // EMFILE/ENFILE and friends: back off briefly instead of spinning.
            if let Some(row) = w.plan.counters.frontends.get(fe) {
                row.incr(w.thread, Counter::ErrorsConn);
            }
            if !is_transient(&e) {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::Interrupted
    )
}

/// The right to run one more session on a frontend: it holds one unit of the frontend's and
/// the process's `maxconn` and is released when the session ends.
pub struct SessionTicket {
    pub w: Rc<Worker>,
    pub frontend: FrontendId,
}

impl SessionTicket {
    /// Waits until the frontend and the process are below `maxconn`, without taking a slot.
    async fn wait_for_room(w: &Rc<Worker>, fe: FrontendId) {
        use std::sync::atomic::Ordering::AcqRel;
        let plan = &w.plan;
        let has_room = || {
            let fe_cur = plan
                .counters
                .frontends
                .get(fe)
                .map_or(0, |r| r.sessions.cur());
            fe_cur < u64::from(plan.frontends[fe].maxconn)
                && plan.global_sessions.cur() < u64::from(plan.global_maxconn)
        };
        if has_room() {
            return;
        }
        loop {
            let resumed = plan.accept_resume.notified();
            tokio::pin!(resumed);
            resumed.as_mut().enable();
            plan.accept_waiters.fetch_add(1, AcqRel);
            if has_room() {
                plan.accept_waiters.fetch_sub(1, AcqRel);
                return;
            }
            resumed.await;
            plan.accept_waiters.fetch_sub(1, AcqRel);
        }
    }

    /// Takes a slot on the frontend and the process, waiting for one if needed.
    async fn acquire(w: &Rc<Worker>, fe: FrontendId) -> Option<SessionTicket> {
        use std::sync::atomic::Ordering::AcqRel;
        let plan = &w.plan;
        if let Some(t) = Self::try_take(w, fe) {
            return Some(t);
        }
        loop {
            // Register as a waiter before looking again, so a release in between wakes us.
            let resumed = plan.accept_resume.notified();
            tokio::pin!(resumed);
            resumed.as_mut().enable();
            plan.accept_waiters.fetch_add(1, AcqRel);
            if let Some(t) = Self::try_take(w, fe) {
                plan.accept_waiters.fetch_sub(1, AcqRel);
                return Some(t);
            }
            resumed.await;
            plan.accept_waiters.fetch_sub(1, AcqRel);
        }
    }

    fn try_take(w: &Rc<Worker>, fe: FrontendId) -> Option<SessionTicket> {
        let plan = &w.plan;
        let row = plan.counters.frontends.get(fe)?;
        if !row
            .sessions
            .try_enter(u64::from(plan.frontends[fe].maxconn))
        {
            return None;
        }
        if !plan
            .global_sessions
            .try_enter(u64::from(plan.global_maxconn))
        {
            row.sessions.leave();
            return None;
        }
        let now = crate::clock::now_sec();
        row.incr(w.thread, Counter::ConnTotal);
        row.tick(w.thread, crate::counters::RateKind::Connections, now);
        row.session_started(w.thread, now);
        w.live.set(w.live.get() + 1);
        Some(SessionTicket {
            w: Rc::clone(w),
            frontend: fe,
        })
    }
}

impl Drop for SessionTicket {
    fn drop(&mut self) {
        let plan = &self.w.plan;
        if let Some(row) = plan.counters.frontends.get(self.frontend) {
            row.sessions.leave();
        }
        plan.global_sessions.leave();
        if plan
            .accept_waiters
            .load(std::sync::atomic::Ordering::Acquire)
            > 0
        {
            plan.accept_resume.notify_waiters();
        }
        let live = self.w.live.get().saturating_sub(1);
        self.w.live.set(live);
        if live == 0 {
            self.w.drained.notify_waiters();
        }
    }
}

/// Starts the task serving one accepted connection. Each mode's session is the task's
/// whole future (no wrapper keeping second copies of the socket and addresses), which keeps
/// an idle HTTP connection small.
fn spawn_session<S: Stream + 'static>(ticket: SessionTicket, client: S, peer: Option<SocketAddr>) {
    match ticket.w.plan.frontends[ticket.frontend].mode {
        haproxy_cfg::model::Mode::Http => {
            tokio::task::spawn_local(crate::http::serve(ticket, client, peer));
        }
        haproxy_cfg::model::Mode::Tcp => {
            tokio::task::spawn_local(tcp_session(ticket, client, peer));
        }
    }
}

async fn tcp_session<S: Stream>(ticket: SessionTicket, client: S, peer: Option<SocketAddr>) {
    let w = &ticket.w;
    // The local address costs a system call: only when a server port follows it.
    let local = if w.plan.frontends[ticket.frontend].needs_local_addr {
        client.local_ip_addr()
    } else {
        None
    };
    crate::tcp::serve(w, &w.plan.frontends[ticket.frontend], client, peer, local).await;
}
