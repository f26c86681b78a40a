//! `include` patterns: shell wildcards (`*`, `?`, `[...]`) per path component and csh-style
//! brace alternatives (`{a,b}`), expanded against a [`FileSource`] the way glibc's `glob()`
//! does for keepalived (matches sorted, hidden files only matched by a literal leading dot).

use crate::source::FileSource;
use std::path::{Path, PathBuf};

/// Expands `pattern` (already made absolute or relative to the including file's directory).
/// A pattern without wildcards is returned as is, whether or not the file exists.
pub(crate) fn expand(pattern: &str, files: &dyn FileSource) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for alternative in expand_braces(pattern, 0) {
        if !has_wildcard(&alternative) {
            out.push(PathBuf::from(alternative));
            continue;
        }
        let mut found = Vec::new();
        expand_components(&alternative, files, &mut found);
        found.sort();
        out.extend(found);
    }
    out
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `{a,b}c` → `ac`, `bc`; nested braces allowed. Depth-limited so hostile input cannot recurse
/// without bound.
fn expand_braces(pattern: &str, depth: u32) -> Vec<String> {
    if depth > 8 {
        return vec![pattern.to_string()];
    }
    let bytes = pattern.as_bytes();
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    // Find the matching close brace and the top-level commas.
    let mut level = 0usize;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if level == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let prefix = &pattern[..open];
    let suffix = &pattern[close + 1..];
    let mut starts = vec![open + 1];
    starts.extend(commas.iter().map(|c| c + 1));
    let mut ends = commas.clone();
    ends.push(close);
    let mut out = Vec::new();
    for (s, e) in starts.into_iter().zip(ends) {
        let candidate = format!("{prefix}{}{suffix}", &pattern[s..e]);
        out.extend(expand_braces(&candidate, depth + 1));
    }
    out
}

fn expand_components(pattern: &str, files: &dyn FileSource, out: &mut Vec<PathBuf>) {
    let absolute = pattern.starts_with('/');
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let start = if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    };
    walk(&start, &parts, files, out);
}

fn walk(base: &Path, parts: &[&str], files: &dyn FileSource, out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        out.push(base.to_path_buf());
        return;
    };
    if !has_wildcard(first) {
        walk(&base.join(first), rest, files, out);
        return;
    }
    let Ok(mut names) = files.list_dir(base) else {
        return;
    };
    names.sort();
    for name in names {
        if name.starts_with('.') && !first.starts_with('.') {
            continue;
        }
        if matches(first.as_bytes(), name.as_bytes()) {
            walk(&base.join(&name), rest, files, out);
        }
    }
}

/// fnmatch(3) without flags for one path component.
pub(crate) fn matches(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, next)) = class(&pat[p..], name[n]) {
                        if ok {
                            p += next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c => {
                    if c == name[n] {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Matches `c` against a bracket expression at the start of `pat`; returns whether it matched
/// and the length of the expression, or `None` when the bracket is not closed.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pat.len() {
        let lo = pat[i];
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|&h| h != b']') {
            let hi = pat[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn wildcards_match_like_fnmatch() {
        assert!(matches(b"*.conf", b"a.conf"));
        assert!(!matches(b"*.conf", b"a.conf.bak"));
        assert!(matches(b"vi_?.conf", b"vi_1.conf"));
        assert!(matches(b"[a-c]x", b"bx"));
        assert!(!matches(b"[!a-c]x", b"bx"));
        assert!(matches(b"a*b*c", b"aXXbYYc"));
    }

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(
            expand_braces("a{b,c{d,e}}f", 0),
            vec!["abf", "acdf", "acef"]
        );
    }

    #[test]
    fn glob_lists_sorted_matches_and_skips_hidden() {
        let files = MemorySource::new()
            .with("/etc/k/conf.d/b.conf", "")
            .with("/etc/k/conf.d/a.conf", "")
            .with("/etc/k/conf.d/.hidden.conf", "")
            .with("/etc/k/conf.d/x.txt", "");
        let got = expand("/etc/k/conf.d/*.conf", &files);
        assert_eq!(
            got,
            vec![
                PathBuf::from("/etc/k/conf.d/a.conf"),
                PathBuf::from("/etc/k/conf.d/b.conf")
            ]
        );
        assert!(expand("/etc/k/none/*.conf", &files).is_empty());
    }
}
