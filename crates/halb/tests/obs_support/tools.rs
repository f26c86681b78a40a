//! The operator tools the tests drive, found on the PATH (or a SKIP / a CI failure when not),
//! and small wrappers to run them with bounded time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::skip;

/// The tool's path, or `None` after a SKIP line (a panic under `CI=true`).
pub fn need(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var("PATH").unwrap_or_default();
    let found = dirs
        .split(':')
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        skip(&format!("{name} is not installed"));
    }
    found
}

/// A python3 that can `import prometheus_client` (Debian's `python3-prometheus-client` lives
/// in /usr/bin/python3's path, a pyenv python may not have it).
pub fn python_with_prometheus() -> Option<PathBuf> {
    let found = ["/usr/bin/python3", "python3"]
        .iter()
        .map(PathBuf::from)
        .find(|p| {
            Command::new(p)
                .args(["-c", "import prometheus_client"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    if found.is_none() {
        skip("no python3 with the prometheus_client module");
    }
    found
}

/// Runs `program args` under `timeout 30` with `input` on stdin; the output whatever the status.
pub fn run_with_input(program: &Path, args: &[&str], input: &[u8]) -> Output {
    run_bounded(30, program, args, input)
}

/// Runs `program args` under `timeout SECS` with `input` on stdin; the output.
pub fn run_bounded(secs: u32, program: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new("timeout")
        .arg(secs.to_string())
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input);
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{} did not finish: {e}", program.display()))
}

/// Runs `program args` (bounded by `timeout 30`); the output whatever the status.
pub fn run(program: &Path, args: &[&str]) -> Output {
    run_with_input(program, args, b"")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `echo "CMD" | socat stdio SOCKET`: the manual's one-liner; the answer text.
pub fn socat_cmd(socat: &Path, socket: &str, cmd: &str) -> String {
    let o = run_with_input(socat, &["stdio", socket], format!("{cmd}\n").as_bytes());
    assert!(
        o.status.success(),
        "socat stdio {socket} <<< {cmd:?} failed: {}",
        stderr(&o)
    );
    stdout(&o)
}

/// An HTTP answer as curl got it (body de-chunked by curl).
#[derive(Debug, Clone)]
pub struct CurlAnswer {
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CurlAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `curl -s -i ARGS URL`, bounded; the status, headers and body.
pub fn curl(curl: &Path, args: &[&str], url: &str) -> CurlAnswer {
    let mut all = vec!["-s", "-i", "--max-time", "20"];
    all.extend_from_slice(args);
    all.push(url);
    let o = run(curl, &all);
    assert!(o.status.success(), "curl {all:?} failed: {}", stderr(&o));
    let text = stdout(&o);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in curl output:\n{text}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in curl output:\n{text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    CurlAnswer {
        status,
        headers,
        body: body.to_string(),
    }
}
