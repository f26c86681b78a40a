//! Every request-smuggling rule (RFC 9112 §6, HAProxy 2.6 behaviour checked against
//! haproxy 2.6.12), each with the exact bytes that exercise it.

use http1::{request_body_kind, BodyKind, Head, HeadError, Limits, Parsed, Side, TransferCoding};

fn parse(req: &[u8]) -> Result<(Head, usize), HeadError> {
    let mut head = Head::default();
    match head.parse_request(req, &Limits::default())? {
        Parsed::Complete(n) => Ok((head, n)),
        Parsed::Partial => panic!("partial: {:?}", String::from_utf8_lossy(req)),
    }
}

fn rejected(req: &[u8]) -> HeadError {
    match parse(req) {
        Ok(_) => panic!("accepted: {:?}", String::from_utf8_lossy(req)),
        Err(e) => e,
    }
}

fn names(head: &Head, buf: &[u8]) -> Vec<String> {
    (0..head.headers.len())
        .map(|i| String::from_utf8_lossy(head.name(buf, i)).into_owned())
        .collect()
}

#[test]
fn transfer_encoding_with_content_length_drops_content_length_and_closes() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    let (head, n) = parse(req).unwrap();
    assert_eq!(&req[n..], b"0\r\n\r\n");
    assert_eq!(head.transfer_coding, TransferCoding::Chunked);
    assert_eq!(head.content_length, None);
    assert!(head.close_after_response);
    assert!(head.edited);
    assert!(!head.wants_keep_alive());
    assert_eq!(names(&head, req), ["Host", "Transfer-Encoding"]);
    assert_eq!(request_body_kind(&head), BodyKind::Chunked);
}

#[test]
fn content_length_after_transfer_encoding_is_dropped_too() {
    let req =
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nHost: x\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert_eq!(names(&head, req), ["Transfer-Encoding", "Host"]);
    // The Host index was shifted along with the removal.
    assert_eq!(head.host, Some(1));
    assert_eq!(head.value(req, 1), b"x");
}

#[test]
fn differing_content_lengths_in_one_header_are_refused() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello";
    assert_eq!(rejected(req), HeadError::ConflictingContentLength);
    assert_eq!(
        HeadError::ConflictingContentLength.status(Side::Request),
        400
    );
}

#[test]
fn differing_content_lengths_in_two_headers_are_refused() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello";
    assert_eq!(rejected(req), HeadError::ConflictingContentLength);
}

#[test]
fn identical_content_lengths_in_one_header_are_merged() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello";
    let (head, _) = parse(req).unwrap();
    assert_eq!(head.content_length, Some(5));
    let cl = head.find(req, b"content-length").unwrap();
    assert_eq!(head.value(req, cl), b"5");
    assert!(head.edited);
}

#[test]
fn identical_content_length_headers_are_merged() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello";
    let (head, _) = parse(req).unwrap();
    assert_eq!(head.content_length, Some(5));
    assert_eq!(names(&head, req), ["Host", "Content-Length"]);
    assert!(head.edited);
    assert_eq!(request_body_kind(&head), BodyKind::ContentLength(5));
}

#[test]
fn malformed_content_lengths_are_refused() {
    for value in [
        &b"+5"[..],
        b"-1",
        b"5a",
        b"0x5",
        b"5 5",
        b"5,",
        b",5",
        b"",
        b"99999999999999999999999",
        b"18446744073709551616", // u64::MAX + 1
    ] {
        let mut req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ".to_vec();
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            rejected(&req),
            HeadError::BadContentLength,
            "value {:?}",
            String::from_utf8_lossy(value)
        );
    }
}

#[test]
fn largest_content_length_is_accepted() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert_eq!(head.content_length, Some(u64::MAX));
}

#[test]
fn transfer_encoding_not_ending_in_chunked_is_refused() {
    for value in [&b"gzip"[..], b"chunked, gzip", b"identity"] {
        let mut req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ".to_vec();
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n\r\n");
        assert_eq!(rejected(&req), HeadError::BadTransferEncoding);
    }
}

#[test]
fn chunked_twice_is_refused() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n";
    assert_eq!(rejected(req), HeadError::BadTransferEncoding);
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(rejected(req), HeadError::BadTransferEncoding);
}

#[test]
fn empty_transfer_encoding_is_refused() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n";
    assert_eq!(rejected(req), HeadError::BadTransferEncoding);
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,\r\n\r\n";
    assert_eq!(rejected(req), HeadError::BadTransferEncoding);
}

#[test]
fn other_coding_before_chunked_is_422() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    assert_eq!(rejected(req), HeadError::UnsupportedTransferCoding);
    assert_eq!(
        HeadError::UnsupportedTransferCoding.status(Side::Request),
        422
    );
    // The codings of several headers form one list.
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(rejected(req), HeadError::UnsupportedTransferCoding);
}

#[test]
fn chunked_is_case_insensitive() {
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert_eq!(head.transfer_coding, TransferCoding::Chunked);
}

#[test]
fn transfer_encoding_in_http10_request_is_refused() {
    let req = b"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(rejected(req), HeadError::TransferEncodingInHttp10);
}

#[test]
fn differing_host_headers_are_refused() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n";
    assert_eq!(rejected(req), HeadError::DuplicateHost);
}

#[test]
fn identical_host_headers_are_merged() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert_eq!(names(&head, req), ["Host"]);
    assert!(head.edited);
}

#[test]
fn obs_fold_is_refused() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n";
    assert_eq!(rejected(req), HeadError::ObsFold);
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n";
    assert_eq!(rejected(req), HeadError::ObsFold);
}

#[test]
fn space_before_colon_is_refused() {
    let req = b"GET / HTTP/1.1\r\nHost : x\r\n\r\n";
    assert_eq!(rejected(req), HeadError::BadHeaderName);
}

#[test]
fn bad_header_names_are_refused() {
    for line in [
        &b": v"[..],
        b"X\x00A: v",
        b"X(A): v",
        b"X A: v",
        b"X\x7fA: v",
        b"X\xc3\xa9: v",
        b"X\"A: v",
        b"NoColon",
    ] {
        let mut req = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
        req.extend_from_slice(line);
        req.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            rejected(&req),
            HeadError::BadHeaderName,
            "line {:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn control_bytes_in_header_values_are_refused() {
    for value in [&b"a\x00b"[..], b"a\x01b", b"a\x7fb", b"a\x1bb", b"a\x0bb"] {
        let mut req = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: ".to_vec();
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n\r\n");
        assert_eq!(rejected(&req), HeadError::BadHeaderValue, "value {value:?}");
    }
}

#[test]
fn bare_cr_in_header_value_is_refused() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n";
    let e = rejected(req);
    assert!(
        matches!(e, HeadError::BadHeaderValue | HeadError::BadLineEnding),
        "{e:?}"
    );
}

#[test]
fn tab_and_obs_text_in_values_are_accepted() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb \xc3\xa9\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert_eq!(head.value(req, 1), b"a\tb \xc3\xa9");
}

#[test]
fn bad_bytes_in_target_are_refused() {
    for target in [&b"/\xc3\xa9"[..], b"/a#b", b"/a\x7f", b"/a\x01"] {
        let mut req = b"GET ".to_vec();
        req.extend_from_slice(target);
        req.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(rejected(&req), HeadError::BadTarget, "target {target:?}");
    }
}

#[test]
fn bad_request_lines_are_refused() {
    assert_eq!(rejected(b"G(T / HTTP/1.1\r\n\r\n"), HeadError::BadMethod);
    assert_eq!(rejected(b"GET / HTTP/2.0\r\n\r\n"), HeadError::BadVersion);
    assert_eq!(rejected(b"GET / HTTX/1.1\r\n\r\n"), HeadError::BadVersion);
    // HTTP/0.9 (no version): refused, whatever the variant.
    assert_eq!(rejected(b"GET /\r\n\r\n").status(Side::Request), 400);
    assert_eq!(rejected(b"GET  / HTTP/1.1\r\n\r\n"), HeadError::BadTarget);
}

#[test]
fn absolute_form_host_must_match_authority() {
    let req = b"GET http://a.example/p HTTP/1.1\r\nHost: b.example\r\n\r\n";
    assert_eq!(rejected(req), HeadError::HostMismatch);
    for host in [&b"a.example"[..], b"A.EXAMPLE", b"a.example:80"] {
        let mut req = b"GET http://a.example/p HTTP/1.1\r\nHost: ".to_vec();
        req.extend_from_slice(host);
        req.extend_from_slice(b"\r\n\r\n");
        assert!(parse(&req).is_ok(), "host {host:?}");
    }
    let req = b"GET https://a.example:443/p HTTP/1.1\r\nHost: a.example\r\n\r\n";
    assert!(parse(req).is_ok());
    let req = b"GET http://a.example:8080/p HTTP/1.1\r\nHost: a.example\r\n\r\n";
    assert_eq!(rejected(req), HeadError::HostMismatch);
}

#[test]
fn websocket_upgrade_needs_a_key() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    assert_eq!(rejected(req), HeadError::WebSocketKeyMissing);
    let req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let (head, _) = parse(req).unwrap();
    assert!(head.is_upgrade_request());
}

#[test]
fn too_many_headers_are_refused() {
    let mut req = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..102 {
        req.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    assert_eq!(rejected(&req), HeadError::TooManyHeaders { limit: 101 });
}

#[test]
fn more_headers_than_stack_slots_work_when_configured() {
    let mut req = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..300 {
        req.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    let limits = Limits {
        max_head_len: 1 << 20,
        max_headers: 300,
    };
    let mut head = Head::default();
    assert_eq!(
        head.parse_request(&req, &limits),
        Ok(Parsed::Complete(req.len()))
    );
    assert_eq!(head.headers.len(), 300);
    let limits = Limits {
        max_headers: 299,
        ..limits
    };
    assert_eq!(
        head.parse_request(&req, &limits),
        Err(HeadError::TooManyHeaders { limit: 299 })
    );
}

#[test]
fn head_larger_than_the_buffer_is_400() {
    let limits = Limits {
        max_head_len: 1024,
        max_headers: 101,
    };
    let mut req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    req.resize(2000, b'a');
    let mut head = Head::default();
    // Incomplete and already over the limit.
    let e = head.parse_request(&req, &limits).unwrap_err();
    assert_eq!(e, HeadError::TooLarge { limit: 1024 });
    assert_eq!(e.status(Side::Request), 400);
    // Complete but over the limit: refused the same way, whatever the read sizes were.
    req.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        head.parse_request(&req, &limits),
        Err(HeadError::TooLarge { limit: 1024 })
    );
    // Under the limit and incomplete: wait for more.
    assert_eq!(
        head.parse_request(&req[..500], &limits),
        Ok(Parsed::Partial)
    );
}

#[test]
fn every_error_has_a_page_with_its_status() {
    for e in [
        HeadError::BadContentLength,
        HeadError::UnsupportedTransferCoding,
        HeadError::TooLarge { limit: 1 },
    ] {
        let status = e.status(Side::Request);
        let page = e.page(Side::Request);
        assert!(page.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
        let page = e.page(Side::Response);
        assert!(page.starts_with(b"HTTP/1.1 502 "));
        assert!(!e.reason().is_empty());
    }
}
