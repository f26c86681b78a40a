//! Process basics shared by `halb proxy` and `halb vrrp`: detaching, pid files, privileges,
//! file-descriptor limits and signals. This is the only place that calls `fork`, `setuid` and
//! friends, and it does so before any worker thread exists.

pub mod daemon;
pub mod limits;
pub mod privileges;
pub mod signals;

use std::io;

/// The last OS error, for messages at the binary's edge.
pub fn os_error() -> io::Error {
    io::Error::last_os_error()
}
