//! Binding a `stats socket` and accepting on it.
//!
//! A unix socket is bound under a temporary name, given its mode and owner, then renamed
//! over the configured path: a stale file from a dead process is replaced, and a client
//! never sees the socket with the wrong permissions (HAProxy binds the same way).

use std::fs;
use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use super::spec::{ListenerSpec, SocketAddrSpec};
use super::stream::ClientStream;
use super::ServerError;

/// A bound listening socket.
#[derive(Debug)]
pub(crate) enum BoundListener {
    /// With the path and inode of the file we created, to remove only our own file.
    Unix {
        listener: UnixListener,
        path: PathBuf,
        ino: u64,
    },
    Tcp(TcpListener),
}

impl BoundListener {
    pub fn bind(spec: &ListenerSpec) -> Result<Self, ServerError> {
        match &spec.addr {
            SocketAddrSpec::Tcp(addr) => {
                let l = TcpListener::bind(addr).map_err(|source| ServerError::Bind {
                    addr: addr.to_string(),
                    source,
                })?;
                Ok(BoundListener::Tcp(l))
            }
            SocketAddrSpec::Unix(path) => bind_unix(path, spec),
        }
    }

    /// The actual address (a TCP port 0 resolved).
    pub fn local_addr(&self) -> io::Result<SocketAddrSpec> {
        match self {
            BoundListener::Unix { path, .. } => Ok(SocketAddrSpec::Unix(path.clone())),
            BoundListener::Tcp(l) => Ok(SocketAddrSpec::Tcp(l.local_addr()?)),
        }
    }

    pub fn accept(&self) -> io::Result<ClientStream> {
        match self {
            BoundListener::Unix { listener, .. } => Ok(ClientStream::Unix(listener.accept()?.0)),
            BoundListener::Tcp(l) => Ok(ClientStream::Tcp(l.accept()?.0)),
        }
    }

    /// Wakes a thread blocked in `accept` (Linux makes it return `EINVAL`).
    pub fn interrupt(&self) {
        let fd = match self {
            BoundListener::Unix { listener, .. } => listener.as_raw_fd(),
            BoundListener::Tcp(l) => l.as_raw_fd(),
        };
        // SAFETY: `fd` is a listening socket owned by `self`, alive for this call;
        // shutdown(2) does not free or invalidate it.
        unsafe {
            libc::shutdown(fd, libc::SHUT_RDWR);
        }
    }

    /// Removes the socket file if it is still the one we created.
    pub fn remove_file(&self) {
        if let BoundListener::Unix { path, ino, .. } = self {
            if fs::symlink_metadata(path).is_ok_and(|m| m.ino() == *ino) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

fn bind_unix(path: &Path, spec: &ListenerSpec) -> Result<BoundListener, ServerError> {
    let addr = path.display().to_string();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    // A leftover from an earlier crash of this very pid.
    let _ = fs::remove_file(&tmp);
    let listener = UnixListener::bind(&tmp).map_err(|source| ServerError::Bind {
        addr: addr.clone(),
        source,
    })?;
    let prepared = (|| {
        if let Some(mode) = spec.mode {
            fs::set_permissions(&tmp, fs::Permissions::from_mode(mode & 0o7777))?;
        }
        if spec.uid.is_some() || spec.gid.is_some() {
            std::os::unix::fs::chown(&tmp, spec.uid, spec.gid)?;
        }
        let ino = fs::symlink_metadata(&tmp)?.ino();
        fs::rename(&tmp, path)?;
        Ok(ino)
    })();
    match prepared {
        Ok(ino) => Ok(BoundListener::Unix {
            listener,
            path: path.to_path_buf(),
            ino,
        }),
        Err(source) => {
            let _ = fs::remove_file(&tmp);
            Err(ServerError::Bind { addr, source })
        }
    }
}
