//! Dropping privileges after binding: `chroot`, then `setgid`/`setgroups`/`setuid` to the
//! `user`/`group`/`uid`/`gid` of the `global` section. Names are resolved before `chroot`.

use std::ffi::CString;
use std::path::Path;

use super::os_error;

/// The identity to switch to, resolved from names while `/etc/passwd` is still reachable.
#[derive(Debug, Default, Clone, Copy)]
pub struct Identity {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

pub fn resolve(
    user: Option<&str>,
    group: Option<&str>,
    uid: Option<u32>,
    gid: Option<u32>,
) -> Result<Identity, String> {
    let mut id = Identity { uid, gid };
    if let Some(u) = user {
        let c = CString::new(u).map_err(|_| format!("invalid user name '{u}'"))?;
        // SAFETY: getpwnam returns a pointer to static storage or null; we copy what we need
        // at once, before any other call could overwrite it.
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if pw.is_null() {
            return Err(format!("Cannot find user id for '{u}'"));
        }
        // SAFETY: pw is non-null and points to a valid passwd record.
        let (pu, pg) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
        id.uid = Some(pu);
        if id.gid.is_none() && group.is_none() {
            id.gid = Some(pg);
        }
    }
    if let Some(g) = group {
        let c = CString::new(g).map_err(|_| format!("invalid group name '{g}'"))?;
        // SAFETY: as for getpwnam.
        let gr = unsafe { libc::getgrnam(c.as_ptr()) };
        if gr.is_null() {
            return Err(format!("Cannot find group id for '{g}'"));
        }
        // SAFETY: gr is non-null and points to a valid group record.
        id.gid = Some(unsafe { (*gr).gr_gid });
    }
    Ok(id)
}

pub fn chroot(dir: &Path) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let c =
        CString::new(dir.as_os_str().as_bytes()).map_err(|_| "invalid chroot path".to_string())?;
    // SAFETY: plain syscalls with a valid C string.
    unsafe {
        if libc::chroot(c.as_ptr()) != 0 {
            return Err(format!("Cannot chroot({}): {}", dir.display(), os_error()));
        }
        if libc::chdir(c"/".as_ptr()) != 0 {
            return Err(format!("Cannot chdir(/) after chroot: {}", os_error()));
        }
    }
    Ok(())
}

pub fn drop_to(id: Identity) -> Result<(), String> {
    // SAFETY: plain syscalls on our own credentials, done before worker threads start.
    unsafe {
        if let Some(g) = id.gid {
            if libc::setgroups(0, std::ptr::null()) != 0 && libc::geteuid() == 0 {
                return Err(format!("Cannot drop supplementary groups: {}", os_error()));
            }
            if libc::setgid(g) != 0 {
                return Err(format!("Cannot set gid {g}: {}", os_error()));
            }
        }
        if let Some(u) = id.uid {
            if libc::setuid(u) != 0 {
                return Err(format!("Cannot set uid {u}: {}", os_error()));
            }
        }
    }
    Ok(())
}
