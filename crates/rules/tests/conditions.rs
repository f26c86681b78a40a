//! Condition precedence (manual 7.2): implicit AND binds tighter than `||`/`or`, `!` applies
//! to one ACL, `unless` negates the whole condition, anonymous ACLs in braces.

mod support;
use support::{compile_err, rule_denies, HEAD};

const REQ: &str = "GET /a HTTP/1.1\nHost: h\n\n";

fn denies(cond: &str) -> bool {
    rule_denies(
        &format!("acl t always_true\n    acl f always_false\n    http-request deny if {cond}"),
        REQ,
        "10.0.0.1:1",
    )
}

fn denies_unless(cond: &str) -> bool {
    rule_denies(
        &format!("acl t always_true\n    acl f always_false\n    http-request deny unless {cond}"),
        REQ,
        "10.0.0.1:1",
    )
}

#[test]
fn and_binds_tighter_than_or() {
    // f t || t  ==  (f AND t) OR t
    assert!(denies("f t || t"));
    // t || t f  ==  t OR (t AND f)
    assert!(denies("t || t f"));
    // f || t f  ==  f OR (t AND f)
    assert!(!denies("f || t f"));
    assert!(!denies("t f"));
    assert!(denies("t t"));
    assert!(denies("f or t"));
    assert!(!denies("f or f"));
}

#[test]
fn negation_applies_to_one_acl() {
    assert!(denies("!f"));
    assert!(!denies("!t"));
    assert!(denies("! f t"));
    assert!(!denies("!f f"));
    assert!(denies("!f f || t"));
    assert!(denies("!!t"));
}

#[test]
fn unless_negates_the_whole_condition() {
    assert!(denies_unless("f"));
    assert!(!denies_unless("t"));
    assert!(denies_unless("t f"));
    assert!(!denies_unless("f || t"));
}

#[test]
fn anonymous_acls() {
    assert!(denies("{ path /a }"));
    assert!(!denies("{ path /b }"));
    assert!(denies("t { path_beg /a } || f"));
    assert!(denies("f || { path /b } || ! { path /b }"));
    assert!(denies("! { path /b }"));
    assert!(denies("!{ path /b }"));
    assert!(!denies("!{ path /a }"));
    assert!(denies("!!{ path /a }"));
}

#[test]
fn several_acl_lines_or_together() {
    let lines = "acl x path /nope\n    acl x path /a\n    http-request deny if x";
    assert!(rule_denies(lines, REQ, "10.0.0.1:1"));
    let lines = "acl x path /nope\n    acl x path /other\n    http-request deny if x";
    assert!(!rule_denies(lines, REQ, "10.0.0.1:1"));
}

#[test]
fn acl_declared_after_its_use_is_found() {
    let lines = "http-request deny if late\n    acl late path /a";
    assert!(rule_denies(lines, REQ, "10.0.0.1:1"));
}

#[test]
fn bad_conditions_point_at_the_line() {
    let cfg = |lines: &str| {
        format!("{HEAD}frontend f\n    bind 127.0.0.1:8080\n    {lines}\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n")
    };
    let e = compile_err(&cfg("http-request deny if nosuch"));
    assert_eq!(e.location.to_string(), "test.cfg:8");
    assert_eq!(
        e.to_string(),
        "'http-request deny' : no such ACL : 'nosuch'"
    );
    let e = compile_err(&cfg("http-request deny if { path /a"));
    assert!(e.to_string().contains("missing closing '}'"), "{e}");
    let e = compile_err(&cfg("http-request deny if TRUE ||"));
    assert!(e.to_string().contains("ends with an operator"), "{e}");
    let e = compile_err(&cfg("http-request deny if || TRUE"));
    assert!(e.to_string().contains("missing ACL before '||'"), "{e}");
    let e = compile_err(&cfg("http-request deny if"));
    assert!(
        e.to_string().contains("missing condition after 'if'"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x path_bgin /a"));
    assert_eq!(
        e.to_string(),
        "'acl x path_bgin' : unknown fetch method 'path_bgin' in ACL expression"
    );
    assert_eq!(e.location.line, 8);
    let e = compile_err(&cfg("acl x path -m nope /a"));
    assert!(
        e.to_string().contains("unknown matching method 'nope'"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x path_reg ^(/a"));
    assert!(e.to_string().contains("regex '^(/a' is invalid"), "{e}");
    let e = compile_err(&cfg("acl x src 10.0.0.300"));
    assert!(
        e.to_string().contains("not a valid IPv4 or IPv6 address"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x dst_port gt many"));
    assert!(e.to_string().contains("'many' is not a number"), "{e}");
    let e = compile_err(&cfg("acl x path -x /a"));
    assert!(
        e.to_string().contains("'-x' is not a valid ACL option"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x path -m"));
    assert!(e.to_string().contains("'-m' expects an argument"), "{e}");
    let e = compile_err(&cfg("acl x nbsrv(missing) gt 0"));
    assert!(
        e.to_string()
            .contains("unable to find required backend 'missing'"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x http_auth(nolist)"));
    assert!(
        e.to_string().contains("unable to find userlist 'nolist'"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x hdr(host),nosuchconv foo"));
    assert!(
        e.to_string().contains("unknown converter 'nosuchconv'"),
        "{e}"
    );
    let e = compile_err(&cfg("acl x path(1) /a"));
    assert!(e.to_string().contains("takes no argument"), "{e}");
    let e = compile_err(&cfg("acl b@d path /a"));
    assert!(e.to_string().contains("invalid character"), "{e}");
    let e = compile_err(&cfg("acl x path -f /missing.lst"));
    assert!(
        e.to_string()
            .contains("failed to open pattern file '/missing.lst'"),
        "{e}"
    );
}

#[test]
fn pattern_files() {
    use std::collections::HashMap;
    let mut files = HashMap::new();
    files.insert(
        "/etc/haproxy/blocked.lst".to_string(),
        b"# blocked networks\n10.0.0.0/8\n\n   192.168.1.0/24  \n".to_vec(),
    );
    files.insert(
        "/etc/haproxy/paths.lst".to_string(),
        b"/Admin\n/private\n".to_vec(),
    );
    let cfg = format!(
        "{HEAD}frontend f\n    bind 127.0.0.1:8080\n    acl blocked src -n -f /etc/haproxy/blocked.lst 172.16.0.1\n    acl adm path_beg -i -f /etc/haproxy/paths.lst\n    http-request deny if blocked || adm\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n"
    );
    let c = support::compile_with(&cfg, &support::Files(files)).expect("compiles");
    let run = |raw: &str, src: &str| {
        let r = support::req(raw);
        let mut s = rules::Scratch::default();
        s.begin_request(&r.view());
        let e = support::env(support::conn(src, "127.0.0.1:8080"));
        c.plan.http_request(0, &e, &r.view(), &mut s)
    };
    let deny = rules::RequestVerdict::Deny { status: 403 };
    assert_eq!(run(REQ, "10.9.9.9:1"), deny);
    assert_eq!(run(REQ, "192.168.1.7:1"), deny);
    assert_eq!(run(REQ, "172.16.0.1:1"), deny);
    assert_eq!(run(REQ, "192.168.2.7:1"), rules::RequestVerdict::Continue);
    assert_eq!(run("GET /admin/x HTTP/1.1\n\n", "8.8.8.8:1"), deny);
    assert_eq!(run("GET /PRIVATE HTTP/1.1\n\n", "8.8.8.8:1"), deny);
    assert_eq!(
        run("GET /public HTTP/1.1\n\n", "8.8.8.8:1"),
        rules::RequestVerdict::Continue
    );
}
