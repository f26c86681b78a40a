//! Sample expressions: a fetch followed by converters (`req.hdr(host),lower,field(1,:)`), as
//! used by dynamic `use_backend` names, log-format values and ACLs with converters
//! (configuration manual 7.3.1). Converters work in place on a caller's buffer.

use crate::compile::Names;
use crate::error::CompileErrorKind;
use crate::fetch::{parse_fetch, split_call, ParsedFetch};
use crate::sample::{Ctx, Sample};

#[derive(Debug, Clone)]
pub(crate) enum Converter {
    Lower,
    Upper,
    /// `field(N,DELIMS[,COUNT])`: N counts from 1, negative from the end.
    Field {
        index: i32,
        delims: Box<[u8]>,
        count: u32,
    },
    /// `word(N,DELIMS)`: like `field` but empty fields are skipped.
    Word {
        index: i32,
        delims: Box<[u8]>,
    },
    /// `host_only`: a Host value without its `:port` (IPv6 literals keep their brackets).
    HostOnly,
    Length,
}

pub(crate) struct SampleExpr {
    pub fetch: ParsedFetch,
    pub convs: Vec<Converter>,
}

/// Splits on commas outside parentheses.
pub(crate) fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

pub(crate) fn parse_expr(word: &str, names: &Names<'_>) -> Result<SampleExpr, CompileErrorKind> {
    let parts = split_top(word);
    let fetch = parse_fetch(parts[0], names)?;
    let convs = parts[1..]
        .iter()
        .map(|c| parse_converter(c))
        .collect::<Result<_, _>>()?;
    Ok(SampleExpr { fetch, convs })
}

fn parse_converter(word: &str) -> Result<Converter, CompileErrorKind> {
    let (name, args) = split_call(word).map_err(|reason| CompileErrorKind::BadConverterArgs {
        conv: word.to_string(),
        reason,
    })?;
    let bad = |reason: &str| CompileErrorKind::BadConverterArgs {
        conv: name.to_string(),
        reason: reason.to_string(),
    };
    let index = |i: usize| -> Result<i32, CompileErrorKind> {
        args.get(i)
            .and_then(|a| a.trim().parse::<i32>().ok())
            .filter(|n| *n != 0)
            .ok_or_else(|| bad("expects a non-zero field number"))
    };
    let delims = |i: usize| -> Result<Box<[u8]>, CompileErrorKind> {
        match args.get(i) {
            Some(d) if !d.is_empty() => Ok(d.as_bytes().to_vec().into_boxed_slice()),
            // `field(1,,)` cannot be written; a comma delimiter is spelled `field(1,\,)` upstream.
            _ => Err(bad("expects a list of delimiters")),
        }
    };
    Ok(match name {
        "lower" => Converter::Lower,
        "upper" => Converter::Upper,
        "host_only" => Converter::HostOnly,
        "length" => Converter::Length,
        "field" => Converter::Field {
            index: index(0)?,
            delims: delims(1)?,
            count: match args.get(2) {
                Some(c) => c
                    .trim()
                    .parse()
                    .map_err(|_| bad("count must be a number"))?,
                None => 1,
            },
        },
        "word" => Converter::Word {
            index: index(0)?,
            delims: delims(1)?,
        },
        _ => return Err(CompileErrorKind::UnknownConverter(name.to_string())),
    })
}

impl SampleExpr {
    /// Appends the expression's text to `out`; false when the fetch found nothing.
    pub fn append_text(&self, ctx: &Ctx<'_>, tmp: &mut Vec<u8>, out: &mut Vec<u8>) -> bool {
        let Some(s) = self.fetch.fetch.one(ctx, tmp) else {
            return false;
        };
        let start = out.len();
        append_sample(s, out);
        for c in &self.convs {
            c.apply(out, start);
        }
        true
    }

    /// For ACLs: calls `f` with every sample, converted when there are converters.
    pub fn for_each(
        &self,
        ctx: &Ctx<'_>,
        tmp: &mut Vec<u8>,
        conv: &mut Vec<u8>,
        f: &mut dyn FnMut(Sample<'_>) -> bool,
    ) -> bool {
        if self.convs.is_empty() {
            return self.fetch.fetch.for_each(ctx, tmp, f);
        }
        self.fetch.fetch.for_each(ctx, tmp, &mut |s| {
            conv.clear();
            append_sample(s, conv);
            for c in &self.convs {
                c.apply(conv, 0);
            }
            f(Sample::Str(conv))
        })
    }
}

fn append_sample(s: Sample<'_>, out: &mut Vec<u8>) {
    use std::io::Write;
    match s {
        Sample::Str(t) => out.extend_from_slice(t),
        Sample::Bool(b) => out.push(if b { b'1' } else { b'0' }),
        Sample::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Sample::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
        Sample::Groups(_) => {}
    }
}

impl Converter {
    /// Rewrites `buf[start..]` in place.
    fn apply(&self, buf: &mut Vec<u8>, start: usize) {
        match self {
            Converter::Lower => buf[start..].make_ascii_lowercase(),
            Converter::Upper => buf[start..].make_ascii_uppercase(),
            Converter::Length => {
                let n = buf.len() - start;
                buf.truncate(start);
                append_sample(Sample::Int(n as i64), buf);
            }
            Converter::HostOnly => {
                let s = &buf[start..];
                let end = if s.first() == Some(&b'[') {
                    s.iter().position(|&b| b == b']').map_or(s.len(), |p| p + 1)
                } else {
                    s.iter().rposition(|&b| b == b':').unwrap_or(s.len())
                };
                buf.truncate(start + end);
            }
            Converter::Field {
                index,
                delims,
                count,
            } => {
                let (a, b) = field_range(&buf[start..], *index, delims, *count as usize, false);
                keep(buf, start, a, b);
            }
            Converter::Word { index, delims } => {
                let (a, b) = field_range(&buf[start..], *index, delims, 1, true);
                keep(buf, start, a, b);
            }
        }
    }
}

fn keep(buf: &mut Vec<u8>, start: usize, a: usize, b: usize) {
    buf.copy_within(start + a..start + b, start);
    buf.truncate(start + (b - a));
}

/// The byte range of field `index` (1-based, negative from the end) and the `count - 1`
/// fields after it; empty when out of range.
fn field_range(
    s: &[u8],
    index: i32,
    delims: &[u8],
    count: usize,
    skip_empty: bool,
) -> (usize, usize) {
    let fields = || {
        s.split(move |b| delims.contains(b))
            .filter(move |f| !skip_empty || !f.is_empty())
    };
    let offset = |f: &[u8]| f.as_ptr() as usize - s.as_ptr() as usize;
    let n = fields().count() as i64;
    let first = if index > 0 {
        i64::from(index) - 1
    } else {
        n + i64::from(index)
    };
    if first < 0 || first >= n {
        return (0, 0);
    }
    let mut it = fields().skip(first as usize);
    let Some(f) = it.next() else { return (0, 0) };
    let a = offset(f);
    let mut b = a + f.len();
    for f in it.take(count.max(1) - 1) {
        b = offset(f) + f.len();
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(input: &str, word: &str) -> String {
        let c = parse_converter(word).expect("converter parses");
        let mut buf = b"keep|".to_vec();
        buf.extend_from_slice(input.as_bytes());
        c.apply(&mut buf, 5);
        assert!(
            buf.starts_with(b"keep|"),
            "bytes before the start are left alone"
        );
        String::from_utf8(buf[5..].to_vec()).expect("utf8")
    }

    #[test]
    fn converters() {
        assert_eq!(conv("WwW.Ex", "lower"), "www.ex");
        assert_eq!(conv("WwW.Ex", "upper"), "WWW.EX");
        assert_eq!(conv("abcd", "length"), "4");
        assert_eq!(conv("a.example:8080", "host_only"), "a.example");
        assert_eq!(conv("a.example", "host_only"), "a.example");
        assert_eq!(conv("[::1]:8080", "host_only"), "[::1]");
        assert_eq!(conv("a:b:c", "field(1,:)"), "a");
        assert_eq!(conv("a:b:c", "field(2,:)"), "b");
        assert_eq!(conv("a:b:c", "field(-1,:)"), "c");
        assert_eq!(conv("a:b:c", "field(2,:,2)"), "b:c");
        assert_eq!(conv("a:b:c", "field(4,:)"), "");
        assert_eq!(conv("a/b.c", "field(2,/.)"), "b");
        assert_eq!(conv("/a//b", "field(3,/)"), "");
        assert_eq!(conv("/a//b", "word(2,/)"), "b");
        assert_eq!(conv("/a//b", "word(-2,/)"), "a");
    }

    #[test]
    fn bad_converters_are_refused() {
        for w in [
            "field(0,:)",
            "field(x,:)",
            "field(1)",
            "word(1)",
            "nope",
            "field(1,:",
            "field(1,:,x)",
        ] {
            assert!(parse_converter(w).is_err(), "{w}");
        }
    }

    #[test]
    fn split_top_respects_parentheses() {
        assert_eq!(
            split_top("req.hdr(a,1),field(1,:),lower"),
            vec!["req.hdr(a,1)", "field(1,:)", "lower"]
        );
        assert_eq!(split_top("path"), vec!["path"]);
    }
}
