//! Where and how a `stats socket` listens: [`ListenerSpec`], built from the configuration
//! model's `StatsSocket` or by hand.

use std::net::SocketAddr;
use std::path::PathBuf;

use haproxy_cfg::model::{ListenAddr, StatsSocket};

use super::ServerError;
use crate::level::Level;

/// A listening address of the runtime API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketAddrSpec {
    /// A unix stream socket file (`stats socket /run/haproxy/admin.sock`).
    Unix(PathBuf),
    /// A TCP address (`stats socket ipv4@127.0.0.1:9999`); port 0 picks a free one.
    Tcp(SocketAddr),
}

impl std::fmt::Display for SocketAddrSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketAddrSpec::Unix(p) => write!(f, "unix@{}", p.display()),
            SocketAddrSpec::Tcp(a) => write!(f, "{a}"),
        }
    }
}

/// One `stats socket` line: address, access level, and for unix sockets the file's
/// permission bits and owner (configuration manual, `bind` options `mode`, `uid`, `gid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerSpec {
    pub addr: SocketAddrSpec,
    pub level: Level,
    /// `mode 600`: permission bits of the socket file (octal in the configuration).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl ListenerSpec {
    /// A unix socket at `path` with HAProxy's defaults otherwise.
    pub fn unix(path: impl Into<PathBuf>, level: Level) -> Self {
        ListenerSpec {
            addr: SocketAddrSpec::Unix(path.into()),
            level,
            mode: None,
            uid: None,
            gid: None,
        }
    }

    /// A TCP socket.
    pub fn tcp(addr: SocketAddr, level: Level) -> Self {
        ListenerSpec {
            addr: SocketAddrSpec::Tcp(addr),
            level,
            mode: None,
            uid: None,
            gid: None,
        }
    }

    pub fn with_mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// From a parsed `stats socket` line. `fd@N` addresses are refused (not supported).
    pub fn from_model(sock: &StatsSocket) -> Result<Self, ServerError> {
        let addr = match &sock.addr {
            ListenAddr::Unix(p) => SocketAddrSpec::Unix(p.clone()),
            ListenAddr::Tcp(a) => SocketAddrSpec::Tcp(*a),
            other @ ListenAddr::Fd(_) => {
                return Err(ServerError::UnsupportedAddress(other.to_string()))
            }
        };
        Ok(ListenerSpec {
            addr,
            level: Level::from(sock.level),
            mode: sock.mode,
            uid: None,
            gid: None,
        })
    }
}
