//! Writing a head to forward: the parsed head plus a short list of edits, serialised in one
//! pass into a caller-owned `Vec<u8>` (cleared, capacity kept). This is the last step before a
//! head leaves the proxy; `http-request`/`http-response` actions and the proxy's own headers
//! (`X-Forwarded-For`, `Connection`) become [`Edit`]s.
//!
//! Header lines are written as `name: value\r\n` with the name as received; the start line is
//! rebuilt from its parts. Nothing is allocated when `out` already has the capacity.

use crate::error::Side;
use crate::fields::list_elements;
use crate::head::{Head, Version};

/// One change to a head. Indexes are positions in `Head::headers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit<'a> {
    /// Drop header `index`.
    Delete(usize),
    /// Keep header `index`'s name, write this value instead.
    Replace {
        /// Which header.
        index: usize,
        /// Its new value.
        value: &'a [u8],
    },
    /// Add a header line after the existing ones (edits are applied in order), as HAProxy's
    /// `option forwardfor` does: `Append { name: b"X-Forwarded-For", value: client_ip }`.
    Append {
        /// The header name.
        name: &'a [u8],
        /// The header value.
        value: &'a [u8],
    },
    /// Request: replace the method token.
    SetMethod(&'a [u8]),
    /// Request: replace the target (path and query, or absolute URI).
    SetTarget(&'a [u8]),
    /// Response: replace the status code and reason phrase.
    SetStatus {
        /// The new status code (three digits).
        status: u16,
        /// The new reason phrase.
        reason: &'a [u8],
    },
}

/// What the forwarded head says about the connection it travels on. HAProxy rewrites the
/// `Connection` header on every hop; these reproduce what haproxy 2.6 was seen to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionHeader {
    /// Forward the `Connection` headers as received.
    AsReceived,
    /// The proxy keeps this hop persistent: `close`/`keep-alive` tokens are removed, and
    /// `keep-alive` is added when the message is HTTP/1.0 or goes to an HTTP/1.0 peer (a
    /// response to an HTTP/1.0 client), whose default is to close.
    KeepAlive {
        /// The message goes to an HTTP/1.0 peer.
        http10_peer: bool,
    },
    /// The proxy closes this hop after the exchange (`option httpclose`, HTTP/1.0 client,
    /// repaired framing): `close`/`keep-alive` tokens are removed, and `close` is added to an
    /// HTTP/1.1 message, whose default is to stay open.
    Close,
}

/// Writes `head` (parsed from `buf`, coming from `side`) with `edits` applied and the
/// `Connection` header set per `conn`, into `out` (cleared first).
///
/// Header names are written in lower case, as HAProxy 2.6 forwards them; values, the target
/// and the reason phrase as received. The rewritten `Connection` header keeps the position of
/// the first one received (other tokens, e.g. `upgrade`, kept); if there was none and one is
/// needed it comes last, after the appended headers.
pub fn write_head(
    buf: &[u8],
    head: &Head,
    side: Side,
    edits: &[Edit<'_>],
    conn: ConnectionHeader,
    out: &mut Vec<u8>,
) {
    out.clear();
    write_start_line(buf, head, side, edits, out);

    let wanted: &[u8] = match (conn, head.version) {
        (ConnectionHeader::KeepAlive { http10_peer }, version) => {
            if version == Version::Http10 || http10_peer {
                b"keep-alive"
            } else {
                b""
            }
        }
        (ConnectionHeader::Close, Version::Http11) => b"close",
        _ => b"",
    };
    let rewrite_connection = conn != ConnectionHeader::AsReceived;
    let mut connection_written = false;

    for (i, field) in head.headers.iter().enumerate() {
        let Some(value) = edited_value(buf, head, edits, i) else {
            continue;
        };
        let name = field.name.of(buf);
        if rewrite_connection && name.len() == 10 && name.eq_ignore_ascii_case(b"connection") {
            if !connection_written {
                connection_written = true;
                write_connection(buf, head, edits, wanted, out);
            }
            continue;
        }
        let line = field.name.start as usize..field.value.end as usize;
        match buf.get(line) {
            // The common case: an unedited `Name: value` line, copied in one piece.
            Some(line)
                if field.value.start == field.name.end + 2
                    && value.as_ptr() == buf[field.value.range()].as_ptr()
                    && line[name.len()..].starts_with(b": ") =>
            {
                out.reserve(line.len() + 2);
                let name_at = out.len();
                out.extend_from_slice(line);
                lowercase(&mut out[name_at..name_at + name.len()]);
                out.extend_from_slice(b"\r\n");
            }
            _ => write_field(out, name, value),
        }
    }
    for edit in edits {
        if let Edit::Append { name, value } = *edit {
            write_field(out, name, value);
        }
    }
    if rewrite_connection && !connection_written && !wanted.is_empty() {
        write_field(out, b"connection", wanted);
    }
    out.extend_from_slice(b"\r\n");
}

/// The value to forward for header `i` after the edits, or `None` if it is deleted.
fn edited_value<'a>(buf: &'a [u8], head: &Head, edits: &[Edit<'a>], i: usize) -> Option<&'a [u8]> {
    let mut value = head.value(buf, i);
    for edit in edits {
        match *edit {
            Edit::Delete(index) if index == i => return None,
            Edit::Replace { index, value: v } if index == i => value = v,
            _ => {}
        }
    }
    Some(value)
}

/// One `connection` line merging every `Connection` header's tokens other than
/// `close`/`keep-alive`, then `wanted`. Nothing if that is empty.
fn write_connection(buf: &[u8], head: &Head, edits: &[Edit<'_>], wanted: &[u8], out: &mut Vec<u8>) {
    let line_start = out.len();
    out.extend_from_slice(b"connection: ");
    let value_start = out.len();
    for (i, field) in head.headers.iter().enumerate() {
        if field.name.len() != 10 || !field.name.of(buf).eq_ignore_ascii_case(b"connection") {
            continue;
        }
        let Some(value) = edited_value(buf, head, edits, i) else {
            continue;
        };
        for token in list_elements(value).filter(|t| is_other_token(t)) {
            if out.len() > value_start {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(token);
        }
    }
    if !wanted.is_empty() {
        if out.len() > value_start {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(wanted);
    }
    if out.len() == value_start {
        out.truncate(line_start);
    } else {
        out.extend_from_slice(b"\r\n");
    }
}

/// A `Connection` token the proxy keeps when it rewrites the header.
fn is_other_token(token: &[u8]) -> bool {
    !token.is_empty()
        && !token.eq_ignore_ascii_case(b"close")
        && !token.eq_ignore_ascii_case(b"keep-alive")
}

fn write_start_line(buf: &[u8], head: &Head, side: Side, edits: &[Edit<'_>], out: &mut Vec<u8>) {
    match side {
        Side::Request => {
            let mut method = head.method_span.of(buf);
            let mut target = head.target.of(buf);
            for edit in edits {
                match *edit {
                    Edit::SetMethod(m) => method = m,
                    Edit::SetTarget(t) => target = t,
                    _ => {}
                }
            }
            out.extend_from_slice(method);
            out.push(b' ');
            out.extend_from_slice(target);
            out.push(b' ');
            out.extend_from_slice(head.version.as_bytes());
        }
        Side::Response => {
            let mut status = head.status;
            let mut reason = head.reason.of(buf);
            for edit in edits {
                if let Edit::SetStatus {
                    status: s,
                    reason: r,
                } = *edit
                {
                    status = s;
                    reason = r;
                }
            }
            out.extend_from_slice(head.version.as_bytes());
            out.push(b' ');
            let status = status.min(999);
            out.extend_from_slice(&[
                b'0' + (status / 100) as u8,
                b'0' + (status / 10 % 10) as u8,
                b'0' + (status % 10) as u8,
            ]);
            out.push(b' ');
            out.extend_from_slice(reason);
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// `name: value\r\n`, the name in lower case.
#[inline]
fn write_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    let name_at = out.len();
    out.extend_from_slice(name);
    lowercase(&mut out[name_at..]);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// ASCII lower-casing, eight bytes at a time (header names are short but numerous; the
/// per-byte loop was the largest cost of a forwarded head).
#[inline]
fn lowercase(bytes: &mut [u8]) {
    let mut chunks = bytes.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // For each byte b < 0x80: (b + 0x3f) has bit 7 set iff b >= 'A' (0x41), and
        // (b + 0x25) has bit 7 set iff b >= '[' (0x5b); upper = the first and not the second.
        // Bytes >= 0x80 are excluded by `!w`. Carries cannot cross bytes: b + 0x3f < 0x100 for
        // b < 0x80 after masking bit 7 off.
        let low7 = w & 0x7f7f_7f7f_7f7f_7f7f;
        let ge_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
        let gt_z = low7.wrapping_add(0x2525_2525_2525_2525);
        let upper = ge_a & !gt_z & !w & 0x8080_8080_8080_8080;
        let lowered = w | (upper >> 2);
        chunk.copy_from_slice(&lowered.to_le_bytes());
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        lowercase(&mut word);
        rest.copy_from_slice(&word[..rest.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::lowercase;

    #[test]
    fn lowercase_matches_std_for_every_byte_at_every_position() {
        for b in 0..=255u8 {
            for len in [1usize, 7, 8, 9, 16, 17] {
                for at in 0..len {
                    let mut bytes = vec![b'Q'; len];
                    bytes[at] = b;
                    let mut want = bytes.clone();
                    want.make_ascii_lowercase();
                    lowercase(&mut bytes);
                    assert_eq!(bytes, want, "byte {b:#x} at {at} of {len}");
                }
            }
        }
    }
}
