//! Arbitrary bytes as a keepalived.conf (and as the file it includes): must never panic.
#![no_main]

use keepalived_cfg::{parse_str, MemorySource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = MemorySource::new().with("inc.conf", text.as_ref());
    let _ = parse_str("keepalived.conf", &text, &files);
});
