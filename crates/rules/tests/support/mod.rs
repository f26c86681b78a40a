//! Shared helpers: compile a real haproxy.cfg text with `haproxy-cfg`, parse real request
//! bytes with `http1`, run the rules.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;

use haproxy_cfg::model::Config;
use rules::{ConnInfo, Counters, Env, FileSource, HeadView, RequestVerdict, RulePlan, Scratch};

pub struct Files(pub HashMap<String, Vec<u8>>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| "No such file or directory".to_string())
    }
}

pub struct Live {
    pub usable: u32,
    pub be_conns: u64,
    pub fe_conns: u64,
}

impl Counters for Live {
    fn usable_servers(&self, _b: usize) -> u32 {
        self.usable
    }
    fn backend_conns(&self, _b: usize) -> u64 {
        self.be_conns
    }
    fn frontend_conns(&self, _f: usize) -> u64 {
        self.fe_conns
    }
}

pub const LIVE: Live = Live {
    usable: 2,
    be_conns: 7,
    fe_conns: 3,
};

pub struct Compiled {
    pub config: Config,
    pub plan: RulePlan,
    pub warnings: Vec<haproxy_cfg::Diagnostic>,
}

pub fn compile_with(text: &str, files: &Files) -> Result<Compiled, rules::CompileError> {
    let loaded = haproxy_cfg::parse_str("test.cfg", text)
        .unwrap_or_else(|e| panic!("config refused: {:?}", e.diagnostics));
    let (plan, warnings) = RulePlan::compile(&loaded.config, files)?;
    Ok(Compiled {
        config: loaded.config,
        plan,
        warnings,
    })
}

pub fn compile(text: &str) -> Compiled {
    compile_with(text, &Files(HashMap::new())).unwrap_or_else(|e| panic!("rules refused: {e}"))
}

pub fn compile_err(text: &str) -> rules::CompileError {
    match compile_with(text, &Files(HashMap::new())) {
        Ok(_) => panic!("expected a compile error"),
        Err(e) => e,
    }
}

pub const HEAD: &str = "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n";

/// A request head parsed by http1.
pub struct Req {
    pub buf: Vec<u8>,
    pub head: http1::Head,
}

pub fn req(raw: &str) -> Req {
    let buf = raw.replace('\n', "\r\n").into_bytes();
    let mut head = http1::Head::with_capacity(16);
    match head.parse_request(&buf, &http1::Limits::default()) {
        Ok(http1::Parsed::Complete(_)) => {}
        other => panic!("request did not parse: {other:?}"),
    }
    Req { buf, head }
}

pub fn resp(raw: &str) -> Req {
    let buf = raw.replace('\n', "\r\n").into_bytes();
    let mut head = http1::Head::with_capacity(16);
    match head.parse_response(&buf, &http1::Limits::default()) {
        Ok(http1::Parsed::Complete(_)) => {}
        other => panic!("response did not parse: {other:?}"),
    }
    Req { buf, head }
}

impl Req {
    pub fn view(&self) -> HeadView<'_> {
        HeadView {
            buf: &self.buf,
            head: &self.head,
        }
    }
}

pub fn conn(src: &str, dst: &str) -> ConnInfo {
    ConnInfo {
        src: Some(src.parse::<SocketAddr>().expect("src")),
        dst: Some(dst.parse::<SocketAddr>().expect("dst")),
        ssl: false,
    }
}

pub fn env(c: ConnInfo) -> Env<'static> {
    Env {
        conn: c,
        counters: &LIVE,
        frontend: 0,
        backend: None,
    }
}

/// Whether `acl x <criterion>` matches `raw` sent from 10.1.2.3:40000 to 127.0.0.1:8080.
pub fn acl_matches(criterion: &str, raw: &str) -> bool {
    acl_matches_from(criterion, raw, "10.1.2.3:40000")
}

pub fn acl_matches_from(criterion: &str, raw: &str, src: &str) -> bool {
    rule_denies(
        &format!("acl x {criterion}\n    http-request deny if x"),
        raw,
        src,
    )
}

/// Whether `http-request deny if <cond>` denies `raw`.
pub fn cond_matches(cond: &str, raw: &str) -> bool {
    cond_matches_from(cond, raw, "10.1.2.3:40000")
}

pub fn cond_matches_from(cond: &str, raw: &str, src: &str) -> bool {
    rule_denies(&format!("http-request deny if {cond}"), raw, src)
}

/// Whether the frontend lines `lines` deny `raw`.
pub fn rule_denies(lines: &str, raw: &str, src: &str) -> bool {
    let cfg = format!(
        "{HEAD}userlist L\n    group admins users bob\n    user bob insecure-password pw\n    user eve insecure-password pw2\nfrontend f\n    bind 127.0.0.1:8080\n    {lines}\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n"
    );
    let c = compile(&cfg);
    let r = req(raw);
    let mut s = Scratch::default();
    s.begin_request(&r.view());
    let e = env(conn(src, "127.0.0.1:8080"));
    match c.plan.http_request(0, &e, &r.view(), &mut s) {
        RequestVerdict::Deny { .. } => true,
        RequestVerdict::Continue => false,
        other => panic!("unexpected verdict {other:?}"),
    }
}

/// Name of the backend the frontend (proxy 0) picks for `raw`.
pub fn route(c: &Compiled, raw: &str) -> Option<String> {
    let r = req(raw);
    let mut s = Scratch::default();
    s.begin_request(&r.view());
    let e = env(conn("10.1.2.3:40000", "127.0.0.1:8080"));
    c.plan
        .choose_backend(0, &e, Some(&r.view()), &mut s)
        .map(|i| c.config.proxies[i].name.clone())
}
