//! Helpers shared by the runtime API's socket tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// `echo "$input" | socat ARGS...`, returning stdout.
pub fn socat(input: &str, args: &[&str]) -> String {
    let mut child = Command::new("socat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("socat is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to socat");
    let out = child.wait_with_output().expect("socat runs");
    assert!(
        out.status.success(),
        "socat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}
