//! Request and response heads: what a parse yields, partial input, pipelining, interim
//! responses, and the storage reuse the proxy relies on.

use http1::{
    response_body_kind, BodyKind, Head, HeadError, Limits, Method, Parsed, Side, TargetForm,
    TransferCoding, Version,
};

const CURL: &[u8] = b"GET /index.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

fn complete(head: &mut Head, buf: &[u8]) -> usize {
    match head.parse_request(buf, &Limits::default()) {
        Ok(Parsed::Complete(n)) => n,
        other => panic!("{other:?}"),
    }
}

#[test]
fn request_head_parts_are_spans_into_the_buffer() {
    let mut head = Head::default();
    let n = complete(&mut head, CURL);
    assert_eq!(n, CURL.len());
    assert_eq!(head.len as usize, n);
    assert_eq!(head.method, Method::Get);
    assert_eq!(head.method_span.of(CURL), b"GET");
    assert_eq!(head.target.of(CURL), b"/index.html?x=1");
    assert_eq!(head.target_form, TargetForm::Origin);
    assert_eq!(head.path(CURL).of(CURL), b"/index.html");
    assert_eq!(head.query(CURL).map(|q| q.of(CURL)), Some(&b"x=1"[..]));
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.headers.len(), 3);
    assert_eq!(head.name(CURL, 1), b"User-Agent");
    assert_eq!(head.value(CURL, 1), b"curl/7.88.1");
    assert_eq!(head.host, Some(0));
    assert_eq!(
        head.authority(CURL).map(|s| s.of(CURL)),
        Some(&b"127.0.0.1:8080"[..])
    );
    assert_eq!(head.find(CURL, b"ACCEPT"), Some(2));
    assert_eq!(head.find(CURL, b"cookie"), None);
    assert!(head.wants_keep_alive());
    assert!(!head.edited);
}

#[test]
fn every_prefix_of_a_head_is_partial() {
    let mut head = Head::default();
    for end in 0..CURL.len() {
        assert_eq!(
            head.parse_request(&CURL[..end], &Limits::default()),
            Ok(Parsed::Partial),
            "prefix of {end} bytes"
        );
    }
}

#[test]
fn pipelined_requests_are_parsed_one_after_the_other() {
    let buf = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /d HT";
    let mut head = Head::default();
    let mut at = 0;
    let mut seen = Vec::new();
    loop {
        let rest = &buf[at..];
        match head.parse_request(rest, &Limits::default()).unwrap() {
            Parsed::Partial => break,
            Parsed::Complete(n) => {
                seen.push(String::from_utf8_lossy(head.target.of(rest)).into_owned());
                let body = match http1::request_body_kind(&head) {
                    BodyKind::ContentLength(len) => len as usize,
                    _ => 0,
                };
                at += n + body;
            }
        }
    }
    assert_eq!(seen, ["/a", "/b", "/c"]);
    assert_eq!(&buf[at..], b"GET /d HT");
}

#[test]
fn reparsing_keeps_the_header_storage() {
    let mut head = Head::with_capacity(16);
    complete(&mut head, CURL);
    let cap = head.headers.capacity();
    let ptr = head.headers.as_ptr();
    for _ in 0..100 {
        complete(&mut head, CURL);
    }
    assert_eq!(head.headers.capacity(), cap);
    assert_eq!(head.headers.as_ptr(), ptr);
    // A new parse forgets everything about the previous message.
    let post = b"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi";
    complete(&mut head, post);
    assert_eq!(head.method, Method::Post);
    assert_eq!(head.host, None);
    assert_eq!(head.content_length, Some(2));
    complete(&mut head, CURL);
    assert_eq!(head.content_length, None);
}

#[test]
fn lf_only_line_endings_and_leading_empty_lines_are_accepted() {
    let mut head = Head::default();
    let buf = b"\r\nGET / HTTP/1.1\nHost: x\n\n";
    assert_eq!(complete(&mut head, buf), buf.len());
    assert_eq!(head.value(buf, 0), b"x");
}

#[test]
fn target_forms() {
    let mut head = Head::default();
    let buf = b"GET http://a.example:81/p/q?s HTTP/1.1\r\nHost: a.example:81\r\n\r\n";
    complete(&mut head, buf);
    assert_eq!(head.target_form, TargetForm::Absolute);
    assert_eq!(head.authority(buf).unwrap().of(buf), b"a.example:81");
    assert_eq!(head.path(buf).of(buf), b"/p/q");

    let buf = b"GET http://a.example HTTP/1.1\r\n\r\n";
    complete(&mut head, buf);
    assert_eq!(head.authority(buf).unwrap().of(buf), b"a.example");
    assert_eq!(head.path(buf).of(buf), b"");
    assert_eq!(head.query(buf), None);

    let buf = b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n";
    complete(&mut head, buf);
    assert_eq!(head.method, Method::Connect);
    assert_eq!(head.target_form, TargetForm::Authority);
    assert_eq!(head.authority(buf).unwrap().of(buf), b"a.example:443");

    let buf = b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n";
    complete(&mut head, buf);
    assert_eq!(head.target_form, TargetForm::Asterisk);

    let buf = b"PURGE /x HTTP/1.1\r\n\r\n";
    complete(&mut head, buf);
    assert_eq!(head.method, Method::Other);
    assert_eq!(head.method_span.of(buf), b"PURGE");
}

#[test]
fn expect_continue_is_detected() {
    let mut head = Head::default();
    let buf = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
    complete(&mut head, buf);
    assert!(head.expect_continue);
    let buf = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n";
    complete(&mut head, buf);
    assert!(!head.expect_continue);
    let buf = b"POST / HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\n\r\n";
    complete(&mut head, buf);
    assert!(!head.expect_continue, "ignored in HTTP/1.0");
}

fn response(buf: &[u8]) -> Result<Head, HeadError> {
    let mut head = Head::default();
    match head.parse_response(buf, &Limits::default())? {
        Parsed::Complete(n) => {
            assert_eq!(n, head.len as usize);
            Ok(head)
        }
        Parsed::Partial => panic!("partial"),
    }
}

#[test]
fn response_head_parts() {
    let buf =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\nhello world!";
    let head = response(buf).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.reason.of(buf), b"OK");
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.content_length, Some(12));
    assert_eq!(head.len as usize, buf.len() - 12);
    assert_eq!(
        response_body_kind(Method::Get, &head),
        BodyKind::ContentLength(12)
    );
}

#[test]
fn reason_phrases_of_every_shape() {
    let buf = b"HTTP/1.1 404 Not \xc3\xa9 Found\r\n\r\n";
    assert_eq!(response(buf).unwrap().reason.of(buf), b"Not \xc3\xa9 Found");
    let buf = b"HTTP/1.1 204\r\n\r\n";
    assert_eq!(response(buf).unwrap().reason.of(buf), b"");
    let buf = b"HTTP/1.1 204 \r\n\r\n";
    assert_eq!(response(buf).unwrap().reason.of(buf), b"");
    let buf = b"HTTP/1.0 200 OK\nServer: x\n\n";
    assert_eq!(response(buf).unwrap().reason.of(buf), b"OK");
}

#[test]
fn interim_responses_come_before_the_final_one() {
    let buf = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let mut head = Head::default();
    let Ok(Parsed::Complete(n)) = head.parse_response(buf, &Limits::default()) else {
        panic!()
    };
    assert_eq!(head.status, 100);
    assert!(head.is_interim());
    assert_eq!(response_body_kind(Method::Post, &head), BodyKind::None);
    let rest = &buf[n..];
    assert!(head.parse_response(rest, &Limits::default()).is_ok());
    assert_eq!(head.status, 200);
    assert!(!head.is_interim());
    assert_eq!(response_body_kind(Method::Post, &head), BodyKind::None);
}

#[test]
fn switching_protocols_is_final_and_starts_a_tunnel() {
    let buf =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let head = response(buf).unwrap();
    assert!(!head.is_interim());
    assert_eq!(response_body_kind(Method::Get, &head), BodyKind::Tunnel);
}

#[test]
fn response_framing_follows_rfc9112_section_6_3() {
    let cases: &[(Method, &[u8], BodyKind)] = &[
        (
            Method::Head,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            BodyKind::None,
        ),
        (
            Method::Get,
            b"HTTP/1.1 204 No Content\r\n\r\n",
            BodyKind::None,
        ),
        (
            Method::Get,
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
            BodyKind::None,
        ),
        (
            Method::Get,
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
            BodyKind::None,
        ),
        (
            Method::Connect,
            b"HTTP/1.1 200 Connection established\r\n\r\n",
            BodyKind::Tunnel,
        ),
        (
            Method::Connect,
            b"HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n",
            BodyKind::ContentLength(3),
        ),
        (
            Method::Get,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            BodyKind::Chunked,
        ),
        (
            Method::Get,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            BodyKind::None,
        ),
        (
            Method::Get,
            b"HTTP/1.1 200 OK\r\n\r\n",
            BodyKind::CloseDelimited,
        ),
        (
            Method::Get,
            b"HTTP/1.0 200 OK\r\n\r\n",
            BodyKind::CloseDelimited,
        ),
    ];
    for (method, buf, kind) in cases {
        let head = response(buf).unwrap();
        assert_eq!(
            response_body_kind(*method, &head),
            *kind,
            "{method:?} {:?}",
            String::from_utf8_lossy(buf)
        );
    }
}

#[test]
fn response_with_transfer_encoding_and_content_length_drops_the_length() {
    let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n";
    let head = response(buf).unwrap();
    assert_eq!(head.content_length, None);
    assert_eq!(head.transfer_coding, TransferCoding::Chunked);
    // haproxy 2.6.12 keeps the client connection open after such a response.
    assert!(!head.close_after_response);
    assert_eq!(head.headers.len(), 1);
}

#[test]
fn response_codings_other_than_chunked_alone_are_502() {
    // haproxy 2.6.12 answers 502 to all of these rather than reading until close.
    for te in [
        &b"gzip"[..],
        b"gzip, chunked",
        b"chunked, gzip",
        b"identity",
    ] {
        let mut buf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: ".to_vec();
        buf.extend_from_slice(te);
        buf.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            response(&buf).unwrap_err(),
            HeadError::BadTransferEncoding,
            "{te:?}"
        );
    }
}

#[test]
fn a_head_built_by_hand_with_another_coding_is_close_delimited() {
    let buf = b"HTTP/1.1 200 OK\r\n\r\n";
    let mut head = response(buf).unwrap();
    head.transfer_coding = TransferCoding::NotChunked;
    assert_eq!(
        response_body_kind(Method::Get, &head),
        BodyKind::CloseDelimited
    );
    assert_eq!(http1::request_body_kind(&head), BodyKind::CloseDelimited);
}

#[test]
fn http10_response_with_transfer_encoding_closes() {
    let buf = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let head = response(buf).unwrap();
    assert_eq!(response_body_kind(Method::Get, &head), BodyKind::Chunked);
    assert!(head.close_after_response);
}

#[test]
fn bad_responses_are_502() {
    let cases: &[(&[u8], HeadError)] = &[
        (b"HTTP/1.1 2000 OK\r\n\r\n", HeadError::BadStatusLine),
        (b"HTTP/1.1 20 OK\r\n\r\n", HeadError::BadStatusLine),
        (b"HTTP/3.0 200 OK\r\n\r\n", HeadError::BadVersion),
        (b"garbage\r\n\r\n", HeadError::BadVersion),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            HeadError::BadContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            HeadError::ConflictingContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            HeadError::BadTransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n",
            HeadError::ObsFold,
        ),
        (
            b"HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n",
            HeadError::BadHeaderName,
        ),
        (
            b"HTTP/1.1 200 OK\r\nX-A: a\x00\r\n\r\n",
            HeadError::BadHeaderValue,
        ),
    ];
    for (buf, want) in cases {
        let e = response(buf).unwrap_err();
        assert_eq!(e, *want, "{:?}", String::from_utf8_lossy(buf));
        assert_eq!(e.status(Side::Response), 502);
    }
}

#[test]
fn too_large_response_head_is_502() {
    let limits = Limits {
        max_head_len: 100,
        max_headers: 101,
    };
    let mut buf = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
    buf.resize(200, b'a');
    let mut head = Head::default();
    let e = head.parse_response(&buf, &limits).unwrap_err();
    assert_eq!(e, HeadError::TooLarge { limit: 100 });
    assert_eq!(e.status(Side::Response), 502);
}

#[test]
fn only_a_plain_http11_close_lets_the_server_side_persist() {
    let cases: &[(&[u8], bool, bool)] = &[
        // (request, wants_keep_alive, server_side_may_persist)
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, true),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, true),
        (b"GET / HTTP/1.0\r\n\r\n", false, false),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, false),
        (
            b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: close, Upgrade\r\nUpgrade: h2c\r\n\r\n",
            false,
            false,
        ),
        // Transfer-Encoding with Content-Length: the framing was repaired, the exchange closes.
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
            false,
        ),
    ];
    for (req, keep, persist) in cases {
        let mut head = Head::default();
        complete(&mut head, req);
        let text = String::from_utf8_lossy(req);
        assert_eq!(head.wants_keep_alive(), *keep, "{text}");
        assert_eq!(head.server_side_may_persist(), *persist, "{text}");
    }
}

#[test]
fn ntlm_and_negotiate_challenges_bind_the_connection() {
    let cases: &[(&[u8], bool)] = &[
        (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\n\r\n", true),
        (b"HTTP/1.1 401 Unauthorized\r\nwww-authenticate: negotiate abc==\r\n\r\n", true),
        (
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nWWW-Authenticate: NTLM\r\n\r\n",
            true,
        ),
        (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n", false),
        (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLMish\r\n\r\n", false),
        (b"HTTP/1.1 200 OK\r\nX-Auth: NTLM\r\n\r\n", false),
        (b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\r\n", true),
        // Only 401 and 407 challenge, as HAProxy reads them.
        (b"HTTP/1.1 200 OK\r\nWWW-Authenticate: NTLM\r\n\r\n", false),
    ];
    for (resp, bound) in cases {
        let mut head = Head::default();
        match head.parse_response(resp, &Limits::default()) {
            Ok(Parsed::Complete(_)) => {}
            other => panic!("{other:?}"),
        }
        let text = String::from_utf8_lossy(resp);
        assert_eq!(head.asks_connection_auth(resp), *bound, "{text}");
    }
}
