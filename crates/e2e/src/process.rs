//! Running the proxy under test: a config written to a temp dir, the binary started on it,
//! ready once its listeners accept, killed on drop.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> std::io::Result<TempDir> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "halb-e2e-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` in the directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> std::io::Result<PathBuf> {
        let p = self.path.join(name);
        std::fs::write(&p, contents)?;
        Ok(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// The proxy binary running on a config; killed (SIGKILL) on drop.
#[derive(Debug)]
pub struct HalbProcess {
    child: Child,
    pub dir: TempDir,
    pub cfg: PathBuf,
}

impl HalbProcess {
    /// Writes `cfg` to a temp dir, runs `program args... <cfg path>`, and waits until every
    /// address in `listening` accepts a connection. `extra` files are written next to the
    /// config first (e.g. errorfiles); `{dir}` in `cfg` is replaced by the directory.
    pub fn start(
        program: &Path,
        args: &[&str],
        cfg: &str,
        extra: &[(&str, &[u8])],
        listening: &[SocketAddr],
    ) -> Result<HalbProcess, String> {
        let dir = TempDir::new("halb").map_err(|e| format!("temp dir: {e}"))?;
        for (name, contents) in extra {
            dir.write(name, contents)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let text = cfg.replace("{dir}", &dir.path().display().to_string());
        let cfg_path = dir
            .write("haproxy.cfg", text)
            .map_err(|e| format!("cfg: {e}"))?;
        let child = Command::new(program)
            .args(args)
            .arg(&cfg_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let mut p = HalbProcess {
            child,
            dir,
            cfg: cfg_path,
        };
        let started = Instant::now();
        for addr in listening {
            loop {
                if TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if let Ok(Some(status)) = p.child.try_wait() {
                    return Err(format!(
                        "proxy exited early ({status}): {}",
                        p.stderr_text()
                    ));
                }
                if started.elapsed() > crate::WAIT {
                    return Err(format!(
                        "proxy not listening on {addr} after {:?}",
                        crate::WAIT
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(p)
    }

    /// Runs `halb proxy -f <cfg>` with `halb` at `bin` (tests pass `env!("CARGO_BIN_EXE_halb")`).
    /// `HALB_E2E_PROXY_BIN` in the environment replaces the binary (it must accept the same
    /// `proxy -f FILE` arguments), e.g. to run the suite against HAProxy-compatible builds.
    pub fn start_proxy(
        bin: &str,
        cfg: &str,
        extra: &[(&str, &[u8])],
        listening: &[SocketAddr],
    ) -> Result<HalbProcess, String> {
        let program = std::env::var("HALB_E2E_PROXY_BIN").unwrap_or_else(|_| bin.to_string());
        HalbProcess::start(Path::new(&program), &["proxy", "-f"], cfg, extra, listening)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited (and its status).
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(s) = self.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends a signal to the process.
    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status();
    }

    fn stderr_text(&mut self) -> String {
        use std::io::Read;
        let mut s = String::new();
        if let Some(e) = self.child.stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for HalbProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
