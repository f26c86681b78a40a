//! `option tcp-check` with `tcp-check connect|send|send-binary|expect` lines (configuration
//! manual 4.2, `tcp-check *`): a scripted conversation, one step per line.
//!
//! Steps are numbered from 1 over the configured rules (comments excluded), as HAProxy numbers
//! them in its messages; a connection is opened implicitly when the first rule is not a
//! `connect`, and that implicit connect has no number.

use haproxy_cfg::model::{CheckConfig, RuleLine};
use regex::bytes::Regex;

use crate::outcome::{CheckOutcome, CheckStatus};
use crate::plan::{CheckPlan, CompileError, ConnectSpec, PlanKind, Step};

/// What a `tcp-check expect` looks for.
#[derive(Debug, Clone)]
pub enum Pattern {
    String(Vec<u8>),
    Binary(Vec<u8>),
    Regex(Regex),
    BinaryRegex(Regex),
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub pattern: Pattern,
    /// `!`: the step fails when the pattern is found.
    pub negate: bool,
    pub step: usize,
}

/// Where one `expect` stands with the bytes read so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    NeedMore,
    Passed,
    Failed(CheckOutcome),
}

impl Expect {
    fn found(&self, buf: &[u8]) -> bool {
        match &self.pattern {
            Pattern::String(p) | Pattern::Binary(p) => contains(buf, p),
            Pattern::Regex(re) | Pattern::BinaryRegex(re) => re.is_match(buf),
        }
    }

    /// `'PONG'`, `(binary)`, `(regex)`: how HAProxy names the pattern in a mismatch.
    fn what(&self) -> String {
        match &self.pattern {
            Pattern::String(p) => format!(" '{}'", String::from_utf8_lossy(p)),
            Pattern::Binary(_) => " (binary)".into(),
            Pattern::Regex(_) => " (regex)".into(),
            Pattern::BinaryRegex(_) => " (binary regex)".into(),
        }
    }

    /// Judges the bytes received so far; `done` means no more will come (the server closed,
    /// or the buffer is full).
    pub fn evaluate(&self, buf: &[u8], done: bool) -> Verdict {
        if buf.is_empty() && done {
            return Verdict::Failed(
                CheckOutcome::new(CheckStatus::L7Response).with_info(format!(
                    "TCPCHK got an empty response at step {}",
                    self.step
                )),
            );
        }
        let found = self.found(buf);
        match (found, self.negate) {
            (true, false) => Verdict::Passed,
            (true, true) => Verdict::Failed(CheckOutcome::new(CheckStatus::L7Response).with_info(
                format!(
                    "TCPCHK matched unwanted content{} at step {}",
                    self.what(),
                    self.step
                ),
            )),
            (false, _) if !done => Verdict::NeedMore,
            (false, true) => Verdict::Passed,
            (false, false) => Verdict::Failed(
                CheckOutcome::new(CheckStatus::L7Response).with_info(format!(
                    "TCPCHK did not match content{} at step {}",
                    self.what(),
                    self.step
                )),
            ),
        }
    }

    /// What a check waiting on this step reports when `timeout check` (or `inter`) expires.
    pub fn timeout_outcome(&self) -> CheckOutcome {
        let what = match &self.pattern {
            Pattern::String(p) => format!("expect string '{}'", String::from_utf8_lossy(p)),
            Pattern::Binary(p) => format!("expect binary '{}'", hex(p)),
            Pattern::Regex(_) => "expect regex".into(),
            Pattern::BinaryRegex(_) => "expect binary regex".into(),
        };
        CheckOutcome::new(CheckStatus::L7Timeout)
            .with_info(format!(" at step {} of tcp-check ({what})", self.step))
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("'{s}' is not an even number of hexadecimal digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("'{s}' is not a hexadecimal string"))
        })
        .collect()
}

/// Options every rule may carry that change nothing in how halb runs it.
const IGNORED_WITH_VALUE: &[&str] = &["comment", "min-recv", "linger"];

/// Parses `connect` arguments (shared with `http-check connect`).
pub fn parse_connect(args: &[String], step: usize) -> Result<ConnectSpec, String> {
    let mut spec = ConnectSpec {
        step: Some(step),
        ..ConnectSpec::default()
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = args.get(i + 1);
        match a {
            "default" | "linger" => i += 1,
            "send-proxy" => {
                spec.send_proxy = true;
                i += 1;
            }
            "port" => {
                let v = value.ok_or("'port' expects a port number")?;
                spec.port = Some(
                    v.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| format!("invalid port '{v}'"))?,
                );
                i += 2;
            }
            "addr" => {
                let v = value.ok_or("'addr' expects an address")?;
                spec.addr = Some(v.parse().map_err(|_| format!("invalid address '{v}'"))?);
                i += 2;
            }
            "comment" => i += 2,
            other => {
                return Err(format!(
                    "'{other}' is not supported (expects 'port', 'addr', 'send-proxy', 'default', 'linger' or 'comment')"
                ))
            }
        }
    }
    Ok(spec)
}

/// Parses `expect [options] [!] <match> <pattern>`.
fn parse_expect(args: &[String], step: usize) -> Result<Expect, String> {
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
        .ok_or("expects [!] string|rstring|binary|rbinary <pattern>")?;
    let pat = args
        .get(i + 1)
        .ok_or_else(|| format!("'{kind}' expects a pattern"))?;
    let regex = |p: &str| Regex::new(p).map_err(|e| format!("invalid regex '{p}': {e}"));
    let pattern = match kind.as_str() {
        "string" => Pattern::String(pat.as_bytes().to_vec()),
        "binary" => Pattern::Binary(unhex(pat)?),
        "rstring" => Pattern::Regex(regex(pat)?),
        "rbinary" => Pattern::BinaryRegex(regex(pat)?),
        other => {
            return Err(format!(
                "'{other}' is not supported (expects [!] string|rstring|binary|rbinary <pattern>)"
            ))
        }
    };
    if let Some(extra) = args.get(i + 2) {
        if !IGNORED_WITH_VALUE.contains(&extra.as_str()) {
            return Err(format!("unexpected '{extra}' after the pattern"));
        }
    }
    Ok(Expect {
        pattern,
        negate,
        step,
    })
}

fn compile_line(line: &RuleLine, step: usize) -> Result<Option<Step>, String> {
    let action = line
        .keyword
        .strip_prefix("tcp-check ")
        .unwrap_or(&line.keyword);
    let a = &line.args;
    Ok(Some(match action {
        "comment" => return Ok(None),
        "connect" => Step::Connect(parse_connect(a, step)?),
        "send" => {
            let data = a.first().ok_or("'send' expects a string")?;
            Step::Send(data.as_bytes().to_vec())
        }
        "send-binary" => {
            let data = a
                .first()
                .ok_or("'send-binary' expects a hexadecimal string")?;
            Step::Send(unhex(data)?)
        }
        "expect" => Step::Expect(parse_expect(a, step)?),
        other => return Err(format!("'{other}' is not supported yet")),
    }))
}

pub fn compile(cfg: &CheckConfig) -> Result<CheckPlan, CompileError> {
    let mut steps = Vec::new();
    let mut number = 0;
    for line in cfg
        .steps
        .iter()
        .filter(|l| l.keyword.starts_with("tcp-check "))
    {
        let step = compile_line(line, number + 1).map_err(|message| CompileError {
            location: line.location.clone(),
            keyword: line.keyword.clone(),
            message,
        })?;
        if let Some(step) = step {
            number += 1;
            steps.push(step);
        }
    }
    if !matches!(steps.first(), Some(Step::Connect(_))) {
        steps.insert(0, Step::Connect(ConnectSpec::default()));
    }
    Ok(CheckPlan {
        kind: PlanKind::TcpCheck,
        steps,
    })
}

/// What a tcp-check that went through all its steps reports.
pub fn passed() -> CheckOutcome {
    CheckOutcome::new(CheckStatus::L7Ok).with_info("(tcp-check)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn expect(s: &str, step: usize) -> Expect {
        parse_expect(&words(s), step).expect("valid expect")
    }

    #[test]
    fn string_match_waits_for_more_then_passes() {
        let e = expect("string +PONG", 2);
        assert_eq!(e.evaluate(b"+PO", false), Verdict::NeedMore);
        assert_eq!(e.evaluate(b"+PONG\r\n", false), Verdict::Passed);
    }

    #[test]
    fn mismatch_reads_like_haproxy() {
        let e = expect("string PONG", 2);
        let Verdict::Failed(o) = e.evaluate(b"garbage\n", true) else {
            panic!("should fail")
        };
        assert_eq!(o.status, CheckStatus::L7Response);
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK did not match content 'PONG' at step 2")
        );
        let Verdict::Failed(o) = expect("binary 0102", 2).evaluate(b"x", true) else {
            panic!("should fail")
        };
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK did not match content (binary) at step 2")
        );
        let Verdict::Failed(o) =
            expect("rstring HTTP/1\\..\\s5", 3).evaluate(b"HTTP/1.0 200", true)
        else {
            panic!("should fail")
        };
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK did not match content (regex) at step 3")
        );
    }

    #[test]
    fn empty_response_and_unwanted_content() {
        let Verdict::Failed(o) = expect("string PONG", 1).evaluate(b"", true) else {
            panic!("should fail")
        };
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK got an empty response at step 1")
        );
        let Verdict::Failed(o) = expect("! string PONG", 1).evaluate(b"+PONG", false) else {
            panic!("should fail")
        };
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK matched unwanted content 'PONG' at step 1")
        );
        assert_eq!(
            expect("! string PONG", 1).evaluate(b"+OK", true),
            Verdict::Passed
        );
    }

    #[test]
    fn timeout_names_the_step() {
        let o = expect("string +PONG", 1).timeout_outcome();
        assert_eq!(o.status, CheckStatus::L7Timeout);
        assert_eq!(
            o.info.as_deref(),
            Some(" at step 1 of tcp-check (expect string '+PONG')")
        );
    }

    #[test]
    fn binary_and_regex() {
        assert_eq!(
            expect("binary 2b504f4e47", 1).evaluate(b"+PONG", false),
            Verdict::Passed
        );
        assert_eq!(
            expect("rbinary ^\\+P", 1).evaluate(b"+PONG", false),
            Verdict::Passed
        );
        assert!(parse_expect(&words("binary 2b5"), 1).is_err());
        assert!(parse_expect(&words("binary zz"), 1).is_err());
        assert!(parse_expect(&words("rstring ("), 1).is_err());
        assert!(parse_expect(&words("string"), 1).is_err());
        assert!(parse_expect(&words("sometimes x"), 1).is_err());
        assert_eq!(unhex("50494e470d0a").expect("hex"), b"PING\r\n");
    }

    #[test]
    fn connect_options() {
        let c = parse_connect(&words("port 6379 send-proxy"), 1).expect("valid");
        assert_eq!(c.port, Some(6379));
        assert!(c.send_proxy);
        assert!(parse_connect(&words("port 0"), 1).is_err());
        assert!(parse_connect(&words("port"), 1).is_err());
        assert!(parse_connect(&words("ssl"), 1).is_err());
    }

    fn compile_text(text: &str) -> Result<CheckPlan, CompileError> {
        let cfg = format!("backend b\n option tcp-check\n{text}\n server s 127.0.0.1:80 check\n");
        let loaded = haproxy_cfg::parse_str("t.cfg", &cfg).expect("config parses");
        compile(&loaded.config.proxies[0].checks)
    }

    #[test]
    fn implicit_connect_is_unnumbered() {
        let plan = compile_text(" tcp-check send PING\\r\\n\n tcp-check expect string +PONG")
            .expect("compiles");
        assert!(matches!(&plan.steps[0], Step::Connect(c) if c.step.is_none()));
        assert!(matches!(&plan.steps[1], Step::Send(d) if d == b"PING\r\n"));
        assert!(matches!(&plan.steps[2], Step::Expect(e) if e.step == 2));
    }

    #[test]
    fn explicit_connect_counts_as_step_one() {
        let plan = compile_text(
            " tcp-check comment hello\n tcp-check connect port 19001\n tcp-check send x\n tcp-check expect string y",
        )
        .expect("compiles");
        assert_eq!(plan.steps.len(), 3);
        assert!(
            matches!(&plan.steps[0], Step::Connect(c) if c.step == Some(1) && c.port == Some(19001))
        );
        assert!(matches!(&plan.steps[2], Step::Expect(e) if e.step == 3));
    }

    #[test]
    fn unsupported_actions_are_refused_with_their_line() {
        let e = compile_text(" tcp-check send-lf %[src]").expect_err("refused");
        assert_eq!(e.location.line, 3);
        assert_eq!(e.keyword, "tcp-check send-lf");
    }
}
