//! Raising `RLIMIT_NOFILE` to what `maxconn` needs (HAProxy: two descriptors per connection
//! plus listeners and a margin), or warning when `no strict-limits` allows running short.

use super::os_error;

/// The soft and hard limits on open files.
pub fn nofile() -> std::io::Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return Err(os_error());
    }
    Ok((r.rlim_cur, r.rlim_max))
}

fn set_soft(soft: u64, hard: u64) -> std::io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) } != 0 {
        return Err(os_error());
    }
    Ok(())
}

/// Descriptors needed for `maxconn` connections and `listeners` listening sockets.
pub fn needed(maxconn: u64, listeners: u64) -> u64 {
    maxconn * 2 + listeners + 100
}

/// What happened when raising the limit.
pub enum Raise {
    Ok,
    /// The hard limit is below what is needed: `(needed, hard)`.
    Short(u64, u64),
}

/// Raises the soft limit to the hard limit (or to `need` when lower), reporting a shortfall.
pub fn raise(need: u64) -> std::io::Result<Raise> {
    let (soft, hard) = nofile()?;
    let target = hard.max(soft);
    if target > soft {
        set_soft(target, hard)?;
    }
    if need > hard {
        return Ok(Raise::Short(need, hard));
    }
    Ok(Raise::Ok)
}

/// The `maxconn` HAProxy derives from the descriptor limit when none is configured.
pub fn derived_maxconn(listeners: u64) -> u64 {
    let (_, hard) = nofile().unwrap_or((1024, 1024));
    (hard.saturating_sub(listeners + 100) / 2).clamp(1, 1_000_000)
}
