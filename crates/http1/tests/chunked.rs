//! The chunked-body walker: valid bodies split anywhere, every malformed framing refused,
//! arbitrary bytes never panic.

use http1::chunked::{MAX_CHUNK_LINE, MAX_TRAILERS};
use http1::{BodyFramer, BodyKind, ChunkedDecoder, ChunkedError, Progress};
use proptest::prelude::*;

/// Feeds `input` in pieces cut at `cuts`; returns the total consumed, whether the message
/// ended, or the first error.
fn walk(input: &[u8], cuts: &[usize]) -> Result<(usize, bool), ChunkedError> {
    let mut decoder = ChunkedDecoder::new();
    let mut at = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    for end in bounds {
        if end < at {
            continue;
        }
        let Progress { consumed, done } = decoder.decode(&input[at..end])?;
        assert!(consumed <= end - at);
        at += consumed;
        if done {
            assert!(decoder.is_done());
            return Ok((at, true));
        }
        assert_eq!(at, end, "not done, so every byte belongs to the message");
    }
    Ok((at, false))
}

fn whole(input: &[u8]) -> Result<(usize, bool), ChunkedError> {
    walk(input, &[])
}

#[test]
fn a_body_with_extensions_and_trailers_passes_whole() {
    let body = b"5;name=value\r\nhello\r\n6 ; a ; b=\"q\"\r\n world\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n";
    assert_eq!(whole(body), Ok((body.len(), true)));
    let mut decoder = ChunkedDecoder::new();
    decoder.decode(body).unwrap();
    assert_eq!(decoder.payload_len(), 11);
}

#[test]
fn the_walk_stops_at_the_end_of_the_message() {
    let body = b"3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
    assert_eq!(whole(body), Ok((13, true)));
    let mut decoder = ChunkedDecoder::new();
    decoder.decode(body).unwrap();
    // Once done, nothing more belongs to it.
    assert_eq!(
        decoder.decode(b"more").unwrap(),
        Progress {
            consumed: 0,
            done: true
        }
    );
}

#[test]
fn hex_sizes_of_every_case_and_leading_zeros() {
    let body = b"A\r\n0123456789\r\na\r\n0123456789\r\n00000000000000000000001\r\nx\r\n000\r\n\r\n";
    assert_eq!(whole(body), Ok((body.len(), true)));
}

#[test]
fn largest_chunk_size_is_accepted() {
    let mut decoder = ChunkedDecoder::new();
    let p = decoder.decode(b"ffffffffffffffff\r\nabc").unwrap();
    assert_eq!(
        p,
        Progress {
            consumed: 21,
            done: false
        }
    );
}

#[test]
fn malformed_framing_is_refused() {
    let cases: &[(&[u8], ChunkedError)] = &[
        (b"g\r\n", ChunkedError::BadSize),
        (b"\r\n", ChunkedError::BadSize),
        (b"-5\r\nhello\r\n", ChunkedError::BadSize),
        (b"0x5\r\nhello\r\n", ChunkedError::BadSize),
        (b"5 5\r\nhello\r\n", ChunkedError::BadSize),
        (b" 5\r\nhello\r\n", ChunkedError::BadSize),
        (b"10000000000000000\r\n", ChunkedError::SizeOverflow),
        (b"1ffffffffffffffff\r\n", ChunkedError::SizeOverflow),
        (b"5\nhello\r\n0\r\n\r\n", ChunkedError::MissingCrlf),
        (b"5\rhello\r\n", ChunkedError::MissingCrlf),
        (b"5\r\nhelloX\r\n", ChunkedError::MissingCrlf),
        (b"5\r\nhello\n0\r\n\r\n", ChunkedError::MissingCrlf),
        (b"5;a\nhello\r\n", ChunkedError::MissingCrlf),
        (b"5;a\x00\r\nhello\r\n", ChunkedError::BadExtension),
        (b"5;a\x7f\r\nhello\r\n", ChunkedError::BadExtension),
        (b"0\r\nX-A: a\n\r\n", ChunkedError::MissingCrlf),
        (b"0\r\n: a\r\n\r\n", ChunkedError::BadTrailer),
        (b"0\r\nX A: a\r\n\r\n", ChunkedError::BadTrailer),
        (b"0\r\nX-A: a\x01\r\n\r\n", ChunkedError::BadTrailer),
        (b"0\r\n\rX", ChunkedError::MissingCrlf),
        (b"0\r\n\n", ChunkedError::BadTrailer),
    ];
    for (body, want) in cases {
        assert_eq!(
            whole(body),
            Err(*want),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn chunk_extensions_are_bounded() {
    let mut line = b"5;".to_vec();
    line.resize(MAX_CHUNK_LINE as usize, b'a');
    line.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
    assert!(whole(&line).is_ok(), "exactly the limit passes");
    let mut line = b"5;".to_vec();
    line.resize(MAX_CHUNK_LINE as usize + 1, b'a');
    line.extend_from_slice(b"\r\n");
    assert_eq!(whole(&line), Err(ChunkedError::ExtensionTooLong));
    // Leading zeros count too: a size line cannot grow without bound.
    let zeros = vec![b'0'; MAX_CHUNK_LINE as usize + 1];
    assert_eq!(whole(&zeros), Err(ChunkedError::ExtensionTooLong));
}

#[test]
fn trailers_are_bounded() {
    let mut body = b"0\r\nX: ".to_vec();
    body.resize(MAX_TRAILERS as usize + 10, b'a');
    assert_eq!(whole(&body), Err(ChunkedError::TrailersTooLong));
}

#[test]
fn body_framer_for_each_kind() {
    let mut f = BodyFramer::new(BodyKind::None);
    assert!(f.is_done());
    assert_eq!(
        f.advance(b"abc").unwrap(),
        Progress {
            consumed: 0,
            done: true
        }
    );

    let mut f = BodyFramer::new(BodyKind::ContentLength(5));
    assert_eq!(
        f.advance(b"abc").unwrap(),
        Progress {
            consumed: 3,
            done: false
        }
    );
    assert!(!f.close_is_clean());
    assert_eq!(
        f.advance(b"defgh").unwrap(),
        Progress {
            consumed: 2,
            done: true
        }
    );
    assert!(f.is_done());
    assert_eq!(
        f.advance(b"gh").unwrap(),
        Progress {
            consumed: 0,
            done: true
        }
    );

    let mut f = BodyFramer::new(BodyKind::Chunked);
    assert_eq!(
        f.advance(b"1\r\na\r\n0\r").unwrap(),
        Progress {
            consumed: 8,
            done: false
        }
    );
    assert_eq!(
        f.advance(b"\n\r\nNEXT").unwrap(),
        Progress {
            consumed: 3,
            done: true
        }
    );

    let mut f = BodyFramer::new(BodyKind::CloseDelimited);
    assert_eq!(
        f.advance(b"anything").unwrap(),
        Progress {
            consumed: 8,
            done: false
        }
    );
    assert!(f.close_is_clean());
    assert!(!f.is_done());

    let f = BodyFramer::new(BodyKind::Tunnel);
    assert!(f.close_is_clean());
}

/// Encodes `chunks` as a chunked body with optional extensions and trailers.
fn encode(chunks: &[Vec<u8>], ext: bool, upper: bool, trailers: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in chunks.iter().filter(|c| !c.is_empty()) {
        let size = if upper {
            format!("{:X}", chunk.len())
        } else {
            format!("{:x}", chunk.len())
        };
        out.extend_from_slice(size.as_bytes());
        if ext {
            out.extend_from_slice(b";ext=\"v\"");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    for (name, value) in trailers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

proptest! {
    #[test]
    fn a_valid_body_split_anywhere_walks_the_same(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
        ext in any::<bool>(),
        upper in any::<bool>(),
        trailers in prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~]{0,20}"), 0..3),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        next in prop::collection::vec(any::<u8>(), 0..20),
    ) {
        let body = encode(&chunks, ext, upper, &trailers);
        let mut stream = body.clone();
        stream.extend_from_slice(&next);
        prop_assert_eq!(walk(&stream, &cuts), Ok((body.len(), true)));
        let mut decoder = ChunkedDecoder::new();
        decoder.decode(&stream).unwrap();
        prop_assert_eq!(decoder.payload_len(), chunks.iter().map(|c| c.len() as u64).sum::<u64>());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_splitting_never_changes_the_outcome(
        input in prop::collection::vec(any::<u8>(), 0..200),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(walk(&input, &cuts), whole(&input));
    }

    #[test]
    fn chunk_like_bytes_never_panic(
        input in prop::collection::vec(prop::sample::select(b"0123456789abcdefABCDEF;= \t\r\n:xX".to_vec()), 0..200),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(walk(&input, &cuts), whole(&input));
    }
}
