//! Idle server connections of one worker thread, per (backend, server), for `http-reuse`.
//!
//! A session keeps the server connections it used attached to itself between requests; when
//! it ends, they come here, where later sessions may take them for a request that is not
//! their first (`http-reuse safe`). Entries older than the purge delay, or that the server
//! closed meanwhile, are dropped when found. Dropped connections are reset, not closed with a
//! FIN: no exchange is in progress on them (HAProxy does the same).

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::balance::ServerId;
use crate::connect::close_abortive;
use crate::plan::BackendId;

/// How long an idle connection is kept (HAProxy's `pool-purge-delay` default).
const PURGE_DELAY: Duration = Duration::from_secs(5);
/// Most idle connections kept per server per thread.
const MAX_PER_SERVER: usize = 64;

/// Idle connections to one server, oldest first, with the time each became idle.
type IdleList = VecDeque<(TcpStream, Instant)>;

#[derive(Debug, Default)]
pub struct IdleServerConns {
    lists: Vec<((BackendId, ServerId), IdleList)>,
}

impl IdleServerConns {
    fn list(&mut self, key: (BackendId, ServerId)) -> &mut IdleList {
        let pos = match self.lists.iter().position(|(k, _)| *k == key) {
            Some(p) => p,
            None => {
                self.lists.push((key, VecDeque::new()));
                self.lists.len() - 1
            }
        };
        &mut self.lists[pos].1
    }

    /// Keeps `conn` for later; drops it when the server's list is full.
    pub fn put(&mut self, backend: BackendId, server: ServerId, conn: TcpStream) {
        let now = Instant::now();
        let list = self.list((backend, server));
        while list
            .front()
            .is_some_and(|(_, t)| now.duration_since(*t) > PURGE_DELAY)
        {
            if let Some((old, _)) = list.pop_front() {
                close_abortive(old);
            }
        }
        if list.len() < MAX_PER_SERVER {
            list.push_back((conn, now));
        } else {
            close_abortive(conn);
        }
    }

    /// The most recently idled connection to this server that still looks usable.
    pub fn take(&mut self, backend: BackendId, server: ServerId) -> Option<TcpStream> {
        let now = Instant::now();
        let list = self.list((backend, server));
        while let Some((conn, since)) = list.pop_back() {
            if now.duration_since(since) <= PURGE_DELAY && still_open(&conn) {
                return Some(conn);
            }
            close_abortive(conn);
        }
        None
    }
}

/// An idle connection must have nothing to read: end of stream means the server closed it,
/// data means it sent something unsolicited. Either way it cannot carry a new request.
fn still_open(conn: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    matches!(conn.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}
