//! From "this request goes to backend B" to "here is a connected server socket": server choice
//! through the backend's picker, server `maxconn` slots, the backend queue (`maxqueue`,
//! `timeout queue`), and connection attempts with `retries` and `option redispatch`.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use crate::balance::{PickContext, RequestKey, ServerId};
use crate::counters::Counter;
use crate::plan::{BackendId, BackendPlan};
use crate::worker::Worker;

/// Why no server connection could be had; each maps to HAProxy's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectError {
    /// No usable server, or every server's queue is full: 503.
    NoServer,
    /// Waited `timeout queue` for a slot: 503.
    QueueTimeout,
    /// Every attempt (`retries` + 1) failed or timed out: 503.
    ConnectFailed,
}

/// A server slot (one unit of the server's `maxconn`), released on drop, which wakes one
/// session waiting in the backend's queue.
#[derive(Debug)]
pub struct ServerSlot {
    w: Rc<Worker>,
    pub backend: BackendId,
    pub server: ServerId,
    /// Connection attempts that failed before this one (`%rc` in logs).
    pub retries: u32,
    /// Whether a failed server was left for another one (`option redispatch`, `+` in `%rc`).
    pub redispatched: bool,
}

impl ServerSlot {
    pub fn backend_plan(&self) -> &BackendPlan {
        &self.w.plan.backends[self.backend]
    }

    pub fn server_name(&self) -> &str {
        &self.backend_plan().servers[self.server].name
    }
}

impl Drop for ServerSlot {
    fn drop(&mut self) {
        let plan = &self.w.plan;
        if let Some(row) = plan
            .counters
            .servers
            .get(self.backend)
            .and_then(|s| s.get(self.server))
        {
            row.sessions.leave();
        }
        if let Some(row) = plan.counters.backends.get(self.backend) {
            row.sessions.leave();
            if row.queue.cur() > 0 {
                plan.backends[self.backend].slot_freed.notify_one();
            }
        }
        if let Some(p) = self.w.pickers.get(self.backend) {
            p.borrow_mut().release(self.server);
        }
    }
}

/// Whether a server is in service: not `disabled`, and up (not DOWN, MAINT or DRAIN) as the
/// health checker last published it (one relaxed atomic load).
pub fn in_service(be: &BackendPlan, id: ServerId) -> bool {
    be.servers.get(id).is_some_and(|s| !s.disabled) && be.health.usable(be.proxy_index, id)
}

/// Whether server `id` is up (checks and admin state), whatever its weight: what `use-server`
/// and persistence need, since a weight of 0 only keeps a server out of balancing.
pub fn server_up(be: &BackendPlan, id: ServerId) -> bool {
    be.servers.get(id).is_some_and(|s| !s.disabled)
        && be
            .health
            .backend(be.proxy_index)
            .and_then(|b| b.state(id))
            .is_some_and(|st| st.usable())
}

/// What server choice may use besides the client's address.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice<'a> {
    /// The request's hash key parts.
    pub key: RequestKey<'a>,
    /// The server a persistence cookie names, already checked to be usable (or `option
    /// persist`).
    pub direct: Option<ServerId>,
}

/// Claims one of server `id`'s `maxconn` slots, if it has one free.
fn claim(w: &Rc<Worker>, be: &BackendPlan, id: ServerId) -> Option<ServerSlot> {
    let rows = w.plan.counters.servers.get(be.id)?;
    let server = be.servers.get(id)?;
    // During `slowstart` the server's maxconn ramps up with its weight.
    let maxconn = match be
        .health
        .backend(be.proxy_index)
        .and_then(|b| b.servers.get(id))
    {
        Some(h) if server.maxconn > 0 => h.effective_maxconn().max(1),
        _ => server.maxconn,
    };
    if !rows[id].sessions.try_enter(u64::from(maxconn)) {
        return None;
    }
    let now = crate::clock::now_sec();
    if let Some(b) = w.plan.counters.backends.get(be.id) {
        b.sessions.enter();
        b.session_started(w.thread, now);
    }
    rows[id].session_started(w.thread, now);
    Some(ServerSlot {
        w: Rc::clone(w),
        backend: be.id,
        server: id,
        retries: 0,
        redispatched: false,
    })
}

/// Takes a slot on the server the picker chooses, avoiding `exclude` (a redispatch never
/// returns to it).
fn try_pick(
    w: &Rc<Worker>,
    be: &BackendPlan,
    client: Option<SocketAddr>,
    exclude: Option<ServerId>,
    key: RequestKey<'_>,
) -> Option<ServerSlot> {
    let rows = w.plan.counters.servers.get(be.id)?;
    let in_service = |id: ServerId| in_service(be, id);
    // Agent `N%` and slowstart change weights at run time; the health table has the current one.
    let weight = |id: ServerId| {
        be.health
            .backend(be.proxy_index)
            .and_then(|b| b.weight(id))
            .map_or(be.pick_servers[id].weight, |w| w.min(256))
    };
    let served = |id: ServerId| {
        rows.get(id)
            .map_or(0, |r| r.sessions.cur().min(u64::from(u32::MAX)) as u32)
    };
    // Another thread may take the last slot between the pick and the claim: pick again.
    for _ in 0..=be.servers.len() {
        let id = {
            let mut picker = w.pickers.get(be.id)?.borrow_mut();
            picker.pick(&PickContext {
                client,
                servers: &be.pick_servers,
                all_backups: be.all_backups,
                in_service: &in_service,
                weight: Some(&weight),
                served: &served,
                avoid: exclude,
                key,
            })?
        };
        if Some(id) == exclude {
            return None;
        }
        if let Some(slot) = claim(w, be, id) {
            // `lbtot`: the algorithm chose this server.
            if let Some(row) = w.plan.counters.servers.get(be.id).and_then(|r| r.get(id)) {
                row.incr(w.thread, Counter::LbTotal);
            }
            if let Some(row) = w.plan.counters.backends.get(be.id) {
                row.incr(w.thread, Counter::LbTotal);
            }
            return Some(slot);
        }
    }
    None
}

/// A server slot for a new connection, waiting in the backend queue if every server is full.
/// A persistence cookie's server (`choice.direct`) is taken directly when it has a free slot
/// (else the request is balanced like any other); `choice.key` feeds hashing algorithms.
pub async fn assign_server(
    w: &Rc<Worker>,
    backend: BackendId,
    client: Option<SocketAddr>,
    choice: Choice<'_>,
) -> Result<ServerSlot, ConnectError> {
    let key = choice.key;
    let be = &w.plan.backends[backend];
    let counters = &w.plan.counters;
    let (Some(be_row), Some(rows)) = (
        counters.backends.get(backend),
        counters.servers.get(backend),
    ) else {
        return Err(ConnectError::NoServer);
    };
    // Sessions already queued go first: a newcomer only skips the queue when it is empty.
    if let Some(slot) = choice.direct.and_then(|id| claim(w, be, id)) {
        return Ok(slot);
    }
    if be_row.queue.cur() == 0 {
        if let Some(slot) = try_pick(w, be, client, None, key) {
            return Ok(slot);
        }
    }
    // Which server's queue this session counts against (`maxqueue`): one the picker would
    // choose if it had room. None at all: every server is down or every queue is full.
    let queue_room = |id: ServerId| {
        in_service(be, id)
            && (be.servers[id].maxqueue == 0
                || rows[id].queue.cur() < u64::from(be.servers[id].maxqueue))
    };
    let home = {
        // Loads do not matter here: every server is full, the question is whose queue.
        let in_svc = |id: ServerId| in_service(be, id);
        let mut picker = w.pickers[backend].borrow_mut();
        picker.pick(&PickContext {
            client,
            servers: &be.pick_servers,
            all_backups: be.all_backups,
            in_service: &in_svc,
            weight: None,
            served: &|_| 0,
            avoid: None,
            key,
        })
    };
    // The chosen server's queue is full: any other in-service server's queue will do.
    let home = home
        .filter(|&h| queue_room(h))
        .or_else(|| (0..be.servers.len()).find(|&id| queue_room(id)));
    let Some(home) = home else {
        return Err(ConnectError::NoServer);
    };
    let _queued = QueueEntry::new(&rows[home].queue, &be_row.queue);
    // Without `timeout queue`, HAProxy uses `timeout connect`.
    let wait = be.timeout_queue.or(be.timeout_connect);
    let deadline = wait.map(|d| Instant::now() + d);
    loop {
        let freed = be.slot_freed.notified();
        tokio::pin!(freed);
        freed.as_mut().enable();
        if let Some(slot) = try_pick(w, be, client, None, key) {
            // Pass the wake-up on if more sessions wait and slots may remain.
            if be_row.queue.cur() > 1 {
                be.slot_freed.notify_one();
            }
            return Ok(slot);
        }
        match deadline {
            Some(d) => {
                if tokio::time::timeout_at(d, freed).await.is_err() {
                    return Err(ConnectError::QueueTimeout);
                }
            }
            None => freed.await,
        }
    }
}

/// Counts a session in a server's and its backend's queue while it lives.
struct QueueEntry<'a> {
    server: &'a crate::counters::Gauge,
    backend: &'a crate::counters::Gauge,
}

impl<'a> QueueEntry<'a> {
    fn new(server: &'a crate::counters::Gauge, backend: &'a crate::counters::Gauge) -> Self {
        server.enter();
        backend.enter();
        QueueEntry { server, backend }
    }
}

impl Drop for QueueEntry<'_> {
    fn drop(&mut self) {
        self.server.leave();
        self.backend.leave();
    }
}

/// Connects to the slot's server, retrying `retries` times; with `option redispatch` the last
/// attempt goes to another server. Returns the connection and the slot it holds.
pub async fn connect(
    w: &Rc<Worker>,
    mut slot: ServerSlot,
    client: Option<SocketAddr>,
    dst: Option<SocketAddr>,
) -> Result<(TcpStream, ServerSlot), ConnectError> {
    let be = &w.plan.backends[slot.backend];
    let counters = &w.plan.counters;
    let mut retries_left = be.retries;
    loop {
        let server = &be.servers[slot.server];
        let attempt = match server.target.resolve(dst) {
            Some(addr) => connect_once(addr, be).await,
            None => Err(io::ErrorKind::AddrNotAvailable.into()),
        };
        let row = &counters.servers[slot.backend][slot.server];
        // `observe layer4`: every connection attempt counts for or against the server.
        let observed = if attempt.is_ok() {
            checks::observe::Observed::L4Ok
        } else {
            checks::observe::Observed::L4Error
        };
        be.health.report(be.proxy_index, slot.server, observed);
        match attempt {
            Ok(stream) => return Ok((stream, slot)),
            Err(_) => {
                row.incr(w.thread, Counter::ErrorsConn);
                if retries_left == 0 {
                    counters.backends[slot.backend].incr(w.thread, Counter::ErrorsConn);
                    return Err(ConnectError::ConnectFailed);
                }
                retries_left -= 1;
                slot.retries += 1;
                row.incr(w.thread, Counter::Retries);
                counters.backends[slot.backend].incr(w.thread, Counter::Retries);
                if retries_left == 0 && be.redispatch {
                    if let Some(other) =
                        try_pick(w, be, client, Some(slot.server), RequestKey::default())
                    {
                        counters.backends[slot.backend].incr(w.thread, Counter::Redispatches);
                        counters.servers[other.backend][other.server]
                            .incr(w.thread, Counter::Redispatches);
                        let tried = slot.retries;
                        slot = other;
                        slot.retries = tried;
                        slot.redispatched = true;
                        continue;
                    }
                }
                // HAProxy's turn-around timer: min(timeout connect, 1s) before a retry on the
                // same server, so a restarting server is not hammered.
                let pause = be
                    .timeout_connect
                    .unwrap_or(Duration::from_secs(1))
                    .min(Duration::from_secs(1));
                tokio::time::sleep(pause).await;
            }
        }
    }
}

async fn connect_once(addr: SocketAddr, be: &BackendPlan) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    let opts = socket2::SockRef::from(&socket);
    opts.set_nodelay(true)?;
    if be.smart_connect {
        // The handshake's last ACK waits (up to the delayed-ACK time) for the request,
        // which carries it: one packet fewer.
        opts.set_quickack(false)?;
    }
    if be.nolinger {
        opts.set_linger(Some(Duration::ZERO))?;
    }
    match be.timeout_connect {
        Some(t) => tokio::time::timeout(t, socket.connect(addr))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?,
        None => socket.connect(addr).await,
    }
}

/// One connection attempt to a given server (used to replay a request when a reused
/// connection turned out to be closed).
pub async fn connect_server_once(
    be: &BackendPlan,
    server: ServerId,
    dst: Option<SocketAddr>,
) -> io::Result<TcpStream> {
    let addr = be.servers[server]
        .target
        .resolve(dst)
        .ok_or(io::ErrorKind::AddrNotAvailable)?;
    connect_once(addr, be).await
}

/// Runs `fut` unless the sessions of `server` must end first (`None` then). Callers skip it
/// where nothing can ask for that (`BackendPlan::watch_shutdown` false): watching costs a
/// poll of the signal on every wake-up.
pub(crate) async fn unless_shut_down<F: std::future::Future>(
    be: &BackendPlan,
    server: ServerId,
    fut: F,
) -> Option<F::Output> {
    let killed = shutdown_watch(be, server);
    tokio::select! {
        biased;
        r = fut => Some(r),
        () = killed => None,
    }
}

/// Waits until sessions on `server` of `be` must end (`on-marked-down shutdown-sessions`,
/// `on-marked-up shutdown-backup-sessions`, `shutdown sessions server`), counting from the
/// signal's state when this future is created; never resolves for an unknown server.
pub(crate) fn shutdown_watch(
    be: &BackendPlan,
    server: ServerId,
) -> impl std::future::Future<Output = ()> + '_ {
    let signal = be.health.shutdown_signal(be.proxy_index, server);
    let epoch = signal.map(|s| s.epoch());
    async move {
        match (signal, epoch) {
            (Some(s), Some(e)) => s.wait_past(e).await,
            _ => std::future::pending().await,
        }
    }
}

/// Why a session's server killed it, as the log's first termination character says: the
/// server went down (`D`), an active server came back so a backup's sessions end (`U`), or
/// an admin asked (`K`).
pub(crate) fn shutdown_cause(be: &BackendPlan, server: ServerId) -> logging::TerminationCause {
    let backup = be.pick_servers.get(server).is_some_and(|s| s.backup);
    if !server_up(be, server) {
        logging::TerminationCause::ServerDown
    } else if backup {
        logging::TerminationCause::ServerUp
    } else {
        logging::TerminationCause::Killed
    }
}

/// Closes a server connection whose exchange is over with a reset rather than a FIN, as
/// HAProxy does: nothing is left to deliver either way, and the close then costs neither
/// side a TIME_WAIT socket nor the FIN/ACK exchange.
pub fn close_abortive(conn: TcpStream) {
    let _ = socket2::SockRef::from(&conn).set_linger(Some(Duration::ZERO));
    drop(conn);
}
