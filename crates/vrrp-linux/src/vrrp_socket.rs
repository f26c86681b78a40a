//! One raw `IPPROTO_VRRP` socket per interface: adverts in and out.
//!
//! The socket is bound to its device (`SO_BINDTODEVICE`) and joined to 224.0.0.18 on that
//! interface, so it sees exactly the adverts of one link. Sending lets the kernel build the IP
//! header (TTL 255 for unicast and multicast, RFC 5798 §5.1.1.3) and picks the source address per
//! packet with an `IP_PKTINFO` control message, so one socket serves every instance on the
//! interface whatever their `mcast_src_ip`/`unicast_src_ip`. Multicast loopback is off: we never
//! read our own adverts back.

use std::io;
use std::mem;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::ipv4_header::IPPROTO_VRRP;

/// The VRRP multicast group (RFC 5798 §5.1.1.2).
pub const VRRP_MCAST_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// A raw VRRP socket bound to one interface.
#[derive(Debug)]
pub struct VrrpSocket {
    fd: OwnedFd,
    ifindex: u32,
    ifname: String,
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn set_opt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` and the length passed is its size.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    check(ret).map(|_| ())
}

fn in_addr(a: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(a.octets()),
    }
}

impl VrrpSocket {
    /// Opens the socket on `ifname` (index `ifindex`) and joins the VRRP group there.
    pub fn open(ifname: &str, ifindex: u32) -> io::Result<Self> {
        // SAFETY: plain socket(2) call; the result is checked before use.
        let raw = check(unsafe {
            libc::socket(
                libc::AF_INET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                libc::c_int::from(IPPROTO_VRRP),
            )
        })?;
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let name = ifname.as_bytes();
        // SAFETY: the name buffer is valid for `name.len()` bytes.
        check(unsafe {
            libc::setsockopt(
                raw,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                name.as_ptr().cast(),
                name.len() as libc::socklen_t,
            )
        })?;
        let ttl: libc::c_int = 255;
        set_opt(raw, libc::IPPROTO_IP, libc::IP_TTL, &ttl)?;
        set_opt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &ttl)?;
        let off: libc::c_int = 0;
        set_opt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &off)?;
        let mreq = libc::ip_mreqn {
            imr_multiaddr: in_addr(VRRP_MCAST_GROUP),
            imr_address: in_addr(Ipv4Addr::UNSPECIFIED),
            imr_ifindex: ifindex as libc::c_int,
        };
        set_opt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreq)?;
        set_opt(raw, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreq)?;
        Ok(Self {
            fd,
            ifindex,
            ifname: ifname.to_owned(),
        })
    }

    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Reads one datagram (IP header included) into `buf`; `Ok(None)` when nothing is queued.
    pub fn recv<'b>(&self, buf: &'b mut [u8]) -> io::Result<Option<&'b [u8]>> {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(err),
            };
        }
        Ok(Some(&buf[..n as usize]))
    }

    /// Sends one VRRP payload to `dst` (224.0.0.18 or a unicast peer) from `src`.
    pub fn send(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> io::Result<()> {
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: in_addr(dst),
            sin_zero: [0; 8],
        };
        let info = libc::in_pktinfo {
            ipi_ifindex: self.ifindex as libc::c_int,
            ipi_spec_dst: in_addr(src),
            ipi_addr: in_addr(Ipv4Addr::UNSPECIFIED),
        };
        // Control buffer aligned for cmsghdr; in_pktinfo needs CMSG_SPACE(12) = 32 bytes.
        let mut control = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: payload.as_ptr() as *mut libc::c_void,
            iov_len: payload.len(),
        };
        // SAFETY: msghdr is plain data; every pointer set below outlives the sendmsg call.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        msg.msg_name = (&addr as *const libc::sockaddr_in as *mut libc::sockaddr_in).cast();
        msg.msg_namelen = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE(mem::size_of::<libc::in_pktinfo>() as u32) };
        msg.msg_controllen = space as usize;
        // SAFETY: the control buffer (64 bytes) is larger than CMSG_SPACE(in_pktinfo), so the
        // first header and its data fit; CMSG_FIRSTHDR/CMSG_DATA stay inside it.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            if cmsg.is_null() {
                return Err(io::Error::other("no room for IP_PKTINFO"));
            }
            (*cmsg).cmsg_level = libc::IPPROTO_IP;
            (*cmsg).cmsg_type = libc::IP_PKTINFO;
            (*cmsg).cmsg_len = libc::CMSG_LEN(mem::size_of::<libc::in_pktinfo>() as u32) as usize;
            std::ptr::copy_nonoverlapping(
                (&info as *const libc::in_pktinfo).cast::<u8>(),
                libc::CMSG_DATA(cmsg),
                mem::size_of::<libc::in_pktinfo>(),
            );
        }
        // SAFETY: `msg` and everything it points to are valid for the call.
        let n = unsafe { libc::sendmsg(self.fd.as_raw_fd(), &msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl AsRawFd for VrrpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
