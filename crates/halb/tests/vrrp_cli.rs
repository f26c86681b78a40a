//! `halb vrrp`'s command line as keepalived users type it: `-t` config checks with
//! keepalived's `(file: Line N)` messages and exit code 5, refused flags, version and help,
//! and start-up refusals (missing interface, a live pid file). No root needed.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn halb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_halb"))
        .arg("vrrp")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run halb")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("halb-vrrp-cli-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        TempDir(d)
    }

    fn file(&self, name: &str, body: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, body).expect("write");
        p.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The interface every Linux host has that keepalived-cfg accepts for an instance. The
/// loopback is what we know exists; use it where the test is about something else.
fn instance(interface: &str, extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state MASTER\n    interface {interface}\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{\n        198.18.7.100\n    }}\n{extra}}}\n"
    )
}

#[test]
fn config_test_accepts_a_valid_file() {
    let d = TempDir::new("ok");
    let conf = d.file("keepalived.conf", &instance("lo", ""));
    let o = halb(&["-t", "-f", &conf]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The long form with an attached file name, as keepalived documents it.
    let o = halb(&[&format!("--config-test={conf}")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn config_test_points_at_the_bad_line_and_exits_5() {
    let d = TempDir::new("bad");
    let conf = d.file(
        "keepalived.conf",
        "vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 300\n    priority 100\n}\n",
    );
    let o = halb(&["-t", "-f", &conf]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains(&format!("({conf}: Line 3)")), "{t}");
}

#[test]
fn config_test_missing_interface_is_reported_like_keepalived() {
    let d = TempDir::new("noif");
    let conf = d.file("keepalived.conf", &instance("nosuchif0", ""));
    let o = halb(&["-t", "-f", &conf]);
    let t = text(&o);
    // keepalived 2.2.7 prints a WARNING for the line and exits 5 under -t; halb warns and
    // accepts, since the file may be meant for another host (docs/vrrp-config.md).
    assert!(
        t.contains("WARNING - interface nosuchif0 for vrrp_instance VI_1 doesn't exist"),
        "{t}"
    );
    assert!(
        t.contains("Non-existent interface specified in configuration"),
        "{t}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn config_test_missing_file() {
    let o = halb(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(text(&o).contains("/nonexistent/keepalived.conf"));
}

#[test]
fn start_refuses_a_missing_interface() {
    let d = TempDir::new("startnoif");
    let conf = d.file("keepalived.conf", &instance("nosuchif0", ""));
    let pid = d.0.join("k.pid").to_string_lossy().into_owned();
    let o = halb(&["-n", "-l", "-f", &conf, "-p", &pid]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(text(&o).contains("interface nosuchif0 doesn't exist"));
    assert!(!std::path::Path::new(&pid).exists());
}

#[test]
fn start_refuses_when_the_pid_file_names_a_live_process() {
    let d = TempDir::new("pid");
    let conf = d.file("keepalived.conf", &instance("lo", ""));
    // Our own test process is alive and is not the daemon.
    let pid = d.file("k.pid", &format!("{}\n", std::process::id()));
    let o = halb(&["-nl", "-f", &conf, "-p", &pid]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("daemon is already running"),
        "{}",
        text(&o)
    );
}

#[test]
fn checkers_only_and_unknown_flags_are_refused() {
    let o = halb(&["-C"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("halb proxy"), "{}", text(&o));
    let o = halb(&["-nlz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("invalid option -- 'z'"));
    let o = halb(&["--bogus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("unrecognized option '--bogus'"));
    let o = halb(&["-f"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn version_and_help() {
    let o = halb(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("keepalived 2.2.7 compatible"));
    let o = halb(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("--use-file"));
}

#[test]
fn every_tutorial_keepalived_conf_passes_config_test() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../keepalived-cfg/tests/data/fixtures");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let o = halb(&["-t", "-f", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", p.display(), text(&o));
        n += 1;
    }
    assert_eq!(n, 7);
}

#[test]
fn invoked_as_keepalived_it_is_the_vrrp_daemon() {
    let d = TempDir::new("multicall");
    let link = d.0.join("keepalived");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_halb"), &link).unwrap();
    let conf = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../keepalived-cfg/tests/data/fixtures/seed000-master.conf");
    let o = std::process::Command::new(&link)
        .args(["-t", "-f", conf.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = std::process::Command::new(&link)
        .args(["-t", "-f", "/nonexistent.conf"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5));
}
