//! Cutting one command into words, the way HAProxy's CLI does (management manual 9.2).
//!
//! Sits between the session (which cuts the input stream into commands at `\n` and at
//! unescaped `;`) and the command parser. Words are separated by spaces and tabs; a
//! backslash makes the next character literal (`\;`, `\ `, `\\`); a NUL byte ends the
//! command, as it ends a C string in HAProxy.

/// HAProxy's `MAX_CLI_ARGS`: words past this many are ignored.
pub const MAX_WORDS: usize = 64;

/// Splits one command into its words, unescaping backslashes.
pub fn split_words(command: &[u8]) -> Vec<String> {
    let command = match command.iter().position(|&b| b == 0) {
        Some(nul) => &command[..nul],
        None => command,
    };
    let mut words = Vec::new();
    let mut i = 0;
    while i < command.len() && words.len() < MAX_WORDS {
        while i < command.len() && (command[i] == b' ' || command[i] == b'\t') {
            i += 1;
        }
        if i >= command.len() {
            break;
        }
        let mut word = Vec::new();
        while i < command.len() && command[i] != b' ' && command[i] != b'\t' {
            if command[i] == b'\\' {
                // The escaped character is taken as is; a trailing lone backslash vanishes.
                if let Some(&c) = command.get(i + 1) {
                    word.push(c);
                }
                i += 2;
            } else {
                word.push(command[i]);
                i += 1;
            }
        }
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
    words
}

/// C's `atoi`: optional blanks and sign, then digits; anything else stops it; 0 if none.
pub fn atoi(s: &str) -> i32 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        v = (v * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_on_spaces_and_tabs() {
        assert_eq!(split_words(b"  show \t stat  "), ["show", "stat"]);
        assert!(split_words(b"").is_empty());
        assert!(split_words(b"   ").is_empty());
    }

    #[test]
    fn backslash_escapes_the_next_character() {
        assert_eq!(split_words(b"show\\ version"), ["show version"]);
        assert_eq!(split_words(b"a\\;b"), ["a;b"]);
        assert_eq!(split_words(b"a\\\\b"), ["a\\b"]);
        assert_eq!(split_words(b"ab\\"), ["ab"]);
    }

    #[test]
    fn nul_ends_the_command() {
        assert_eq!(split_words(b"show version\0junk"), ["show", "version"]);
        assert!(split_words(b"\0show").is_empty());
    }

    #[test]
    fn binary_garbage_becomes_lossy_words() {
        let w = split_words(b"\x01\xff\xfe show");
        assert_eq!(w.len(), 2);
        assert_eq!(w[1], "show");
    }

    #[test]
    fn words_past_the_limit_are_ignored() {
        let line = "x ".repeat(100);
        assert_eq!(split_words(line.as_bytes()).len(), MAX_WORDS);
    }

    #[test]
    fn atoi_behaves_like_c() {
        assert_eq!(atoi("12"), 12);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi("3abc"), 3);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }
}
