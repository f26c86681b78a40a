//! keepalived's lexical rules for one line, ported from its `parser.c` so that halb splits a
//! line exactly where keepalived does:
//! - `decomment`: `!` and `#` start a comment anywhere outside double quotes; `\!` and `\#`
//!   are literal; a trailing `\` marks a continuation (used by multiline `$NAME=` values).
//! - `split_braces`: `{` and `}` outside double quotes split a line, so `name {`, `{ a }`
//!   and `a }` all become separate pieces.
//! - `split_words`: whitespace separates words; a word starting with `"` runs to the next `"`
//!   (the quotes are removed, spaces kept).
//! - `split_shell_words`: the stricter rules keepalived applies to script command lines
//!   (`"..."` and `'...'` anywhere in a word, backslash escapes).

/// What `decomment` found besides the text.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decommented {
    pub text: String,
    /// The line ended with `\` (outside a comment).
    pub continued: bool,
    /// A `"` was opened and not closed.
    pub unterminated_quote: bool,
}

pub(crate) fn decomment(line: &str) -> Decommented {
    let mut out = String::with_capacity(line.len());
    let mut quote = false;
    let mut continued = false;
    let mut chars = line.trim_start_matches([' ', '\t']).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                out.push(c);
            }
            '\\' => match chars.peek().copied() {
                None => {
                    continued = true;
                }
                Some(next) if !quote && (next == '#' || next == '!') => {
                    out.push(next);
                    chars.next();
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                    chars.next();
                }
            },
            '!' | '#' if !quote => break,
            _ => out.push(c),
        }
    }
    let unterminated_quote = quote;
    let text = out.trim_end_matches([' ', '\t']).to_string();
    Decommented {
        text,
        continued,
        unterminated_quote,
    }
}

/// One piece of a line after splitting at braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Open,
    Close,
    Text(String),
}

/// Splits a decommented line at every `{` and `}` that is not inside double quotes.
pub(crate) fn split_braces(line: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut quote = false;
    let flush = |current: &mut String, pieces: &mut Vec<Piece>| {
        let t = current.trim();
        if !t.is_empty() {
            pieces.push(Piece::Text(t.to_string()));
        }
        current.clear();
    };
    for c in line.chars() {
        match c {
            '"' => {
                quote = !quote;
                current.push(c);
            }
            '{' if !quote => {
                flush(&mut current, &mut pieces);
                pieces.push(Piece::Open);
            }
            '}' if !quote => {
                flush(&mut current, &mut pieces);
                pieces.push(Piece::Close);
            }
            _ => current.push(c),
        }
    }
    flush(&mut current, &mut pieces);
    pieces
}

/// keepalived's `alloc_strvec`: the words of a configuration line. `Err` carries the words
/// read before an unmatched `"` (keepalived drops the rest of the line).
pub(crate) fn split_words(line: &str) -> Result<Vec<String>, Vec<String>> {
    let mut words = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(is_blank);
        if rest.is_empty() {
            return Ok(words);
        }
        if let Some(after) = rest.strip_prefix('"') {
            match after.find('"') {
                Some(end) => {
                    words.push(after[..end].to_string());
                    rest = &after[end + 1..];
                }
                None => return Err(words),
            }
        } else {
            let end = rest
                .find(|c: char| is_blank(c) || c == '"')
                .unwrap_or(rest.len());
            words.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Why a script command line could not be split.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ShellSplitError {
    MissingQuote(char),
    TrailingBackslash,
}

/// keepalived's `alloc_strvec_quoted_escaped`: shell-like splitting for script commands.
pub(crate) fn split_shell_words(src: &str) -> Result<Vec<String>, ShellSplitError> {
    let mut words = Vec::new();
    let mut chars = src.chars().peekable();
    loop {
        while chars.peek().is_some_and(|&c| is_blank(c)) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && is_blank(c) {
                break;
            }
            chars.next();
            match c {
                '\\' => word.push(read_escape(&mut chars)?),
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                c => word.push(c),
            }
        }
        if let Some(q) = quote {
            return Err(ShellSplitError::MissingQuote(q));
        }
        words.push(word);
    }
}

fn read_escape(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<char, ShellSplitError> {
    let Some(c) = chars.next() else {
        return Err(ShellSplitError::TrailingBackslash);
    };
    Ok(match c {
        'x' if chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) => {
            let mut v: u8 = 0;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) {
                v = v.wrapping_shl(4) | d as u8;
                chars.next();
            }
            char::from(v)
        }
        'c' if chars.peek().is_some() => {
            let n = chars.next().map(|c| (c as u32) & 0x1f).unwrap_or(0);
            char::from_u32(n).unwrap_or('\0')
        }
        '0'..='7' => {
            let mut v = c as u32 - '0' as u32;
            for _ in 0..2 {
                match chars.peek().and_then(|c| c.to_digit(8)) {
                    Some(d) => {
                        v = (v << 3) + d;
                        chars.next();
                    }
                    None => break,
                }
            }
            char::from((v & 0xff) as u8)
        }
        'a' => '\x07',
        'b' => '\x08',
        'E' => '\x1b',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_start_anywhere_outside_quotes() {
        assert_eq!(decomment("  priority 100 # high").text, "priority 100");
        assert_eq!(decomment("router_id x!y").text, "router_id x");
        assert_eq!(decomment(r#"script "a # b" ! c"#).text, r#"script "a # b""#);
        assert_eq!(decomment(r"x \# y").text, "x # y");
        assert!(decomment(r"$A= \").continued);
        assert!(decomment(r#"script "abc"#).unterminated_quote);
    }

    #[test]
    fn braces_split_lines() {
        use Piece::*;
        assert_eq!(
            split_braces("virtual_ipaddress { 1.2.3.4 }"),
            vec![
                Text("virtual_ipaddress".into()),
                Open,
                Text("1.2.3.4".into()),
                Close
            ]
        );
        assert_eq!(split_braces("}}"), vec![Close, Close]);
        assert_eq!(
            split_braces(r#"notify "a{b}""#),
            vec![Text(r#"notify "a{b}""#.into())]
        );
    }

    #[test]
    fn words_keep_quoted_spaces() {
        assert_eq!(
            split_words(r#"script "killall -0 haproxy"  x"#).unwrap(),
            vec!["script", "killall -0 haproxy", "x"]
        );
        assert_eq!(split_words(r#"a"b c""#).unwrap(), vec!["a", "b c"]);
        assert_eq!(split_words(r#"a "b c"#), Err(vec!["a".to_string()]));
    }

    #[test]
    fn shell_words_follow_keepalived_quoting() {
        assert_eq!(
            split_shell_words(r#"/bin/sh -c 'echo "a b"' x\ y"#).unwrap(),
            vec!["/bin/sh", "-c", "echo \"a b\"", "x y"]
        );
        assert_eq!(split_shell_words(r"a\tb").unwrap(), vec!["a\tb"]);
        assert_eq!(
            split_shell_words("'abc"),
            Err(ShellSplitError::MissingQuote('\''))
        );
    }
}
