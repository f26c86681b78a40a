//! `balance url_param NAME [check_post]`: the key is the value of a query-string parameter,
//! or with `check_post` of a parameter in a POST body when the query has none
//! (`get_server_ph()` / `get_server_ph_post()` in HAProxy's `backend.c`).
//!
//! The name matches case-sensitively and must be followed by `=`; the value runs to the next
//! `&`. A missing parameter means round robin.

/// The value of parameter `name` in the query string of `target`, if present.
pub fn query_param<'a>(target: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let q = target.iter().position(|&c| c == b'?')?;
    find_param(&target[q + 1..], name, false)
}

/// The value of parameter `name` at the start of a form-encoded body. Only URL-encoded text
/// counts: a value with a byte that is neither a token character nor white space means the
/// body is not a parameter list.
pub fn body_param<'a>(body: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    find_param(body, name, true)
}

fn find_param<'a>(mut params: &'a [u8], name: &[u8], body: bool) -> Option<&'a [u8]> {
    let plen = name.len();
    while params.len() > plen {
        if params[plen] == b'=' && &params[..plen] == name {
            let value = &params[plen + 1..];
            let mut end = 0;
            while end < value.len() && value[end] != b'&' {
                let c = value[end];
                if body && !is_token(c) {
                    if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    return None;
                }
                end += 1;
            }
            return Some(&value[..end]);
        }
        let amp = params.iter().position(|&c| c == b'&')?;
        params = &params[amp + 1..];
    }
    None
}

/// RFC 7230 `tchar`.
fn is_token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parameter_anywhere_in_the_query() {
        assert_eq!(query_param(b"/p?uid=42", b"uid"), Some(&b"42"[..]));
        assert_eq!(query_param(b"/p?a=1&uid=7&b=2", b"uid"), Some(&b"7"[..]));
        assert_eq!(query_param(b"/p?a=1&uid=", b"uid"), Some(&b""[..]));
    }

    #[test]
    fn name_must_match_exactly() {
        assert_eq!(query_param(b"/p?xuid=1&UID=2", b"uid"), None);
        assert_eq!(query_param(b"/p?uidx=1", b"uid"), None);
        assert_eq!(query_param(b"/p/uid=1", b"uid"), None);
        assert_eq!(query_param(b"/p?uid", b"uid"), None);
    }

    #[test]
    fn body_must_look_url_encoded() {
        assert_eq!(body_param(b"uid=abc&x=1", b"uid"), Some(&b"abc"[..]));
        assert_eq!(body_param(b"uid=abc\r\n", b"uid"), Some(&b"abc"[..]));
        assert_eq!(body_param(b"uid=a\x00b", b"uid"), None);
    }
}
