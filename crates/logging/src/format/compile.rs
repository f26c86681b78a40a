//! `log-format` string → nodes. Errors name the bad piece and its column (1-based, in
//! characters) so the config layer can print `file:line: column N: ...`.

use super::vars::{Sample, SampleError, Var};
use super::{Flags, Node};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogFormatError {
    #[error("column {column}: no such log-format variable '%{name}'")]
    UnknownVariable { name: String, column: usize },
    #[error("column {column}: '%' must be followed by a variable name, '{{flags}}', '[sample]' or '%' (write '%%' for a literal '%')")]
    MissingVariable { column: usize },
    #[error(
        "column {column}: unknown flag '{flag}' in '%{{...}}' (expected +Q, -Q, +X, -X, +E or -E)"
    )]
    UnknownFlag { flag: String, column: usize },
    #[error("column {column}: unterminated '{opening}' (missing '{closing}')")]
    Unterminated {
        opening: char,
        closing: char,
        column: usize,
    },
    #[error("column {column}: sample expression '%[{expr}]' is not supported by halb (supported: capture.req.hdr(N), capture.res.hdr(N), capture.req.method, capture.req.uri, capture.req.ver, src, src_port, dst, dst_port, fe_name, be_name, srv_name, status, unique-id; ssl_* and fc_err render '-'; no converters)")]
    UnsupportedSample { expr: String, column: usize },
    #[error("column {column}: format variable '%{name}' is reserved for HTTP mode")]
    HttpOnlyVariable { name: String, column: usize },
    #[error("column {column}: bad argument in sample expression '%[{expr}]'")]
    BadSampleArgument { expr: String, column: usize },
}

pub(crate) fn compile(format: &str) -> Result<Vec<Node>, LogFormatError> {
    compile_for(format, true)
}

/// Compiles for a proxy of the given mode: in TCP mode the HTTP-only variables are refused.
pub(crate) fn compile_for(format: &str, http: bool) -> Result<Vec<Node>, LogFormatError> {
    let bytes = format.as_bytes();
    let column = |i: usize| format[..i].chars().count() + 1;
    let mut nodes = Vec::new();
    let mut text: Vec<u8> = Vec::new();
    let mut defaults = Flags::default();
    let mut i = 0;
    let flush = |text: &mut Vec<u8>, nodes: &mut Vec<Node>| {
        if !text.is_empty() {
            nodes.push(Node::Text(std::mem::take(text).into_boxed_slice()));
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b' ' => {
                flush(&mut text, &mut nodes);
                while i < bytes.len() && bytes[i] == b' ' {
                    i += 1;
                }
                nodes.push(Node::Separator);
            }
            b'%' if bytes.get(i + 1) == Some(&b'%') => {
                text.push(b'%');
                i += 2;
            }
            b'%' => {
                let start = i;
                i += 1;
                let mut flags = defaults;
                if bytes.get(i) == Some(&b'{') {
                    let close = find(bytes, i, b'}').ok_or(LogFormatError::Unterminated {
                        opening: '{',
                        closing: '}',
                        column: column(i),
                    })?;
                    apply_flags(&format[i + 1..close], &mut flags, column(i + 1))?;
                    i = close + 1;
                }
                if bytes.get(i) == Some(&b'[') {
                    let close = find(bytes, i, b']').ok_or(LogFormatError::Unterminated {
                        opening: '[',
                        closing: ']',
                        column: column(i),
                    })?;
                    let expr = &format[i + 1..close];
                    let sample = Sample::parse(expr).map_err(|e| match e {
                        SampleError::Unsupported => LogFormatError::UnsupportedSample {
                            expr: expr.to_string(),
                            column: column(start),
                        },
                        SampleError::BadArgument => LogFormatError::BadSampleArgument {
                            expr: expr.to_string(),
                            column: column(start),
                        },
                    })?;
                    flush(&mut text, &mut nodes);
                    nodes.push(Node::Sample(sample, flags));
                    i = close + 1;
                    continue;
                }
                let name_start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let name = &format[name_start..i];
                if name.is_empty() {
                    return Err(LogFormatError::MissingVariable {
                        column: column(start),
                    });
                }
                if name == "o" {
                    defaults = flags;
                    continue;
                }
                let var = Var::by_name(name).ok_or_else(|| LogFormatError::UnknownVariable {
                    name: name.to_string(),
                    column: column(start),
                })?;
                if !http && var.http_only() {
                    return Err(LogFormatError::HttpOnlyVariable {
                        name: name.to_string(),
                        column: column(start),
                    });
                }
                flush(&mut text, &mut nodes);
                nodes.push(Node::Var(var, flags));
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    flush(&mut text, &mut nodes);
    Ok(nodes)
}

fn find(bytes: &[u8], from: usize, what: u8) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == what)
        .map(|p| from + p)
}

fn apply_flags(list: &str, flags: &mut Flags, column: usize) -> Result<(), LogFormatError> {
    for flag in list.split(',') {
        let bad = || LogFormatError::UnknownFlag {
            flag: flag.to_string(),
            column,
        };
        let mut chars = flag.chars();
        let on = match chars.next() {
            Some('+') => true,
            Some('-') => false,
            _ => return Err(bad()),
        };
        match chars.as_str() {
            "Q" => flags.quote = on,
            "X" => flags.hex = on,
            "E" => flags.escape = on,
            _ => return Err(bad()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_merge_and_percent_escapes() {
        let n = compile("a  %% %ci").unwrap();
        assert_eq!(
            n,
            vec![
                Node::Text(Box::from(&b"a"[..])),
                Node::Separator,
                Node::Text(Box::from(&b"%"[..])),
                Node::Separator,
                Node::Var(Var::ClientIp, Flags::default()),
            ]
        );
    }

    #[test]
    fn o_sets_defaults_for_what_follows_only() {
        let n = compile("%b %{+Q}o %b %{-Q}b").unwrap();
        let q = Flags {
            quote: true,
            ..Flags::default()
        };
        assert_eq!(n[0], Node::Var(Var::Backend, Flags::default()));
        assert_eq!(n[3], Node::Var(Var::Backend, q));
        assert_eq!(n[5], Node::Var(Var::Backend, Flags::default()));
    }

    #[test]
    fn errors_name_the_variable_and_column() {
        assert_eq!(
            compile("%ci:%cp %nope").unwrap_err(),
            LogFormatError::UnknownVariable {
                name: "nope".into(),
                column: 9
            }
        );
        assert_eq!(
            compile("x %").unwrap_err(),
            LogFormatError::MissingVariable { column: 3 }
        );
        assert!(matches!(
            compile("%{+Z}ci").unwrap_err(),
            LogFormatError::UnknownFlag { column: 3, .. }
        ));
        assert!(matches!(
            compile("%{+Q").unwrap_err(),
            LogFormatError::Unterminated { opening: '{', .. }
        ));
        assert!(matches!(
            compile("%[src").unwrap_err(),
            LogFormatError::Unterminated { opening: '[', .. }
        ));
        let e = compile("é %[req.hdr(host),lower]").unwrap_err();
        assert_eq!(
            e,
            LogFormatError::UnsupportedSample {
                expr: "req.hdr(host),lower".into(),
                column: 3
            }
        );
        assert!(e.to_string().contains("req.hdr(host),lower"));
        assert!(matches!(
            compile("%[capture.req.hdr(x)]").unwrap_err(),
            LogFormatError::BadSampleArgument { .. }
        ));
    }

    #[test]
    fn samples_compile() {
        let n = compile("%[capture.req.hdr(1)] %{+Q}[src] %[ssl_fc_err,hex]").unwrap();
        assert_eq!(
            n[0],
            Node::Sample(Sample::CaptureReqHdr(1), Flags::default())
        );
        assert!(matches!(
            n[2],
            Node::Sample(Sample::Src, Flags { quote: true, .. })
        ));
        assert_eq!(n[4], Node::Sample(Sample::Unavailable, Flags::default()));
    }
}
