//! A bad ACL or rule stops `halb proxy` at start with HAProxy's `parsing [file:line]` alert,
//! and HAProxy actions halb does not run are accepted.

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockHttp, RawClient};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

fn cfg(port: u16, lines: &str) -> String {
    format!(
        "defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
{lines}
    default_backend be
backend be
    server s1 127.0.0.1:9
"
    )
}

fn refused(lines: &str) -> String {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    match HalbProcess::start_proxy(bin(), &cfg(port, lines), &[], &[addr]) {
        Ok(_) => panic!("the proxy started with: {lines}"),
        Err(e) => e,
    }
}

#[test]
fn unknown_fetch_points_at_the_acl_line() {
    let err = refused("    acl static path_bgin /static\n    use_backend be if static");
    assert!(
        err.contains("haproxy.cfg:8] : 'acl static path_bgin' : unknown fetch method 'path_bgin'"),
        "{err}"
    );
    assert!(err.contains("[ALERT]"), "{err}");
}

#[test]
fn undefined_acl_in_a_condition_is_refused() {
    let err = refused("    http-request deny if blocked_ips");
    assert!(
        err.contains("haproxy.cfg:8] : 'http-request deny' : no such ACL : 'blocked_ips'"),
        "{err}"
    );
}

#[test]
fn bad_regex_and_bad_network_are_refused() {
    let err = refused("    acl a path_reg ^(/api");
    assert!(
        err.contains("haproxy.cfg:8]") && err.contains("regex '^(/api' is invalid"),
        "{err}"
    );
    let err = refused("    acl a src 10.0.0.256/8");
    assert!(err.contains("not a valid IPv4 or IPv6 address"), "{err}");
}

#[test]
fn unsupported_haproxy_actions_are_accepted() {
    let srv = MockHttp::ok("fine");
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let text = cfg(
        port,
        "    http-request capture req.hdr(host) len 20\n    http-request set-header X-Seen 1",
    )
    .replace("127.0.0.1:9", &srv.addr().to_string());
    let _p = HalbProcess::start_proxy(bin(), &text, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    let mut c = RawClient::connect(addr).expect("connect");
    c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").expect("send");
    assert_eq!(c.read_response().expect("response").status, 200);
    assert_eq!(
        srv.wait_requests(1)[0].header("x-seen").as_deref(),
        Some("1")
    );
}
