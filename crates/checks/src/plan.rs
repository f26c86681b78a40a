//! A check compiled from the configuration: the list of steps one check walks through.
//!
//! `option httpchk` + `http-check` lines become connect, send request, read and match the
//! response; `option tcp-check` + `tcp-check` lines become their own connect/send/expect
//! list; a plain `check` is a lone connect. Compiled once at load, shared by every server of
//! the backend; errors point at the line they come from.

use std::net::IpAddr;

use haproxy_cfg::model::{CheckConfig, CheckKind};
use haproxy_cfg::Location;

use crate::{http, tcp, tcp_check};

/// Which family of check this is; it decides what a pass and some failures read like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Tcp,
    Http,
    TcpCheck,
}

/// Where to connect, when a step says so (`tcp-check connect port 8080`); the rest comes from
/// the server line (`addr`, `port`, `check-send-proxy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectSpec {
    pub port: Option<u16>,
    pub addr: Option<IpAddr>,
    pub send_proxy: bool,
    /// HAProxy's step number (1-based over the configured rules); `None` for the implicit
    /// connect every check starts with when its first rule is not a connect.
    pub step: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum Step {
    Connect(ConnectSpec),
    /// Bytes to write on the connection.
    Send(Vec<u8>),
    /// `tcp-check expect`: read until the pattern matches, or fail.
    Expect(tcp_check::Expect),
    /// Read a whole HTTP response and match every `http-check expect` against it.
    HttpResponse(Vec<http::Expect>),
}

#[derive(Debug, Clone)]
pub struct CheckPlan {
    pub kind: PlanKind,
    pub steps: Vec<Step>,
}

/// A check line that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parsing [{}:{}] : '{keyword}' : {message}", location.file, location.line)]
pub struct CompileError {
    pub location: Location,
    pub keyword: String,
    pub message: String,
}

/// Compiles a backend's check settings. Kinds not implemented yet (`option mysql-check`, …)
/// fall back to a connect-only check; the parser has already warned about their keyword.
pub fn compile(cfg: &CheckConfig) -> Result<CheckPlan, CompileError> {
    match cfg.kind {
        CheckKind::Http => http::compile(cfg),
        CheckKind::TcpCheck => tcp_check::compile(cfg),
        CheckKind::TcpConnect | CheckKind::Other => Ok(tcp::plan()),
    }
}

/// Compiles the checks of every backend that has a checked server, for a configuration check
/// (`-c`) or before the process detaches: errors then show up before anything runs.
pub fn validate(config: &haproxy_cfg::model::Config) -> Result<(), CompileError> {
    for p in config.backends() {
        if p.servers.iter().any(|s| s.check) {
            compile(&p.checks)?;
        }
        for s in &p.servers {
            let options = [
                ("on-marked-down", &s.on_marked_down, "shutdown-sessions"),
                ("on-marked-up", &s.on_marked_up, "shutdown-backup-sessions"),
            ];
            for (keyword, value, expected) in options {
                match value.as_deref() {
                    Some(v) if v != expected => {
                        return Err(CompileError {
                            location: s.location.clone(),
                            keyword: format!("server {}/{}", p.name, s.name),
                            message: format!("'{keyword}' expects '{expected}' but got '{v}'."),
                        })
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod on_marked_tests {
    use super::*;

    fn check(server_options: &str) -> Result<(), String> {
        let text = format!("backend b3\n server s 127.0.0.1:1 {server_options}\n");
        let cfg = haproxy_cfg::parse_str("h3.cfg", &text)
            .expect("parses")
            .config;
        validate(&cfg).map_err(|e| e.to_string())
    }

    #[test]
    fn on_marked_options_take_only_their_one_value() {
        assert_eq!(check("on-marked-down shutdown-sessions"), Ok(()));
        assert_eq!(check("on-marked-up shutdown-backup-sessions"), Ok(()));
        // HAProxy 2.6: `'server b3/s' : 'on-marked-down' expects 'shutdown-sessions' but got 'foo'.`
        assert_eq!(
            check("on-marked-down foo"),
            Err("parsing [h3.cfg:2] : 'server b3/s' : 'on-marked-down' expects 'shutdown-sessions' but got 'foo'.".into())
        );
        assert_eq!(
            check("on-marked-up shutdown-sessions"),
            Err("parsing [h3.cfg:2] : 'server b3/s' : 'on-marked-up' expects 'shutdown-backup-sessions' but got 'shutdown-sessions'.".into())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend_checks(text: &str) -> CheckConfig {
        let cfg =
            format!("defaults\n mode http\nbackend b\n{text}\n server s 127.0.0.1:80 check\n");
        let loaded = haproxy_cfg::parse_str("t.cfg", &cfg).expect("config parses");
        loaded.config.proxies[0].checks.clone()
    }

    #[test]
    fn plain_check_is_one_connect() {
        let plan = compile(&backend_checks("")).expect("compiles");
        assert_eq!(plan.kind, PlanKind::Tcp);
        assert!(matches!(plan.steps.as_slice(), [Step::Connect(c)] if c.step.is_none()));
    }

    #[test]
    fn validate_only_looks_at_checked_backends() {
        let text = "backend a\n option tcp-check\n tcp-check expect nope x\n server s 127.0.0.1:80\nbackend b\n server s 127.0.0.1:80 check\n";
        let cfg = haproxy_cfg::parse_str("t.cfg", text)
            .expect("parses")
            .config;
        assert!(validate(&cfg).is_ok(), "no server of 'a' is checked");
        let cfg = haproxy_cfg::parse_str(
            "t.cfg",
            &text.replace("80\nbackend b", "80 check\nbackend b"),
        )
        .expect("parses")
        .config;
        assert_eq!(validate(&cfg).expect_err("refused").location.line, 3);
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = compile(&backend_checks(
            " option tcp-check\n tcp-check expect sometimes x",
        ))
        .expect_err("bad expect");
        assert_eq!(e.location.line, 5);
        assert!(
            e.to_string()
                .starts_with("parsing [t.cfg:5] : 'tcp-check expect' : "),
            "{e}"
        );
    }
}
