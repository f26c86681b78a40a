//! Any bytes, read as a configuration file: parsing must return, never panic or hang.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut env = HashMap::new();
    env.insert("X".to_string(), "a b c".to_string());
    let _ = haproxy_cfg::parse_str_with_env("fuzz.cfg", &text, &env);
});
