//! Signals arrive on one dedicated thread (`sigwait`), never in a handler, so they can call
//! ordinary code: the signals are blocked in every thread before any worker starts.

fn set_of(signals: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise and fill the set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Blocks `signals` in the calling thread and every thread it creates afterwards.
pub fn block(signals: &[libc::c_int]) -> std::io::Result<()> {
    let set = set_of(signals);
    // SAFETY: the set is initialised; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// Waits for one of `signals` (which must be blocked) and returns it.
pub fn wait(signals: &[libc::c_int]) -> std::io::Result<libc::c_int> {
    let set = set_of(signals);
    let mut sig: libc::c_int = 0;
    // SAFETY: set is initialised, sig is ours to write.
    let rc = unsafe { libc::sigwait(&set, &mut sig) };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc));
    }
    Ok(sig)
}
