//! `halb proxy` takes HAProxy's command line: config checking, directories of files, daemon mode
//! with a pid file, signals, privilege dropping, file limits, and the `haproxy` multi-call name.

mod cli_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::*;

const TIMEOUTS: &str = "    timeout client 5s\n    timeout connect 2s\n    timeout server 5s\n";

#[test]
fn every_tutorial_config_is_valid() {
    let dir = manifest_dir().join("tests/data/haproxy");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let o = halb(&["proxy", "-c", "-f", p.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{}: {err}", p.display());
        assert!(out.contains("Configuration file is valid"), "{out}");
        assert!(!err.contains("[ALERT]"), "{err}");
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn legacy_frontend_address_is_a_warning_not_an_error() {
    let p = manifest_dir().join("tests/data/haproxy/seed002-example.cfg");
    let o = halb(&["proxy", "-c", "-f", p.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err.contains("[WARNING]")
            && err.contains("seed002-example.cfg:48] : 'frontend main *:5000' is the legacy form"),
        "{err}"
    );
}

#[test]
fn broken_configs_fail_with_file_line_and_expectation() {
    let s = Scratch::new("broken");
    let cases: &[(&str, &str, &str)] = &[
        (
            "global\n    nbthred 2\n",
            ":2] : unknown keyword 'nbthred' in 'global' section; did you mean 'nbthread' maybe ?",
            "unknown keyword",
        ),
        (
            "defaults\n    timeout client 10q\n",
            ":2] : unexpected character 'q' in 'timeout client'",
            "bad unit",
        ),
        (
            "global\n    log \"127.0.0.1 local0\n",
            ":2] : unmatched quote (\") at end of line",
            "unterminated quote",
        ),
        (
            "defaults\n    bind :80\n",
            ":2] : 'bind' not allowed in 'defaults' section.",
            "wrong section",
        ),
        (
            "backend b\n    server node1 192.168.43.333:80\n",
            ":2] : 'server b/node1' : invalid address '192.168.43.333' (octet out of range)",
            "bad address",
        ),
        (
            "frontend f\n    bind :80\n    default_backend nope\n",
            "unable to find required default_backend: 'nope'.",
            "missing backend",
        ),
    ];
    for (i, (cfg, expected, what)) in cases.iter().enumerate() {
        let p = s.write(&format!("b{i}.cfg"), cfg);
        let o = halb(&["proxy", "-c", "-f", p.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(!out.contains("valid"), "{what}");
        let line = err
            .lines()
            .find(|l| l.contains(expected))
            .unwrap_or_else(|| panic!("{what}: no line with {expected:?} in:\n{err}"));
        assert!(line.starts_with("[ALERT]    ("), "{line}");
        assert!(
            line.contains(&format!("parsing [{}", p.display())),
            "{line}"
        );
        assert!(
            err.contains(&format!(
                "Error(s) found in configuration file : {}",
                p.display()
            )),
            "{err}"
        );
        assert!(
            err.trim_end()
                .ends_with("Fatal errors found in configuration."),
            "{err}"
        );
    }
}

#[test]
fn missing_file_and_bad_flags_are_refused() {
    let o = halb(&["proxy", "-c", "-f", "/nonexistent/haproxy.cfg"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o)
        .1
        .contains("Could not open configuration file /nonexistent/haproxy.cfg"));
    let o = halb(&["proxy", "-c"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("No configuration file specified"));
    let o = halb(&["proxy", "-Z", "-f", "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("unknown option '-Z'"));
    let o = halb(&["proxy", "-f", "x.cfg", "-sf", "123"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("'-sf'") && text(&o).1.contains("not supported yet"));
    let o = halb(&["proxy", "-v"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).0.contains("halb version"));
}

#[test]
fn a_directory_loads_its_cfg_files_in_name_order() {
    let s = Scratch::new("dir");
    let port = free_port();
    s.write(
        "10-defaults.cfg",
        &format!("defaults\n    mode http\n{TIMEOUTS}"),
    );
    s.write(
        "20-front.cfg",
        &format!("frontend f\n    bind 127.0.0.1:{port}\n    default_backend app\n"),
    );
    s.write("30-back.cfg", "backend app\n    server a 127.0.0.1:9\n");
    s.write("README", "this is not a configuration file\n");
    let o = halb(&["proxy", "-c", "-f", s.0.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    // Several -f options add up, in order: a file naming a backend defined later still works.
    let a = s.write(
        "a.conf",
        &format!(
            "defaults\n{TIMEOUTS}frontend f\n    bind 127.0.0.1:{port}\n    default_backend b\n"
        ),
    );
    let b = s.write("b.conf", "backend b\n");
    let o = halb(&[
        "proxy",
        "-c",
        "-f",
        a.to_str().unwrap(),
        "-f",
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
}

#[test]
fn environment_variables_expand_in_the_binary() {
    let s = Scratch::new("env");
    let p = s.write(
        "e.cfg",
        &format!("defaults\n{TIMEOUTS}frontend f\n    bind \"127.0.0.1:${{HALB_TEST_PORT}}\"\n    default_backend b\nbackend b\n"),
    );
    let o = Command::new(HALB)
        .args(["proxy", "-c", "-f", p.to_str().unwrap()])
        .env("HALB_TEST_PORT", "99999")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "the expanded value is checked");
    assert!(text(&o).1.contains("invalid port '99999'"));
}

/// A TCP echo server on an ephemeral port, for one connection at a time.
fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if c.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

fn tcp_config(port: u16, backend: SocketAddr, global: &str) -> String {
    format!(
        "global\n{global}defaults\n    mode tcp\n{TIMEOUTS}frontend f\n    bind 127.0.0.1:{port}\n    default_backend b\nbackend b\n    server s1 {backend}\n"
    )
}

/// Starts `halb proxy -d -f cfg` and waits until it accepts on 127.0.0.1:`port`.
fn start_foreground(cfg: &std::path::Path, port: u16) -> (std::process::Child, SocketAddr) {
    let child = Command::new(HALB)
        .args(["proxy", "-d", "-f", cfg.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!(
        wait_for(Duration::from_secs(5), || connects(addr).then_some(())).is_some(),
        "halb proxy listens on {addr}"
    );
    (child, addr)
}

fn echo_through(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(msg).unwrap();
    let mut got = vec![0u8; msg.len()];
    c.read_exact(&mut got).unwrap();
    got
}

#[test]
fn daemon_writes_pidfile_and_stops_on_sigterm() {
    let s = Scratch::new("daemon");
    let port = free_port();
    let pidfile = s.path("halb.pid");
    let cfg = s.write(
        "d.cfg",
        &tcp_config(
            port,
            echo_server(),
            &format!("    daemon\n    pidfile {}\n", pidfile.display()),
        ),
    );
    // The command returns once the worker has detached.
    let o = Command::new(HALB)
        .args(["proxy", "-f", cfg.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let pid: i32 = wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(&pidfile).ok()?.trim().parse().ok()
    })
    .expect("pid file written");
    assert!(alive(pid), "the daemon runs");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!(wait_for(Duration::from_secs(5), || connects(addr).then_some(())).is_some());
    assert_eq!(echo_through(addr, b"hello daemon"), b"hello daemon");
    // SAFETY: sending a signal to the daemon we started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert!(
        wait_for(Duration::from_secs(5), || (!alive(pid)).then_some(())).is_some(),
        "SIGTERM stops it"
    );
}

#[test]
fn sigusr1_finishes_sessions_then_exits() {
    let s = Scratch::new("usr1");
    let port = free_port();
    let cfg = s.write("u.cfg", &tcp_config(port, echo_server(), ""));
    let (mut child, addr) = start_foreground(&cfg, port);
    let mut open = TcpStream::connect(addr).unwrap();
    open.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    open.write_all(b"before").unwrap();
    let mut buf = [0u8; 6];
    open.read_exact(&mut buf).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGUSR1) };
    assert!(
        wait_for(Duration::from_secs(5), || (!connects(addr)).then_some(())).is_some(),
        "no new connection is accepted after SIGUSR1"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running while a session is open"
    );
    open.write_all(b"after!").unwrap();
    open.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"after!", "the open session still works");
    drop(open);
    let status = wait_for(Duration::from_secs(10), || child.try_wait().unwrap())
        .expect("exits once sessions are done");
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigint_stops_a_foreground_proxy() {
    let s = Scratch::new("int");
    let port = free_port();
    let cfg = s.write("i.cfg", &tcp_config(port, echo_server(), ""));
    let (mut child, addr) = start_foreground(&cfg, port);
    let _open = TcpStream::connect(addr).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(
        wait_for(Duration::from_secs(5), || child.try_wait().unwrap()).is_some(),
        "SIGINT stops at once, even with a session open"
    );
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Tests that need root fail under CI (it runs as root) and are skipped with a reason elsewhere.
fn require_root(what: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} needs root, and CI=true"
    );
    eprintln!("SKIP {what}: needs root");
    false
}

#[test]
fn chroots_and_drops_privileges_after_binding() {
    if !require_root("privilege drop") {
        return;
    }
    let s = Scratch::new("user");
    let port = free_port();
    let jail = s.path("jail");
    std::fs::create_dir_all(&jail).unwrap();
    let global = format!(
        "    user nobody\n    group nogroup\n    chroot {}\n",
        jail.display()
    );
    let cfg = s.write("p.cfg", &tcp_config(port, echo_server(), &global));
    let (mut child, addr) = start_foreground(&cfg, port);
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let uid_line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .to_string();
    let gid_line = status
        .lines()
        .find(|l| l.starts_with("Gid:"))
        .unwrap()
        .to_string();
    let root = std::fs::read_link(format!("/proc/{}/root", child.id())).unwrap();
    assert_eq!(echo_through(addr, b"still serving"), b"still serving");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        uid_line.split_whitespace().skip(1).all(|u| u == "65534"),
        "{uid_line}"
    );
    assert!(
        gid_line.split_whitespace().skip(1).all(|g| g == "65534"),
        "{gid_line}"
    );
    assert_eq!(root, jail.canonicalize().unwrap(), "chrooted");
}

#[test]
fn strict_limits_refuse_to_start_short_of_descriptors() {
    let s = Scratch::new("limits");
    let port = free_port();
    let strict = s.write(
        "s.cfg",
        &tcp_config(port, echo_server(), "    maxconn 100000\n"),
    );
    let o = Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -Sn 1024 && ulimit -Hn 1024 && exec {HALB} proxy -d -f {}",
                strict.display()
            ),
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("Cannot raise FD limit to 200"), "{err}");
    assert!(err.contains("limit is 1024"), "{err}");

    // With `no strict-limits` it starts anyway, with a warning.
    let lax = s.write(
        "l.cfg",
        &tcp_config(
            port,
            echo_server(),
            "    maxconn 100000\n    no strict-limits\n",
        ),
    );
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -Sn 1024 && ulimit -Hn 1024 && exec {HALB} proxy -d -f {}",
                lax.display()
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let up = wait_for(Duration::from_secs(5), || connects(addr).then_some(())).is_some();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(up, "starts despite the short limit");
    assert!(String::from_utf8_lossy(&out.stderr).contains("[WARNING]"));
}

#[test]
fn invoked_as_haproxy_it_is_the_proxy() {
    let s = Scratch::new("multicall");
    let link = s.path("haproxy");
    std::os::unix::fs::symlink(HALB, &link).unwrap();
    let cfg = manifest_dir().join("tests/data/haproxy/seed000-haproxy.cfg");
    let o = Command::new(&link)
        .args(["-c", "-f", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(text(&o).0.contains("Configuration file is valid"));
    let o = Command::new(&link)
        .args(["-c", "-f", "/nonexistent.cfg"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn check_mode_compiles_rules_too() {
    let s = Scratch::new("rulescheck");
    let port = free_port();
    let p = s.write(
        "r.cfg",
        &format!(
            "defaults\n    mode http\n{TIMEOUTS}frontend f\n    bind 127.0.0.1:{port}\n    acl static path_bgin /static\n    use_backend b if static\n    default_backend b\nbackend b\n"
        ),
    );
    let o = halb(&["proxy", "-c", "-f", p.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!out.contains("valid"), "{out}");
    assert!(
        err.contains("r.cfg:8] : 'acl static path_bgin' : unknown fetch method"),
        "{err}"
    );
}

/// `halb proxy -c` on `cfg` must refuse it (exit 1, no "valid"); returns the alert line that
/// names `keyword`.
fn check_refused(cfg: &std::path::Path, keyword: &str) -> String {
    let o = halb(&["proxy", "-c", "-f", cfg.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!out.contains("valid"), "{out}");
    err.lines()
        .find(|l| l.contains(keyword))
        .unwrap_or_else(|| panic!("no {keyword} alert in:\n{err}"))
        .to_string()
}

#[test]
fn a_bad_unique_id_format_is_refused_with_file_and_line() {
    let s = Scratch::new("baduid");
    let cfg = format!(
        "defaults\n    mode http\n{TIMEOUTS}frontend fe\n    bind 127.0.0.1:1\n    unique-id-format %ci_%[nosuchfetch]\n    default_backend be\nbackend be\n    server s 127.0.0.1:1\n"
    );
    let p = s.write("uid.cfg", &cfg);
    let line = check_refused(&p, "unique-id-format");
    assert!(
        line.contains(&format!("parsing [{}:8]", p.display())) && line.contains("nosuchfetch"),
        "{line}"
    );
}

#[test]
fn a_bad_log_format_is_refused_with_file_line_and_column() {
    let s = Scratch::new("badlogfmt");
    let cfg = format!(
        "defaults\n    mode http\n{TIMEOUTS}frontend fe\n    bind 127.0.0.1:1\n    log 127.0.0.1:514 local0\n    log-format \"%ci %[nosuchfetch] %ST\"\n    default_backend be\nbackend be\n    server s 127.0.0.1:1\n"
    );
    let p = s.write("logfmt.cfg", &cfg);
    let line = check_refused(&p, "log-format");
    assert!(line.starts_with("[ALERT]    ("), "{line}");
    assert!(
        line.contains(&format!("parsing [{}:9]", p.display())),
        "{line}"
    );
    assert!(
        line.contains("column 5") && line.contains("nosuchfetch"),
        "{line}"
    );
}
