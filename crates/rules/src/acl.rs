//! ACLs (configuration manual 7.1): `acl NAME CRITERION [flags] [operator] [value]…`. Several
//! lines with one name OR together. Each line becomes an [`AclExpr`] — a sample expression and
//! a compiled matcher — evaluated per request by [`AclExpr::matches`].

use crate::compile::Names;
use crate::error::CompileErrorKind;
use crate::expr::{parse_expr, SampleExpr};
use crate::pattern::{self, MatchKind, Matcher};
use crate::sample::{Ctx, SampleType};
use crate::view::FileSource;

pub(crate) struct AclExpr {
    pub expr: SampleExpr,
    pub matcher: Matcher,
}

/// A named (or anonymous, or predefined) ACL: true when any of its lines matches.
pub(crate) struct Acl {
    pub name: String,
    pub exprs: Vec<AclExpr>,
}

/// Scratch buffers an evaluation needs; owned by the caller's `Scratch`.
#[derive(Default, Debug)]
pub(crate) struct MatchBufs {
    pub tmp: Vec<u8>,
    pub conv: Vec<u8>,
    pub text: Vec<u8>,
}

impl AclExpr {
    pub fn matches(&self, ctx: &Ctx<'_>, bufs: &mut MatchBufs) -> bool {
        let MatchBufs { tmp, conv, text } = bufs;
        let matcher = &self.matcher;
        self.expr
            .for_each(ctx, tmp, conv, &mut |s| matcher.matches(s, text))
    }
}

impl Acl {
    pub fn matches(&self, ctx: &Ctx<'_>, bufs: &mut MatchBufs) -> bool {
        self.exprs.iter().any(|e| e.matches(ctx, bufs))
    }
}

/// Compiles `CRITERION [flags] [operator] [value]…` (the words after the ACL name, or inside
/// `{ }`).
pub(crate) fn compile_expr(
    words: &[String],
    names: &Names<'_>,
    files: &dyn FileSource,
) -> Result<AclExpr, CompileErrorKind> {
    let (criterion, rest) = words
        .split_first()
        .ok_or_else(|| CompileErrorKind::BadCondition("missing ACL criterion".into()))?;
    let expr = parse_expr(criterion, names)?;
    let mut icase = expr.fetch.force_icase;
    let mut method: Option<MatchKind> = None;
    let mut patterns: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        if !w.starts_with('-') || w.len() < 2 {
            break;
        }
        let arg = |i: usize| -> Result<&String, CompileErrorKind> {
            rest.get(i + 1)
                .ok_or_else(|| CompileErrorKind::MissingFlagArgument { flag: w.clone() })
        };
        match w.as_str() {
            "--" => {
                i += 1;
                break;
            }
            "-i" => icase = true,
            "-n" => {}
            "-m" => {
                let m = arg(i)?;
                method = Some(MatchKind::from_name(m).ok_or_else(|| CompileErrorKind::UnknownMatch(m.clone()))?);
                i += 1;
            }
            "-f" => {
                let path = arg(i)?;
                let content = files.read(path).map_err(|reason| CompileErrorKind::PatternFile {
                    path: path.clone(),
                    reason,
                })?;
                let text = String::from_utf8_lossy(&content);
                for line in text.lines() {
                    let line = line.trim();
                    if !line.is_empty() && !line.starts_with('#') {
                        patterns.push(line.to_string());
                    }
                }
                i += 1;
            }
            "-u" | "-M" => i += usize::from(w == "-u"),
            // A negative number is a value, not a flag (`hdr_val(x) lt -1` never gets here, but
            // `-1` alone as the first pattern does).
            _ if w[1..].bytes().all(|b| b.is_ascii_digit()) => break,
            _ => {
                return Err(CompileErrorKind::BadPattern(format!(
                    "'{w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
                )))
            }
        }
        i += 1;
    }
    patterns.extend(rest[i.min(rest.len())..].iter().cloned());
    let kind = match method {
        Some(m) => {
            if expr.fetch.ty == SampleType::Groups {
                return Err(CompileErrorKind::IncompatibleMatch {
                    method: format!("{m:?}").to_lowercase(),
                    fetch: criterion.clone(),
                });
            }
            m
        }
        // A converter makes the result a string, whatever the fetch's own default.
        None if !expr.convs.is_empty() => MatchKind::Str,
        None => expr.fetch.default_match,
    };
    let groups = |g: &str| match expr.fetch.fetch {
        crate::fetch::Fetch::HttpAuthGroup { userlist } => names.group(userlist, g),
        _ => None,
    };
    let matcher =
        pattern::compile(kind, icase, &patterns, &groups).map_err(CompileErrorKind::BadPattern)?;
    Ok(AclExpr { expr, matcher })
}

/// The predefined ACLs of manual 7.4, with the expression each stands for.
pub(crate) const PREDEFINED: &[(&str, &str)] = &[
    ("FALSE", "always_false"),
    ("TRUE", "always_true"),
    ("HTTP", "req.proto_http"),
    ("HTTP_1.0", "req.ver 1.0"),
    ("HTTP_1.1", "req.ver 1.1"),
    ("HTTP_CONTENT", "req.hdr_val(content-length) gt 0"),
    ("HTTP_URL_ABS", "url_reg ^[^/:]*://"),
    ("HTTP_URL_SLASH", "url_beg /"),
    ("HTTP_URL_STAR", "url *"),
    ("LOCALHOST", "src 127.0.0.1/8 ::1"),
    ("METH_CONNECT", "method CONNECT"),
    ("METH_DELETE", "method DELETE"),
    ("METH_GET", "method GET HEAD"),
    ("METH_HEAD", "method HEAD"),
    ("METH_OPTIONS", "method OPTIONS"),
    ("METH_POST", "method POST"),
    ("METH_PUT", "method PUT"),
    ("METH_TRACE", "method TRACE"),
];

/// The words of predefined ACL `name`, if it is one.
pub(crate) fn predefined(name: &str) -> Option<Vec<String>> {
    PREDEFINED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, def)| def.split(' ').map(str::to_string).collect())
}
