//! What the daemon needs to know about a network interface: index, MAC, up/running.
//!
//! Read with `if_nametoindex` and the `SIOCGIFHWADDR`/`SIOCGIFFLAGS` ioctls; the event loop
//! re-reads the flags whenever the netlink [`LinkWatch`](crate::netlink::LinkWatch) reports a
//! change, which is how `track_interface` and the instance's own interface going down become
//! FAULT.

use std::ffi::CString;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Index of interface `name`, or `None` when this host has no such interface.
pub fn ifindex(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (idx != 0).then_some(idx)
}

fn ifreq_for(name: &str) -> io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad interface name '{name}'"),
        ));
    }
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    Ok(req)
}

fn ioctl_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// The hardware (MAC) address of `name`.
pub fn mac_address(name: &str) -> io::Result<[u8; 6]> {
    let sock = ioctl_socket()?;
    let mut req = ifreq_for(name)?;
    // SAFETY: SIOCGIFHWADDR reads the name and writes ifr_hwaddr inside `req`.
    let ret = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFHWADDR, &mut req) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel filled the ifr_hwaddr member of the union.
    let data = unsafe { req.ifr_ifru.ifru_hwaddr.sa_data };
    let mut mac = [0u8; 6];
    for (m, d) in mac.iter_mut().zip(data.iter()) {
        *m = *d as u8;
    }
    Ok(mac)
}

/// Whether `name` is administratively up and has carrier (IFF_UP and IFF_RUNNING); an
/// interface that vanished is down.
pub fn link_is_up(name: &str) -> bool {
    let Ok(sock) = ioctl_socket() else {
        return false;
    };
    let Ok(mut req) = ifreq_for(name) else {
        return false;
    };
    // SAFETY: SIOCGIFFLAGS reads the name and writes ifr_flags inside `req`.
    let ret = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) };
    if ret < 0 {
        return false;
    }
    // SAFETY: the kernel filled the ifr_flags member of the union.
    let flags = i32::from(unsafe { req.ifr_ifru.ifru_flags });
    flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_known_and_missing_is_not() {
        assert!(ifindex("lo").is_some());
        assert_eq!(ifindex("nosuchif0"), None);
        assert_eq!(ifindex("bad\0name"), None);
        assert!(!link_is_up("nosuchif0"));
        assert!(mac_address("a-name-much-too-long-for-linux").is_err());
    }
}
