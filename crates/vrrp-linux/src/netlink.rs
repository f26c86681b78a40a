//! Interface addresses over NETLINK_ROUTE: add and remove virtual IPs, list what an interface
//! holds, and wake the event loop when links or addresses change.
//!
//! The messages are few and small (RTM_NEWADDR, RTM_DELADDR, an RTM_GETADDR dump), so they are
//! written here with `libc` rather than through `rtnetlink`, which would bring an async runtime
//! and a large dependency tree to send three fixed-layout structs. Requests are synchronous: a
//! VIP change is one round trip of a few microseconds to the kernel.

use std::io;
use std::mem;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

const NLMSG_HDRLEN: usize = 16;
const IFADDRMSG_LEN: usize = 8;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;
const IFA_F_SECONDARY: u8 = 0x01;

/// `scope` of an address as `ip addr` spells it.
pub fn scope_from_name(name: &str) -> Option<u8> {
    match name {
        "global" | "universe" => Some(0),
        "site" => Some(200),
        "link" => Some(253),
        "host" => Some(254),
        "nowhere" => Some(255),
        other => other.parse().ok(),
    }
}

/// One IPv4 address to put on (or take off) an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    pub ifindex: u32,
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
    pub broadcast: Option<Ipv4Addr>,
    pub label: Option<String>,
    pub scope: u8,
}

/// An IPv4 address found on an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub ifindex: u32,
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
    /// Not the first address of its subnet on the interface.
    pub secondary: bool,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn push_attr(buf: &mut Vec<u8>, kind: u16, data: &[u8]) {
    let len = 4 + data.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(align4(buf.len()), 0);
}

fn header(buf: &mut [u8], msg_type: u16, flags: u16, seq: u32) {
    let len = buf.len() as u32;
    buf[0..4].copy_from_slice(&len.to_ne_bytes());
    buf[4..6].copy_from_slice(&msg_type.to_ne_bytes());
    buf[6..8].copy_from_slice(&flags.to_ne_bytes());
    buf[8..12].copy_from_slice(&seq.to_ne_bytes());
    buf[12..16].copy_from_slice(&0u32.to_ne_bytes());
}

/// Builds an RTM_NEWADDR (`add`) or RTM_DELADDR request for `spec`.
pub fn address_request(add: bool, spec: &AddressSpec, seq: u32) -> Vec<u8> {
    let mut buf = vec![0u8; NLMSG_HDRLEN];
    buf.push(libc::AF_INET as u8);
    buf.push(spec.prefix_len);
    buf.push(0);
    buf.push(spec.scope);
    buf.extend_from_slice(&spec.ifindex.to_ne_bytes());
    let octets = spec.addr.octets();
    push_attr(&mut buf, IFA_LOCAL, &octets);
    push_attr(&mut buf, IFA_ADDRESS, &octets);
    if add {
        if let Some(brd) = spec.broadcast {
            push_attr(&mut buf, IFA_BROADCAST, &brd.octets());
        }
        if let Some(label) = &spec.label {
            let mut l = label.as_bytes().to_vec();
            l.truncate(15);
            l.push(0);
            push_attr(&mut buf, IFA_LABEL, &l);
        }
    }
    let (msg_type, flags) = if add {
        (
            libc::RTM_NEWADDR,
            libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL,
        )
    } else {
        (libc::RTM_DELADDR, libc::NLM_F_REQUEST | libc::NLM_F_ACK)
    };
    header(&mut buf, msg_type, flags as u16, seq);
    buf
}

/// Builds the RTM_GETADDR dump request for every IPv4 address.
pub fn dump_request(seq: u32) -> Vec<u8> {
    let mut buf = vec![0u8; NLMSG_HDRLEN + IFADDRMSG_LEN];
    buf[NLMSG_HDRLEN] = libc::AF_INET as u8;
    header(
        &mut buf,
        libc::RTM_GETADDR,
        (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16,
        seq,
    );
    buf
}

/// One netlink message in a receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetlinkMessage<'a> {
    pub msg_type: u16,
    pub seq: u32,
    pub body: &'a [u8],
}

/// Splits a receive buffer into messages; stops at the first malformed length.
pub fn split_messages(mut buf: &[u8]) -> Vec<NetlinkMessage<'_>> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        out.push(NetlinkMessage {
            msg_type: u16::from_ne_bytes([buf[4], buf[5]]),
            seq: u32::from_ne_bytes([buf[8], buf[9], buf[10], buf[11]]),
            body: &buf[NLMSG_HDRLEN..len],
        });
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

/// Reads an RTM_NEWADDR body (ifaddrmsg + attributes) as an IPv4 interface address.
pub fn parse_address(body: &[u8]) -> Option<InterfaceAddress> {
    if body.len() < IFADDRMSG_LEN || body[0] != libc::AF_INET as u8 {
        return None;
    }
    let prefix_len = body[1];
    let flags = body[2];
    let ifindex = u32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
    let mut attrs = &body[IFADDRMSG_LEN..];
    let mut local = None;
    let mut address = None;
    while attrs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([attrs[0], attrs[1]]));
        let kind = u16::from_ne_bytes([attrs[2], attrs[3]]);
        if len < 4 || len > attrs.len() {
            break;
        }
        let data = &attrs[4..len];
        if data.len() == 4 {
            let a = Ipv4Addr::new(data[0], data[1], data[2], data[3]);
            match kind {
                IFA_LOCAL => local = Some(a),
                IFA_ADDRESS => address = Some(a),
                _ => {}
            }
        }
        attrs = &attrs[align4(len).min(attrs.len())..];
    }
    Some(InterfaceAddress {
        ifindex,
        addr: local.or(address)?,
        prefix_len,
        secondary: flags & IFA_F_SECONDARY != 0,
    })
}

/// Reads the errno of an NLMSG_ERROR body (0 is an acknowledgement).
fn parse_error(body: &[u8]) -> Option<i32> {
    body.get(0..4)
        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

fn open_netlink(groups: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let raw = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        )
    };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: sockaddr_nl is plain data; zeroed is a valid value.
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_groups = groups;
    // SAFETY: `addr` is a valid sockaddr_nl and the length matches.
    let ret = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_nl).cast(),
            mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

fn recv_into(fd: RawFd, buf: &mut [u8], flags: libc::c_int) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// The request socket: synchronous address changes and dumps.
#[derive(Debug)]
pub struct NetlinkRoute {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl NetlinkRoute {
    pub fn open() -> io::Result<Self> {
        Ok(Self {
            fd: open_netlink(0)?,
            seq: 1,
            buf: vec![0u8; 64 * 1024],
        })
    }

    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: `msg` is valid for reads of `msg.len()` bytes; the kernel is the peer
        // (destination address left empty means pid 0).
        let n = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Waits for the acknowledgement of request `seq`; the kernel's errno becomes the error.
    fn wait_ack(&mut self, seq: u32) -> io::Result<()> {
        loop {
            let n = recv_into(self.fd.as_raw_fd(), &mut self.buf, 0)?;
            for m in split_messages(&self.buf[..n]) {
                if m.seq != seq || m.msg_type != NLMSG_ERROR {
                    continue;
                }
                return match parse_error(m.body) {
                    Some(0) => Ok(()),
                    Some(e) => Err(io::Error::from_raw_os_error(-e)),
                    None => Err(io::Error::other("short netlink error message")),
                };
            }
        }
    }

    /// Adds `spec`; an address already present counts as added.
    pub fn add_address(&mut self, spec: &AddressSpec) -> io::Result<()> {
        let seq = self.next_seq();
        self.send(&address_request(true, spec, seq))?;
        match self.wait_ack(seq) {
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(()),
            other => other,
        }
    }

    /// Removes `spec`; an address already gone counts as removed.
    pub fn del_address(&mut self, spec: &AddressSpec) -> io::Result<()> {
        let seq = self.next_seq();
        self.send(&address_request(false, spec, seq))?;
        match self.wait_ack(seq) {
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(()),
            other => other,
        }
    }

    /// Every IPv4 address of every interface.
    pub fn ipv4_addresses(&mut self) -> io::Result<Vec<InterfaceAddress>> {
        let seq = self.next_seq();
        self.send(&dump_request(seq))?;
        let mut out = Vec::new();
        loop {
            let n = recv_into(self.fd.as_raw_fd(), &mut self.buf, 0)?;
            for m in split_messages(&self.buf[..n]) {
                if m.seq != seq {
                    continue;
                }
                match m.msg_type {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => match parse_error(m.body) {
                        Some(0) => return Ok(out),
                        Some(e) => return Err(io::Error::from_raw_os_error(-e)),
                        None => return Err(io::Error::other("short netlink error")),
                    },
                    t if t == libc::RTM_NEWADDR => out.extend(parse_address(m.body)),
                    _ => {}
                }
            }
        }
    }
}

/// A socket subscribed to link and IPv4 address changes; readable when something changed.
#[derive(Debug)]
pub struct LinkWatch {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl LinkWatch {
    pub fn open() -> io::Result<Self> {
        let groups = (libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR) as u32;
        Ok(Self {
            fd: open_netlink(groups)?,
            buf: vec![0u8; 64 * 1024],
        })
    }

    /// Reads every queued notification; true when at least one arrived (or was lost to
    /// overrun, which means "something changed" as well).
    pub fn drain(&mut self) -> bool {
        let mut changed = false;
        loop {
            match recv_into(self.fd.as_raw_fd(), &mut self.buf, libc::MSG_DONTWAIT) {
                Ok(0) => return changed,
                Ok(_) => changed = true,
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => changed = true,
                Err(_) => return changed,
            }
        }
    }
}

impl AsRawFd for LinkWatch {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AddressSpec {
        AddressSpec {
            ifindex: 7,
            addr: Ipv4Addr::new(198, 18, 0, 100),
            prefix_len: 32,
            broadcast: None,
            label: Some("eth0:vip".into()),
            scope: 0,
        }
    }

    #[test]
    fn add_request_layout() {
        let m = address_request(true, &spec(), 9);
        assert_eq!(m.len() % 4, 0);
        assert_eq!(
            u32::from_ne_bytes([m[0], m[1], m[2], m[3]]) as usize,
            m.len()
        );
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), libc::RTM_NEWADDR);
        let body = &m[NLMSG_HDRLEN..];
        assert_eq!(body[0], libc::AF_INET as u8);
        assert_eq!(body[1], 32);
        assert_eq!(u32::from_ne_bytes([body[4], body[5], body[6], body[7]]), 7);
        // The same body read back as the kernel would echo it.
        let parsed = parse_address(body).expect("address");
        assert_eq!(parsed.addr, Ipv4Addr::new(198, 18, 0, 100));
        assert_eq!(parsed.prefix_len, 32);
        assert!(!parsed.secondary);
    }

    #[test]
    fn delete_request_has_no_label() {
        let m = address_request(false, &spec(), 1);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), libc::RTM_DELADDR);
        assert!(!m.windows(8).any(|w| w == b"eth0:vip"));
    }

    #[test]
    fn split_stops_at_bad_length() {
        let mut two = address_request(false, &spec(), 1);
        two.extend(address_request(false, &spec(), 2));
        assert_eq!(split_messages(&two).len(), 2);
        let mut bad = two.clone();
        bad[0] = 0xff;
        assert!(split_messages(&bad).is_empty());
        assert!(split_messages(&[1, 2, 3]).is_empty());
    }

    #[test]
    fn parse_address_rejects_garbage() {
        assert_eq!(parse_address(&[]), None);
        assert_eq!(parse_address(&[10, 0, 0, 0, 0, 0, 0, 0]), None);
        // Attribute length running past the end.
        let mut b = vec![libc::AF_INET as u8, 24, 0, 0, 1, 0, 0, 0];
        b.extend_from_slice(&[200, 0, 2, 0, 1, 2, 3, 4]);
        assert_eq!(parse_address(&b), None);
    }

    #[test]
    fn scope_names() {
        assert_eq!(scope_from_name("host"), Some(254));
        assert_eq!(scope_from_name("link"), Some(253));
        assert_eq!(scope_from_name("global"), Some(0));
        assert_eq!(scope_from_name("bogus"), None);
    }
}

#[cfg(test)]
mod kernel_tests {
    use super::*;

    /// Reads this host's real address table: loopback must be there exactly as `ip` shows it.
    #[test]
    fn dump_lists_loopback() {
        let mut nl = NetlinkRoute::open().expect("netlink");
        let addrs = nl.ipv4_addresses().expect("dump");
        let lo = crate::interface::ifindex("lo").expect("lo");
        let found: Vec<_> = addrs.iter().filter(|a| a.ifindex == lo).collect();
        assert!(
            found
                .iter()
                .any(|a| a.addr == Ipv4Addr::LOCALHOST && a.prefix_len == 8 && !a.secondary),
            "{addrs:?}"
        );
        assert!(!addrs
            .iter()
            .any(|a| a.addr == Ipv4Addr::new(198, 18, 9, 100)));
    }
}
