//! The runtime API server on real sockets, driven by real clients: `socat` exactly as the
//! management manual's one-liners use it, std streams for prompt mode and hostile input,
//! and hatop's own client code.
#![cfg(feature = "driver")]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod support;

use support::socat;

use runtime_api::{
    Level, ListenerSpec, MemoryServer, MemoryTarget, RuntimeServer, RuntimeTarget, ServerOptions,
    SocketAddrSpec,
};

/// Generous bound for reads, so a broken server fails the test instead of hanging it.
const READ_LIMIT: Duration = Duration::from_secs(20);

fn target() -> Arc<MemoryTarget> {
    Arc::new(MemoryTarget::new().frontend(2, "fe").backend(
        3,
        "be",
        vec![
            MemoryServer::new(1, "s1", "127.0.0.1", 18081).weight(10),
            MemoryServer::new(2, "s2", "127.0.0.1", 18082).with_check(),
        ],
    ))
}

/// A fresh directory for socket files, removed when dropped.
struct SocketDir(PathBuf);

impl SocketDir {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn socket_dir() -> SocketDir {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "halb-rt-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    SocketDir(d)
}

fn start(specs: Vec<ListenerSpec>, t: Arc<MemoryTarget>) -> RuntimeServer {
    RuntimeServer::start(specs, t as Arc<dyn RuntimeTarget>, Duration::from_secs(10))
        .expect("server starts")
}

fn tcp_addr(server: &RuntimeServer) -> SocketAddr {
    match server.local_addrs() {
        [SocketAddrSpec::Tcp(a)] => *a,
        other => panic!("expected one TCP address, got {other:?}"),
    }
}

/// A server with one TCP listener on 127.0.0.1 at `level`, over [`target`], closing clients
/// idle for `idle`.
fn one_tcp_listener(level: Level, idle: Duration) -> RuntimeServer {
    RuntimeServer::start(
        vec![ListenerSpec::tcp(
            "127.0.0.1:0".parse().expect("addr"),
            level,
        )],
        target() as Arc<dyn RuntimeTarget>,
        idle,
    )
    .expect("server starts")
}

/// Runs a Python script (hatop's client code) with the socket path as its argument.
fn python_with(script: &str, socket: &Path) -> std::process::Output {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(socket)
        .output()
        .expect("python3 runs")
}

fn read_to_end(mut s: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// Reads until `suffix` ends what was received (or EOF / the read limit).
fn read_until(s: &mut UnixStream, suffix: &[u8]) -> Vec<u8> {
    s.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.ends_with(suffix) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn manual_one_liners_over_a_unix_socket() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = start(
        vec![ListenerSpec::unix(&path, Level::Admin).with_mode(0o600)],
        target(),
    );
    let p = path.to_str().expect("utf-8 path");

    assert_eq!(socat("show version\n", &["stdio", p]), "0.1.0-halb\n\n");
    assert_eq!(
        socat("show backend\n", &["stdio", &format!("unix-connect:{p}")]),
        "# name\nbe\n\n"
    );
    let both = socat(
        "show info;show stat\n",
        &[&format!("unix-connect:{p}"), "stdio"],
    );
    assert!(both.starts_with("Name: halb\n"), "{both}");
    assert!(both.contains("\n\n# pxname,svname,qcur,"), "{both}");
    assert!(both.contains("\nbe,s1,"), "{both}");
    assert_eq!(
        socat("help\n", &["stdio", p]).lines().next(),
        Some("The following commands are valid at this level:")
    );
    server.stop();
}

#[test]
fn unix_socket_file_gets_its_mode_and_is_removed_on_stop() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = start(
        vec![ListenerSpec::unix(&path, Level::Admin).with_mode(0o600)],
        target(),
    );
    let meta = std::fs::metadata(&path).expect("socket file exists");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    server.stop();
    assert!(!path.exists(), "socket file left behind");
}

#[test]
fn stale_socket_file_is_replaced() {
    let dir = socket_dir();
    let path = dir.join("stale.sock");
    // A socket file whose process is gone.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind stale"));
    assert!(path.exists());
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], target());
    assert_eq!(
        socat("show version\n", &["stdio", path.to_str().expect("utf-8")]),
        "0.1.0-halb\n\n"
    );
    server.stop();
}

#[test]
fn stop_leaves_a_socket_file_that_another_process_took_over() {
    let dir = socket_dir();
    let path = dir.join("shared.sock");
    let old = start(vec![ListenerSpec::unix(&path, Level::Admin)], target());
    // A reload: the new process binds the same path while the old one still runs.
    let new = start(vec![ListenerSpec::unix(&path, Level::User)], target());
    old.stop();
    assert!(
        path.exists(),
        "the old server removed the new server's socket"
    );
    assert_eq!(
        socat(
            "show cli level\n",
            &["stdio", path.to_str().expect("utf-8")]
        ),
        "user\n\n"
    );
    new.stop();
    assert!(!path.exists());
}

#[test]
fn tcp_socket_with_socat() {
    let server = start(
        vec![ListenerSpec::tcp(
            "127.0.0.1:0".parse().expect("addr"),
            Level::Admin,
        )],
        target(),
    );
    let addr = tcp_addr(&server);
    let out = socat("show stat\n", &["stdio", &format!("tcp4-connect:{addr}")]);
    assert!(out.starts_with("# pxname,svname,"), "{out}");
    assert!(out.ends_with(",\n\n"), "{out}");
    server.stop();
}

#[test]
fn levels_per_socket() {
    let dir = socket_dir();
    let user = dir.join("user.sock");
    let admin = dir.join("admin.sock");
    let t = target();
    let server = start(
        vec![
            ListenerSpec::unix(&user, Level::User),
            ListenerSpec::unix(&admin, Level::Admin),
        ],
        t.clone(),
    );
    let u = user.to_str().expect("utf-8");
    let a = admin.to_str().expect("utf-8");
    assert_eq!(
        socat("disable server be/s1\n", &["stdio", u]),
        "Permission denied\n\n"
    );
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(0));
    assert_eq!(socat("disable server be/s1\n", &["stdio", a]), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(1));
    assert!(
        socat("show servers state\n", &["stdio", u]).contains("\n3 be 1 s1 127.0.0.1 0 1 10 10 ")
    );
    assert_eq!(
        socat("set weight be/s1 20;get weight be/s1\n", &["stdio", a]),
        "\n20 (initial 10)\n\n"
    );
    server.stop();
}

#[test]
fn prompt_mode_over_a_socket() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], target());
    let mut c = UnixStream::connect(&path).expect("connect");
    c.write_all(b"prompt\n").expect("write");
    assert_eq!(read_until(&mut c, b"\n> "), b"\n> ");
    c.write_all(b"show version\n").expect("write");
    assert_eq!(read_until(&mut c, b"\n> "), b"0.1.0-halb\n\n> ");
    c.write_all(b"get weight be/s1\n").expect("write");
    assert_eq!(read_until(&mut c, b"\n> "), b"10 (initial 10)\n\n> ");
    c.write_all(b"quit\n").expect("write");
    assert_eq!(read_to_end(&mut c), b"");
    server.stop();
}

#[test]
fn hostile_clients_do_not_stop_the_service() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], target());

    // A line far beyond the limit: the connection is closed, nothing is answered.
    let mut c = UnixStream::connect(&path).expect("connect");
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    let _ = c.write_all(&vec![b'x'; 100_000]);
    assert_eq!(read_to_end(&mut c), b"");

    // Binary garbage with a newline: the usage text, then close (HAProxy 2.6 answers the
    // same bytes with the same first line).
    let mut c = UnixStream::connect(&path).expect("connect");
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    c.write_all(b"\xff\xfe\x00\x01garbage\n").expect("write");
    let out = read_to_end(&mut c);
    assert!(
        out.starts_with(
            b"Unknown command, but maybe one of the following ones is a better match:\n"
        ),
        "{}",
        String::from_utf8_lossy(&out)
    );

    // Half-closed client with an unfinished line: closed without an answer.
    let mut c = UnixStream::connect(&path).expect("connect");
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    c.write_all(b"show version").expect("write");
    c.shutdown(Shutdown::Write).expect("shutdown");
    assert_eq!(read_to_end(&mut c), b"");

    // A client that vanishes in prompt mode.
    let mut c = UnixStream::connect(&path).expect("connect");
    c.write_all(b"prompt\nshow stat\n").expect("write");
    drop(c);

    // And the service still answers.
    assert_eq!(
        socat("show version\n", &["stdio", path.to_str().expect("utf-8")]),
        "0.1.0-halb\n\n"
    );
    server.stop();
}

#[test]
fn idle_client_is_closed_after_the_stats_timeout() {
    let server = one_tcp_listener(Level::Admin, Duration::from_millis(200));
    let mut c = TcpStream::connect(tcp_addr(&server)).expect("connect");
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    c.write_all(b"prompt\n").expect("write");
    let mut buf = [0u8; 3];
    c.read_exact(&mut buf).expect("prompt");
    assert_eq!(&buf, b"\n> ");
    // Nothing more is sent: the server must end the conversation by itself.
    let mut rest = Vec::new();
    let r = c.read_to_end(&mut rest);
    assert!(
        r.is_ok(),
        "the server did not close the idle connection: {r:?}"
    );
    assert!(rest.is_empty());
    server.stop();
}

#[test]
fn clients_beyond_maxconn_are_refused() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = RuntimeServer::start_with(
        vec![ListenerSpec::unix(&path, Level::Admin)],
        target() as Arc<dyn RuntimeTarget>,
        ServerOptions {
            timeout: Duration::from_secs(30),
            maxconn: 1,
        },
    )
    .expect("server starts");
    let mut first = UnixStream::connect(&path).expect("connect");
    first.write_all(b"prompt\n").expect("write");
    assert_eq!(read_until(&mut first, b"\n> "), b"\n> ");
    // The first client is being served; a second one is closed without an answer.
    let mut second = UnixStream::connect(&path).expect("connect");
    second.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    let _ = second.write_all(b"show version\n");
    assert_eq!(read_to_end(&mut second), b"");
    // Once the first leaves, a new client is served.
    first.write_all(b"quit\n").expect("write");
    assert_eq!(read_to_end(&mut first), b"");
    let mut served = String::new();
    for _ in 0..100 {
        served = socat("show version\n", &["stdio", path.to_str().expect("utf-8")]);
        if !served.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(served, "0.1.0-halb\n\n");
    server.stop();
}

#[test]
fn stop_cuts_connected_clients() {
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], target());
    let mut c = UnixStream::connect(&path).expect("connect");
    c.write_all(b"prompt\n").expect("write");
    assert_eq!(read_until(&mut c, b"\n> "), b"\n> ");
    server.stop();
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    assert_eq!(read_to_end(&mut c), b"");
}

#[test]
fn bind_errors_are_reported() {
    let err = RuntimeServer::start(
        vec![ListenerSpec::unix("/nonexistent-dir/x.sock", Level::Admin)],
        target() as Arc<dyn RuntimeTarget>,
        Duration::from_secs(1),
    )
    .expect_err("cannot bind in a missing directory");
    assert!(
        err.to_string()
            .starts_with("cannot bind stats socket /nonexistent-dir/x.sock: "),
        "{err}"
    );
}

/// hatop's own client code (imported from /usr/bin/hatop): prompt mode, `show info`,
/// `show stat` parsing, then `disable server` as its F10 key sends it.
#[test]
fn hatop_client_reads_stats_and_disables_a_server() {
    if !Path::new("/usr/bin/hatop").exists() {
        eprintln!("hatop not installed; skipped");
        return;
    }
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let t = target();
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], t.clone());
    let script = r#"
import sys, importlib.util, importlib.machinery
loader = importlib.machinery.SourceFileLoader("hatop", "/usr/bin/hatop")
spec = importlib.util.spec_from_loader("hatop", loader)
hatop = importlib.util.module_from_spec(spec)
loader.exec_module(hatop)
sock = hatop.Socket(sys.argv[1])
sock.connect()
data = hatop.SocketData(sock)
data.update_info()
data.update_stat()
print("node", data.info["node"], "proxies", data.pxcount, "services", data.svcount)
for iid in sorted(data.stat):
    for sid, sv in data.stat[iid].items():
        print(sv["pxname"], sv["svname"], sv["status"], sv["weight"])
sock.send(b"disable server be/s1")
print("reply", repr(list(sock.recv())))
data.update_stat()
print("after", data.stat[3][1]["status"])
sock.close()
"#;
    let out = python_with(script, &path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hatop client failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("node halb proxies 2 services 4"),
        "{stdout}"
    );
    assert!(stdout.contains("be s1 - 10"), "{stdout}");
    assert!(stdout.contains("be s2 UP 1"), "{stdout}");
    assert!(stdout.contains("reply ['']"), "{stdout}");
    assert!(stdout.contains("after MAINT"), "{stdout}");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(1));
    server.stop();
}

/// The hatop program itself, on a pseudo-terminal: it shows the servers, and its CLI
/// mode (key `5`) disables one.
#[test]
fn hatop_screen_shows_servers_and_disables_one() {
    if !Path::new("/usr/bin/hatop").exists() {
        eprintln!("hatop not installed; skipped");
        return;
    }
    let dir = socket_dir();
    let path = dir.join("admin.sock");
    let t = target();
    let server = start(vec![ListenerSpec::unix(&path, Level::Admin)], t.clone());
    // Drives hatop on a pty: waits for its first screen, switches to CLI mode, types a
    // command, waits until the command has been answered (the screen echoes it), quits.
    let script = r#"
import os, pty, sys, time, select, struct, fcntl, termios, signal
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp("hatop", ["hatop", "-s", sys.argv[1], "-i", "1"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
out = b""
def pump_until(token, limit=20.0):
    global out
    end = time.time() + limit
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                return
            if not d:
                return
            out += d
pump_until(b"5-CLI")
os.write(fd, b"5")
pump_until(b"> ", 5)
os.write(fd, b"disable server be/s1\r")
pump_until(b"disable server be/s1", 10)
time.sleep(0.5)
os.kill(pid, signal.SIGTERM)
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
"#;
    let out = python_with(script, &path);
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pty driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for shown in ["HATop", ">>> be", "s1", "s2", "BACKEND", "Node: halb"] {
        assert!(screen.contains(shown), "hatop did not show {shown:?}");
    }
    let mut admin = None;
    for _ in 0..200 {
        admin = t.server("be", "s1").map(|s| s.admin);
        if admin == Some(1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        admin,
        Some(1),
        "hatop's `disable server be/s1` did not reach the target"
    );
    server.stop();
}

/// `set timeout cli 1` shortens this session's idle timeout below the socket's 60 s: the
/// server closes the idle connection long before the client's own 20 s read limit.
#[test]
fn set_timeout_cli_shortens_the_idle_timeout() {
    let server = one_tcp_listener(Level::User, Duration::from_secs(60));
    let mut c = TcpStream::connect(tcp_addr(&server)).expect("connect");
    c.set_read_timeout(Some(READ_LIMIT)).expect("timeout");
    c.write_all(b"prompt\nset timeout cli 1\n").expect("write");
    let mut rest = Vec::new();
    let r = c.read_to_end(&mut rest);
    assert!(r.is_ok(), "the server kept the idle connection open: {r:?}");
    assert_eq!(rest, b"\n> \n> ");
    server.stop();
}

/// When one listener cannot be bound, the ones already bound are released.
#[test]
fn failed_start_unbinds_what_it_bound() {
    let dir = socket_dir();
    let path = dir.join("first.sock");
    let err = RuntimeServer::start(
        vec![
            ListenerSpec::unix(&path, Level::Admin),
            ListenerSpec::unix("/nonexistent-dir/x.sock", Level::Admin),
        ],
        target() as Arc<dyn RuntimeTarget>,
        Duration::from_secs(1),
    )
    .expect_err("second listener fails");
    assert!(err.to_string().contains("/nonexistent-dir/x.sock"), "{err}");
    assert!(!path.exists(), "first socket file left behind");
}
