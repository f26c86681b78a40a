//! Any bytes, read as one line: the tokenizer must return, never panic.
#![no_main]

use std::collections::HashMap;

use haproxy_cfg::lex::{split_words, LineContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let env: HashMap<String, String> = HashMap::new();
    let ctx = LineContext { file: "f", line: 1, section: "global", env: &env };
    let _ = split_words(&line, &ctx);
});
