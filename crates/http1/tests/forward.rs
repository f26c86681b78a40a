//! The forwarded head, byte for byte. The expected bytes are what haproxy 2.6.12 (default
//! `http-keep-alive` mode, `option forwardfor`) was seen to send for the same input.

use http1::builtin_errors::{self, write_page_with_connection};
use http1::{
    keep_alive, response_body_kind, starts_tunnel, write_head, ConnectionHeader, Edit, Head,
    Limits, Side,
};

fn request(buf: &[u8]) -> Head {
    let mut head = Head::default();
    head.parse_request(buf, &Limits::default()).unwrap();
    head
}

fn response(buf: &[u8]) -> Head {
    let mut head = Head::default();
    head.parse_response(buf, &Limits::default()).unwrap();
    head
}

fn to_server(buf: &[u8], edits: &[Edit<'_>]) -> String {
    let head = request(buf);
    let mut out = Vec::new();
    write_head(
        buf,
        &head,
        Side::Request,
        edits,
        ConnectionHeader::KeepAlive { http10_peer: false },
        &mut out,
    );
    String::from_utf8(out).unwrap()
}

const XFF: Edit<'static> = Edit::Append {
    name: b"X-Forwarded-For",
    value: b"127.0.0.1",
};

#[test]
fn http10_request_gets_keep_alive_towards_the_server_after_x_forwarded_for() {
    let buf = b"GET / HTTP/1.0\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n";
    assert_eq!(
        to_server(buf, &[XFF]),
        "GET / HTTP/1.0\r\nhost: x\r\nx-forwarded-for: 1.2.3.4\r\nx-forwarded-for: 127.0.0.1\r\nconnection: keep-alive\r\n\r\n"
    );
}

#[test]
fn close_token_is_removed_and_other_tokens_stay_in_place() {
    let buf =
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Foo, close\r\nFoo: 1\r\nAccept: */*\r\n\r\n";
    assert_eq!(
        to_server(buf, &[XFF]),
        "GET / HTTP/1.1\r\nhost: x\r\nconnection: Foo\r\nfoo: 1\r\naccept: */*\r\nx-forwarded-for: 127.0.0.1\r\n\r\n"
    );
    let buf = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(to_server(buf, &[]), "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
}

#[test]
fn http10_request_with_expect_keeps_its_headers_in_order() {
    let buf = b"POST / HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi";
    assert_eq!(
        to_server(buf, &[]),
        "POST / HTTP/1.0\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n"
    );
}

#[test]
fn websocket_handshake_keeps_its_upgrade_token() {
    let buf = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, Foo\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nFoo: 1\r\n\r\n";
    assert_eq!(
        to_server(buf, &[]),
        "GET / HTTP/1.1\r\nhost: x\r\nconnection: Upgrade, Foo\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nfoo: 1\r\n\r\n"
    );
}

#[test]
fn repaired_framing_is_forwarded_repaired() {
    let buf = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(
        to_server(buf, &[]),
        "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    let buf = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello";
    assert_eq!(
        to_server(buf, &[]),
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n"
    );
    let buf = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(
        to_server(buf, &[]),
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n"
    );
}

#[test]
fn edits_delete_replace_and_rewrite_the_start_line() {
    let buf = b"GET /old HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nUser-Agent: u\r\n\r\n";
    let edits = [
        Edit::Delete(1),
        Edit::Replace {
            index: 2,
            value: b"halb",
        },
        Edit::SetMethod(b"POST"),
        Edit::SetTarget(b"/new?q"),
        Edit::Append {
            name: b"X-A",
            value: b"1",
        },
    ];
    assert_eq!(
        to_server(buf, &edits),
        "POST /new?q HTTP/1.1\r\nhost: x\r\nuser-agent: halb\r\nx-a: 1\r\n\r\n"
    );
}

#[test]
fn as_received_leaves_connection_alone() {
    let buf = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
    let head = request(buf);
    let mut out = Vec::new();
    write_head(
        buf,
        &head,
        Side::Request,
        &[],
        ConnectionHeader::AsReceived,
        &mut out,
    );
    assert_eq!(out, b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n");
}

#[test]
fn close_mode_adds_close_to_http11_only() {
    let buf = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n";
    let head = request(buf);
    let mut out = Vec::new();
    write_head(
        buf,
        &head,
        Side::Request,
        &[],
        ConnectionHeader::Close,
        &mut out,
    );
    assert_eq!(
        out,
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    );
    let buf = b"GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n";
    let head = request(buf);
    write_head(
        buf,
        &head,
        Side::Request,
        &[],
        ConnectionHeader::Close,
        &mut out,
    );
    assert_eq!(out, b"GET / HTTP/1.0\r\nhost: x\r\n\r\n");
}

#[test]
fn responses_to_http10_clients() {
    // haproxy 2.6.12: a 1.0 client without keep-alive gets `connection: close` on the 1.1
    // response; with keep-alive, `connection: keep-alive`.
    let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let head = response(buf);
    let mut out = Vec::new();
    write_head(
        buf,
        &head,
        Side::Response,
        &[],
        ConnectionHeader::Close,
        &mut out,
    );
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n"
    );
    write_head(
        buf,
        &head,
        Side::Response,
        &[],
        ConnectionHeader::KeepAlive { http10_peer: true },
        &mut out,
    );
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n"
    );
    let edits = [Edit::SetStatus {
        status: 403,
        reason: b"Forbidden",
    }];
    write_head(
        buf,
        &head,
        Side::Response,
        &edits,
        ConnectionHeader::AsReceived,
        &mut out,
    );
    assert_eq!(out, b"HTTP/1.1 403 Forbidden\r\ncontent-length: 2\r\n\r\n");
}

#[test]
fn forwarding_does_not_reallocate_once_warm() {
    let buf = b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: curl\r\n\r\n";
    let head = request(buf);
    let mut out = Vec::with_capacity(256);
    let ptr = out.as_ptr();
    for _ in 0..100 {
        write_head(
            buf,
            &head,
            Side::Request,
            &[XFF],
            ConnectionHeader::KeepAlive { http10_peer: false },
            &mut out,
        );
    }
    assert_eq!(out.as_ptr(), ptr);
}

#[test]
fn keep_alive_decisions() {
    let cases: &[(&[u8], &[u8], bool)] = &[
        (
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (
            b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        // Close-delimited body: the server's close ends it, so nothing can follow.
        (b"GET / HTTP/1.1\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n", false),
        // Repaired framing: never reused.
        (
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
    ];
    for (req, resp, want) in cases {
        let req_head = request(req);
        let resp_head = response(resp);
        let body = response_body_kind(req_head.method, &resp_head);
        assert_eq!(
            keep_alive(&req_head, &resp_head, body),
            *want,
            "{:?} / {:?}",
            String::from_utf8_lossy(req),
            String::from_utf8_lossy(resp)
        );
    }
}

#[test]
fn tunnels_start_after_101_to_an_upgrade_or_2xx_to_connect() {
    let ws = request(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n");
    assert!(ws.is_upgrade_request());
    let switching = response(
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    assert!(starts_tunnel(&ws, &switching));
    let plain = request(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
    assert!(
        !plain.is_upgrade_request(),
        "Upgrade without Connection: upgrade"
    );
    assert!(!starts_tunnel(&plain, &switching));
    let connect = request(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n");
    assert!(starts_tunnel(
        &connect,
        &response(b"HTTP/1.1 200 OK\r\n\r\n")
    ));
    assert!(!starts_tunnel(
        &connect,
        &response(b"HTTP/1.1 403 No\r\n\r\n")
    ));
}

#[test]
fn error_pages_gain_a_connection_header_when_needed() {
    let mut out = Vec::new();
    write_page_with_connection(builtin_errors::PAGE_503, b"close", &mut out);
    assert_eq!(
        out,
        &b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"[..]
    );
    write_page_with_connection(builtin_errors::PAGE_400, b"close", &mut out);
    assert_eq!(out, builtin_errors::PAGE_400);
}
