//! HTTP checks: `option httpchk [METHOD] [URI] [VERSION]` (including the old form that hides
//! headers after `\r\n` in the version), `http-check send`, `http-check connect` and
//! `http-check expect [!] status|rstatus|string|rstring|hdr` (configuration manual 4.2).
//!
//! The request is built once at load; a check sends it, reads one response (head, and the
//! body when an expectation looks at it) and matches every `expect` in order. Without any
//! `expect`, a 2xx or 3xx status passes.

use haproxy_cfg::model::{CheckConfig, HttpChk, RuleLine};
use regex::bytes::Regex;

use crate::outcome::{CheckOutcome, CheckStatus};
use crate::plan::{CheckPlan, CompileError, ConnectSpec, PlanKind, Step};
use crate::tcp_check::{parse_connect, Verdict};

/// The largest response a check reads (HAProxy's default `tune.bufsize`).
pub const MAX_RESPONSE: usize = 16384;

/// The request a check sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub uri: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Default for HttpRequest {
    fn default() -> Self {
        HttpRequest {
            method: "OPTIONS".into(),
            uri: "/".into(),
            version: "HTTP/1.0".into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

impl HttpRequest {
    /// From `option httpchk`; a version such as `HTTP/1.1\r\nHost:\ www` carries headers (and
    /// after an empty line, a body), the form older tutorials use.
    pub fn from_httpchk(chk: &HttpChk) -> Self {
        let mut lines = chk.version.split("\r\n");
        let version = lines.next().unwrap_or_default().trim().to_string();
        let mut headers = Vec::new();
        let mut body = Vec::new();
        let mut in_body = false;
        for line in lines {
            if in_body {
                if !body.is_empty() {
                    body.extend_from_slice(b"\r\n");
                }
                body.extend_from_slice(line.as_bytes());
            } else if line.is_empty() {
                in_body = true;
            } else if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        HttpRequest {
            method: chk.method.clone(),
            uri: chk.uri.clone(),
            version: if version.is_empty() {
                "HTTP/1.0".into()
            } else {
                version
            },
            headers,
            body,
        }
    }

    /// Applies `http-check send meth M uri U ver V hdr N V body B`.
    fn apply_send(&mut self, args: &[String]) -> Result<(), String> {
        let mut i = 0;
        while i < args.len() {
            let v = |k: usize| {
                args.get(i + k)
                    .cloned()
                    .ok_or_else(|| format!("'{}' expects an argument", args[i]))
            };
            match args[i].as_str() {
                "meth" => self.method = v(1)?,
                "uri" => self.uri = v(1)?,
                "ver" => self.version = v(1)?,
                "body" => self.body = v(1)?.into_bytes(),
                "comment" => {
                    v(1)?;
                }
                "hdr" => {
                    let name = v(1)?.to_ascii_lowercase();
                    let value = v(2)?;
                    self.headers.push((name, value));
                    i += 3;
                    continue;
                }
                other => {
                    return Err(format!(
                        "'{other}' is not supported (expects 'meth', 'uri', 'ver', 'hdr', 'body' or 'comment')"
                    ))
                }
            }
            i += 2;
        }
        Ok(())
    }

    /// The bytes on the wire, as HAProxy 2.6 writes them: header names in lower case, a
    /// `content-length` when there is a body, `connection: close` on HTTP/1.1.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.method, self.uri, self.version).into_bytes();
        for (n, v) in &self.headers {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        let has = |name: &str| self.headers.iter().any(|(n, _)| n == name);
        if !self.body.is_empty() && !has("content-length") {
            out.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        if self.version.eq_ignore_ascii_case("HTTP/1.1") && !has("connection") {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// How a header name or value is compared (`-m str|beg|end|sub|reg`).
#[derive(Debug, Clone)]
pub enum StrMatch {
    Str(String),
    Beg(String),
    End(String),
    Sub(String),
    Reg(Regex),
}

impl StrMatch {
    fn matches(&self, v: &[u8], case_insensitive: bool) -> bool {
        let eq = |a: &[u8], b: &[u8]| {
            if case_insensitive {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match self {
            StrMatch::Str(p) => eq(v, p.as_bytes()),
            StrMatch::Beg(p) => v.len() >= p.len() && eq(&v[..p.len()], p.as_bytes()),
            StrMatch::End(p) => v.len() >= p.len() && eq(&v[v.len() - p.len()..], p.as_bytes()),
            StrMatch::Sub(p) => p.is_empty() || v.windows(p.len()).any(|w| eq(w, p.as_bytes())),
            StrMatch::Reg(re) => re.is_match(v),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Matcher {
    /// `status 200,201,300-310`.
    Status(Vec<(u16, u16)>),
    RStatus(Regex),
    String(Vec<u8>),
    RString(Regex),
    /// `hdr name <n> [value <v>]`.
    Header {
        name: StrMatch,
        value: Option<StrMatch>,
    },
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub matcher: Matcher,
    pub negate: bool,
}

fn parse_status_list(s: &str) -> Result<Vec<(u16, u16)>, String> {
    s.split(',')
        .map(|part| {
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
                (Ok(lo), Ok(hi)) if lo <= hi => Ok((lo, hi)),
                _ => Err(format!(
                    "invalid status list '{s}' (expects codes or ranges like 200,300-310)"
                )),
            }
        })
        .collect()
}

fn regex(p: &str) -> Result<Regex, String> {
    Regex::new(p).map_err(|e| format!("invalid regex '{p}': {e}"))
}

/// Reads `[-m meth] <pattern>` at `args[*i]`.
fn parse_str_match(args: &[String], i: &mut usize, what: &str) -> Result<StrMatch, String> {
    let mut meth = "str";
    if args.get(*i).map(String::as_str) == Some("-m") {
        meth = args
            .get(*i + 1)
            .map(String::as_str)
            .ok_or_else(|| format!("'-m' expects a method for the header {what}"))?;
        *i += 2;
    }
    let p = args
        .get(*i)
        .ok_or_else(|| format!("'hdr' expects a header {what}"))?
        .clone();
    *i += 1;
    Ok(match meth {
        "str" => StrMatch::Str(p),
        "beg" => StrMatch::Beg(p),
        "end" => StrMatch::End(p),
        "sub" => StrMatch::Sub(p),
        "reg" => StrMatch::Reg(regex(&p)?),
        other => {
            return Err(format!(
                "unknown matching method '{other}' (expects str, beg, end, sub or reg)"
            ))
        }
    })
}

const IGNORED_WITH_VALUE: &[&str] = &["comment", "min-recv"];

fn parse_expect(args: &[String]) -> Result<Expect, String> {
    let mut i = 0;
    while i < args.len() && IGNORED_WITH_VALUE.contains(&args[i].as_str()) {
        i += 2;
    }
    let mut negate = false;
    if args.get(i).map(String::as_str) == Some("!") {
        negate = true;
        i += 1;
    }
    let kind = args
        .get(i)
        .ok_or("expects [!] status|rstatus|string|rstring|hdr <pattern>")?
        .clone();
    i += 1;
    let mut pat = || {
        let p = args
            .get(i)
            .cloned()
            .ok_or_else(|| format!("'{kind}' expects a pattern"));
        i += 1;
        p
    };
    let matcher = match kind.as_str() {
        "status" => Matcher::Status(parse_status_list(&pat()?)?),
        "rstatus" => Matcher::RStatus(regex(&pat()?)?),
        "string" => Matcher::String(pat()?.into_bytes()),
        "rstring" => Matcher::RString(regex(&pat()?)?),
        "hdr" => {
            if args.get(i).map(String::as_str) != Some("name") {
                return Err("'hdr' expects 'name' <name> [value <value>]".into());
            }
            i += 1;
            let name = parse_str_match(args, &mut i, "name")?;
            let value = if args.get(i).map(String::as_str) == Some("value") {
                i += 1;
                Some(parse_str_match(args, &mut i, "value")?)
            } else {
                None
            };
            Matcher::Header { name, value }
        }
        other => {
            return Err(format!(
            "'{other}' is not supported (expects [!] status|rstatus|string|rstring|hdr <pattern>)"
        ))
        }
    };
    if let Some(extra) = args.get(i) {
        if !IGNORED_WITH_VALUE.contains(&extra.as_str()) {
            return Err(format!("unexpected '{extra}' after the pattern"));
        }
    }
    Ok(Expect { matcher, negate })
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub code: u16,
    pub reason: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body_start: usize,
    pub content_length: Option<usize>,
}

enum Head {
    Partial,
    Invalid,
    Complete(ResponseHead),
}

fn parse_head(buf: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Partial) => Head::Partial,
        Err(_) => Head::Invalid,
        Ok(httparse::Status::Complete(n)) => {
            let Some(code) = resp.code else {
                return Head::Invalid;
            };
            let headers: Vec<(String, Vec<u8>)> = resp
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                .collect();
            let content_length = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse().ok());
            Head::Complete(ResponseHead {
                code,
                reason: resp.reason.unwrap_or_default().to_string(),
                headers,
                body_start: n,
                content_length,
            })
        }
    }
}

impl Expect {
    fn needs_body(&self) -> bool {
        matches!(self.matcher, Matcher::String(_) | Matcher::RString(_))
    }

    /// `None` when it passes, else the outcome to report.
    fn judge(&self, head: &ResponseHead, body: &[u8]) -> Option<CheckOutcome> {
        let wrong_status = || {
            CheckOutcome::new(CheckStatus::L7Status)
                .with_code(head.code)
                .with_info(head.reason.clone())
        };
        let found = match &self.matcher {
            Matcher::Status(ranges) => ranges
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&head.code)),
            Matcher::RStatus(re) => re.is_match(head.code.to_string().as_bytes()),
            Matcher::String(s) => s.is_empty() || body.windows(s.len()).any(|w| w == s.as_slice()),
            Matcher::RString(re) => re.is_match(body),
            Matcher::Header { name, value } => head.headers.iter().any(|(n, v)| {
                name.matches(n.as_bytes(), true)
                    && value.as_ref().is_none_or(|m| {
                        m.matches(v, false)
                            || v.split(|&b| b == b',')
                                .any(|item| m.matches(item.trim_ascii(), false))
                    })
            }),
        };
        if found != self.negate {
            return None;
        }
        Some(match &self.matcher {
            Matcher::String(_) | Matcher::RString(_) => CheckOutcome::new(CheckStatus::L7Response)
                .with_code(head.code)
                .with_info(if self.negate {
                    "HTTP check matched unwanted content"
                } else {
                    "HTTP content check did not match"
                }),
            _ => wrong_status(),
        })
    }
}

/// Judges the response read so far; `done` means no more bytes will come.
pub fn evaluate(expects: &[Expect], buf: &[u8], done: bool) -> (Verdict, u16) {
    let head = match parse_head(buf) {
        Head::Partial if !done => return (Verdict::NeedMore, 0),
        Head::Partial | Head::Invalid => {
            return (
                Verdict::Failed(CheckOutcome::new(CheckStatus::L7Response)),
                0,
            )
        }
        Head::Complete(h) => h,
    };
    let body = &buf[head.body_start.min(buf.len())..];
    if expects.iter().any(Expect::needs_body) && !done {
        let complete = head.content_length.is_some_and(|n| body.len() >= n);
        if !complete {
            return (Verdict::NeedMore, head.code);
        }
    }
    let body = match head.content_length {
        Some(n) if n < body.len() => &body[..n],
        _ => body,
    };
    if expects.is_empty() {
        if (200..400).contains(&head.code) {
            return (Verdict::Passed, head.code);
        }
        let o = CheckOutcome::new(CheckStatus::L7Status)
            .with_code(head.code)
            .with_info(head.reason.clone());
        return (Verdict::Failed(o), head.code);
    }
    for e in expects {
        if let Some(o) = e.judge(&head, body) {
            return (Verdict::Failed(o), head.code);
        }
    }
    (Verdict::Passed, head.code)
}

/// What a passed HTTP check reports.
pub fn passed(code: u16) -> CheckOutcome {
    CheckOutcome::new(CheckStatus::L7Ok).with_code(code)
}

/// What an HTTP check reports when the response did not come in time.
pub fn timeout() -> CheckOutcome {
    CheckOutcome::new(CheckStatus::L7Timeout)
}

fn compile_line(
    line: &RuleLine,
    req: &mut HttpRequest,
    connect: &mut Option<ConnectSpec>,
    expects: &mut Vec<Expect>,
    step: usize,
) -> Result<(), String> {
    let action = line
        .keyword
        .strip_prefix("http-check ")
        .unwrap_or(&line.keyword);
    match action {
        // Warned about by the parser and harmless to skip: the check still runs as written.
        "comment" | "disable-on-404" | "send-state" => Ok(()),
        a if a.starts_with("set-var") || a.starts_with("unset-var") => Ok(()),
        "send" => req.apply_send(&line.args),
        "expect" => {
            expects.push(parse_expect(&line.args)?);
            Ok(())
        }
        "connect" => {
            if connect.is_some() {
                return Err("only one 'http-check connect' is supported".into());
            }
            *connect = Some(parse_connect(&line.args, step)?);
            Ok(())
        }
        other => Err(format!("'{other}' is not supported yet")),
    }
}

pub fn compile(cfg: &CheckConfig) -> Result<CheckPlan, CompileError> {
    let mut req = cfg
        .httpchk
        .as_ref()
        .map(HttpRequest::from_httpchk)
        .unwrap_or_default();
    let mut connect = None;
    let mut expects = Vec::new();
    let mut number = 0;
    for line in cfg
        .steps
        .iter()
        .filter(|l| l.keyword.starts_with("http-check "))
    {
        if line.keyword != "http-check comment" {
            number += 1;
        }
        compile_line(line, &mut req, &mut connect, &mut expects, number).map_err(|message| {
            CompileError {
                location: line.location.clone(),
                keyword: line.keyword.clone(),
                message,
            }
        })?;
    }
    Ok(CheckPlan {
        kind: PlanKind::Http,
        steps: vec![
            Step::Connect(connect.unwrap_or_default()),
            Step::Send(req.to_bytes()),
            Step::HttpResponse(expects),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<CheckPlan, CompileError> {
        let cfg =
            format!("defaults\n mode http\nbackend b\n{text}\n server s 127.0.0.1:80 check\n");
        let loaded = haproxy_cfg::parse_str("t.cfg", &cfg).expect("config parses");
        compile(&loaded.config.proxies[0].checks)
    }

    fn request(text: &str) -> String {
        let p = plan(text).expect("compiles");
        match &p.steps[1] {
            Step::Send(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("expected a send step, got {other:?}"),
        }
    }

    fn expects(text: &str) -> Vec<Expect> {
        match plan(text).expect("compiles").steps.pop() {
            Some(Step::HttpResponse(e)) => e,
            other => panic!("expected a response step, got {other:?}"),
        }
    }

    #[test]
    fn httpchk_request_bytes_match_haproxy() {
        assert_eq!(
            request(" option httpchk GET /index.html"),
            "GET /index.html HTTP/1.0\r\n\r\n"
        );
        assert_eq!(request(" option httpchk"), "OPTIONS / HTTP/1.0\r\n\r\n");
        assert_eq!(
            request(" option httpchk /health"),
            "OPTIONS /health HTTP/1.0\r\n\r\n"
        );
    }

    #[test]
    fn old_form_headers_in_the_version() {
        assert_eq!(
            request(" option httpchk GET /index.html HTTP/1.1\\r\\nHost:\\ www"),
            "GET /index.html HTTP/1.1\r\nhost: www\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn http_check_send_overrides_and_adds() {
        assert_eq!(
            request(" option httpchk\n http-check send meth POST uri /x ver HTTP/1.1 hdr Host foo body abc"),
            "POST /x HTTP/1.1\r\nhost: foo\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc"
        );
        let e = plan(" option httpchk\n http-check send uri-lf /%[src]").expect_err("refused");
        assert_eq!(e.location.line, 5);
    }

    fn judge(text: &str, resp: &[u8]) -> Verdict {
        evaluate(&expects(text), resp, true).0
    }

    fn failed(v: Verdict) -> CheckOutcome {
        match v {
            Verdict::Failed(o) => o,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    const OK: &[u8] =
        b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\nhello\n";
    const NOT_FOUND: &[u8] = b"HTTP/1.0 404 File not found\r\n\r\n";

    #[test]
    fn default_expect_is_2xx_or_3xx() {
        let o = " option httpchk GET /";
        assert_eq!(judge(o, OK), Verdict::Passed);
        assert_eq!(judge(o, b"HTTP/1.1 302 Found\r\n\r\n"), Verdict::Passed);
        let f = failed(judge(o, NOT_FOUND));
        assert_eq!(f.status, CheckStatus::L7Status);
        assert_eq!(f.code, 404);
        assert_eq!(f.info.as_deref(), Some("File not found"));
    }

    #[test]
    fn status_and_rstatus() {
        assert_eq!(
            judge(
                " option httpchk\n http-check expect status 200,201,300-310",
                OK
            ),
            Verdict::Passed
        );
        let f = failed(judge(
            " option httpchk\n http-check expect status 200",
            NOT_FOUND,
        ));
        assert_eq!(
            f.describe(),
            "reason: Layer7 wrong status, code: 404, info: \"File not found\", check duration: 0ms"
        );
        assert_eq!(
            judge(
                " option httpchk\n http-check expect ! rstatus ^5",
                NOT_FOUND
            ),
            Verdict::Passed
        );
        assert!(matches!(
            judge(" option httpchk\n http-check expect rstatus ^2", NOT_FOUND),
            Verdict::Failed(_)
        ));
        assert!(plan(" option httpchk\n http-check expect status 2xx").is_err());
    }

    #[test]
    fn body_matchers_read_like_haproxy() {
        assert_eq!(
            judge(" option httpchk\n http-check expect string hello", OK),
            Verdict::Passed
        );
        let f = failed(judge(" option httpchk\n http-check expect string zzz", OK));
        assert_eq!(f.status, CheckStatus::L7Response);
        assert_eq!(f.info.as_deref(), Some("HTTP content check did not match"));
        let f = failed(judge(
            " option httpchk\n http-check expect ! string hello",
            OK,
        ));
        assert_eq!(
            f.info.as_deref(),
            Some("HTTP check matched unwanted content")
        );
        assert_eq!(
            judge(" option httpchk\n http-check expect rstring ^hel+o", OK),
            Verdict::Passed
        );
    }

    #[test]
    fn header_matchers() {
        assert_eq!(
            judge(
                " option httpchk\n http-check expect hdr name content-type value -m beg text/",
                OK
            ),
            Verdict::Passed
        );
        let f = failed(judge(
            " option httpchk\n http-check expect hdr name content-type value -m beg foo",
            OK,
        ));
        assert_eq!(
            f.describe(),
            "reason: Layer7 wrong status, code: 200, info: \"OK\", check duration: 0ms"
        );
        assert_eq!(
            judge(
                " option httpchk\n http-check expect hdr name -m sub TYPE",
                OK
            ),
            Verdict::Passed
        );
    }

    #[test]
    fn waits_for_the_body_only_when_a_matcher_needs_it() {
        let partial = b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhe";
        assert_eq!(
            evaluate(&expects(" option httpchk"), partial, false).0,
            Verdict::Passed
        );
        let body = expects(" option httpchk\n http-check expect string hello");
        assert_eq!(evaluate(&body, partial, false).0, Verdict::NeedMore);
        assert_eq!(evaluate(&body, b"HTTP/1.0 200", false).0, Verdict::NeedMore);
    }

    #[test]
    fn garbage_and_empty_replies_are_invalid() {
        for bad in [
            &b"garbage\n"[..],
            b"",
            b"HTTP/1.0 2000 OK\r\n\r\n",
            b"\x00\xff\xfe",
        ] {
            let f = failed(evaluate(&[], bad, true).0);
            assert_eq!(f.status, CheckStatus::L7Response, "{bad:?}");
            assert_eq!(f.info, None);
        }
    }

    #[test]
    fn steps_not_acted_on_are_skipped() {
        let text = " option httpchk GET /\n http-check disable-on-404\n http-check send-state";
        assert_eq!(request(text), "GET / HTTP/1.0\r\n\r\n");
    }

    #[test]
    fn connect_step_from_http_check_connect() {
        let p = plan(
            " option httpchk\n http-check connect port 19001\n http-check send meth GET uri /",
        )
        .expect("compiles");
        assert!(
            matches!(&p.steps[0], Step::Connect(c) if c.port == Some(19001) && c.step == Some(1))
        );
        assert!(plan(" option httpchk\n http-check expect hdr value x").is_err());
    }
}
