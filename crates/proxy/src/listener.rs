//! Listening sockets: every `bind` address of every frontend, bound before the worker threads
//! start (so `halb` can fork, drop privileges and write the pid file afterwards).
//!
//! TCP addresses get one socket per worker thread with `SO_REUSEPORT`, so the kernel spreads
//! connections over the threads and no accept is shared. They are bound with `IP_FREEBIND`,
//! so an address this host does not hold yet (a VRRP VIP on the backup node) binds. A unix socket (or an inherited
//! `fd@N`) is bound once and its descriptor duplicated for each thread.

use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use haproxy_cfg::model::ListenAddr;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::plan::{FrontendId, ListenSpec, Plan};
use crate::ProxyError;

/// A bound, listening socket not yet registered with any event loop.
#[derive(Debug)]
pub enum BoundSocket {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener),
}

/// One socket a worker accepts on.
#[derive(Debug)]
pub struct BoundListener {
    pub frontend: FrontendId,
    pub socket: BoundSocket,
}

/// Binds every listener of `plan`: `per_thread[t]` is what worker `t` accepts on.
pub fn bind_all(plan: &Plan) -> Result<Vec<Vec<BoundListener>>, ProxyError> {
    let threads = plan.threads.max(1);
    let mut per_thread: Vec<Vec<BoundListener>> = (0..threads).map(|_| Vec::new()).collect();
    for f in &plan.frontends {
        for spec in &f.listeners {
            let err = |source: std::io::Error| ProxyError::Bind {
                proxy: f.name.clone(),
                addr: spec.addr.clone(),
                source,
            };
            match &spec.addr {
                ListenAddr::Tcp(addr) => {
                    for list in per_thread.iter_mut() {
                        let socket = bind_tcp(*addr, spec).map_err(err)?;
                        list.push(BoundListener {
                            frontend: f.id,
                            socket: BoundSocket::Tcp(socket),
                        });
                    }
                }
                ListenAddr::Unix(path) => {
                    let first = bind_unix(path, spec).map_err(err)?;
                    for list in per_thread.iter_mut() {
                        let socket = first.try_clone().map_err(err)?;
                        list.push(BoundListener {
                            frontend: f.id,
                            socket: BoundSocket::Unix(socket),
                        });
                    }
                }
                ListenAddr::Fd(fd) => {
                    let fd = *fd;
                    for list in per_thread.iter_mut() {
                        let socket = adopt_fd(fd).map_err(err)?;
                        list.push(BoundListener {
                            frontend: f.id,
                            socket,
                        });
                    }
                }
            }
        }
    }
    Ok(per_thread)
}

fn bind_tcp(addr: SocketAddr, spec: &ListenSpec) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    if addr.is_ipv6() {
        // `bind :::80` accepts IPv4 too unless `v6only`, as HAProxy does.
        socket.set_only_v6(spec.v6only)?;
    }
    if spec.transparent {
        if addr.is_ipv6() {
            set_ipv6_transparent(&socket)?;
        } else {
            socket.set_ip_transparent(true)?;
        }
    }
    // Every TCP listener binds with IP_FREEBIND, `freebind` written or not: a backup node's
    // proxy must listen on the VRRP VIP before the VIP arrives, which HAProxy setups solve
    // with the host-wide sysctl `net.ipv4.ip_nonlocal_bind = 1`. The price: a mistyped
    // address binds instead of failing (docs/proxy-config.md, "differs on purpose").
    if addr.is_ipv6() {
        socket.set_freebind_ipv6(true)?;
    } else {
        socket.set_freebind(true)?;
    }
    if let Some(ifname) = &spec.interface {
        socket.bind_device(Some(ifname.as_bytes()))?;
    }
    socket.set_nonblocking(true)?;
    // Accepted sockets inherit both (Linux copies the listener's options).
    socket.set_nodelay(true)?;
    if spec.nolinger {
        socket.set_linger(Some(Duration::ZERO))?;
    }
    socket.bind(&SockAddr::from(addr))?;
    socket.listen(backlog(spec))?;
    if spec.smart_accept {
        // Accepted sockets inherit it, so the request's ACK rides on the response. After
        // `listen`, which resets the socket's ACK state.
        socket.set_quickack(false)?;
    }
    Ok(socket.into())
}

fn bind_unix(
    path: &std::path::Path,
    spec: &ListenSpec,
) -> std::io::Result<std::os::unix::net::UnixListener> {
    // A stale socket file from a previous run would make bind fail with EADDRINUSE.
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_socket() {
            let _ = std::fs::remove_file(path);
        }
    }
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.bind(&SockAddr::unix(path)?)?;
    socket.listen(backlog(spec))?;
    if spec.smart_accept {
        // Accepted sockets inherit it, so the request's ACK rides on the response. After
        // `listen`, which resets the socket's ACK state.
        socket.set_quickack(false)?;
    }
    Ok(socket.into())
}

fn adopt_fd(fd: i32) -> std::io::Result<BoundSocket> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only reads `fd`; on success the new descriptor is ours.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `dup` is a fresh descriptor owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(dup) };
    let socket = Socket::from(owned);
    socket.set_nonblocking(true)?;
    match socket.local_addr()?.domain() {
        Domain::UNIX => Ok(BoundSocket::Unix(socket.into())),
        _ => Ok(BoundSocket::Tcp(socket.into())),
    }
}

fn backlog(spec: &ListenSpec) -> i32 {
    i32::try_from(spec.backlog).unwrap_or(i32::MAX)
}

fn set_ipv6_transparent(socket: &Socket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: setsockopt with a valid fd and a pointer to a live c_int of the given length.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_IPV6,
            libc::IPV6_TRANSPARENT,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn spec(addr: SocketAddr) -> ListenSpec {
        ListenSpec {
            addr: ListenAddr::Tcp(addr),
            backlog: 16,
            transparent: false,
            v6only: false,
            interface: None,
            smart_accept: false,
            nolinger: false,
        }
    }

    /// What the options on the listener are for: the accepted sockets must carry them.
    #[test]
    fn accepted_sockets_inherit_nolinger_and_smart_accept() {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        for (smart_accept, nolinger) in [(false, false), (true, true)] {
            let spec = ListenSpec {
                smart_accept,
                nolinger,
                ..spec(loopback)
            };
            let listener = bind_tcp(loopback, &spec).expect("bind");
            let addr = listener.local_addr().expect("addr");
            let _client = std::net::TcpStream::connect(addr).expect("connect");
            listener.set_nonblocking(false).expect("blocking");
            let (accepted, _) = listener.accept().expect("accept");
            let sock = socket2::SockRef::from(&accepted);
            let linger = sock.linger().expect("SO_LINGER");
            assert_eq!(
                linger,
                nolinger.then_some(Duration::ZERO),
                "nolinger {nolinger}"
            );
            // TCP_QUICKACK reads back as "not in ping-pong mode".
            assert_eq!(sock.quickack().expect("TCP_QUICKACK"), !smart_accept);
            assert!(sock.nodelay().expect("TCP_NODELAY"));
        }
    }

    /// 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface of this host.
    const NOT_HELD: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

    fn nonlocal_bind_sysctl() -> bool {
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_nonlocal_bind")
            .map(|v| v.trim() == "1")
            .unwrap_or(false)
    }

    #[test]
    fn a_tcp_listener_binds_an_address_this_host_does_not_hold_without_freebind_written() {
        let addr = SocketAddr::new(NOT_HELD, 0);
        if !nonlocal_bind_sysctl() {
            // The address really is not local: a plain socket cannot bind it.
            let plain = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
            let err = plain
                .bind(&SockAddr::from(addr))
                .expect_err("192.0.2.1 bound without IP_FREEBIND: is it on an interface?");
            assert_eq!(err.raw_os_error(), Some(libc::EADDRNOTAVAIL));
        }
        let listener = bind_tcp(addr, &spec(addr)).expect("bind with IP_FREEBIND");
        let socket = Socket::from(listener);
        assert!(socket.freebind().expect("getsockopt IP_FREEBIND"));
        let local = socket.local_addr().expect("local addr").as_socket();
        assert_eq!(local.map(|a| a.ip()), Some(NOT_HELD));
    }
}
