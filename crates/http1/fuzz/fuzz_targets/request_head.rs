//! Request heads: parse with small limits, check the spans of an accepted head, forward it
//! with an appended header and parse the result again (it must be accepted: what the proxy writes, the
//! proxy must be able to read).
#![no_main]

use http1::{write_head, ConnectionHeader, Edit, Head, Limits, Parsed, Side};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_head_len: 4096,
        max_headers: 32,
    };
    let mut head = Head::default();
    let Ok(Parsed::Complete(n)) = head.parse_request(data, &limits) else {
        return;
    };
    assert!(n <= data.len());
    for h in &head.headers {
        assert!(h.name.end as usize <= n && h.value.end as usize <= n);
    }
    let _ = http1::request_body_kind(&head);
    // Only additions: deleting or replacing an arbitrary header could legitimately make the
    // result invalid (e.g. dropping Sec-WebSocket-Key from a WebSocket handshake).
    let edits = [Edit::Append {
        name: b"x-forwarded-for",
        value: b"127.0.0.1",
    }];
    let mut out = Vec::new();
    for conn in [
        ConnectionHeader::AsReceived,
        ConnectionHeader::Close,
        ConnectionHeader::KeepAlive { http10_peer: true },
    ] {
        write_head(data, &head, Side::Request, &edits, conn, &mut out);
        let mut again = Head::default();
        let big = Limits {
            max_head_len: out.len() + 1,
            max_headers: 64,
        };
        assert!(matches!(
            again.parse_request(&out, &big),
            Ok(Parsed::Complete(_))
        ));
    }
});
