//! Non-printable characters and quoting (configuration manual 8.6): bytes outside 32..=126,
//! `#` and `"` become `#XX`; in captured headers `{`, `|` and `}` too. The `E` flag
//! backslash-escapes `"`, `\` and `]` for RFC 5424 structured data.

use super::Flags;

/// Which bytes are `#XX`-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Names from the configuration: copied as they are.
    None,
    /// The request line and its parts: `"`, `#` and non-printables.
    Url,
    /// Captured headers: also `{`, `|`, `}`.
    Header,
}

impl Encoding {
    fn must_encode(self, b: u8) -> bool {
        match self {
            Encoding::None => false,
            Encoding::Url => !(32..=126).contains(&b) || b == b'"' || b == b'#',
            Encoding::Header => {
                !(32..=126).contains(&b) || matches!(b, b'"' | b'#' | b'{' | b'|' | b'}')
            }
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes `s` with the encoding and the `E` flag applied, no quotes.
pub(crate) fn push_encoded(out: &mut Vec<u8>, s: &[u8], enc: Encoding, flags: Flags) {
    for &b in s {
        if enc.must_encode(b) {
            out.extend_from_slice(&[b'#', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else if flags.escape && matches!(b, b'"' | b'\\' | b']') {
            out.extend_from_slice(&[b'\\', b]);
        } else {
            out.push(b);
        }
    }
}

/// HAProxy's `lf_text`: a string, quoted with `Q`; an empty or absent one is `-` unquoted,
/// `""` quoted.
pub(crate) fn push_text(out: &mut Vec<u8>, s: Option<&[u8]>, enc: Encoding, flags: Flags) {
    if flags.quote {
        out.push(b'"');
    }
    match s {
        Some(s) if !s.is_empty() => push_encoded(out, s, enc, flags),
        _ => {
            if !flags.quote {
                out.push(b'-');
            }
        }
    }
    if flags.quote {
        out.push(b'"');
    }
}

/// A string that may be empty without a dash (`%HQ`, `%HV`…): quotes with `Q`, nothing else.
pub(crate) fn push_chunk(out: &mut Vec<u8>, s: &[u8], enc: Encoding, flags: Flags) {
    if flags.quote {
        out.push(b'"');
    }
    push_encoded(out, s, enc, flags);
    if flags.quote {
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_printables_and_specials_are_hash_encoded() {
        let mut out = Vec::new();
        push_encoded(
            &mut out,
            b"a\x01\"#{|}\x7f\xff b",
            Encoding::Header,
            Flags::default(),
        );
        assert_eq!(out, b"a#01#22#23#7B#7C#7D#7F#FF b");
        out.clear();
        push_encoded(&mut out, b"{|}\"\t", Encoding::Url, Flags::default());
        assert_eq!(out, b"{|}#22#09");
    }

    #[test]
    fn e_flag_backslash_escapes_after_encoding() {
        let flags = Flags {
            escape: true,
            ..Flags::default()
        };
        let mut out = Vec::new();
        push_encoded(&mut out, b"/sd?q=]x\\\"", Encoding::Url, flags);
        assert_eq!(out, b"/sd?q=\\]x\\\\#22");
    }

    #[test]
    fn empty_text_is_a_dash_or_empty_quotes() {
        let q = Flags {
            quote: true,
            ..Flags::default()
        };
        let mut out = Vec::new();
        push_text(&mut out, None, Encoding::None, Flags::default());
        push_text(&mut out, Some(b""), Encoding::None, q);
        push_text(&mut out, Some(b"be"), Encoding::None, q);
        push_chunk(&mut out, b"", Encoding::Url, Flags::default());
        push_chunk(&mut out, b"", Encoding::Url, q);
        assert_eq!(out, b"-\"\"\"be\"\"\"");
    }
}
