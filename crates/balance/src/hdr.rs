//! `balance hdr(NAME) [use_domain_only]`: the key is a request header's value
//! (`get_server_hh()` in HAProxy's `backend.c`).
//!
//! Like HAProxy's header lookup, the first comma-separated value of the header is used,
//! trimmed of spaces; an empty value means round robin. `use_domain_only` keeps only the
//! label before the last dot (`haproxy.1wt.eu` hashes as `1wt`).

/// The part of a raw header value that is hashed, or `None` when it is empty.
pub fn header_key(raw: &[u8], use_domain_only: bool) -> Option<&[u8]> {
    let first = raw.split(|&c| c == b',').next().unwrap_or(raw);
    let v = trim(first);
    if v.is_empty() {
        return None;
    }
    Some(if use_domain_only { domain_part(v) } else { v })
}

fn trim(v: &[u8]) -> &[u8] {
    let is_sp = |c: &u8| *c == b' ' || *c == b'\t';
    let start = v.iter().position(|c| !is_sp(c)).unwrap_or(v.len());
    let end = v.iter().rposition(|c| !is_sp(c)).map_or(start, |e| e + 1);
    &v[start..end]
}

/// HAProxy's walk back from the end, kept step for step so odd values (leading or doubled
/// dots) hash the same: the key ends at the last dot (not counting one in first position)
/// and starts after the dot before it; a value without such a dot is kept whole.
fn domain_part(v: &[u8]) -> &[u8] {
    let len = v.len();
    let (mut p, mut end, mut in_domain) = (len, len, false);
    while p > 0 {
        if in_domain {
            if v[p - 1] == b'.' {
                break;
            }
        } else if p < len && v[p] == b'.' {
            end = p;
            in_domain = true;
        }
        p -= 1;
    }
    &v[p..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_trimmed() {
        assert_eq!(
            header_key(b"  a.example , b", false),
            Some(&b"a.example"[..])
        );
        assert_eq!(header_key(b"   ", false), None);
        assert_eq!(header_key(b", x", false), None);
    }

    #[test]
    fn domain_only_keeps_the_label_before_the_tld() {
        assert_eq!(header_key(b"haproxy.1wt.eu", true), Some(&b"1wt"[..]));
        assert_eq!(header_key(b"example.com", true), Some(&b"example"[..]));
        assert_eq!(header_key(b"localhost", true), Some(&b"localhost"[..]));
        assert_eq!(header_key(b"a.b.c.d.e", true), Some(&b"d"[..]));
        assert_eq!(header_key(b"example.com.", true), Some(&b"com"[..]));
        // A dot in first position is never looked at, and the byte before the last dot is
        // skipped, as in HAProxy's loop.
        assert_eq!(header_key(b".com", true), Some(&b".com"[..]));
        assert_eq!(header_key(b"a..b", true), Some(&b"a."[..]));
    }
}
