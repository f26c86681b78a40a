//! Broken configurations are refused with HAProxy-shaped alerts naming file:line and what was
//! expected; legal oddities produce warnings, not errors.

use std::collections::HashMap;

use haproxy_cfg::{parse_str_with_env, ConfigErrors, Loaded, Severity};

const HEAD: &str = "defaults\n    mode http\n    timeout client 5s\n    timeout connect 5s\n    timeout server 5s\n";

fn parse(text: &str) -> Result<Loaded, ConfigErrors> {
    parse_str_with_env("t.cfg", text, &HashMap::<String, String>::new())
}

/// The alerts of a refused config, as `line: message`.
fn alerts(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(_) => panic!("config was accepted:\n{text}"),
        Err(e) => e
            .alerts()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.location.as_ref().map_or(0, |l| l.line),
                    d.message
                )
            })
            .collect(),
    }
}

fn warnings(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(l) => l
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| {
                format!(
                    "{}: {}",
                    d.location.as_ref().map_or(0, |l| l.line),
                    d.message
                )
            })
            .collect(),
        Err(e) => panic!("refused: {:#?}", e.diagnostics),
    }
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|m| m.contains(needle))
}

#[test]
fn unknown_keyword_suggests_the_close_one() {
    let a = alerts("global\n    nbthred 2\n");
    assert_eq!(
        a,
        ["2: unknown keyword 'nbthred' in 'global' section; did you mean 'nbthread' maybe ?"]
    );
    let a = alerts(&format!("{HEAD}frontend f\n    bind :80\n    mod http\n"));
    assert!(
        has(
            &a,
            "8: unknown keyword 'mod' in 'frontend' section; did you mean 'mode' maybe ?"
        ),
        "{a:?}"
    );
    let a = alerts(&format!("{HEAD}backend b\n    option httchk\n"));
    assert_eq!(
        a,
        ["7: unknown option 'httchk'; did you mean 'httpchk' maybe ?"]
    );
    let a = alerts(&format!("{HEAD}backend b\n    timeout serve 5s\n"));
    assert!(
        has(
            &a,
            "unknown keyword 'timeout serve' in 'backend' section; did you mean 'server' maybe ?"
        ),
        "{a:?}"
    );
}

#[test]
fn unknown_section_is_an_unknown_keyword() {
    let a = alerts("frontnd f\n");
    assert!(
        has(&a, "1: unknown keyword 'frontnd' out of section"),
        "{a:?}"
    );
    let a = alerts(&format!("{HEAD}backend b\nbakend c\n"));
    assert!(
        has(&a, "7: unknown keyword 'bakend' in 'backend' section"),
        "{a:?}"
    );
    assert!(has(&a, "misspelled section name"), "{a:?}");
}

#[test]
fn keyword_in_the_wrong_section() {
    let a = alerts("global\n    timeout client 5s\n");
    assert!(
        has(&a, "2: unknown keyword 'timeout' in 'global' section"),
        "{a:?}"
    );
    let a = alerts("defaults\n    bind :80\n");
    assert_eq!(a, ["2: 'bind' not allowed in 'defaults' section."]);
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    server s 1.1.1.1:80\n"
    ));
    assert!(
        has(
            &a,
            "8: 'server' not allowed because frontend 'f' has no backend capability."
        ),
        "{a:?}"
    );
    let w = warnings(&format!(
        "{HEAD}frontend f\n    bind :80\n    timeout server 5s\nbackend b\n    bind :99\n"
    ));
    assert!(
        has(
            &w,
            "8: 'timeout server' ignored because frontend 'f' has no backend capability."
        ),
        "{w:?}"
    );
    assert!(
        has(
            &w,
            "10: 'bind' ignored because backend 'b' has no frontend capability."
        ),
        "{w:?}"
    );
    let a = alerts("userlist u\n    maxconn 4\n");
    assert!(
        has(&a, "2: unknown keyword 'maxconn' in 'userlist' section"),
        "{a:?}"
    );
}

#[test]
fn bad_values_say_what_was_expected() {
    let a = alerts("defaults\n    timeout client 5x\n");
    assert_eq!(a, ["2: unexpected character 'x' in 'timeout client'"]);
    let a = alerts(&format!("{HEAD}frontend f\n    bind 1.2.3.4:99999\n"));
    assert!(
        has(&a, "7: 'bind 1.2.3.4:99999' : invalid port '99999'"),
        "{a:?}"
    );
    let a = alerts(&format!("{HEAD}frontend f\n    bind 1.2.3.4\n"));
    assert!(has(&a, "missing port number"), "{a:?}");
    let a = alerts(&format!(
        "{HEAD}backend b\n    server node1 192.168.43.333:80\n"
    ));
    assert_eq!(
        a,
        ["7: 'server b/node1' : invalid address '192.168.43.333' (octet out of range)"]
    );
    let a = alerts(&format!(
        "{HEAD}backend b\n    server t 1.1.1.1:80 weight 300\n"
    ));
    assert_eq!(
        a,
        ["7: 'server b/t' : weight is not within 0 and 256 (300)"]
    );
    let a = alerts(&format!(
        "{HEAD}backend b\n    server t 1.1.1.1:80 wieght 3\n"
    ));
    assert_eq!(
        a,
        ["7: 'server b/t' : unknown keyword 'wieght'; did you mean 'weight' maybe ?"]
    );
    let a = alerts(&format!(
        "{HEAD}backend b\n    server t 1.1.1.1:80 inter 5x\n"
    ));
    assert!(has(&a, "unexpected value '5x' for 'inter'"), "{a:?}");
    let a = alerts("defaults\n    mode ftp\n");
    assert!(has(&a, "unknown proxy mode 'ftp'"), "{a:?}");
    let a = alerts("global\n    tune.bufsize 16q\n");
    assert!(has(&a, "unknown size unit 'q'"), "{a:?}");
    let a = alerts("global\n    maxconn lots\n");
    assert!(
        has(&a, "'maxconn' expects an integer argument, got 'lots'"),
        "{a:?}"
    );
    let a = alerts(&format!("{HEAD}backend b\n    balance roundrobbin\n"));
    assert!(has(&a, "did you mean 'roundrobin' maybe ?"), "{a:?}");
}

#[test]
fn lexer_errors_point_at_the_line() {
    let a = alerts("global\n    log \"127.0.0.1 local0\n");
    assert_eq!(a, ["2: unmatched quote (\") at end of line"]);
    let a = alerts("global\n    user 'haproxy\n");
    assert_eq!(a, ["2: unmatched quote (') at end of line"]);
}

#[test]
fn names_are_resolved() {
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    default_backend nope\n"
    ));
    assert_eq!(
        a,
        ["6: Proxy 'f': unable to find required default_backend: 'nope'."]
    );
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    use_backend gone\nbackend b\n"
    ));
    assert_eq!(
        a,
        ["8: Proxy 'f': unable to find required use_backend: 'gone'."]
    );
    // A frontend is not a backend, even with the right name.
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    default_backend g\nfrontend g\n    bind :81\n"
    ));
    assert!(
        has(&a, "unable to find required default_backend: 'g'"),
        "{a:?}"
    );
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    default_backend t\nbackend t\n    mode tcp\n"
    ));
    assert!(
        has(&a, "mode tcp while this proxy is in mode http"),
        "{a:?}"
    );
}

#[test]
fn duplicates_are_refused() {
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\nfrontend f\n    bind :81\n"
    ));
    assert!(
        has(
            &a,
            "8: frontend 'f' has the same name as frontend 'f' declared at t.cfg:6."
        ),
        "{a:?}"
    );
    let a = alerts(&format!(
        "{HEAD}backend b\n    server s 1.1.1.1:80\n    server s 1.1.1.2:80\n"
    ));
    assert!(
        has(
            &a,
            "8: 'server b/s' : a server with the same name already exists"
        ),
        "{a:?}"
    );
    // A frontend and a backend may share a name; a listen conflicts with both.
    parse(&format!(
        "{HEAD}frontend x\n    bind :80\n    default_backend x\nbackend x\n"
    ))
    .unwrap();
    let a = alerts(&format!("{HEAD}backend x\nlisten x\n    bind :80\n"));
    assert!(
        has(&a, "listen 'x' has the same name as backend 'x'"),
        "{a:?}"
    );
}

#[test]
fn frontend_without_bind_is_refused() {
    let a = alerts(&format!(
        "{HEAD}frontend f\n    default_backend b\nbackend b\n"
    ));
    assert_eq!(a, ["6: frontend 'f' has no 'bind' directive. Please declare it as a backend if this was intended."]);
}

#[test]
fn conditional_blocks() {
    let mut env = HashMap::new();
    env.insert("WITH_X".to_string(), "yes".to_string());
    let text = "\
global
.if defined(WITH_X)
    maxconn 10
.elif defined(OTHER)
    maxconn 20
.else
    maxconn 30
.endif
.if streq(\"$WITH_X\",no)
    nbthread 3
.endif
.if 0
    this line would be an error if it were parsed
.endif
";
    let l = parse_str_with_env("t.cfg", text, &env).unwrap();
    assert_eq!(l.config.global.maxconn, Some(10));
    assert_eq!(l.config.global.nbthread, None);
    let l = parse_str_with_env("t.cfg", text, &HashMap::<String, String>::new()).unwrap();
    assert_eq!(l.config.global.maxconn, Some(30));

    let a = alerts("global\n.if 1\n    maxconn 3\n");
    assert!(has(&a, "2: non-terminated '.if' block"), "{a:?}");
    let a = alerts("global\n.endif\n");
    assert!(has(&a, "2: '.endif' without matching '.if'"), "{a:?}");
    let a = alerts("global\n.if 1\n.else\n.else\n.endif\n");
    assert!(has(&a, "4: '.else' after '.else'"), "{a:?}");
    let a = alerts("global\n.if bogus(1)\n.endif\n");
    assert!(has(&a, "unknown predicate 'bogus'"), "{a:?}");
    let a = alerts("global\n.frobnicate\n");
    assert!(has(&a, "unknown directive '.frobnicate'"), "{a:?}");
}

#[test]
fn report_directives() {
    let a = alerts("global\n.alert \"SSL support is mandatory\"\n");
    assert_eq!(a, ["2: SSL support is mandatory"]);
    let w = warnings("global\n.warning \"careful\"\n.if 0\n.alert \"not shown\"\n.endif\n");
    assert_eq!(w, ["2: careful"]);
    let l = parse("global\n.notice \"hello\"\n.diag \"quiet\"\n").unwrap();
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Notice && d.message == "hello"));
}

#[test]
fn removed_keywords_say_what_replaced_them() {
    let a = alerts(&format!(
        "{HEAD}frontend f\n    bind :80\n    reqadd X-Foo:\\ bar\n"
    ));
    assert!(
        has(
            &a,
            "'reqadd' is not supported anymore: use 'http-request' rules"
        ),
        "{a:?}"
    );
}

#[test]
fn negation_only_where_allowed() {
    let l = parse(&format!(
        "{HEAD}    option redispatch\nbackend b\n    no option redispatch\n"
    ))
    .unwrap();
    assert!(!l.config.backend("b").unwrap().options.redispatch);
    let a = alerts(&format!("{HEAD}backend b\n    no balance\n"));
    assert!(has(&a, "'no balance' is not supported"), "{a:?}");
    let l = parse("global\n    no strict-limits\n").unwrap();
    assert!(!l.config.global.strict_limits);
}

#[test]
fn every_alert_renders_with_file_and_line() {
    let e = parse("global\n    nbthred 2\n").unwrap_err();
    let line = e.diagnostics[0].render(42);
    assert_eq!(
        line,
        "[ALERT]    (42) : config : parsing [t.cfg:2] : unknown keyword 'nbthred' in 'global' section; did you mean 'nbthread' maybe ?"
    );
    assert_eq!(e.files_with_errors.len(), 1);
}

#[test]
fn bind_maxconn_is_warned_about_not_ignored() {
    let w = warnings(&format!("{HEAD}frontend f\n    bind :80 maxconn 10\n"));
    assert!(
        has(
            &w,
            "7: 'bind :80' : options not supported yet by halb (ignored): maxconn"
        ),
        "{w:?}"
    );
}

#[test]
fn log_len_outside_80_to_65535_is_refused_with_haproxy_words() {
    for (len, ok) in [
        ("50", false),
        ("79", false),
        ("80", true),
        ("65535", true),
        ("70000", false),
        ("x", false),
    ] {
        let text = format!("global\n    log 127.0.0.1:514 len {len} local0\n");
        if ok {
            assert!(parse(&text).is_ok(), "len {len} refused");
        } else {
            assert_eq!(
                alerts(&text),
                [format!(
                    "2: log : invalid log length '{len}', must be between 80 and 65535"
                )]
            );
        }
    }
}
