//! Response heads: parse, derive framing for every request method that changes it, forward.
#![no_main]

use http1::{response_body_kind, write_head, ConnectionHeader, Head, Limits, Method, Parsed, Side};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut head = Head::default();
    let Ok(Parsed::Complete(n)) = head.parse_response(data, &Limits::default()) else {
        return;
    };
    assert!(n <= data.len());
    for method in [Method::Get, Method::Head, Method::Connect] {
        let _ = response_body_kind(method, &head);
    }
    let mut out = Vec::new();
    write_head(
        data,
        &head,
        Side::Response,
        &[],
        ConnectionHeader::Close,
        &mut out,
    );
    let mut again = Head::default();
    let big = Limits {
        max_head_len: out.len() + 1,
        max_headers: 200,
    };
    assert!(matches!(
        again.parse_response(&out, &big),
        Ok(Parsed::Complete(_))
    ));
});
