//! The chunked walker: the first byte chooses a split point; walking in two pieces must give
//! the same outcome as walking in one.
#![no_main]

use http1::ChunkedDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, body)) = data.split_first() else {
        return;
    };
    let whole = ChunkedDecoder::new().decode(body);
    let cut = usize::from(split) % (body.len() + 1);
    let mut d = ChunkedDecoder::new();
    let split_result = d.decode(&body[..cut]).and_then(|first| {
        if first.done {
            Ok(first)
        } else {
            d.decode(&body[cut..]).map(|second| http1::Progress {
                consumed: first.consumed + second.consumed,
                done: second.done,
            })
        }
    });
    match (whole, split_result) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("whole {a:?} vs split {b:?}"),
    }
});
