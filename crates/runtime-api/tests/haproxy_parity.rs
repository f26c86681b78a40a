//! The same command sequence sent to a real HAProxy 2.6 and to halb's runtime API (with a
//! [`MemoryTarget`] holding the same servers): every answer must be byte-identical.
//! Skipped when `haproxy` is not installed.
#![cfg(feature = "driver")]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use runtime_api::{Level, ListenerSpec, MemoryServer, MemoryTarget, RuntimeServer, RuntimeTarget};

/// Commands whose answers do not depend on the build, time, or on commands halb lacks.
/// Run in this order on both sides (several change the servers).
const COMMANDS: &[&str] = &[
    "show backend",
    "get weight be/s1",
    "get weight be/zz",
    "get weight zz/s1",
    "get weight be",
    "get weight",
    "get weight /s1",
    "set weight be/s1 20",
    "get weight be/s1",
    "set weight be/s1 50%",
    "get weight be/s1",
    "set weight be/s1 300",
    "set weight be/s1 abc",
    "set weight be/s1 10x",
    "set weight be/s1 -5%",
    "set weight be/s1",
    "set weight zz/s1 3",
    "set weight be/zz 3",
    "set weight be/s1 1000%",
    "get weight be/s1",
    "set weight be/s1 10",
    "set server be/s1 weight 20",
    "set server be/s1 weight",
    "set server be/s1",
    "set server be",
    "set server",
    "set server be/s1 state",
    "set server be/s1 state foo",
    "set server be/s1 state drain",
    "set server be/s1 state maint",
    "set server be/s1 state ready",
    "set server be/s1 foo",
    "set server zz/s1 state ready",
    "set server be/zz state ready",
    "set server be/s1 health foo",
    "set server be/s1 agent foo",
    "set weight be/s1 10",
    "disable server be/s1",
    "enable server be/s1",
    "disable server be",
    "disable server zz/s1",
    "disable server",
    "disable health be/s1",
    "disable health be/s2",
    "enable health be/s2",
    "enable health be/s1",
    "disable agent be/s1",
    "enable agent be/s1",
    "disable health",
    "shutdown sessions server be/s1",
    "shutdown sessions server be",
    "shutdown sessions server",
    "clear counters",
    "clear counters all",
    "set timeout cli 10",
    "set timeout cli",
    "set timeout cli abc",
    "set timeout",
    "set timeout foo 3",
    "set timeout cli 10s",
    "set timeout cli 0",
    "set timeout cli 500ms",
    "show servers state nope",
    "show stat foo -1 -1",
    "show stat domain foo",
    "show cli level",
    "show cli level;operator;show cli level;user;show cli level",
    "operator -;show cli level",
    "show sess 0x1234",
    "disable srv",
    "shutdown sessions",
    "help show sess",
    "help set server",
    "get weight be/s1;set weight be/s1 7;get weight be/s1",
    // Several lines in one write: prompt mode on, answers with "\n> ", prompt off, close.
    "prompt\nshow cli level\nget weight be/s1\nprompt",
    "prompt;get weight be/zz;quit",
    "get weight be/s1\r",
    "user;disable server be/s1;show cli level",
];

struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ask(path: &Path, command: &str) -> Vec<u8> {
    let mut s = UnixStream::connect(path).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(format!("{command}\n").as_bytes())
        .expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn wait_for(path: &Path) -> bool {
    for _ in 0..200 {
        if UnixStream::connect(path).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn answers_equal_haproxy_byte_for_byte() {
    if Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "haproxy is not installed: this comparison must run in CI (scripts/test.sh installs it)"
        );
        eprintln!("haproxy not installed; skipped");
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("halb-rt-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let theirs = dir.join("haproxy.sock");
    let ours = dir.join("halb.sock");
    // No frontend (no port to bind); s2 has a check but is disabled, so nothing is probed.
    let cfg = format!(
        "global\n    stats socket {} mode 600 level admin\n\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\nbackend be\n    server s1 127.0.0.1:18081 weight 10\n    server s2 127.0.0.1:18082 check disabled\n",
        theirs.display()
    );
    let cfg_path = dir.join("haproxy.cfg");
    std::fs::write(&cfg_path, cfg).expect("write config");
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-q")
        .arg("-f")
        .arg(&cfg_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    let _haproxy = Haproxy(child);
    assert!(wait_for(&theirs), "haproxy's stats socket did not appear");

    let target = MemoryTarget::new().backend(
        3,
        "be",
        vec![
            MemoryServer::new(1, "s1", "127.0.0.1", 18081).weight(10),
            MemoryServer::new(2, "s2", "127.0.0.1", 18082)
                .with_check()
                .disabled(),
        ],
    );
    let server = RuntimeServer::start(
        vec![ListenerSpec::unix(&ours, Level::Admin)],
        Arc::new(target) as Arc<dyn RuntimeTarget>,
        Duration::from_secs(10),
    )
    .expect("server starts");

    let mut differ = Vec::new();
    for c in COMMANDS {
        let a = ask(&theirs, c);
        let b = ask(&ours, c);
        if a != b {
            differ.push(format!(
                "{c:?}:\n  haproxy: {:?}\n  halb:    {:?}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            ));
        }
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        differ.is_empty(),
        "{} of {} answers differ:\n{}",
        differ.len(),
        COMMANDS.len(),
        differ.join("\n")
    );
}
