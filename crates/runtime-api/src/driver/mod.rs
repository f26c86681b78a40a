//! The runtime API server: listens on the `stats socket` addresses and runs a
//! [`CliSession`](crate::CliSession) per client against the proxy's [`RuntimeTarget`].
//!
//! Plain blocking std sockets: one accept thread per listener and one thread per client,
//! at most `maxconn` clients at once (more are closed at once). It runs beside the proxy's
//! workers and never touches the request path. [`RuntimeServer::stop`] (or drop) wakes
//! every thread, joins them and removes the unix socket files it created.

mod client;
mod listener;
mod spec;
mod stream;

use std::collections::HashMap;
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub use spec::{ListenerSpec, SocketAddrSpec};

use crate::level::Level;
use crate::target::RuntimeTarget;
use listener::BoundListener;
use stream::ClientStream;

/// `stats timeout` default: 10 seconds (configuration manual).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// `stats maxconn` default: 10 (configuration manual).
pub const DEFAULT_MAXCONN: usize = 10;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot bind stats socket {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("stats socket address {0} is not supported by halb")]
    UnsupportedAddress(String),
    #[error("cannot start the stats socket thread: {0}")]
    Thread(std::io::Error),
}

/// Tunables of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    /// Idle timeout of a client (`stats timeout`).
    pub timeout: Duration,
    /// Most clients served at once (`stats maxconn`).
    pub maxconn: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            timeout: DEFAULT_TIMEOUT,
            maxconn: DEFAULT_MAXCONN,
        }
    }
}

/// A live client: a clone of its stream (to cut it on stop) and its thread.
type ClientEntry = (ClientStream, JoinHandle<()>);

/// Shared between the accept threads, the client threads and `stop`.
struct Shared {
    target: Arc<dyn RuntimeTarget>,
    options: ServerOptions,
    stopping: AtomicBool,
    next_client: AtomicU64,
    /// Clones of the live client streams (to cut them on stop) and their threads.
    clients: Mutex<HashMap<u64, ClientEntry>>,
}

impl Shared {
    fn clients(&self) -> MutexGuard<'_, HashMap<u64, ClientEntry>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running runtime API server.
pub struct RuntimeServer {
    shared: Arc<Shared>,
    listeners: Vec<Arc<BoundListener>>,
    acceptors: Vec<JoinHandle<()>>,
    addrs: Vec<SocketAddrSpec>,
}

impl std::fmt::Debug for RuntimeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeServer")
            .field("addrs", &self.addrs)
            .finish_non_exhaustive()
    }
}

impl RuntimeServer {
    /// Binds every listener and starts serving with the given idle `timeout` and the
    /// default `maxconn`. Nothing is left bound if any listener fails.
    pub fn start(
        listeners: Vec<ListenerSpec>,
        target: Arc<dyn RuntimeTarget>,
        timeout: Duration,
    ) -> Result<RuntimeServer, ServerError> {
        Self::start_with(
            listeners,
            target,
            ServerOptions {
                timeout,
                ..ServerOptions::default()
            },
        )
    }

    /// As [`start`](Self::start), with all options.
    pub fn start_with(
        specs: Vec<ListenerSpec>,
        target: Arc<dyn RuntimeTarget>,
        options: ServerOptions,
    ) -> Result<RuntimeServer, ServerError> {
        let shared = Arc::new(Shared {
            target,
            options,
            stopping: AtomicBool::new(false),
            next_client: AtomicU64::new(0),
            clients: Mutex::new(HashMap::new()),
        });
        let mut server = RuntimeServer {
            shared,
            listeners: Vec::new(),
            acceptors: Vec::new(),
            addrs: Vec::new(),
        };
        // On any error `server` is dropped, which unbinds what was bound so far.
        for spec in &specs {
            let l = Arc::new(BoundListener::bind(spec)?);
            server
                .addrs
                .push(l.local_addr().map_err(|source| ServerError::Bind {
                    addr: spec.addr.to_string(),
                    source,
                })?);
            server.listeners.push(l.clone());
            let shared = server.shared.clone();
            let level = spec.level;
            let handle = std::thread::Builder::new()
                .name("halb-cli-accept".into())
                .spawn(move || accept_loop(&l, level, &shared))
                .map_err(ServerError::Thread)?;
            server.acceptors.push(handle);
        }
        Ok(server)
    }

    /// The bound addresses, in the order of the specs (TCP port 0 resolved).
    pub fn local_addrs(&self) -> &[SocketAddrSpec] {
        &self.addrs
    }

    /// Stops accepting, cuts the connected clients, joins every thread and removes the
    /// unix socket files.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for l in &self.listeners {
            l.interrupt();
        }
        for h in self.acceptors.drain(..) {
            let _ = h.join();
        }
        let clients: Vec<_> = self.shared.clients().drain().collect();
        for (_, (stream, handle)) in clients {
            stream.shutdown(Shutdown::Both);
            let _ = handle.join();
        }
        for l in self.listeners.drain(..) {
            l.remove_file();
        }
    }
}

impl Drop for RuntimeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: &BoundListener, level: Level, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => {
                // Out of file descriptors or similar: back off instead of spinning.
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let mut clients = shared.clients();
        // Forget the clients that are done.
        clients.retain(|_, (_, h)| !h.is_finished());
        if clients.len() >= shared.options.maxconn {
            stream.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(copy) = stream.try_clone() else {
            continue;
        };
        let id = shared.next_client.fetch_add(1, Ordering::Relaxed);
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("halb-cli-client".into())
            .spawn(move || {
                client::serve(stream, level, &*worker.target, worker.options.timeout);
            });
        if let Ok(handle) = spawned {
            clients.insert(id, (copy, handle));
        }
    }
}
