//! Health checks through the real binary, against web servers that die, hang, answer the
//! wrong status or the wrong body, and come back: each is taken out after `fall` failed
//! checks and back after `rise` passed ones; backups take over; a backend with nothing left
//! answers 503. The tests assert states (which server answers, what stderr says), never
//! timings.

mod checks_support;

use std::net::SocketAddr;

use checks_support::{free_port, get, message, Halb, Mode, Web};

fn cfg(fe: u16, extra: &str, servers: &str) -> String {
    format!(
        "defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{fe}
    default_backend app
backend app
    option httpchk GET /health
{extra}
{servers}
"
    )
}

fn fe() -> (u16, SocketAddr) {
    let p = free_port();
    (p, ([127, 0, 0, 1], p).into())
}

/// Waits (bounded) until `n` requests in a row are all answered by `who`.
fn all_from(addr: SocketAddr, who: &str, n: usize) -> Vec<(u16, String)> {
    (0..n)
        .map(|_| get(addr, "/"))
        .inspect(|r| assert_eq!(r, &(200, who.to_string())))
        .collect()
}

#[test]
fn wrong_status_then_recovery() {
    let a = Web::start("a");
    let b = Web::start("b");
    let (p, addr) = fe();
    let h = Halb::start(
        &cfg(p, "", &format!("    server a {} check inter 100 rise 2 fall 2\n    server b {} check inter 100 rise 2 fall 2", a.addr, b.addr)),
        addr,
    );
    a.set_mode(Mode::WrongStatus);
    let down = h.wait_line("Server app/a is DOWN");
    assert!(message(&down).starts_with("Server app/a is DOWN, reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", check duration: "), "{down}");
    all_from(addr, "b", 6);
    a.set_mode(Mode::Healthy);
    h.wait_line("Server app/a is UP, reason: Layer7 check passed, code: 200");
    let after: Vec<_> = (0..6).map(|_| get(addr, "/")).collect();
    assert!(after.contains(&(200, "a".to_string())), "{after:?}");
}

#[test]
fn wrong_body_with_http_check_expect() {
    let a = Web::start("a");
    let b = Web::start("b");
    let (p, addr) = fe();
    let h = Halb::start(
        &cfg(p, "    http-check expect ! string maintenance", &format!("    server a {} check inter 100 rise 1 fall 2\n    server b {} check inter 100 rise 1 fall 2", a.addr, b.addr)),
        addr,
    );
    a.set_mode(Mode::WrongBody);
    let down = h.wait_line("Server app/a is DOWN");
    assert!(message(&down).starts_with("Server app/a is DOWN, reason: Layer7 invalid response, info: \"HTTP check matched unwanted content\""), "{down}");
    all_from(addr, "b", 6);
}

#[test]
fn hanging_server_times_out() {
    let a = Web::start("a");
    let b = Web::start("b");
    let (p, addr) = fe();
    let h = Halb::start(
        &cfg(p, "    timeout check 300ms", &format!("    server a {} check inter 100 rise 1 fall 1\n    server b {} check inter 100 rise 1 fall 1", a.addr, b.addr)),
        addr,
    );
    a.set_mode(Mode::Hang);
    let down = h.wait_line("Server app/a is DOWN");
    assert!(
        message(&down)
            .starts_with("Server app/a is DOWN, reason: Layer7 timeout, check duration: "),
        "{down}"
    );
    a.set_mode(Mode::Healthy);
    all_from(addr, "b", 4);
    h.wait_line("Server app/a is UP");
}

#[test]
fn backup_takes_over_then_503_when_nothing_is_left() {
    let mut a = Web::start("a");
    let mut bk = Web::start("backup");
    let (p, addr) = fe();
    let h = Halb::start(
        &cfg(p, "", &format!("    server a {} check inter 100 rise 1 fall 1\n    server bk {} check inter 100 rise 1 fall 1 backup", a.addr, bk.addr)),
        addr,
    );
    all_from(addr, "a", 3);
    a.stop();
    let down = h.wait_line("Server app/a is DOWN");
    assert!(
        down.contains(". 0 active and 1 backup servers left. Running on backup."),
        "{down}"
    );
    all_from(addr, "backup", 3);
    bk.stop();
    h.wait_line("Backup Server app/bk is DOWN");
    let alert = h.wait_line("has no server available");
    assert!(alert.starts_with("[ALERT]    ("), "{alert}");
    assert_eq!(message(&alert), "backend 'app' has no server available!");
    assert_eq!(get(addr, "/").0, 503);
    a.restart();
    h.wait_line("Server app/a is UP");
    all_from(addr, "a", 3);
}

#[test]
fn tcp_mode_connect_check() {
    let mut a = Web::start("a");
    let b = Web::start("b");
    let (p, addr) = fe();
    let text = format!(
        "defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 10s\n    timeout server 10s\nfrontend fe\n    bind 127.0.0.1:{p}\n    default_backend app\nbackend app\n    server a {} check inter 100 rise 1 fall 1\n    server b {} check inter 100 rise 1 fall 1\n",
        a.addr, b.addr
    );
    let h = Halb::start(&text, addr);
    a.stop();
    let down = h.wait_line("Server app/a is DOWN");
    assert!(
        message(&down).starts_with(
            "Server app/a is DOWN, reason: Layer4 connection problem, info: \"Connection refused\""
        ),
        "{down}"
    );
    all_from(addr, "b", 4);
}
