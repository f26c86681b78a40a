//! Whatever the text, parsing returns a result: no panic, no hang.

use std::collections::HashMap;

use proptest::prelude::*;

const WORDS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "userlist",
    "f",
    "b",
    "bind",
    ":80",
    "server",
    "s",
    "1.2.3.4:80",
    "timeout",
    "client",
    "5s",
    "option",
    "forwardfor",
    "except",
    "no",
    "balance",
    "mode",
    "http",
    "tcp",
    ".if",
    ".endif",
    ".else",
    "\"",
    "'",
    "\\",
    "#",
    "${X}",
    "\"${X[*]}\"",
    "default_backend",
    "use_backend",
    "if",
    "cookie",
    "insert",
    "log",
    "global",
    "stats",
    "uri",
    "weight",
    "300",
    "from",
    "maxconn",
    "-1",
    "user",
    "group",
    "\\x4",
];

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..7).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn keyword_soup_never_panics(lines in prop::collection::vec(line(), 0..30)) {
        let text = lines.join("\n");
        let _ = haproxy_cfg::parse_str_with_env("p.cfg", &text, &HashMap::<String, String>::new());
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = haproxy_cfg::parse_str_with_env("p.cfg", &text, &HashMap::<String, String>::new());
    }
}
