//! Properties of head parsing over generated and arbitrary input: no panic, spans always
//! inside the head, every prefix of a valid head is partial, and a forwarded head parses back
//! to the same message.

use http1::{write_head, ConnectionHeader, Head, Limits, Parsed, Side};
use proptest::prelude::*;

/// Checks the invariants of any accepted head.
fn check_accepted(head: &Head, buf: &[u8], n: usize) {
    assert!(n <= buf.len());
    assert_eq!(head.len as usize, n);
    for h in &head.headers {
        assert!(h.name.end as usize <= n && h.name.start <= h.name.end);
        assert!(h.value.end as usize <= n && h.value.start <= h.value.end);
    }
    assert!(head.target.end as usize <= n);
    for i in [head.host, head.upgrade].into_iter().flatten() {
        assert!(usize::from(i) < head.headers.len());
    }
}

fn request_head() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec!["GET", "POST", "HEAD", "PUT", "OPTIONS", "PURGE"]),
        "/[a-zA-Z0-9/._~%?=&-]{0,40}",
        prop::sample::select(vec!["HTTP/1.0", "HTTP/1.1"]),
        prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,15}", "[ -~]{0,30}"), 0..12),
        any::<bool>(),
    )
        .prop_map(|(method, target, version, headers, lf_only)| {
            let eol = if lf_only { "\n" } else { "\r\n" };
            let mut s = format!("{method} {target} {version}{eol}");
            for (name, value) in headers {
                // Keep the generated heads free of the headers with framing rules.
                let name = format!("X-{name}");
                s.push_str(&format!("{name}: {}{eol}", value.trim()));
            }
            s.push_str(eol);
            s.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..400)) {
        let limits = Limits { max_head_len: 300, max_headers: 8 };
        let mut head = Head::default();
        if let Ok(Parsed::Complete(n)) = head.parse_request(&input, &limits) {
            check_accepted(&head, &input, n);
        }
        if let Ok(Parsed::Complete(n)) = head.parse_response(&input, &limits) {
            check_accepted(&head, &input, n);
        }
    }

    #[test]
    fn every_prefix_of_a_valid_head_is_partial(head_bytes in request_head()) {
        let mut head = Head::default();
        let limits = Limits::default();
        for end in 0..head_bytes.len() {
            prop_assert_eq!(head.parse_request(&head_bytes[..end], &limits), Ok(Parsed::Partial));
        }
        prop_assert_eq!(head.parse_request(&head_bytes, &limits), Ok(Parsed::Complete(head_bytes.len())));
    }

    #[test]
    fn a_forwarded_head_parses_back_to_the_same_message(head_bytes in request_head()) {
        let limits = Limits::default();
        let mut head = Head::default();
        head.parse_request(&head_bytes, &limits).unwrap();
        let mut out = Vec::new();
        write_head(&head_bytes, &head, Side::Request, &[], ConnectionHeader::AsReceived, &mut out);
        let mut again = Head::default();
        prop_assert_eq!(again.parse_request(&out, &limits), Ok(Parsed::Complete(out.len())));
        prop_assert_eq!(head.method_span.of(&head_bytes), again.method_span.of(&out));
        prop_assert_eq!(head.target.of(&head_bytes), again.target.of(&out));
        prop_assert_eq!(head.version, again.version);
        prop_assert_eq!(head.headers.len(), again.headers.len());
        for i in 0..head.headers.len() {
            prop_assert_eq!(head.name(&head_bytes, i).to_ascii_lowercase(), again.name(&out, i));
            prop_assert_eq!(head.value(&head_bytes, i), again.value(&out, i));
        }
    }

    #[test]
    fn a_mutated_head_never_panics(head_bytes in request_head(), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = head_bytes;
        let at = at % bytes.len();
        bytes[at] = byte;
        let mut head = Head::default();
        if let Ok(Parsed::Complete(n)) = head.parse_request(&bytes, &Limits::default()) {
            check_accepted(&head, &bytes, n);
        }
    }
}
