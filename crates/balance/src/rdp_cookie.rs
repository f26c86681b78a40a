//! `balance rdp-cookie(NAME)` (tcp mode): the key is the value of the `Cookie: NAME=VALUE`
//! line that a Remote Desktop client puts in its X.224 Connection Request, `mstshash` by
//! default (`fetch_rdp_cookie_name()` in HAProxy's `payload.c`).
//!
//! The line starts 11 bytes in (TPKT header 4, X.224 header 7) and ends with CRLF. The name
//! matches case-insensitively. Until enough bytes have arrived the answer is `Incomplete`,
//! which tells the proxy to wait for more (within `tcp-request inspect-delay`).

/// The default RDP cookie name.
pub const DEFAULT_NAME: &str = "mstshash";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdpCookie<'a> {
    Found(&'a [u8]),
    /// More bytes are needed to decide.
    Incomplete,
    /// This is not an RDP request with that cookie.
    Absent,
}

/// Looks for cookie `name` (any name when empty) in the first bytes of a TCP stream.
pub fn find<'a>(payload: &'a [u8], name: &str) -> RdpCookie<'a> {
    let name = name.as_bytes();
    if payload.len() <= 11 {
        return RdpCookie::Incomplete;
    }
    let mut data = &payload[11..];
    if data.len() <= 7 {
        return RdpCookie::Incomplete;
    }
    if !data[..7].eq_ignore_ascii_case(b"Cookie:") {
        return RdpCookie::Absent;
    }
    data = &data[7..];
    while let Some((b' ', rest)) = data.split_first() {
        data = rest;
    }
    if name.is_empty() {
        match data
            .iter()
            .position(|&c| c == b'=' || c == b'\r' || c == b'\n')
        {
            None => return RdpCookie::Incomplete,
            Some(p) if data[p] != b'=' => return RdpCookie::Absent,
            Some(p) => data = &data[p + 1..],
        }
    } else {
        if data.len() <= name.len() {
            return RdpCookie::Incomplete;
        }
        if data[name.len()] != b'=' || !data[..name.len()].eq_ignore_ascii_case(name) {
            return RdpCookie::Absent;
        }
        data = &data[name.len() + 1..];
    }
    let Some(cr) = data.iter().position(|&c| c == b'\r') else {
        return RdpCookie::Incomplete;
    };
    match data.get(cr + 1) {
        None => RdpCookie::Incomplete,
        Some(b'\n') => RdpCookie::Found(&data[..cr]),
        Some(_) => RdpCookie::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Connection Request as mstsc sends it: TPKT, X.224 CR, then the cookie line.
    fn request(cookie_line: &[u8]) -> Vec<u8> {
        let mut v = vec![
            0x03, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        v.extend_from_slice(cookie_line);
        v.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
        v
    }

    #[test]
    fn finds_the_named_cookie() {
        let r = request(b"Cookie: mstshash=alice\r\n");
        assert_eq!(find(&r, "mstshash"), RdpCookie::Found(b"alice"));
        assert_eq!(find(&r, "MSTSHASH"), RdpCookie::Found(b"alice"));
        assert_eq!(find(&r, ""), RdpCookie::Found(b"alice"));
        assert_eq!(find(&r, "msts"), RdpCookie::Absent);
    }

    #[test]
    fn partial_requests_ask_for_more() {
        let r = request(b"Cookie: mstshash=alice\r\n");
        for cut in [0, 5, 11, 18, 25, 33] {
            assert_eq!(
                find(&r[..cut], "mstshash"),
                RdpCookie::Incomplete,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn other_traffic_is_not_a_cookie() {
        assert_eq!(
            find(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "mstshash"),
            RdpCookie::Absent
        );
        let r = request(b"Cookie: mstshash=alice\rX");
        assert_eq!(find(&r, "mstshash"), RdpCookie::Absent);
    }
}
