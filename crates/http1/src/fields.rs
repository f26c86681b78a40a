//! Parsers for the values of the header fields that decide framing and connection handling:
//! `Content-Length`, `Transfer-Encoding`, `Connection`. Called once per such header during the
//! single pass of [`crate::Head::parse_request`]; they never allocate.

use crate::error::HeadError;

/// Optional white space: SP or HTAB (RFC 9110 §5.6.3).
#[inline]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The slice without leading and trailing OWS.
#[inline]
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Iterates the elements of a comma-separated list (RFC 9110 §5.6.1), each trimmed of OWS.
/// Empty elements are yielded too; callers decide whether they are acceptable.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim_ows)
}

/// A `Content-Length` value: one decimal number, or a list of identical ones (`5, 5`), which
/// RFC 9110 §8.6 lets a recipient merge. Returns the number and the length of the first element
/// (so the caller can narrow the forwarded value to it).
pub(crate) fn content_length(value: &[u8]) -> Result<(u64, usize), HeadError> {
    let mut found: Option<u64> = None;
    let mut first_len = 0;
    for element in list_elements(value) {
        let n = decimal(element)?;
        match found {
            None => {
                found = Some(n);
                first_len = element.len();
            }
            Some(prev) if prev != n => return Err(HeadError::ConflictingContentLength),
            Some(_) => {}
        }
    }
    found
        .map(|n| (n, first_len))
        .ok_or(HeadError::BadContentLength)
}

/// `1*DIGIT` that fits in u64. No sign, no white space inside, no empty string.
fn decimal(digits: &[u8]) -> Result<u64, HeadError> {
    if digits.is_empty() {
        return Err(HeadError::BadContentLength);
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(HeadError::BadContentLength);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(HeadError::BadContentLength)?;
    }
    Ok(n)
}

/// What the `Transfer-Encoding` headers of a message add up to, accumulated over every such
/// header in order (several headers are one list, RFC 9110 §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CodingList {
    /// At least one coding was listed.
    pub present: bool,
    /// The last coding listed is `chunked`.
    pub last_is_chunked: bool,
    /// How many times `chunked` was listed (saturating; more than one is an error).
    pub chunked_count: u8,
    /// A coding other than `chunked` was listed.
    pub other: bool,
}

impl CodingList {
    /// Adds the codings of one `Transfer-Encoding` header value.
    pub(crate) fn add(&mut self, value: &[u8]) -> Result<(), HeadError> {
        let mut any = false;
        for element in list_elements(value) {
            if element.is_empty() {
                // RFC 9110 §5.6.1: empty list elements are ignored by recipients.
                continue;
            }
            any = true;
            // A coding may carry parameters (`ext;p=v`); only its name matters for framing.
            let name_end = element
                .iter()
                .position(|&b| b == b';' || is_ows(b))
                .unwrap_or(element.len());
            let name = &element[..name_end];
            if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
                return Err(HeadError::BadTransferEncoding);
            }
            let chunked = name.eq_ignore_ascii_case(b"chunked");
            if chunked {
                self.chunked_count = self.chunked_count.saturating_add(1);
            } else {
                self.other = true;
            }
            self.present = true;
            self.last_is_chunked = chunked;
        }
        if !any {
            return Err(HeadError::BadTransferEncoding);
        }
        Ok(())
    }
}

/// The tokens of the `Connection` headers that matter to the proxy (RFC 9110 §7.6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionTokens {
    /// `close` was listed.
    pub close: bool,
    /// `keep-alive` was listed.
    pub keep_alive: bool,
    /// `upgrade` was listed.
    pub upgrade: bool,
}

impl ConnectionTokens {
    /// Adds the tokens of one `Connection` header value.
    pub(crate) fn add(&mut self, value: &[u8]) {
        for token in list_elements(value) {
            if token.eq_ignore_ascii_case(b"close") {
                self.close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.keep_alive = true;
            } else if token.eq_ignore_ascii_case(b"upgrade") {
                self.upgrade = true;
            }
        }
    }
}

/// tchar (RFC 9110 §5.6.2).
#[inline]
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_lists() {
        assert_eq!(content_length(b"0"), Ok((0, 1)));
        assert_eq!(content_length(b"42"), Ok((42, 2)));
        assert_eq!(content_length(b"42 , 42,42"), Ok((42, 2)));
        assert_eq!(
            content_length(b"1,2"),
            Err(HeadError::ConflictingContentLength)
        );
        assert_eq!(content_length(b"1,,1"), Err(HeadError::BadContentLength));
        assert_eq!(content_length(b"1 2"), Err(HeadError::BadContentLength));
    }

    #[test]
    fn trim_and_split() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        let v: Vec<&[u8]> = list_elements(b"a, b ,,c").collect();
        assert_eq!(v, [&b"a"[..], b"b", b"", b"c"]);
    }

    #[test]
    fn coding_lists() {
        let mut c = CodingList::default();
        c.add(b"gzip, chunked").unwrap();
        assert!(c.present && c.last_is_chunked && c.other);
        assert_eq!(c.chunked_count, 1);
        c.add(b"chunked;x=1").unwrap();
        assert_eq!(c.chunked_count, 2);
        assert_eq!(
            CodingList::default().add(b"chu(nked"),
            Err(HeadError::BadTransferEncoding)
        );
        assert_eq!(
            CodingList::default().add(b" , "),
            Err(HeadError::BadTransferEncoding)
        );
    }

    #[test]
    fn connection_tokens() {
        let mut t = ConnectionTokens::default();
        t.add(b"Keep-Alive, Upgrade");
        assert_eq!(
            t,
            ConnectionTokens {
                close: false,
                keep_alive: true,
                upgrade: true
            }
        );
        t.add(b"CLOSE");
        assert!(t.close);
        let mut t = ConnectionTokens::default();
        t.add(b"closed, keep-alive2");
        assert_eq!(t, ConnectionTokens::default());
    }
}
