//! The same runtime admin commands sent to the real HAProxy 2.6 (its stats socket) and to
//! our [`ServerAdmin`]: the state-change lines and the command answers must be identical.
//! Skipped (with a message) when no `haproxy` binary is installed.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checks::driver::{AdminError, CheckerOptions, HealthChecker, HealthTable, ServerAdmin};
use checks::AdminState;
use support::{config, wait_until, Backend, CollectLog, Mode, WAIT};

fn haproxy_bin() -> Option<PathBuf> {
    [
        "/usr/sbin/haproxy",
        "/usr/local/sbin/haproxy",
        "/usr/bin/haproxy",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

struct Haproxy {
    child: Child,
    socket: PathBuf,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Haproxy {
    fn start(bin: &Path, backends: &str) -> Haproxy {
        let dir =
            std::env::temp_dir().join(format!("checks-admin-vs-haproxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let socket = dir.join("admin.sock");
        let _ = std::fs::remove_file(&socket);
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(
            &cfg,
            format!(
                "global\n stats socket {} level admin\n log stderr format raw local0 debug\n\
                 defaults\n mode http\n log global\n timeout connect 1s\n timeout client 5s\n timeout server 5s\n{backends}",
                socket.display()
            ),
        )
        .expect("write cfg");
        let mut child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("haproxy starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // `log stderr format raw` repeats each warning without the `[WARNING]` tag:
                // keep those, the syslog text.
                if !line.starts_with('[') {
                    if let Ok(mut v) = sink.lock() {
                        v.push(line);
                    }
                }
            }
        });
        let h = Haproxy {
            child,
            socket,
            lines,
        };
        wait_until("haproxy's stats socket", || {
            UnixStream::connect(&h.socket).is_ok()
        });
        h
    }

    /// One non-interactive command; the answer without the final empty line HAProxy adds.
    fn cmd(&self, command: &str) -> String {
        let mut s = UnixStream::connect(&self.socket).expect("connect");
        s.set_read_timeout(Some(WAIT)).expect("timeout");
        s.write_all(format!("{command}\n").as_bytes())
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out.strip_suffix('\n').unwrap_or(&out).to_string()
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits until no new line came for a while (HAProxy logs state changes from a task).
    fn settle(&self) {
        let start = Instant::now();
        let mut n = self.lines().len();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let m = self.lines().len();
            if m == n || start.elapsed() > WAIT {
                return;
            }
            n = m;
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What our admin answers, in HAProxy's CLI bytes.
fn ours(a: &ServerAdmin, command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let r: Result<String, AdminError> = (|| match words[..] {
        ["set", "server", path, "state", st] => {
            let s = a.find_path(path)?;
            a.set_state(s, AdminState::parse(st)?)
                .map(|_| String::new())
        }
        ["disable", "server", path] => a
            .set_state(a.find_path(path)?, AdminState::Maint)
            .map(|_| String::new()),
        ["enable", "server", path] => a
            .set_state(a.find_path(path)?, AdminState::Ready)
            .map(|_| String::new()),
        ["set", "weight", path, w] => a.set_weight(a.find_path(path)?, w).map(|_| String::new()),
        ["get", "weight", path] => a
            .weight(a.find_path(path)?)
            .map(|w| format!("{} (initial {})\n", w.current, w.initial)),
        ["disable", "health", path] => a
            .set_health_check(a.find_path(path)?, false)
            .map(|_| String::new()),
        ["enable", "health", path] => a
            .set_health_check(a.find_path(path)?, true)
            .map(|_| String::new()),
        ["enable", "agent", path] => a
            .set_agent_check(a.find_path(path)?, true)
            .map(|_| String::new()),
        _ => panic!("not a command of this test: {command}"),
    })();
    r.unwrap_or_else(|e| e.cli_output())
}

#[test]
fn admin_commands_answer_and_log_as_haproxy_2_6() {
    let Some(bin) = haproxy_bin() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no haproxy binary: this comparison must run in CI (scripts/test.sh installs it)"
        );
        eprintln!("no haproxy binary: comparison skipped");
        return;
    };
    let s = Backend::start(Mode::Healthy);
    let backends = format!(
        "backend b\n balance roundrobin\n option httpchk GET /\n \
         server s 127.0.0.1:{} check inter 100\n \
         server t 127.0.0.1:1 weight 20\n \
         server u 127.0.0.1:1 backup\n\
         backend st\n balance source\n server s 127.0.0.1:1\n",
        s.port()
    );
    let hap = Haproxy::start(&bin, &backends);
    let cfg = config(&format!(
        "defaults\n mode http\n timeout connect 1s\n{backends}"
    ));
    let log = Arc::new(CollectLog::default());
    let checker = HealthChecker::start(
        &cfg,
        Arc::new(HealthTable::new(&cfg)),
        log.clone(),
        CheckerOptions::default(),
    )
    .expect("checker starts");
    let admin = checker.admin();
    // Both have checked b/s once (UP), so only the commands' lines follow.
    wait_until("b/s checked by both", || s.answered() >= 2);
    hap.settle();
    let (hap_skip, our_skip) = (hap.lines().len(), log.lines().len());

    let commands = [
        "set server b/s state maint",
        "set server b/s state drain",
        "set server b/s state ready",
        "set server b/s state drain",
        "set server b/s state maint",
        "set server b/s state ready",
        "set server b/t state drain",
        "set server b/t state maint",
        "set server b/t state ready",
        "disable server b/u",
        "enable server b/u",
        "set server b/x state maint",
        "set server x/s state maint",
        "set server b/s state foo",
        "get weight b/t",
        "set weight b/t 50",
        "get weight b/t",
        "set weight b/t 50%",
        "get weight b/t",
        "set weight b/t 300",
        "set weight b/t -1",
        "set weight b/t 2000%",
        "get weight b/t",
        "set weight b/t abc",
        "set weight b/t 5x",
        "set weight b/t -3%",
        "set weight st/s 5",
        "set weight st/s 0",
        "set weight st/s 100%",
        "get weight st/s",
        "get weight b/nope",
        "get weight nope/t",
        "get weight b",
        "disable health b/t",
        "enable health b/t",
        "enable agent b/t",
        "set weight b/t 100%",
    ];
    for c in commands {
        let theirs = hap.cmd(c);
        hap.settle();
        assert_eq!(ours(&admin, c), theirs, "answer to {c:?}");
    }
    let theirs: Vec<String> = hap.lines().into_iter().skip(hap_skip).collect();
    let mine: Vec<String> = log.lines().into_iter().skip(our_skip).collect();
    assert!(theirs.len() >= 10, "haproxy logged too little: {theirs:#?}");
    assert_eq!(mine, theirs);
}
