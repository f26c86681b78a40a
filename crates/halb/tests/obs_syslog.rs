//! Logs through the real proxy to real syslog receivers, checked against HAProxy 2.6.
//!
//! Proves: an `option httplog` line per request with HAProxy's exact default field layout (and
//! the values the test knows: client address and port, frontend, backend/server, status,
//! bytes the client received, `----`, captured Host header, request line); `option tcplog`;
//! a 503 logged as `<NOSRV>` with `SC--`; a custom `log-format`; `option dontlognull` (an
//! empty connection makes a line only without it); `option log-separate-errors` (err level in
//! the PRI for a 5xx, info otherwise); `format rfc5424`; `log global` and `no log`;
//! captured request and response headers; `option httplog clf`; `len`; `log-send-hostname`;
//! an empty http connection logged as `<BADREQ>`/`CR--` unless `dontlognull`; the default
//! `Connect from` line without a log option; `Proxy X stopped` lines on a soft stop;
//! `log-tag`; a unix datagram target and `log stdout format raw`; server state changes from
//! health checks reaching the syslog target.
//!
//! Run against HAProxy with `HALB_OBS_PEER=haproxy` (see `obs_support`).

mod obs_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use e2e::HttpResponse;
use obs_support::logline::{log_bytes_match, split_pri, HttpLog, Rfc3164, TcpLog};
use obs_support::syslog::{SyslogUdp, SyslogUnix};
use obs_support::{get, get_with, local_addr, MockHttp, MockTcp, Proxy, RawClient, Reply, TempDir};

/// local0 (16) * 8 + info (6)
const LOCAL0_INFO: u32 = 134;
/// local0 (16) * 8 + err (3)
const LOCAL0_ERR: u32 = 131;

fn http_cfg(log: &str, fe: SocketAddr, fe_extra: &str, be: &str) -> String {
    format!(
        "global
    {log}
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {fe}
{fe_extra}
    default_backend be
backend be
{be}
"
    )
}

/// A syslog receiver, a mock server answering `body`, and the proxy between them, with
/// `fe_extra` in its frontend and logging to the receiver at local0.
struct HttpBench {
    log: SyslogUdp,
    srv: MockHttp,
    fe: SocketAddr,
    proxy: Proxy,
}

fn http_bench(fe_extra: &str, body: &str) -> HttpBench {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok(body);
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} local0", log.addr()),
        fe,
        fe_extra,
        &format!("    server s1 {}", srv.addr()),
    );
    let proxy = Proxy::start(&cfg, &[fe], &[]);
    HttpBench {
        log,
        srv,
        fe,
        proxy,
    }
}

/// One GET on its own connection; (client local port, the response).
fn get_counting(addr: SocketAddr, path: &str) -> (u16, HttpResponse, u16) {
    let mut c = RawClient::connect(addr).expect("connect");
    let port = c.stream().local_addr().expect("local addr").port();
    c.send(format!(
        "GET {path} HTTP/1.1\r\nHost: obs.test\r\nConnection: close\r\n\r\n"
    ))
    .expect("send");
    let r = c.read_response().expect("response");
    let status = r.status;
    (port, r, status)
}

fn assert_bytes(logged: i64, r: &HttpResponse, line: &str) {
    assert!(
        log_bytes_match(logged, r),
        "B must be the bytes sent to the client ({} on the wire, {} headers): {line}",
        r.raw_head.len() + r.body.len(),
        r.headers.len()
    );
}

#[test]
fn httplog_line_has_haproxy_default_layout_and_known_values() {
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: p,
    } = http_bench(
        "    option httplog\n    capture request header Host len 32",
        "hello world",
    );
    let (port, bytes, status) = get_counting(fe, "/hello?x=1");
    assert_eq!(status, 200);
    let line = log.wait_line("for GET /hello", |l| l.contains("/hello?x=1"));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.pri, LOCAL0_INFO, "{line}");
    assert_eq!(h.pid, p.pid(), "the pid in the tag is the proxy's: {line}");
    assert_eq!(h.host, None, "no hostname unless log-send-hostname: {line}");
    let m = HttpLog::parse(&h.msg).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.client_ip, "127.0.0.1");
    assert_eq!(m.client_port, port, "client port: {line}");
    assert_eq!(
        (m.frontend.as_str(), m.backend.as_str(), m.server.as_str()),
        ("fe", "be", "s1")
    );
    assert_eq!(m.status, 200);
    assert_bytes(m.bytes, &bytes, &line);
    assert_eq!((m.req_cookie.as_str(), m.resp_cookie.as_str()), ("-", "-"));
    assert_eq!(m.termination, "----", "{line}");
    assert!(m.timers.iter().all(|&t| t >= 0), "all timers known: {line}");
    assert!(m.timers[4] >= m.timers[3], "Ta covers Tr: {line}");
    assert_eq!(m.conns[4], 0, "no retries: {line}");
    assert_eq!(m.queues, vec![0, 0], "{line}");
    assert_eq!(m.captures, vec!["obs.test".to_string()], "{line}");
    assert_eq!(m.request, "GET /hello?x=1 HTTP/1.1");
    // One line per request: a second request gives a second line with its own port.
    let (port2, _, _) = get_counting(fe, "/second");
    let l2 = log.wait_line("for GET /second", |l| l.contains("/second"));
    assert!(l2.contains(&format!(":{port2} [")), "{l2}");
    assert_eq!(
        log.lines()
            .iter()
            .filter(|l| l.contains("/hello?x=1"))
            .count(),
        1
    );
}

/// One tcp session through the proxy to a `MockTcp::start("pong:")` server: "ping", a
/// half-close, the answer. Returns the client's port.
fn ping_pong(fe: SocketAddr) -> u16 {
    let mut c = TcpStream::connect(fe).expect("connect");
    let port = c.local_addr().expect("local").port();
    c.write_all(b"ping").expect("write");
    c.shutdown(std::net::Shutdown::Write).expect("shutdown");
    c.set_read_timeout(Some(obs_support::WAIT))
        .expect("timeout");
    let mut got = Vec::new();
    c.read_to_end(&mut got).expect("read");
    assert_eq!(got, b"pong:ping");
    port
}

/// A syslog receiver, a `MockTcp::start("pong:")` server, and a `listen tcpfe` section in
/// mode tcp between them with `extra` lines, logging to the receiver at local0.
fn tcp_bench(extra: &str) -> (SyslogUdp, SocketAddr, MockTcp, Proxy) {
    let log = SyslogUdp::start();
    let srv = MockTcp::start("pong:");
    let fe = local_addr();
    let cfg = format!(
        "global
    log {} local0
defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen tcpfe
    bind {fe}
{extra}
    server t1 {}
",
        log.addr(),
        srv.addr()
    );
    let proxy = Proxy::start(&cfg, &[fe], &[]);
    (log, fe, srv, proxy)
}

#[test]
fn tcplog_line_has_haproxy_default_layout() {
    let (log, fe, _srv, _p) = tcp_bench("    option tcplog");
    let port = ping_pong(fe);
    let line = log.wait_line("for the tcp session", |l| l.contains(&format!(":{port} [")));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.pri, LOCAL0_INFO);
    let m = TcpLog::parse(&h.msg).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.client_ip, "127.0.0.1");
    assert_eq!(m.client_port, port);
    assert_eq!(
        (m.frontend.as_str(), m.backend.as_str(), m.server.as_str()),
        ("tcpfe", "tcpfe", "t1")
    );
    assert_eq!(m.bytes, 9, "bytes sent to the client: {line}");
    assert!(m.timers.iter().all(|&t| t >= 0), "{line}");
    assert_eq!(m.termination, "--", "a clean close: {line}");
    assert_eq!(m.queues, vec![0, 0]);
}

#[test]
fn no_server_503_is_logged_as_nosrv_sc() {
    let log = SyslogUdp::start();
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} local0", log.addr()),
        fe,
        "    option httplog",
        "    # no server at all",
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    let (port, bytes, status) = get_counting(fe, "/none");
    assert_eq!(status, 503);
    let line = log.wait_line("for the 503", |l| l.contains("/none"));
    let m = HttpLog::parse(&Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.client_port, port);
    assert_eq!(
        (m.backend.as_str(), m.server.as_str()),
        ("be", "<NOSRV>"),
        "{line}"
    );
    assert_eq!(m.status, 503);
    assert_bytes(m.bytes, &bytes, &line);
    assert_eq!(m.termination, "SC--", "{line}");
    // Never queued, never connected, never answered by a server.
    assert_eq!(&m.timers[1..4], &[-1, -1, -1], "{line}");
}

#[test]
fn custom_log_format_expands_the_variables() {
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: _p,
    } = http_bench(
        "    log-format \"custom ci=%ci ft=%ft bs=%b/%s st=%ST tsc=%tsc r=%{+Q}r\"",
        "0123456789",
    );
    assert_eq!(get(fe, "/fmt").status, 200);
    // Filter on the path: the start-up probe's empty connection is logged too (as <BADREQ>).
    let line = log.wait_line("custom", |l| l.contains("/fmt"));
    let msg = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg;
    assert_eq!(
        msg,
        "custom ci=127.0.0.1 ft=fe bs=be/s1 st=200 tsc=---- r=\"GET /fmt HTTP/1.1\""
    );
}

/// A tcp listener; one empty connection (connect, close, wait for the proxy to close too),
/// then a marker connection with data. Returns the lines once the marker is logged.
fn empty_then_marker(option: &str) -> (Vec<String>, u16, u16) {
    let log = SyslogUdp::start();
    let silent = MockTcp::start("");
    let fe = local_addr();
    let cfg = format!(
        "global
    log {} local0
defaults
    mode tcp
    log global
    option tcplog
    {option}
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen l1
    bind {fe}
    server t1 {}
",
        log.addr(),
        silent.addr()
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    // Proxy::start probed the port with connections of its own: tell them apart by port.
    let empty = TcpStream::connect(fe).expect("connect");
    let empty_port = empty.local_addr().expect("local").port();
    empty.shutdown(std::net::Shutdown::Write).expect("fin");
    empty.set_read_timeout(Some(obs_support::WAIT)).expect("t");
    let mut sink = Vec::new();
    let _ = (&empty).read_to_end(&mut sink);
    let mut marker = TcpStream::connect(fe).expect("connect");
    let marker_port = marker.local_addr().expect("local").port();
    marker.write_all(b"data").expect("write");
    marker.shutdown(std::net::Shutdown::Write).expect("fin");
    marker.set_read_timeout(Some(obs_support::WAIT)).expect("t");
    let _ = marker.read_to_end(&mut sink);
    log.wait_line("for the marker", |l| {
        l.contains(&format!(":{marker_port} ["))
    });
    (log.lines(), empty_port, marker_port)
}

#[test]
fn dontlognull_drops_only_empty_connections() {
    let (lines, empty, _) = empty_then_marker("");
    assert!(
        lines.iter().any(|l| l.contains(&format!(":{empty} ["))),
        "without dontlognull the empty connection is logged: {lines:#?}"
    );
    let (lines, empty, _) = empty_then_marker("option dontlognull");
    assert!(
        !lines.iter().any(|l| l.contains(&format!(":{empty} ["))),
        "with dontlognull the empty connection is not logged: {lines:#?}"
    );
}

#[test]
fn log_separate_errors_raises_5xx_to_err_level() {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("fine");
    let fe = local_addr();
    let fe2 = local_addr();
    let cfg = format!(
        "{}
frontend fe_down
    bind {fe2}
    option httplog
    option log-separate-errors
    default_backend nobody
backend nobody
",
        http_cfg(
            &format!("log {} local0", log.addr()),
            fe,
            "    option httplog\n    option log-separate-errors",
            &format!("    server s1 {}", srv.addr()),
        )
    );
    let _p = Proxy::start(&cfg, &[fe, fe2], &[]);
    assert_eq!(get(fe, "/ok").status, 200);
    assert_eq!(get(fe2, "/broken").status, 503);
    let ok = log.wait_line("for /ok", |l| l.contains("/ok HTTP"));
    let bad = log.wait_line("for /broken", |l| l.contains("/broken HTTP"));
    assert_eq!(split_pri(&ok).map(|p| p.0), Ok(LOCAL0_INFO), "{ok}");
    assert_eq!(split_pri(&bad).map(|p| p.0), Ok(LOCAL0_ERR), "{bad}");
}

#[test]
fn rfc5424_carries_log_format_sd_structured_data() {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} format rfc5424 local0", log.addr()),
        fe,
        "    option httplog\n    log-format-sd \"%{+Q,+E}o [exampleSDID@1234 method=%HM uri=%HU]\"",
        &format!("    server s1 {}", srv.addr()),
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    assert_eq!(get(fe, "/sd?q=]x").status, 200);
    let line = log.wait_line("rfc5424 with SD", |l| l.contains("/sd?q="));
    // <134>1 TIME HOST TAG PID - [SD] message: the SD is the 7th field, escaped per RFC 5424.
    assert!(
        line.contains(r#" - [exampleSDID@1234 method="GET" uri="/sd?q=\]x"] "#),
        "{line}"
    );
}

#[test]
fn rfc5424_format_has_version_iso_time_host_app_pid() {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let fe = local_addr();
    let cfg = http_cfg(
        &format!(
            "log {} format rfc5424 local0\n    log-tag obsapp",
            log.addr()
        ),
        fe,
        "    option httplog",
        &format!("    server s1 {}", srv.addr()),
    );
    let p = Proxy::start(&cfg, &[fe], &[]);
    assert_eq!(get(fe, "/five").status, 200);
    let line = log.wait_line("rfc5424", |l| l.contains("/five"));
    // <134>1 2026-11-23T15:00:00.123456+00:00 host obsapp 1234 - - message
    let (pri, rest) = split_pri(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pri, LOCAL0_INFO);
    let f: Vec<&str> = rest.splitn(7, ' ').collect();
    assert_eq!(f.len(), 7, "{line}");
    assert_eq!(f[0], "1", "version 1: {line}");
    let ts = f[1].as_bytes();
    assert!(
        ts.len() >= 20 && ts[4] == b'-' && ts[7] == b'-' && ts[10] == b'T' && ts[13] == b':',
        "ISO 8601 timestamp: {line}"
    );
    assert!(
        f[1].ends_with('Z') || f[1].contains('+') || f[1][19..].contains('-'),
        "{line}"
    );
    assert!(!f[2].is_empty(), "hostname: {line}");
    assert_eq!(f[3], "obsapp", "app name is the log-tag: {line}");
    assert_eq!(f[4], p.pid().to_string(), "procid: {line}");
    assert_eq!(
        (f[5], &f[6][..2]),
        ("-", "- "),
        "no msgid, no structured data: {line}"
    );
    let m = HttpLog::parse(&f[6][2..]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.request, "GET /five HTTP/1.1");
}

#[test]
fn log_global_no_log_and_log_tag() {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let (a, b, c) = (local_addr(), local_addr(), local_addr());
    let cfg = format!(
        "global
    log {} local0
    log-tag obstag
defaults
    mode http
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe_global
    bind {a}
    log global
    default_backend be
frontend fe_nothing
    bind {b}
    default_backend be
frontend fe_nolog
    bind {c}
    log global
    no log
    default_backend be
backend be
    server s1 {}
",
        log.addr(),
        srv.addr()
    );
    let _p = Proxy::start(&cfg, &[a, b, c], &[]);
    assert_eq!(get(b, "/from-nothing").status, 200);
    assert_eq!(get(c, "/from-nolog").status, 200);
    assert_eq!(get(a, "/from-global").status, 200);
    let line = log.wait_line("from fe_global", |l| l.contains("/from-global"));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.tag, "obstag", "log-tag names the program: {line}");
    assert!(h.msg.contains(" fe_global be/s1 "), "{line}");
    let lines = log.lines();
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("/from-nothing") || l.contains("/from-nolog")),
        "a frontend without `log` or with `no log` logs nothing: {lines:#?}"
    );
}

#[test]
fn unix_datagram_target_and_stdout_raw() {
    let dir = TempDir::new("obs-unix").expect("dir");
    let sock = dir.path().join("log.sock");
    let unix = SyslogUnix::start(&sock);
    let srv = MockHttp::ok("x");
    let fe = local_addr();
    let cfg = http_cfg(
        &format!(
            "log {} local0\n    log stdout format raw local0",
            sock.display()
        ),
        fe,
        "    option httplog",
        &format!("    server s1 {}", srv.addr()),
    );
    let p = Proxy::start_in(dir, &cfg, &[fe], &[]);
    assert_eq!(get(fe, "/both").status, 200);
    let line = unix.wait_line("on the unix socket", |l| l.contains("/both"));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.pri, LOCAL0_INFO);
    HttpLog::parse(&h.msg).unwrap_or_else(|e| panic!("{e}"));
    // Raw: the message alone, no <PRI>, no header.
    let out = p.stdout.wait_line("on stdout", |l| l.contains("/both"));
    assert_eq!(
        out, h.msg,
        "stdout raw carries the same message without a header"
    );
}

#[test]
fn server_state_changes_reach_syslog() {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let srv_addr = srv.addr();
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} local0", log.addr()),
        fe,
        "    option httplog",
        &format!("    server s1 {srv_addr} check inter 200ms fall 1 rise 1"),
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    assert_eq!(get(fe, "/before").status, 200);
    drop(srv);
    let down = log.wait_line("saying s1 is DOWN", |l| l.contains("Server be/s1 is DOWN"));
    let (pri, _) = split_pri(&down).unwrap_or_else(|e| panic!("{e}"));
    // HAProxy sends it at 'alert' (1) or 'notice' (5) depending on what is left; local0 either way.
    assert_eq!(pri / 8, 16, "facility local0: {down}");
    log.wait_line("saying be has no server", |l| {
        l.contains("backend be has no server available!")
    });
    // Back up: a new listener on the same port.
    let back = obs_support::wait_for(obs_support::WAIT, || {
        std::net::TcpListener::bind(srv_addr).ok()
    })
    .expect("rebind the server port");
    log.wait_line("saying s1 is UP", |l| l.contains("Server be/s1 is UP"));
    drop(back);
}

#[test]
fn captured_request_and_response_headers_and_send_hostname() {
    let log = SyslogUdp::start();
    let srv = MockHttp::start(|_| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n";
        Reply::Raw(format!("{head}Content-Length: 2\r\n\r\nhi").into_bytes())
    });
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} local0\n    log-send-hostname obs-host", log.addr()),
        fe,
        "    option httplog
    capture request header Host len 32
    capture request header User-Agent len 5
    capture response header Content-Type len 20",
        &format!("    server s1 {}", srv.addr()),
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    let r = get_with(fe, "/cap", "User-Agent: curl/long-agent\r\n");
    assert_eq!(r.status, 200);
    let line = log.wait_line("for /cap", |l| l.contains("/cap"));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.host.as_deref(), Some("obs-host"), "{line}");
    let m = HttpLog::parse(&h.msg).unwrap_or_else(|e| panic!("{e}"));
    // Request captures in one block joined by '|', each cut to its len; then the response's.
    assert_eq!(
        m.captures,
        vec![
            "obs.test|curl/".to_string(),
            "text/html; charset=u".to_string()
        ],
        "{line}"
    );
    assert_eq!(m.request, "GET /cap HTTP/1.1");
}

/// Splits a CLF line into fields: "quoted strings" and [bracketed dates] stay whole.
fn clf_fields(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg.trim();
    while !rest.is_empty() {
        let end = match rest.as_bytes()[0] {
            b'"' => rest[1..].find('"').map(|i| i + 2),
            b'[' => rest.find(']').map(|i| i + 1),
            _ => rest.find(' '),
        }
        .unwrap_or(rest.len());
        out.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    out
}

#[test]
fn httplog_clf_layout() {
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: _p,
    } = http_bench("    option httplog clf", "clf");
    let (port, r, _) = get_counting(fe, "/clf");
    assert_eq!(r.status, 200);
    let line = log.wait_line("for /clf", |l| l.contains("/clf"));
    let msg = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg;
    // %{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc
    // %ac %fc %bc %sc %rc %sq %bq %hr %hs  (quoted from %o on: %{+Q})
    let f = clf_fields(&msg);
    assert_eq!(f.len(), 29, "{f:?}");
    assert_eq!(&f[..3], &["127.0.0.1", "-", "-"], "{msg}");
    assert!(
        f[3].starts_with('[') && f[3].len() == 28,
        "[dd/Mmm/yyyy:hh:mm:ss +zzzz]: {msg}"
    );
    assert_eq!(f[4], "\"GET /clf HTTP/1.1\"");
    assert_eq!(f[5], "200");
    assert!(log_bytes_match(f[6].parse().unwrap_or(-1), &r), "{msg}");
    assert_eq!((f[7].as_str(), f[8].as_str()), ("\"\"", "\"\""));
    assert_eq!(f[9], port.to_string(), "client port: {msg}");
    assert!(
        f[10].parse::<u32>().is_ok_and(|ms| ms < 1000),
        "accept ms: {msg}"
    );
    assert_eq!(&f[11..14], &["\"fe\"", "\"be\"", "\"s1\""], "{msg}");
    assert!(
        f[14..19]
            .iter()
            .all(|t| t.parse::<i64>().is_ok_and(|t| t >= 0)),
        "{msg}"
    );
    assert_eq!(f[19], "----");
    assert!(f[20..27].iter().all(|t| t.parse::<i64>().is_ok()), "{msg}");
    // No capture configured: %hr and %hs are empty quoted strings.
    assert_eq!((f[27].as_str(), f[28].as_str()), ("\"\"", "\"\""), "{msg}");
}

#[test]
fn log_len_truncates_the_datagram() {
    let full = SyslogUdp::start();
    let short = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let fe = local_addr();
    let cfg = http_cfg(
        &format!(
            "log {} local0\n    log {} len 80 local0",
            full.addr(),
            short.addr()
        ),
        fe,
        "    option httplog",
        &format!("    server s1 {}", srv.addr()),
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    let path = format!("/{}", "long".repeat(20));
    assert_eq!(get(fe, &path).status, 200);
    let whole = full.wait_line("untruncated", |l| l.contains(&path));
    let port = HttpLog::parse(&Rfc3164::parse(&whole).unwrap_or_else(|e| panic!("{e}")).msg)
        .unwrap_or_else(|e| panic!("{e}"))
        .client_port;
    let cut = short.wait_line("truncated", |l| l.contains(&format!(":{port} ")));
    assert!(whole.len() > 80, "{whole}");
    // 80 bytes including HAProxy's trailing newline, which the receiver strips.
    assert!(
        cut.len() <= 80 && cut.len() >= 70,
        "{} bytes: {cut}",
        cut.len()
    );
    // The same line, cut: everything but the per-target header is the same message.
    let cut_msg = Rfc3164::parse(&cut).unwrap_or_else(|e| panic!("{e}")).msg;
    let whole_msg = Rfc3164::parse(&whole).unwrap_or_else(|e| panic!("{e}")).msg;
    assert!(whole_msg.starts_with(&cut_msg), "{cut_msg} / {whole_msg}");
}

/// An empty connection on an http frontend, then a marker request; the lines once the marker
/// is logged, and the empty connection's client port.
fn http_empty_then_marker(option: &str) -> (Vec<String>, u16) {
    let log = SyslogUdp::start();
    let srv = MockHttp::ok("x");
    let fe = local_addr();
    let cfg = http_cfg(
        &format!("log {} local0", log.addr()),
        fe,
        &format!("    option httplog\n    {option}"),
        &format!("    server s1 {}", srv.addr()),
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    let empty = TcpStream::connect(fe).expect("connect");
    let port = empty.local_addr().expect("local").port();
    empty.shutdown(std::net::Shutdown::Write).expect("fin");
    empty.set_read_timeout(Some(obs_support::WAIT)).expect("t");
    let mut sink = Vec::new();
    let _ = (&empty).read_to_end(&mut sink);
    // HAProxy 2.6 answers a half-closed empty connection with its 400 page (and logs B=0);
    // closing silently is fine too. Anything else is not.
    assert!(
        sink.is_empty() || sink.starts_with(b"HTTP/1.1 400 "),
        "answer to an empty connection: {:?}",
        String::from_utf8_lossy(&sink)
    );
    assert_eq!(get(fe, "/marker").status, 200);
    log.wait_line("for the marker", |l| l.contains("/marker"));
    (log.lines(), port)
}

#[test]
fn http_empty_connection_is_badreq_unless_dontlognull() {
    let (lines, port) = http_empty_then_marker("");
    let line = lines
        .iter()
        .find(|l| l.contains(&format!(":{port} [")))
        .unwrap_or_else(|| panic!("the empty connection is logged: {lines:#?}"));
    let m = HttpLog::parse(&Rfc3164::parse(line).unwrap_or_else(|e| panic!("{e}")).msg)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (m.backend.as_str(), m.server.as_str()),
        ("fe", "<NOSRV>"),
        "{line}"
    );
    assert_eq!(m.status, 400, "{line}");
    assert_eq!(
        m.termination, "CR--",
        "client aborted during the request: {line}"
    );
    assert_eq!(m.request, "<BADREQ>", "{line}");
    let (lines, port) = http_empty_then_marker("option dontlognull");
    assert!(
        !lines.iter().any(|l| l.contains(&format!(":{port} ["))),
        "dontlognull: {lines:#?}"
    );
}

#[test]
fn default_log_format_is_connect_from() {
    // `log global` without `option httplog|tcplog`: HAProxy's one-line connection log.
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: _p,
    } = http_bench("", "x");
    let (port, r, _) = get_counting(fe, "/plain");
    assert_eq!(r.status, 200);
    let line = log.wait_line("connect from", |l| l.contains(&format!(":{port} ")));
    let h = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.pri, LOCAL0_INFO);
    assert_eq!(
        h.msg,
        format!("Connect from 127.0.0.1:{port} to {fe} (fe/HTTP)")
    );
}

#[test]
fn soft_stop_logs_each_proxy_stopped() {
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: mut p,
    } = http_bench("    option httplog\n    option dontlognull", "x");
    if !obs_support::halb_only("'Proxy fe started.' (HAProxy 2.6 does not send it)") {
        // halb logs each proxy's start (HAProxy 1.x did; 2.6 no longer does).
        let started = log.wait_line("fe started", |l| l.contains("Proxy fe started."));
        let (pri, _) = split_pri(&started).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pri, 16 * 8 + 5, "notice: {started}");
    }
    for _ in 0..3 {
        assert_eq!(get(fe, "/").status, 200);
    }
    p.signal("USR1");
    assert!(p.wait_exit().is_some(), "soft stop exits once idle");
    // Sent at 'warning' (4): local0 * 8 + 4.
    let fe_line = log.wait_line("fe stopped", |l| l.contains("Proxy fe stopped"));
    let (pri, _) = split_pri(&fe_line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pri, 16 * 8 + 4, "{fe_line}");
    let h = Rfc3164::parse(&fe_line).unwrap_or_else(|e| panic!("{e}"));
    // 3 requests + the one connection `Proxy::start` made to see the port open.
    assert_eq!(h.msg, "Proxy fe stopped (cumulated conns: FE: 4, BE: 0).");
    let be_line = log.wait_line("be stopped", |l| l.contains("Proxy be stopped"));
    let h = Rfc3164::parse(&be_line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.msg, "Proxy be stopped (cumulated conns: FE: 0, BE: 3).");
}

#[test]
fn a_silent_client_gets_408_and_a_badreq_line() {
    let HttpBench {
        log,
        srv: _srv,
        fe,
        proxy: _p,
    } = http_bench("    option httplog\n    timeout http-request 1s", "x");
    let silent = TcpStream::connect(fe).expect("connect");
    let port = silent.local_addr().expect("local").port();
    silent.set_read_timeout(Some(obs_support::WAIT)).expect("t");
    let mut answer = Vec::new();
    let _ = (&silent).read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 408 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let line = log.wait_line("the 408", |l| l.contains(&format!(":{port} [")));
    let m = HttpLog::parse(&Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.status, 408, "{line}");
    assert_eq!(
        m.termination, "cR--",
        "client timeout during the request: {line}"
    );
    assert_eq!(m.request, "<BADREQ>", "{line}");
    assert_eq!(
        (m.backend.as_str(), m.server.as_str()),
        ("fe", "<NOSRV>"),
        "{line}"
    );
}

/// `unique-id-format` with HAProxy's example format: the server gets the identifier in
/// `unique-id-header`, before X-Forwarded-For, and the log line's `%ID` is the same one, with
/// the same `%rt`.
#[test]
fn unique_id_reaches_the_server_and_the_log_line() {
    let HttpBench {
        log,
        srv,
        fe,
        proxy: _p,
    } = http_bench(
        "    unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header X-Unique-ID
    option forwardfor
    log-format \"uid %ID rt=%{+X}o\\ %rt path=%HP\"",
        "ok",
    );
    let (port, r, _) = get_counting(fe, "/uid");
    assert_eq!(r.status, 200);
    let line = log.wait_line("uid", |l| l.contains("path=/uid"));
    let msg = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg;
    let seen = srv.wait_requests(1);
    let names: Vec<String> = seen[0]
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    let id = seen[0].header("x-unique-id").expect("X-Unique-ID sent");
    let at = |n: &str| names.iter().position(|x| x == n);
    assert!(at("x-unique-id") < at("x-forwarded-for"), "{names:?}");
    // 127.0.0.1:<client port>_<frontend ip:port>_<accept time>_<rt>:<pid>, in hex.
    let parts: Vec<&str> = id.split('_').collect();
    assert_eq!(parts.len(), 4, "{id}");
    assert_eq!(parts[0], format!("7F000001:{port:04X}"), "{id}");
    assert_eq!(
        parts[1],
        format!(
            "{:08X}:{:04X}",
            u32::from(std::net::Ipv4Addr::LOCALHOST),
            fe.port()
        ),
        "{id}"
    );
    let (rt, pid) = parts[3].split_once(':').expect("rt:pid");
    assert_eq!(pid, format!("{:04X}", _p.pid()), "{id}");
    // `%{+X}o\ ` is an option and a space: hex for the variables after it.
    assert_eq!(msg, format!("uid {id} rt= {rt} path=/uid"));
}

/// In mode tcp the identifier is built per session and shows in the log line as `%ID`.
#[test]
fn unique_id_shows_in_a_tcp_log_line() {
    let (log, fe, _srv, _p) = tcp_bench(
        "    unique-id-format %ci:%cp/%f
    log-format \"tcpid %ID end\"",
    );
    let port = ping_pong(fe);
    let want = format!("tcpid 127.0.0.1:{port}/tcpfe end");
    let line = log.wait_line("for the tcp session", |l| l.contains(&want));
    let msg = Rfc3164::parse(&line).unwrap_or_else(|e| panic!("{e}")).msg;
    assert_eq!(msg, want);
}
