//! `http-request` / `http-response` / `redirect` / `tcp-request` rules through the real
//! `halb proxy` binary: what the client gets, and what the mock server received (or that it
//! received nothing).

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, MockHttp, RawClient, Reply, SeenRequest};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

/// `openssl passwd -6 -salt saltsalt secret`.
const SHA512_SECRET: &str = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";

fn start(rules: &str, srv: &MockHttp) -> (HalbProcess, SocketAddr, u16) {
    let port = free_port();
    let other = free_port();
    let cfg = format!(
        "defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
userlist admins
    user alice password {SHA512_SECRET}
    user bob insecure-password b0b
frontend fe
    bind 127.0.0.1:{port}
    bind 127.0.0.1:{other}
{rules}
    default_backend be
backend be
    server s1 {}
",
        srv.addr()
    );
    let cfg = cfg.replace("OTHER_PORT", &other.to_string());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(bin(), &cfg, &[], &[addr]).unwrap_or_else(|e| panic!("{e}"));
    (p, addr, other)
}

fn echo() -> MockHttp {
    MockHttp::start(|r: &SeenRequest| Reply::Ok(r.path.clone().into_bytes()))
}

fn send(addr: SocketAddr, head: &str) -> e2e::HttpResponse {
    let mut c = RawClient::connect(addr).expect("connect");
    c.send(head.replace('\n', "\r\n")).expect("send");
    c.read_response().expect("response")
}

#[test]
fn deny_answers_403_and_the_server_sees_nothing() {
    let srv = echo();
    let (_p, addr, _) = start(
        "    acl admin path_beg -i /admin\n    http-request deny if admin\n    http-request deny deny_status 429 if { hdr(x-flood) -m found }",
        &srv,
    );
    let r = send(addr, "GET /Admin/panel HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 403);
    assert!(
        r.body_text()
            .contains("Request forbidden by administrative rules."),
        "{}",
        r.body_text()
    );
    let r = send(addr, "GET /x HTTP/1.1\nHost: a\nX-Flood: 1\n\n");
    assert_eq!(r.status, 429);
    let r = send(addr, "GET /fine HTTP/1.1\nHost: a\n\n");
    assert_eq!((r.status, r.body_text().as_str()), (200, "/fine"));
    let seen: Vec<String> = srv.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(seen, vec!["/fine"]);
}

#[test]
fn auth_challenges_with_the_realm_and_lets_valid_users_through() {
    let srv = echo();
    let (_p, addr, _) = start(
        "    http-request auth realm Private\\ Zone if { path_beg /private } !{ http_auth(admins) }",
        &srv,
    );
    let r = send(addr, "GET /private/a HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Private Zone\"")
    );
    // alice:wrong
    let r = send(
        addr,
        "GET /private/a HTTP/1.1\nHost: a\nAuthorization: Basic YWxpY2U6d3Jvbmc=\n\n",
    );
    assert_eq!(r.status, 401);
    // alice:secret (SHA-512-crypt) and bob:b0b (insecure-password)
    let r = send(
        addr,
        "GET /private/a HTTP/1.1\nHost: a\nAuthorization: Basic YWxpY2U6c2VjcmV0\n\n",
    );
    assert_eq!((r.status, r.body_text().as_str()), (200, "/private/a"));
    let r = send(
        addr,
        "GET /private/b HTTP/1.1\nHost: a\nAuthorization: Basic Ym9iOmIwYg==\n\n",
    );
    assert_eq!((r.status, r.body_text().as_str()), (200, "/private/b"));
    let r = send(addr, "GET /public HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 200);
    let seen: Vec<String> = srv.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(seen, vec!["/private/a", "/private/b", "/public"]);
}

#[test]
fn redirects_answer_without_the_server() {
    let srv = echo();
    let (_p, addr, _) = start(
        "    redirect scheme https code 301 if { hdr(host) -i secure.example }\n    http-request redirect location /new%[query] code 302 if { path /old }\n    redirect prefix https://cdn.example drop-query if { path_beg /assets/ }",
        &srv,
    );
    let r = send(addr, "GET /cart?id=1 HTTP/1.1\nHost: secure.example\n\n");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://secure.example/cart?id=1")
    );
    let r = send(addr, "GET /old HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/new"));
    let r = send(addr, "GET /assets/app.js?v=2 HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("https://cdn.example/assets/app.js")
    );
    assert!(srv.requests().is_empty());
}

#[test]
fn header_edits_reach_the_server_and_the_client() {
    let srv = MockHttp::start(|_| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\nServer: secret-version\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        )
    });
    let (_p, addr, _) = start(
        "    http-request set-header X-Forwarded-Proto http\n    http-request del-header X-Internal-Token\n    http-request add-header X-Client-Port %[src_port]\n    http-request replace-header User-Agent ^curl/(.*)$ Curl-\\1\n    http-request set-path /api%[path] if { hdr(host) -i api.example }\n    http-response del-header Server\n    http-response set-header X-Frame-Options DENY\n    http-after-response set-header X-Served-By halb",
        &srv,
    );
    let r = send(
        addr,
        "GET /users?id=7 HTTP/1.1\nHost: api.example\nUser-Agent: curl/8.0\nX-Internal-Token: t\nX-Forwarded-Proto: gopher\n\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("server"), None);
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("x-served-by"), Some("halb"));
    let seen = srv.wait_requests(1);
    let q = &seen[0];
    assert_eq!(q.path, "/api/users?id=7");
    assert_eq!(q.header_all("x-forwarded-proto"), vec!["http"]);
    assert_eq!(q.header("x-internal-token"), None);
    assert_eq!(q.header("user-agent").as_deref(), Some("Curl-8.0"));
    let port: u16 = q
        .header("x-client-port")
        .and_then(|p| p.parse().ok())
        .expect("x-client-port");
    assert!(port > 0);
}

#[test]
fn return_answers_from_the_proxy() {
    let srv = echo();
    let (_p, addr, _) = start(
        "    http-request return status 200 content-type text/plain string pong hdr X-Probe yes if { path /ping }\n    http-request return status 503 content-type application/json lf-string '{\"down\":\"%[path]\"}' if { path_beg /maint }",
        &srv,
    );
    let r = send(addr, "GET /ping HTTP/1.1\nHost: a\n\n");
    assert_eq!((r.status, r.body_text().as_str()), (200, "pong"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("x-probe"), Some("yes"));
    let r = send(addr, "GET /maint/x HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 503);
    assert_eq!(r.body_text(), "{\"down\":\"/maint/x\"}");
    assert!(srv.requests().is_empty());
    // Keep-alive survives a `return`: a second request on the same connection is served.
    let mut c = RawClient::connect(addr).expect("connect");
    c.send("GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
        .expect("send");
    assert_eq!(c.read_response().expect("first").status, 200);
    c.send("GET /other HTTP/1.1\r\nHost: a\r\n\r\n")
        .expect("send");
    let r = c.read_response().expect("second");
    assert_eq!((r.status, r.body_text().as_str()), (200, "/other"));
}

#[test]
fn tcp_request_connection_reject_closes_without_an_answer() {
    let srv = echo();
    let (_p, addr, other) = start(
        "    tcp-request connection reject if { dst_port OTHER_PORT }",
        &srv,
    );
    let rejected: SocketAddr = ([127, 0, 0, 1], other).into();
    let mut c = RawClient::connect(rejected).expect("the connection is accepted, then closed");
    let _ = c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    let got = c.read_to_close().unwrap_or_default();
    assert!(
        got.is_empty(),
        "no answer on a rejected connection: {:?}",
        String::from_utf8_lossy(&got)
    );
    let r = send(addr, "GET /ok HTTP/1.1\nHost: a\n\n");
    assert_eq!((r.status, r.body_text().as_str()), (200, "/ok"));
    let seen: Vec<String> = srv.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(seen, vec!["/ok"]);
}

#[test]
fn after_response_rules_also_edit_answers_halb_makes() {
    let srv = echo();
    let (_p, addr, _) = start(
        "    http-request deny if { path /denied }\n    http-request return status 200 content-type text/plain string hi if { path /ret }\n    http-request redirect location /elsewhere if { path /moved }\n    http-after-response set-header X-Served-By halb\n    http-after-response del-header content-type if { status 302 }",
        &srv,
    );
    // A forwarded response, an error page, a `return` and a redirect all get the header.
    let r = send(addr, "GET /fine HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-served-by"), Some("halb"));
    let r = send(addr, "GET /denied HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-served-by"), Some("halb"));
    assert!(
        r.body_text().contains("Request forbidden"),
        "{}",
        r.body_text()
    );
    let r = send(addr, "GET /ret HTTP/1.1\nHost: a\n\n");
    assert_eq!((r.status, r.body_text().as_str()), (200, "hi"));
    assert_eq!(r.header("x-served-by"), Some("halb"));
    let r = send(addr, "GET /moved HTTP/1.1\nHost: a\n\n");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/elsewhere"));
    assert_eq!(r.header("x-served-by"), Some("halb"));
    let seen: Vec<String> = srv.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(seen, vec!["/fine"]);
}
