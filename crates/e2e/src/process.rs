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

/// A TCP port on 127.0.0.1 for a test listener, free when chosen.
///
/// Ports are taken below the kernel's ephemeral range (`ip_local_port_range`, 32768+ by
/// default) and above the bench harness's ports: a port released by `bind(:0)` lies inside that
/// range and can be handed to any outgoing connection of a concurrent test before the proxy
/// binds it, which made tests fail with "Address already in use". Each call in a process gets
/// a different port; the start depends on the pid so concurrent test processes spread out.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOW: u32 = 20000;
    let high = ephemeral_low().clamp(LOW + 1000, 32768);
    let span = high - LOW;
    let start = std::process::id().wrapping_mul(7919) % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (LOW + (start + n * 13) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// The first port of the kernel's ephemeral range.
fn ephemeral_low() -> u32 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768)
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
