//! Cuts one configuration line into words with HAProxy's rules (configuration manual 2.2, 2.3):
//! blanks separate words, `#` starts a comment, `\` escapes, `"…"` quotes weakly (environment
//! variables expand inside), `'…'` quotes strongly (nothing is interpreted).

use std::fmt;

/// Where environment variables come from. The process environment in production, a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Values of the pseudo-variables `.FILE`, `.LINE` and `.SECTION` at the line being cut.
pub struct LineContext<'a> {
    pub file: &'a str,
    pub line: u32,
    pub section: &'a str,
    pub env: &'a dyn Env,
}

impl LineContext<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            ".FILE" => Some(self.file.to_string()),
            ".LINE" => Some(self.line.to_string()),
            ".SECTION" => Some(self.section.to_string()),
            _ => self.env.var(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    UnmatchedQuote(char),
    BadHexEscape,
    UnterminatedVariable,
    BadVariableName(String),
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::UnmatchedQuote(q) => write!(f, "unmatched quote ({q}) at end of line"),
            LexError::BadHexEscape => {
                write!(
                    f,
                    "truncated or invalid hexadecimal sequence ('\\x' needs two hex digits)"
                )
            }
            LexError::UnterminatedVariable => {
                write!(
                    f,
                    "missing '}}' to close an environment variable ('${{…}}')"
                )
            }
            LexError::BadVariableName(n) => write!(f, "invalid environment variable name '{n}'"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Weak,
    Strong,
}

/// Cuts `line` into words. Returns an empty list for blank and comment-only lines.
pub fn split_words(line: &str, ctx: &LineContext<'_>) -> Result<Vec<String>, LexError> {
    let bytes = line.as_bytes();
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_word = false;
    let mut quote = Quote::None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Quote::Strong => {
                if c == b'\'' {
                    quote = Quote::None;
                } else {
                    cur.push(c);
                }
                i += 1;
            }
            Quote::None if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
                i += 1;
            }
            Quote::None if c == b'#' => break,
            Quote::None if c == b'\'' => {
                quote = Quote::Strong;
                in_word = true;
                i += 1;
            }
            Quote::None if c == b'"' => {
                quote = Quote::Weak;
                in_word = true;
                i += 1;
            }
            Quote::Weak if c == b'"' => {
                quote = Quote::None;
                i += 1;
            }
            Quote::None | Quote::Weak if c == b'\\' => {
                in_word = true;
                i += escape(bytes, i, quote == Quote::Weak, &mut cur)?;
            }
            Quote::Weak if c == b'$' => {
                i += expand(bytes, i, ctx, &mut cur, &mut words)?;
            }
            Quote::None | Quote::Weak => {
                in_word = true;
                cur.push(c);
                i += 1;
            }
        }
    }
    match quote {
        Quote::Weak => return Err(LexError::UnmatchedQuote('"')),
        Quote::Strong => return Err(LexError::UnmatchedQuote('\'')),
        Quote::None => {}
    }
    if in_word {
        words.push(cur);
    }
    Ok(words
        .into_iter()
        .map(|w| match String::from_utf8(w) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
        .collect())
}

/// Handles the backslash at `bytes[i]`; returns how many bytes it consumed.
fn escape(bytes: &[u8], i: usize, weak: bool, cur: &mut Vec<u8>) -> Result<usize, LexError> {
    let Some(&next) = bytes.get(i + 1) else {
        cur.push(b'\\');
        return Ok(1);
    };
    let lit = match next {
        b' ' | b'#' | b'\\' | b'\'' | b'"' => next,
        b'$' if weak => b'$',
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'x' => {
            let hex = bytes.get(i + 2..i + 4).ok_or(LexError::BadHexEscape)?;
            let s = std::str::from_utf8(hex).map_err(|_| LexError::BadHexEscape)?;
            let v = u8::from_str_radix(s, 16).map_err(|_| LexError::BadHexEscape)?;
            cur.push(v);
            return Ok(4);
        }
        _ => {
            // Not an escape HAProxy knows: the backslash stays, as it does in HAProxy.
            cur.push(b'\\');
            return Ok(1);
        }
    };
    cur.push(lit);
    Ok(2)
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Expands `$NAME`, `${NAME}`, `${NAME-default}` or `${NAME[*]}` at `bytes[i]` (inside double
/// quotes); returns how many bytes it consumed. `[*]` splits the value into separate words.
fn expand(
    bytes: &[u8],
    i: usize,
    ctx: &LineContext<'_>,
    cur: &mut Vec<u8>,
    words: &mut Vec<Vec<u8>>,
) -> Result<usize, LexError> {
    let rest = &bytes[i + 1..];
    let (name, default, split, used) = if rest.first() == Some(&b'{') {
        let close = rest
            .iter()
            .position(|&b| b == b'}')
            .ok_or(LexError::UnterminatedVariable)?;
        let inner =
            std::str::from_utf8(&rest[1..close]).map_err(|_| LexError::UnterminatedVariable)?;
        let (mut name, default) = match inner.find('-') {
            Some(p) => (&inner[..p], Some(&inner[p + 1..])),
            None => (inner, None),
        };
        let mut split = false;
        if let Some(stripped) = name.strip_suffix("[*]") {
            name = stripped;
            split = true;
        }
        (
            name.to_string(),
            default.map(str::to_string),
            split,
            close + 2,
        )
    } else {
        let start = usize::from(rest.first() == Some(&b'.'));
        let len = rest[start..]
            .iter()
            .take_while(|&&b| is_name_char(b))
            .count();
        // `$` not followed by a name (e.g. "$5") is a plain dollar sign.
        if len == 0 || rest[start].is_ascii_digit() {
            cur.push(b'$');
            return Ok(1);
        }
        let name = String::from_utf8_lossy(&rest[..start + len]).into_owned();
        (name, None, false, start + len + 1)
    };
    let valid = {
        let n = name.strip_prefix('.').unwrap_or(&name);
        !n.is_empty() && !n.as_bytes()[0].is_ascii_digit() && n.bytes().all(is_name_char)
    };
    if !valid {
        return Err(LexError::BadVariableName(name));
    }
    let value = match ctx.lookup(&name) {
        Some(v) => v,
        None => default.unwrap_or_default(),
    };
    if split {
        let mut first = true;
        for part in value.split(' ').filter(|p| !p.is_empty()) {
            if !first {
                words.push(std::mem::take(cur));
            }
            cur.extend_from_slice(part.as_bytes());
            first = false;
        }
    } else {
        cur.extend_from_slice(value.as_bytes());
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn words_env(line: &str, env: &[(&str, &str)]) -> Result<Vec<String>, LexError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ctx = LineContext {
            file: "t.cfg",
            line: 7,
            section: "frontend",
            env: &env,
        };
        split_words(line, &ctx)
    }

    fn words(line: &str) -> Vec<String> {
        words_env(line, &[]).expect("lexes")
    }

    #[test]
    fn blanks_and_comments() {
        assert_eq!(words("   bind  :80\t# a comment"), ["bind", ":80"]);
        assert!(words("   # only a comment").is_empty());
        assert!(words("").is_empty());
        assert_eq!(words("a#b"), ["a"]);
    }

    #[test]
    fn backslash_escapes() {
        assert_eq!(
            words(r"stats realm HAProxy\ Stats"),
            ["stats", "realm", "HAProxy Stats"]
        );
        assert_eq!(words(r"a\#b c\\d"), ["a#b", r"c\d"]);
        assert_eq!(words(r#"x\'y\"z"#), [r#"x'y"z"#]);
        assert_eq!(words(r"a\x41\tb"), ["aA\tb"]);
        assert_eq!(words(r"keep\d"), [r"keep\d"]);
        assert_eq!(words_env(r"bad\x4", &[]), Err(LexError::BadHexEscape));
        assert_eq!(words_env(r"bad\xzz", &[]), Err(LexError::BadHexEscape));
    }

    #[test]
    fn quotes() {
        assert_eq!(
            words(r#"x "a b # c" 'd $e \n'"#),
            ["x", "a b # c", r"d $e \n"]
        );
        assert_eq!(words(r#"ab"cd"'ef'"#), ["abcdef"]);
        assert_eq!(words(r#"x "" y"#), ["x", "", "y"]);
        assert_eq!(
            words_env(r#"x "abc"#, &[]),
            Err(LexError::UnmatchedQuote('"'))
        );
        assert_eq!(
            words_env("x 'abc", &[]),
            Err(LexError::UnmatchedQuote('\''))
        );
    }

    #[test]
    fn environment_expands_only_in_double_quotes() {
        let env = [("PORT", "8080"), ("LIST", "a b  c"), ("EMPTY", "")];
        assert_eq!(
            words_env(r#"bind ":${PORT}""#, &env).unwrap(),
            ["bind", ":8080"]
        );
        assert_eq!(
            words_env(r#"bind ":$PORT""#, &env).unwrap(),
            ["bind", ":8080"]
        );
        assert_eq!(words_env(r"bind :$PORT", &env).unwrap(), ["bind", ":$PORT"]);
        assert_eq!(
            words_env(r#"x "${NOPE-1.2.3.4}:514""#, &env).unwrap(),
            ["x", "1.2.3.4:514"]
        );
        assert_eq!(words_env(r#"x "${EMPTY-dflt}""#, &env).unwrap(), ["x", ""]);
        assert_eq!(words_env(r#"x "${NOPE}""#, &env).unwrap(), ["x", ""]);
        assert_eq!(
            words_env(r#"x "${LIST[*]}""#, &env).unwrap(),
            ["x", "a", "b", "c"]
        );
        assert_eq!(words_env(r#"x "\$PORT""#, &env).unwrap(), ["x", "$PORT"]);
        assert_eq!(words_env(r#"x "cost $5""#, &env).unwrap(), ["x", "cost $5"]);
        assert_eq!(
            words_env(r#"x "${PORT""#, &env),
            Err(LexError::UnterminatedVariable)
        );
        assert!(matches!(
            words_env(r#"x "${1AB}""#, &env),
            Err(LexError::BadVariableName(_))
        ));
    }

    #[test]
    fn pseudo_variables() {
        assert_eq!(
            words(r#"x "${.FILE}:${.LINE} ${.SECTION}""#),
            ["x", "t.cfg:7 frontend"]
        );
    }
}
