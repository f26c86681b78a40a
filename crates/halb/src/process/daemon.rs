//! Detaching into the background (`daemon` / `-D`) and writing the pid file, as HAProxy does:
//! the pid file is opened before dropping privileges, the parent writes the child's pid and exits.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::os_error;

/// Opens (creates or truncates) the pid file now, while we still may write where it lives.
pub fn open_pidfile(path: &Path) -> std::io::Result<File> {
    File::create(path)
}

pub fn write_pid(mut f: File, pid: u32) -> std::io::Result<()> {
    writeln!(f, "{pid}")?;
    f.flush()
}

/// Forks; the parent writes the child's pid to `pidfile` (if any) and exits 0. The child
/// becomes a session leader with its standard streams on /dev/null, and returns.
pub fn detach(pidfile: Option<File>) -> std::io::Result<()> {
    // SAFETY: called before any thread other than the main one exists, so the child is a
    // faithful copy with no lock held by a vanished thread.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(os_error());
    }
    if pid > 0 {
        if let Some(f) = pidfile {
            if let Err(e) = write_pid(f, pid as u32) {
                eprintln!(
                    "[ALERT]    ({}) : cannot write pid file: {e}",
                    std::process::id()
                );
                std::process::exit(1);
            }
        }
        std::process::exit(0);
    }
    // SAFETY: plain syscalls on our own process; the fds are ours.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(null, 2);
            if null > 2 {
                libc::close(null);
            }
        }
    }
    Ok(())
}
