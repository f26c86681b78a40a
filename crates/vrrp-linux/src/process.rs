//! Process housekeeping: pid files and detaching from the terminal (no `-n`).
//!
//! keepalived refuses to start when its pid file names a live process ("daemon is already
//! running"); a file left by a killed run (dead pid) is simply replaced.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The pid recorded in `path`, if the file exists and holds a number.
pub fn read_pid(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// True when `pid` names a live process other than us.
pub fn is_running(pid: i32) -> bool {
    if pid <= 0 || pid == std::process::id() as i32 {
        return false;
    }
    // A zombie (killed, not yet reaped by its parent) is not running.
    if let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next());
        if state == Some("Z") {
            return false;
        }
    }
    // SAFETY: kill with signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Pid files written by this process, removed on drop.
#[derive(Debug, Default)]
pub struct PidFiles {
    written: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    #[error("daemon is already running (pid {pid} in {path})")]
    AlreadyRunning { pid: i32, path: PathBuf },
    #[error("cannot write pid file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl PidFiles {
    /// Refuses when any of `paths` names a live process.
    pub fn check(paths: &[&Path]) -> Result<(), PidFileError> {
        for p in paths {
            if let Some(pid) = read_pid(p) {
                if is_running(pid) {
                    return Err(PidFileError::AlreadyRunning {
                        pid,
                        path: p.to_path_buf(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Writes our pid to `path`.
    pub fn write(&mut self, path: &Path) -> Result<(), PidFileError> {
        fs::write(path, format!("{}\n", std::process::id())).map_err(|source| {
            PidFileError::Write {
                path: path.to_path_buf(),
                source,
            }
        })?;
        self.written.push(path.to_path_buf());
        Ok(())
    }
}

impl Drop for PidFiles {
    fn drop(&mut self) {
        for p in &self.written {
            if read_pid(p) == Some(std::process::id() as i32) {
                let _ = fs::remove_file(p);
            }
        }
    }
}

/// Detaches: fork, new session, fork again, cwd `/`, stdin (and, unless `keep_console`,
/// stdout/stderr) on /dev/null. Returns in the grandchild only; the parents exit 0.
/// Must be called before any thread is started.
pub fn daemonize(keep_console: bool) -> io::Result<()> {
    for step in 0..2 {
        // SAFETY: single-threaded at this point (documented precondition); the parent only
        // calls _exit.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid > 0 {
            // SAFETY: _exit skips destructors that would double-run in the child.
            unsafe { libc::_exit(0) };
        }
        if step == 0 {
            // SAFETY: plain syscall in the child.
            unsafe { libc::setsid() };
        }
    }
    let _ = std::env::set_current_dir("/");
    let null = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&null);
    let targets: &[i32] = if keep_console { &[0] } else { &[0, 1, 2] };
    for &t in targets {
        // SAFETY: dup2 onto the standard descriptors with a valid open fd.
        unsafe { libc::dup2(fd, t) };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_pid_refused_dead_pid_replaced() {
        let dir = std::env::temp_dir().join(format!("vl-pid-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let live = dir.join("live.pid");
        // Our parent (the test harness's parent shell or cargo) is alive and not us.
        // SAFETY: getppid has no preconditions.
        let ppid = unsafe { libc::getppid() };
        fs::write(&live, format!("{ppid}\n")).expect("write");
        assert!(matches!(
            PidFiles::check(&[&live]),
            Err(PidFileError::AlreadyRunning { .. })
        ));
        let dead = dir.join("dead.pid");
        fs::write(&dead, "999999999\n").expect("write");
        assert!(PidFiles::check(&[&dead]).is_ok());
        let garbage = dir.join("garbage.pid");
        fs::write(&garbage, "not a pid").expect("write");
        assert!(PidFiles::check(&[&garbage]).is_ok());
        {
            let mut files = PidFiles::default();
            files.write(&dead).expect("write");
            assert_eq!(read_pid(&dead), Some(std::process::id() as i32));
        }
        assert!(!dead.exists(), "removed on drop");
        let _ = fs::remove_dir_all(&dir);
    }
}
