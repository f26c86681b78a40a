//! Bad input never panics: arbitrary ACL and rule words are refused with an error, and
//! arbitrary header values and targets go through a rule set full of fetches without harm.

mod support;

use proptest::prelude::*;
use rules::{RulePlan, Scratch};
use support::{compile, conn, env, Files, HEAD};

const RICH: &str = "frontend f
    bind 127.0.0.1:8080
    acl a hdr_dom(host) -i example
    acl b urlp(id) -m int gt 3
    acl c req.cook(SID) -m len 1:8
    acl d hdr_ip(x-forwarded-for) 10.0.0.0/8
    acl e base_reg ^[a-z]+/
    acl f2 hdr(x-list,-2) -m sub x
    acl g http_auth(L)
    acl h req.hdr(host),field(2,:),lower -m int lt 100
    http-request set-header X-A %[req.hdr(x-a),upper,word(2,/)]
    http-request replace-value X-List ^(.)(.*)$ \\2\\1
    http-request set-path %[path,lower]
    http-request deny if a b || c d || e f2 || g h
    redirect scheme https if { path_beg /r }
    use_backend %[req.hdr(host),lower,host_only] if { hdr_cnt(host) 1 }
    default_backend b
backend b
    server s 127.0.0.1:9000
userlist L
    user u password $1$saltsalt$9xy1btjgzLYfb7hivXtC//
";

fn exercise(plan: &RulePlan, raw: &[u8]) {
    let mut head = http1::Head::with_capacity(8);
    if !matches!(
        head.parse_request(raw, &http1::Limits::default()),
        Ok(http1::Parsed::Complete(_))
    ) {
        return;
    }
    let view = rules::HeadView {
        buf: raw,
        head: &head,
    };
    let mut s = Scratch::default();
    s.begin_request(&view);
    let e = env(conn("10.1.2.3:1", "127.0.0.1:8080"));
    let _ = plan.http_request(0, &e, &view, &mut s);
    let _ = plan.choose_backend(0, &e, Some(&view), &mut s);
    let mut storage = Vec::new();
    let mut out = Vec::new();
    s.request_edits().write_head(
        raw,
        &head,
        http1::Side::Request,
        &[],
        http1::ConnectionHeader::AsReceived,
        &mut storage,
        &mut out,
    );
}

proptest! {
    #[test]
    fn arbitrary_acl_words_never_panic(words in proptest::collection::vec("[ -~]{0,12}", 1..6)) {
        let words: Vec<String> = words.into_iter().map(|w| w.replace([' ', '#', '"', '\'', '\\'], "x")).filter(|w| !w.is_empty()).collect();
        prop_assume!(!words.is_empty());
        let text = format!("{HEAD}frontend f\n    bind 127.0.0.1:8080\n    acl x {}\n    http-request deny if x\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n", words.join(" "));
        if let Ok(loaded) = haproxy_cfg::parse_str("p.cfg", &text) {
            let _ = RulePlan::compile(&loaded.config, &Files(Default::default()));
        }
    }

    #[test]
    fn arbitrary_rule_words_never_panic(kw in prop::sample::select(vec!["http-request", "http-response", "http-after-response", "redirect", "tcp-request connection", "tcp-request content", "use_backend"]), words in proptest::collection::vec("[!-~]{1,10}", 0..6)) {
        let words: Vec<String> = words.into_iter().map(|w| w.replace(['#', '"', '\'', '\\'], "x")).collect();
        let text = format!("{HEAD}frontend f\n    bind 127.0.0.1:8080\n    {kw} {}\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n", words.join(" "));
        if let Ok(loaded) = haproxy_cfg::parse_str("p.cfg", &text) {
            let _ = RulePlan::compile(&loaded.config, &Files(Default::default()));
        }
    }

    #[test]
    fn arbitrary_requests_never_panic(target in "[!-~]{1,40}", host in "[ -~]{0,30}", list in "[ -~]{0,30}", auth in "[ -~]{0,40}", cookie in "[ -~]{0,30}") {
        let c = compile(&format!("{HEAD}{RICH}"));
        let raw = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nX-List: {list}\r\nX-List: {list}\r\nAuthorization: {auth}\r\nCookie: {cookie}\r\nX-Forwarded-For: {host}\r\nX-A: {list}\r\n\r\n");
        exercise(&c.plan, raw.as_bytes());
    }
}

#[test]
fn hostile_corner_cases() {
    let c = compile(&format!("{HEAD}{RICH}"));
    let long_auth = format!(
        "GET / HTTP/1.1\r\nAuthorization: Basic {}\r\n\r\n",
        "QUFB".repeat(2000)
    );
    for raw in [
        "GET * HTTP/1.1\r\n\r\n".to_string(),
        "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n".to_string(),
        "GET http://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n".to_string(),
        "GET http://a.example?x=1 HTTP/1.1\r\nHost: a.example\r\n\r\n".to_string(),
        "GET /?id=99999999999999999999999 HTTP/1.1\r\nHost: :\r\n\r\n".to_string(),
        "GET /r HTTP/1.0\r\n\r\n".to_string(),
        "GET / HTTP/1.1\r\nHost: [::1]:99999\r\nX-Forwarded-For: [::1]:x, 300.1.1.1:1\r\nCookie: ;;=;SID\r\n\r\n".to_string(),
        long_auth,
    ] {
        exercise(&c.plan, raw.as_bytes());
    }
}
