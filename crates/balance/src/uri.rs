//! `balance uri [len N] [depth N] [whole] [path-only]`: which part of the request target is
//! hashed (configuration manual 4.2, "uri"; `get_server_uh()` in HAProxy's `backend.c`).
//!
//! By default the part before `?`; `whole` keeps the query; `len` keeps that many bytes at
//! most; `depth` stops before the slash that starts directory level N+1; `path-only` first
//! drops the scheme and authority of an absolute URI so that `http://h/p` and `/p` agree.

/// Options of `balance uri`; 0 means "not set" for `len` and `depth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UriOptions {
    pub whole: bool,
    pub path_only: bool,
    pub len: usize,
    pub depth: usize,
}

impl UriOptions {
    /// Reads the words after `balance uri`.
    pub fn parse(args: &[String]) -> Result<UriOptions, crate::SpecError> {
        let mut o = UriOptions::default();
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                w @ ("len" | "depth") => {
                    let n = args
                        .get(i + 1)
                        .and_then(|v| v.parse::<usize>().ok())
                        .filter(|&n| n > 0)
                        .ok_or_else(|| crate::SpecError::PositiveInteger {
                            option: w.to_string(),
                            got: args.get(i + 1).cloned().unwrap_or_default(),
                        })?;
                    if w == "len" {
                        o.len = n;
                    } else {
                        o.depth = n;
                    }
                    i += 2;
                }
                "whole" => {
                    o.whole = true;
                    i += 1;
                }
                "path-only" => {
                    o.path_only = true;
                    i += 1;
                }
                other => return Err(crate::SpecError::UriOption(other.to_string())),
            }
        }
        Ok(o)
    }
}

/// The path of a request target: an origin-form target is all path (query included); an
/// absolute URI loses `scheme://authority`; `*` and authority-form have none.
pub fn path_of(target: &[u8]) -> &[u8] {
    match target.first() {
        Some(b'/') => target,
        None | Some(b'*') => &[],
        Some(_) => {
            let Some(sep) = target.windows(3).position(|w| w == b"://") else {
                return &[];
            };
            let after = &target[sep + 3..];
            match after.iter().position(|&c| c == b'/') {
                Some(p) => &after[p..],
                None => &[],
            }
        }
    }
}

/// The bytes of `target` that `balance uri` hashes.
pub fn uri_key<'a>(target: &'a [u8], o: &UriOptions) -> &'a [u8] {
    let uri = if o.path_only { path_of(target) } else { target };
    let limit = if o.len > 0 {
        uri.len().min(o.len)
    } else {
        uri.len()
    };
    let mut slashes = 0;
    let mut end = 0;
    while end < limit {
        match uri[end] {
            b'/' => {
                slashes += 1;
                // `depth N` stops at the (N+1)th slash, which is not part of the key.
                if o.depth > 0 && slashes == o.depth + 1 {
                    break;
                }
            }
            b'?' if !o.whole => break,
            _ => {}
        }
        end += 1;
    }
    &uri[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &str, o: UriOptions) -> String {
        String::from_utf8(uri_key(t.as_bytes(), &o).to_vec()).unwrap()
    }

    #[test]
    fn query_is_dropped_unless_whole() {
        assert_eq!(key("/a/b?x=1", UriOptions::default()), "/a/b");
        let whole = UriOptions {
            whole: true,
            ..UriOptions::default()
        };
        assert_eq!(key("/a/b?x=1", whole), "/a/b?x=1");
    }

    #[test]
    fn depth_and_len_cut_the_key() {
        let d2 = UriOptions {
            depth: 2,
            ..UriOptions::default()
        };
        assert_eq!(key("/a/b/c/d", d2), "/a/b");
        assert_eq!(key("/a", d2), "/a");
        let l5 = UriOptions {
            len: 5,
            ..UriOptions::default()
        };
        assert_eq!(key("/abcdefgh", l5), "/abcd");
        let both = UriOptions {
            len: 3,
            depth: 1,
            ..UriOptions::default()
        };
        assert_eq!(key("/abc/def", both), "/ab");
    }

    #[test]
    fn path_only_drops_scheme_and_authority() {
        let po = UriOptions {
            path_only: true,
            ..UriOptions::default()
        };
        assert_eq!(key("http://example.com/k?z", po), "/k");
        assert_eq!(key("/k?z", po), "/k");
        assert_eq!(key("http://example.com", po), "");
        assert_eq!(key("*", po), "");
    }

    #[test]
    fn options_parse_like_haproxy() {
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let o = UriOptions::parse(&words("len 10 depth 3 whole path-only")).unwrap();
        assert_eq!((o.len, o.depth, o.whole, o.path_only), (10, 3, true, true));
        assert!(UriOptions::parse(&words("len 0")).is_err());
        assert!(UriOptions::parse(&words("depth")).is_err());
        assert!(UriOptions::parse(&words("deep 3")).is_err());
    }
}
