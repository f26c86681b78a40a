//! `cargo bench -p http1`: the per-request costs of this crate on typical heads, timed with
//! `std::time::Instant` over many iterations (no criterion: it would add a heavy build for a
//! handful of numbers). Prints ns/iter and heads/s; asserts nothing about time.

use std::hint::black_box;
use std::time::Instant;

use http1::{
    request_body_kind, response_body_kind, write_head, ChunkedDecoder, ConnectionHeader, Edit,
    Head, Limits, Parsed, Side,
};

const CURL: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

const BROWSER: &[u8] = b"GET /static/js/app.4f2b9c.js?v=20240101 HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://www.example.com/products/list?page=2\r\n\
Connection: keep-alive\r\n\
Cookie: SERVERID=s1; session=8f14e45fceea167a5a36dedd4bea2543\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\
Sec-Fetch-Mode: navigate\r\n\r\n";

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 12:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 01 Oct 2026 10:00:00 GMT\r\nConnection: keep-alive\r\nETag: \"651940d0-267\"\r\nAccept-Ranges: bytes\r\n\r\n";

/// `HTTP1_BENCH_ONLY=<prefix>` runs only the matching cases (e.g. under `perf stat` to count
/// instructions per head); `HTTP1_BENCH_ITERS=<n>` sets the iteration count.
fn time<F: FnMut()>(name: &str, bytes: usize, iters: u32, mut f: F) {
    if let Ok(only) = std::env::var("HTTP1_BENCH_ONLY") {
        if !name.starts_with(&only) {
            return;
        }
    }
    for _ in 0..iters / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(iters);
    println!(
        "{name:<40} {bytes:>5} B  {ns:>8.1} ns/iter  {:>12.0} heads/s",
        1e9 / ns
    );
}

fn main() {
    let iters = std::env::var("HTTP1_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let limits = Limits::default();
    let mut head = Head::with_capacity(32);

    // Baseline: httparse alone, into a stack array, no validation.
    for (name, buf) in [
        ("httparse alone curl", CURL),
        ("httparse alone browser", BROWSER),
    ] {
        time(name, buf.len(), iters, || {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            let r = req.parse(black_box(buf));
            assert!(matches!(r, Ok(httparse::Status::Complete(_))));
            black_box(&req);
        });
    }
    for (name, buf) in [
        ("parse_request curl", CURL),
        ("parse_request browser", BROWSER),
    ] {
        time(name, buf.len(), iters, || {
            let r = head.parse_request(black_box(buf), &limits);
            assert!(matches!(r, Ok(Parsed::Complete(_))));
            black_box(request_body_kind(&head));
        });
    }
    time("parse_response nginx", RESPONSE.len(), iters, || {
        let r = head.parse_response(black_box(RESPONSE), &limits);
        assert!(matches!(r, Ok(Parsed::Complete(_))));
        black_box(response_body_kind(http1::Method::Get, &head));
    });

    let mut out = Vec::with_capacity(4096);
    for (name, buf) in [
        ("parse+write_head curl (+XFF)", CURL),
        ("parse+write_head browser (+XFF)", BROWSER),
    ] {
        time(name, buf.len(), iters, || {
            let _ = head.parse_request(black_box(buf), &limits);
            let edits = [Edit::Append {
                name: b"x-forwarded-for",
                value: b"127.0.0.1",
            }];
            write_head(
                buf,
                &head,
                Side::Request,
                &edits,
                ConnectionHeader::KeepAlive { http10_peer: false },
                &mut out,
            );
            black_box(&out);
        });
    }

    let mut body = Vec::new();
    for _ in 0..16 {
        body.extend_from_slice(b"1000\r\n");
        body.extend_from_slice(&[b'x'; 4096]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    time("chunked walk 16 x 4 KiB", body.len(), iters / 10, || {
        let mut d = ChunkedDecoder::new();
        let p = d.decode(black_box(&body)).unwrap();
        assert!(p.done);
    });
}
