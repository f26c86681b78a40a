//! `log stdout`: the frames reach the real stdout of a child process, and when stdout is a
//! pipe nobody reads, sending goes on without blocking and the overflow is counted.
//! The child is this test binary re-run with `HALB_LOGGING_CHILD` set.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use logging::{Level, LogSink, SyslogIdentity};

const LINES: usize = 20_000;

#[test]
fn child_writes_to_stdout() {
    if std::env::var_os("HALB_LOGGING_CHILD").is_none() {
        return; // only meaningful inside the child started below
    }
    let cfg = "global\n  log stdout format raw local0\n";
    let loaded = haproxy_cfg::parse_str("child.cfg", cfg).unwrap();
    let g = &loaded.config.global;
    let sink = LogSink::new(&g.logs, SyslogIdentity::resolve(g, None, "h", 1, "haproxy")).unwrap();
    for i in 0..LINES {
        sink.send(
            Level::Info,
            format!("access line {i:06} {}", "x".repeat(80)).as_bytes(),
        );
    }
    let st = &sink.stats()[0];
    // The parent reads stdout only after this line.
    eprintln!("STATS sent={} dropped={}", st.sent, st.dropped);
    assert!(sink.flush(Duration::from_secs(30)));
}

#[test]
fn stdout_target_never_blocks_on_a_full_pipe_and_counts_drops() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_writes_to_stdout",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HALB_LOGGING_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let stats = loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "child ended without stats"
        );
        if line.starts_with("STATS") {
            break line;
        }
    };
    let field = |k: &str| -> usize {
        stats
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    let (sent, dropped) = (field("sent="), field("dropped="));
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(sent + dropped, LINES);
    assert!(dropped > 0, "a pipe nobody reads must overflow the queue");
    // libtest prints "test NAME ... " without a newline before the test runs: our first
    // line may follow it on the same line.
    let lines: Vec<&str> = out
        .lines()
        .filter_map(|l| l.find("access line ").map(|i| &l[i..]))
        .collect();
    assert_eq!(lines.len(), sent, "every frame counted as sent was written");
    // Order is kept and the raw format is the bare message.
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
    assert!(lines[0].starts_with("access line 000000 xxx"));
}
