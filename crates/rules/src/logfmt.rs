//! Log-format strings in rule arguments (`set-header X %[src]`, `redirect location
//! https://%[hdr(host)]%[path]`, dynamic `use_backend %[req.hdr(host),lower]`): literal text
//! and sample expressions, parsed once (configuration manual 8.2.4), rendered per request
//! into a reused buffer.

use crate::compile::Names;
use crate::error::CompileErrorKind;
use crate::expr::{parse_expr, SampleExpr};
use crate::sample::Ctx;

enum Part {
    Text(Box<[u8]>),
    Expr(SampleExpr),
    ClientIp,
    ClientPort,
    FrontendIp,
    FrontendPort,
}

/// A compiled log-format string.
pub(crate) struct LogFormat {
    parts: Vec<Part>,
}

impl LogFormat {
    pub fn parse(s: &str, names: &Names<'_>) -> Result<LogFormat, CompileErrorKind> {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'%' {
                text.push(b[i]);
                i += 1;
                continue;
            }
            i += 1;
            // `%{+Q}` style options change quoting and escaping in logs; rule values ignore them.
            if b.get(i) == Some(&b'{') {
                let close = s[i..]
                    .find('}')
                    .ok_or_else(|| CompileErrorKind::LogFormat(format!("missing '}}' in '{s}'")))?;
                i += close + 1;
            }
            let flush = |text: &mut Vec<u8>, parts: &mut Vec<Part>| {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(text).into_boxed_slice()));
                }
            };
            match b.get(i) {
                Some(b'%') => {
                    text.push(b'%');
                    i += 1;
                }
                Some(b'[') => {
                    let close = find_close(&s[i..]).ok_or_else(|| {
                        CompileErrorKind::LogFormat(format!("missing ']' in '{s}'"))
                    })?;
                    let expr = parse_expr(&s[i + 1..i + close], names)?;
                    flush(&mut text, &mut parts);
                    parts.push(Part::Expr(expr));
                    i += close + 1;
                }
                _ => {
                    let var: String = s[i..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    let part = match var.as_str() {
                        "ci" => Part::ClientIp,
                        "cp" => Part::ClientPort,
                        "fi" => Part::FrontendIp,
                        "fp" => Part::FrontendPort,
                        "" => return Err(CompileErrorKind::LogFormat(format!("'%' at the end of '{s}' (write '%%' for a percent sign)"))),
                        other => return Err(CompileErrorKind::LogFormat(format!("variable '%{other}' is not supported in rule arguments; use '%[…]' with a sample fetch"))),
                    };
                    flush(&mut text, &mut parts);
                    parts.push(part);
                    i += var.len();
                }
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text.into_boxed_slice()));
        }
        Ok(LogFormat { parts })
    }

    /// Appends the rendered string to `out`. A fetch that finds nothing renders as nothing.
    pub fn render(&self, ctx: &Ctx<'_>, tmp: &mut Vec<u8>, out: &mut Vec<u8>) {
        use std::io::Write;
        for p in &self.parts {
            match p {
                Part::Text(t) => out.extend_from_slice(t),
                Part::Expr(e) => {
                    e.append_text(ctx, tmp, out);
                }
                Part::ClientIp => {
                    if let Some(a) = ctx.conn.src {
                        let _ = write!(out, "{}", a.ip());
                    }
                }
                Part::ClientPort => {
                    if let Some(a) = ctx.conn.src {
                        let _ = write!(out, "{}", a.port());
                    }
                }
                Part::FrontendIp => {
                    if let Some(a) = ctx.conn.dst {
                        let _ = write!(out, "{}", a.ip());
                    }
                }
                Part::FrontendPort => {
                    if let Some(a) = ctx.conn.dst {
                        let _ = write!(out, "{}", a.port());
                    }
                }
            }
        }
    }

    /// The text when the string has no variable part.
    pub fn as_literal(&self) -> Option<&[u8]> {
        match self.parts.as_slice() {
            [] => Some(b""),
            [Part::Text(t)] => Some(t),
            _ => None,
        }
    }
}

/// The index of the `]` closing the `[` at 0, allowing brackets inside (regexes).
fn find_close(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}
