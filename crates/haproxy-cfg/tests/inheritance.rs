//! `defaults` sections are applied exactly as HAProxy 2.6 applies them: the last one before a
//! proxy, or the one it names with `from`; a new defaults section starts from scratch unless it
//! says `from`; proxy-specific things (binds, servers) are never inherited.

use std::collections::HashMap;
use std::time::Duration;

use haproxy_cfg::model::{HttpConnMode, Mode};
use haproxy_cfg::{parse_str_with_env, Loaded};

fn parse(text: &str) -> Loaded {
    match parse_str_with_env("t.cfg", text, &HashMap::<String, String>::new()) {
        Ok(l) => l,
        Err(e) => panic!("refused: {:#?}", e.diagnostics),
    }
}

#[test]
fn last_anonymous_defaults_wins_and_starts_from_scratch() {
    let l = parse(
        "\
defaults
    mode http
    timeout client 1s
    retries 7
backend a
defaults
    timeout server 2s
backend b
",
    );
    let a = l.config.backend("a").unwrap();
    let b = l.config.backend("b").unwrap();
    assert_eq!(a.mode, Mode::Http);
    assert_eq!(a.retries, 7);
    assert_eq!(a.timeouts.client, Some(Duration::from_secs(1)));
    assert_eq!(
        b.mode,
        Mode::Tcp,
        "a new defaults section does not inherit the previous one"
    );
    assert_eq!(b.retries, 3);
    assert_eq!(b.timeouts.client, None);
    assert_eq!(b.timeouts.server, Some(Duration::from_secs(2)));
}

#[test]
fn named_defaults_and_from() {
    let l = parse(
        "\
defaults base
    mode http
    option http-server-close
    timeout connect 3s
defaults tuned from base
    timeout connect 4s
defaults plain
    mode tcp
backend a from base
backend b from tuned
backend c
",
    );
    let a = l.config.backend("a").unwrap();
    let b = l.config.backend("b").unwrap();
    let c = l.config.backend("c").unwrap();
    assert_eq!(a.timeouts.connect, Some(Duration::from_secs(3)));
    assert_eq!(b.timeouts.connect, Some(Duration::from_secs(4)));
    assert_eq!(b.mode, Mode::Http);
    assert_eq!(b.options.http_conn_mode, HttpConnMode::ServerClose);
    assert_eq!(c.mode, Mode::Tcp, "no 'from': the last defaults section");
}

#[test]
fn proxy_settings_override_defaults_without_touching_them() {
    let l = parse(
        "\
defaults
    mode http
    timeout client 1s
    option forwardfor
frontend f
    bind :80
    timeout client 9s
    no option forwardfor
    default_backend b
backend b
",
    );
    let f = l.config.frontends().next().unwrap();
    let b = l.config.backend("b").unwrap();
    assert_eq!(f.timeouts.client, Some(Duration::from_secs(9)));
    assert!(f.options.forwardfor.is_none());
    assert!(b.options.forwardfor.is_some());
}

#[test]
fn explicit_and_implicit_use_of_one_defaults_is_refused() {
    let e = parse_str_with_env(
        "t.cfg",
        "defaults d1\n    mode http\nbackend a from d1\nbackend b\n",
        &HashMap::<String, String>::new(),
    )
    .unwrap_err();
    let msg = &e.alerts().next().unwrap().message;
    assert!(
        msg.contains("defaults section 'd1' (declared at t.cfg:1) is explicitly referenced"),
        "{msg}"
    );
    let e = parse_str_with_env(
        "t.cfg",
        "defaults d1\nbackend a from nosuch\n",
        &HashMap::<String, String>::new(),
    )
    .unwrap_err();
    assert!(e
        .alerts()
        .any(|d| d.message.contains("defaults section 'nosuch' not found")));
}

#[test]
fn default_server_applies_to_later_servers() {
    let l = parse(
        "\
defaults
    default-server inter 3s fall 5
backend b
    default-server weight 20
    server s1 10.0.0.1:80
    server s2 10.0.0.2:80 weight 5 backup id 7
",
    );
    assert_eq!(l.config.backend("b").unwrap().servers[1].id, Some(7));
    assert_eq!(l.config.backend("b").unwrap().servers[0].id, None);
    let b = l.config.backend("b").unwrap();
    assert_eq!(b.servers[0].weight, 20);
    assert_eq!(b.servers[0].inter, Duration::from_secs(3));
    assert_eq!(b.servers[0].fall, 5);
    assert_eq!(b.servers[1].weight, 5);
    assert!(b.servers[1].backup);
}

#[test]
fn log_global_takes_the_global_targets() {
    let l = parse(
        "\
global
    log 127.0.0.1 local3 info
    log /dev/log local0
defaults
    log global
backend b
",
    );
    let b = l.config.backend("b").unwrap();
    assert_eq!(b.logs.len(), 2);
    assert_eq!(b.logs[0].facility, "local3");
}

#[test]
fn environment_variables_in_values() {
    let mut env = HashMap::new();
    env.insert("PORT".to_string(), "8443".to_string());
    let l = parse_str_with_env(
        "t.cfg",
        "defaults\n    timeout client 1s\nfrontend f\n    bind \":${PORT}\"\n    bind \"127.0.0.1:${MISSING-81}\"\n",
        &env,
    )
    .unwrap();
    let f = l.config.frontends().next().unwrap();
    assert_eq!(f.binds[0].addrs[0].to_string(), "0.0.0.0:8443");
    assert_eq!(f.binds[1].addrs[0].to_string(), "127.0.0.1:81");
}

#[test]
fn check_steps_with_parenthesised_arguments_are_recognised() {
    let l = parse(
        "\
defaults
    timeout connect 1s
backend b
    option httpchk
    http-check set-var(check.path) str(/health)
    http-check send meth GET uri /health
    http-check expect status 200
",
    );
    let steps = &l.config.backend("b").unwrap().checks.steps;
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0].keyword, "http-check set-var");
    assert_eq!(steps[0].args, ["set-var(check.path)", "str(/health)"]);
}
