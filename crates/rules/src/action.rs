//! Rule actions and their parsers (configuration manual 4.2: `http-request`, `http-response`,
//! `http-after-response`, `redirect`, `tcp-request`). Each rule line becomes an
//! [`HttpRule`]: an action with its arguments compiled (log-format values, regexes, reply
//! bodies) and an optional condition.

use crate::compile::Names;
use crate::cond::Condition;
use crate::error::CompileErrorKind;
use crate::logfmt::LogFormat;
use crate::view::FileSource;

pub(crate) enum RedirectKind {
    Location(LogFormat),
    Prefix(LogFormat),
    Scheme(LogFormat),
}

pub(crate) struct Redirect {
    pub kind: RedirectKind,
    pub code: u16,
    pub drop_query: bool,
    pub append_slash: bool,
    /// `set-cookie NAME[=VALUE]` (false) or `clear-cookie NAME[=]` (true).
    pub cookie: Option<(Box<[u8]>, bool)>,
}

pub(crate) enum ReplyBody {
    None,
    Static(Box<[u8]>),
    Format(LogFormat),
    /// `errorfile F`: the file is the whole response, sent as is.
    Raw(Box<[u8]>),
}

pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<Box<[u8]>>,
    pub body: ReplyBody,
    pub headers: Vec<(Box<[u8]>, LogFormat)>,
}

pub(crate) enum HttpAction {
    Allow,
    Deny {
        status: u16,
    },
    Reject,
    Tarpit {
        status: u16,
    },
    Auth {
        realm: Box<[u8]>,
    },
    Redirect(Redirect),
    Return(Reply),
    AddHeader {
        name: Box<[u8]>,
        value: LogFormat,
    },
    SetHeader {
        name: Box<[u8]>,
        value: LogFormat,
    },
    DelHeader {
        name: Box<[u8]>,
    },
    ReplaceHeader {
        name: Box<[u8]>,
        re: regex::bytes::Regex,
        with: LogFormat,
    },
    ReplaceValue {
        name: Box<[u8]>,
        re: regex::bytes::Regex,
        with: LogFormat,
    },
    SetPath(LogFormat),
    SetPathQ(LogFormat),
    SetQuery(LogFormat),
    SetUri(LogFormat),
    SetMethod(LogFormat),
    ReplacePath {
        re: regex::bytes::Regex,
        with: LogFormat,
    },
    ReplaceUri {
        re: regex::bytes::Regex,
        with: LogFormat,
    },
    SetStatus {
        status: u16,
        reason: Option<Box<[u8]>>,
    },
    SetVar {
        name: Box<str>,
        value: VarValue,
    },
    UnsetVar {
        name: Box<str>,
    },
    /// `use-service prometheus-exporter`: the proxy answers with its metrics page.
    UseService(Service),
}

pub(crate) enum VarValue {
    Expr(crate::expr::SampleExpr),
    Format(LogFormat),
}

/// A service `http-request use-service` hands the request to, answered by the proxy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    PrometheusExporter,
}

pub(crate) struct HttpRule {
    pub action: HttpAction,
    pub cond: Option<Condition>,
}

/// Which rule set a line belongs to; decides the actions allowed and some defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Request,
    Response,
    AfterResponse,
}

/// Actions HAProxy has that halb does not run: accepted with a warning, never executed.
pub(crate) const KNOWN_UNSUPPORTED: &[&str] = &[
    "capture",
    "set-log-level",
    "track-sc0",
    "track-sc1",
    "track-sc2",
    "sc-inc-gpc0",
    "sc-inc-gpc1",
    "sc-set-gpt0",
    "set-src",
    "set-dst",
    "set-src-port",
    "set-dst-port",
    "set-nice",
    "set-tos",
    "set-mark",
    "add-acl",
    "del-acl",
    "set-map",
    "del-map",
    "early-hint",
    "normalize-uri",
    "disable-l7-retry",
    "wait-for-body",
    "wait-for-handshake",
    "set-timeout",
    "do-resolve",
    "set-priority-class",
    "set-priority-offset",
    "strict-mode",
    "send-spoe-group",
    "cache-use",
    "cache-store",
    "silent-drop",
    "set-bandwidth-limit",
    "set-var-fmt",
    "set-map",
    "set-fc-mark",
    "set-fc-tos",
    "sc-add-gpc",
    "set-retries",
];

/// The words of an action, split from the condition.
pub(crate) fn split_condition(args: &[String]) -> (&[String], &[String]) {
    match args.iter().position(|a| a == "if" || a == "unless") {
        Some(p) => (&args[..p], &args[p..]),
        None => (args, &[]),
    }
}

fn lf(s: &str, names: &Names<'_>) -> Result<LogFormat, CompileErrorKind> {
    LogFormat::parse(s, names)
}

fn regex(s: &str) -> Result<regex::bytes::Regex, CompileErrorKind> {
    regex::bytes::RegexBuilder::new(s)
        .unicode(false)
        .build()
        .map_err(|e| {
            CompileErrorKind::BadAction(format!(
                "regex '{s}' is invalid: {}",
                e.to_string().lines().last().unwrap_or("").trim()
            ))
        })
}

fn status(s: &str, what: &str) -> Result<u16, CompileErrorKind> {
    s.parse::<u16>()
        .ok()
        .filter(|n| (100..=599).contains(n))
        .ok_or_else(|| {
            CompileErrorKind::BadAction(format!(
                "{what} expects a status code between 100 and 599, got '{s}'"
            ))
        })
}

fn need<'w>(
    words: &'w [String],
    i: usize,
    action: &str,
    what: &str,
) -> Result<&'w str, CompileErrorKind> {
    words
        .get(i)
        .map(String::as_str)
        .ok_or_else(|| CompileErrorKind::BadAction(format!("'{action}' expects {what}")))
}

fn exact(words: &[String], n: usize, action: &str, what: &str) -> Result<(), CompileErrorKind> {
    if words.len() == n + 1 {
        Ok(())
    } else {
        Err(CompileErrorKind::BadAction(format!(
            "'{action}' expects {what}"
        )))
    }
}

/// Parses the action words (`words[0]` is the action name). `Ok(None)` means a HAProxy action
/// halb does not run (the caller warns).
pub(crate) fn parse_http_action(
    words: &[String],
    phase: Phase,
    proxy_name: &str,
    names: &Names<'_>,
    files: &dyn FileSource,
) -> Result<Option<HttpAction>, CompileErrorKind> {
    let Some(action) = words.first().map(String::as_str) else {
        return Err(CompileErrorKind::BadAction("expects an action".into()));
    };
    let lower_name = |i: usize, what: &str| -> Result<Box<[u8]>, CompileErrorKind> {
        Ok(need(words, i, action, what)?
            .as_bytes()
            .to_vec()
            .into_boxed_slice())
    };
    let expected = match phase {
        Phase::Request => "allow, deny, reject, tarpit, auth, redirect, return, add-header, set-header, del-header, replace-header, replace-value, set-path, set-pathq, set-query, set-uri, set-method, replace-path, replace-uri, set-var, unset-var",
        Phase::Response => "allow, deny, reject, redirect, return, add-header, set-header, del-header, replace-header, replace-value, set-status, set-var, unset-var",
        Phase::AfterResponse => "allow, add-header, set-header, del-header, replace-header, replace-value, set-status, set-var, unset-var",
    };
    let request_only = matches!(
        action,
        "tarpit"
            | "auth"
            | "set-path"
            | "set-pathq"
            | "set-query"
            | "set-uri"
            | "set-method"
            | "replace-path"
            | "replace-uri"
    );
    let response_only = action == "set-status";
    let after_forbidden = matches!(action, "deny" | "reject" | "redirect" | "return");
    if (request_only && phase != Phase::Request)
        || (response_only && phase == Phase::Request)
        || (after_forbidden && phase == Phase::AfterResponse)
    {
        return Err(CompileErrorKind::UnknownAction {
            action: action.to_string(),
            expected,
        });
    }
    let a = match action {
        "allow" => {
            exact(words, 0, action, "no argument")?;
            HttpAction::Allow
        }
        "reject" => HttpAction::Reject,
        "deny" | "tarpit" => {
            let default = if phase == Phase::Request {
                if action == "deny" {
                    403
                } else {
                    500
                }
            } else {
                502
            };
            let reply = parse_reply(&words[1..], default, action, names, files, true)?;
            match reply {
                Reply {
                    status,
                    body: ReplyBody::None,
                    content_type: None,
                    headers,
                } if headers.is_empty() => {
                    if action == "deny" {
                        HttpAction::Deny { status }
                    } else {
                        HttpAction::Tarpit { status }
                    }
                }
                reply => HttpAction::Return(reply),
            }
        }
        "auth" => {
            let realm = match words.get(1).map(String::as_str) {
                Some("realm") => need(words, 2, action, "a realm after 'realm'")?.to_string(),
                Some(other) => {
                    return Err(CompileErrorKind::BadAction(format!(
                        "'auth' expects 'realm' but got '{other}'"
                    )))
                }
                None => proxy_name.to_string(),
            };
            HttpAction::Auth {
                realm: realm.into_bytes().into_boxed_slice(),
            }
        }
        "redirect" => HttpAction::Redirect(parse_redirect(&words[1..], names)?),
        "return" => HttpAction::Return(parse_reply(&words[1..], 200, action, names, files, false)?),
        "add-header" | "set-header" => {
            let name = lower_name(1, "a header name and a value")?;
            let value = lf(need(words, 2, action, "a header name and a value")?, names)?;
            exact(words, 2, action, "a header name and a value")?;
            if action == "add-header" {
                HttpAction::AddHeader { name, value }
            } else {
                HttpAction::SetHeader { name, value }
            }
        }
        "del-header" => {
            let name = lower_name(1, "a header name")?;
            if words.len() > 2 && !(words.len() == 4 && words[2] == "-m" && words[3] == "str") {
                return Err(CompileErrorKind::BadAction(
                    "'del-header' : only '-m str' matching is supported".into(),
                ));
            }
            HttpAction::DelHeader { name }
        }
        "replace-header" | "replace-value" => {
            let what = "a header name, a regex and a replacement";
            exact(words, 3, action, what)?;
            let name = lower_name(1, what)?;
            let re = regex(&words[2])?;
            let with = lf(&words[3], names)?;
            if action == "replace-header" {
                HttpAction::ReplaceHeader { name, re, with }
            } else {
                HttpAction::ReplaceValue { name, re, with }
            }
        }
        "set-path" | "set-pathq" | "set-query" | "set-uri" | "set-method" => {
            exact(words, 1, action, "a log-format value")?;
            let v = lf(&words[1], names)?;
            match action {
                "set-path" => HttpAction::SetPath(v),
                "set-pathq" => HttpAction::SetPathQ(v),
                "set-query" => HttpAction::SetQuery(v),
                "set-uri" => HttpAction::SetUri(v),
                _ => HttpAction::SetMethod(v),
            }
        }
        "replace-path" | "replace-uri" => {
            exact(words, 2, action, "a regex and a replacement")?;
            let re = regex(&words[1])?;
            let with = lf(&words[2], names)?;
            if action == "replace-path" {
                HttpAction::ReplacePath { re, with }
            } else {
                HttpAction::ReplaceUri { re, with }
            }
        }
        "set-status" => {
            let code = status(need(words, 1, action, "a status code")?, "'set-status'")?;
            let reason = match words.get(2).map(String::as_str) {
                Some("reason") => Some(
                    need(words, 3, action, "a reason after 'reason'")?
                        .as_bytes()
                        .to_vec()
                        .into_boxed_slice(),
                ),
                Some(other) => {
                    return Err(CompileErrorKind::BadAction(format!(
                        "'set-status' expects 'reason' but got '{other}'"
                    )))
                }
                None => None,
            };
            HttpAction::SetStatus {
                status: code,
                reason,
            }
        }
        a if a.starts_with("set-var(") || a.starts_with("unset-var(") => {
            let (kw, args) = crate::fetch::split_call(a).map_err(CompileErrorKind::BadAction)?;
            let name = var_name(args.first().copied().unwrap_or(""))?;
            if kw == "unset-var" {
                HttpAction::UnsetVar { name }
            } else {
                exact(words, 1, "set-var", "a sample expression")?;
                HttpAction::SetVar {
                    name,
                    value: VarValue::Expr(crate::expr::parse_expr(&words[1], names)?),
                }
            }
        }
        a if a.starts_with("set-var-fmt(") => {
            let (_, args) = crate::fetch::split_call(a).map_err(CompileErrorKind::BadAction)?;
            let name = var_name(args.first().copied().unwrap_or(""))?;
            exact(words, 1, "set-var-fmt", "a log-format string")?;
            HttpAction::SetVar {
                name,
                value: VarValue::Format(lf(&words[1], names)?),
            }
        }
        "use-service" if phase == Phase::Request => {
            exact(words, 1, action, "a service name (prometheus-exporter)")?;
            match words[1].as_str() {
                "prometheus-exporter" => HttpAction::UseService(Service::PrometheusExporter),
                // Lua services and others: accepted with a warning, never run.
                _ => return Ok(None),
            }
        }
        a if KNOWN_UNSUPPORTED.contains(&a)
            || a.starts_with("track-sc")
            || a.starts_with("sc-")
            || a.starts_with("lua.") =>
        {
            return Ok(None)
        }
        _ => {
            return Err(CompileErrorKind::UnknownAction {
                action: action.to_string(),
                expected,
            })
        }
    };
    Ok(Some(a))
}

/// `txn.name`, `req.name`, `res.name`, `sess.name`, `proc.name`: halb keeps them all per
/// transaction.
pub(crate) fn var_name(s: &str) -> Result<Box<str>, CompileErrorKind> {
    let ok = ["txn.", "req.", "res.", "sess.", "proc."]
        .iter()
        .any(|p| s.starts_with(p) && s.len() > p.len());
    if !ok {
        return Err(CompileErrorKind::BadAction(format!(
            "invalid variable name '{s}' (expected a scope 'txn', 'req', 'res', 'sess' or 'proc' followed by a name)"
        )));
    }
    Ok(s.into())
}

/// `[status N] [content-type T] [string S | lf-string F | file P | lf-file P | errorfile P]
/// [hdr NAME FMT]…` (and `deny_status N` for deny/tarpit).
fn parse_reply(
    words: &[String],
    default_status: u16,
    action: &str,
    names: &Names<'_>,
    files: &dyn FileSource,
    deny: bool,
) -> Result<Reply, CompileErrorKind> {
    let mut r = Reply {
        status: default_status,
        content_type: None,
        body: ReplyBody::None,
        headers: Vec::new(),
    };
    let mut i = 0;
    let read = |path: &str| {
        files
            .read(path)
            .map_err(|reason| CompileErrorKind::PatternFile {
                path: path.to_string(),
                reason,
            })
    };
    while let Some(w) = words.get(i) {
        let arg = need(words, i + 1, action, &format!("an argument after '{w}'"))?;
        match w.as_str() {
            "status" if !deny => r.status = status(arg, "'status'")?,
            "deny_status" if deny => r.status = status(arg, "'deny_status'")?,
            "content-type" => r.content_type = Some(arg.as_bytes().into()),
            "string" => r.body = ReplyBody::Static(arg.as_bytes().into()),
            "lf-string" => r.body = ReplyBody::Format(lf(arg, names)?),
            "file" => r.body = ReplyBody::Static(read(arg)?.into_boxed_slice()),
            "lf-file" => {
                let text = read(arg)?;
                r.body = ReplyBody::Format(lf(&String::from_utf8_lossy(&text), names)?);
            }
            "errorfile" => r.body = ReplyBody::Raw(read(arg)?.into_boxed_slice()),
            "hdr" => {
                let v = need(
                    words,
                    i + 2,
                    action,
                    "a header name and a value after 'hdr'",
                )?;
                r.headers.push((arg.as_bytes().into(), lf(v, names)?));
                i += 1;
            }
            other => {
                return Err(CompileErrorKind::BadAction(format!(
                    "'{action}' : unexpected keyword '{other}'"
                )))
            }
        }
        i += 2;
    }
    if !matches!(r.body, ReplyBody::None | ReplyBody::Raw(_)) && r.content_type.is_none() {
        return Err(CompileErrorKind::BadAction(format!(
            "'{action}' : a body needs a 'content-type'"
        )));
    }
    Ok(r)
}

/// `location|prefix|scheme VALUE [code N] [drop-query] [append-slash] [set-cookie N[=V]]
/// [clear-cookie N[=]]`.
pub(crate) fn parse_redirect(
    words: &[String],
    names: &Names<'_>,
) -> Result<Redirect, CompileErrorKind> {
    let kind_word = need(words, 0, "redirect", "'location', 'prefix' or 'scheme'")?;
    let value = lf(
        need(
            words,
            1,
            "redirect",
            &format!("a value after '{kind_word}'"),
        )?,
        names,
    )?;
    let kind = match kind_word {
        "location" => RedirectKind::Location(value),
        "prefix" => RedirectKind::Prefix(value),
        "scheme" => RedirectKind::Scheme(value),
        other => {
            return Err(CompileErrorKind::BadAction(format!(
                "'redirect' expects 'location', 'prefix' or 'scheme', got '{other}'"
            )))
        }
    };
    let mut r = Redirect {
        kind,
        code: 302,
        drop_query: false,
        append_slash: false,
        cookie: None,
    };
    let mut i = 2;
    while let Some(w) = words.get(i) {
        match w.as_str() {
            "code" => {
                let c = need(words, i + 1, "redirect", "a code after 'code'")?;
                r.code = match c.parse::<u16>() {
                    Ok(c @ (301 | 302 | 303 | 307 | 308)) => c,
                    _ => return Err(CompileErrorKind::BadAction(format!("'redirect' : unsupported HTTP code '{c}' (expected 301, 302, 303, 307 or 308)"))),
                };
                i += 1;
            }
            "drop-query" => r.drop_query = true,
            "append-slash" => r.append_slash = true,
            "set-cookie" | "clear-cookie" => {
                let c = need(words, i + 1, "redirect", "a cookie after 'set-cookie'")?;
                r.cookie = Some((c.as_bytes().into(), w == "clear-cookie"));
                i += 1;
            }
            other => {
                return Err(CompileErrorKind::BadAction(format!(
                    "'redirect' : unexpected keyword '{other}'"
                )))
            }
        }
        i += 1;
    }
    Ok(r)
}
