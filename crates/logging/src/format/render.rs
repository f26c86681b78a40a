//! Rendering a compiled format from a record, appending to a caller-owned buffer (nothing is
//! allocated here besides the buffer's growth). Field shapes follow HAProxy 2.6's output, checked
//! against lines captured from it (tests/data/haproxy26).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use super::escape::{push_chunk, push_encoded, push_text, Encoding};
use super::vars::{Sample, Var};
use super::{CompiledFormat, Flags, Node};
use crate::record::LogRecord;
use crate::time::{CivilTime, LogTime};

const BADREQ: &[u8] = b"<BADREQ>";
const NOSRV: &[u8] = b"<NOSRV>";

impl CompiledFormat {
    /// Appends the line for `rec` to `out` (no trailing newline; framing adds it).
    pub fn render(&self, rec: &LogRecord<'_>, out: &mut Vec<u8>) {
        // A separator is written only when something was written since the last one, so
        // empty fields (no captures) do not leave double spaces, as in HAProxy.
        let mut after_separator = true;
        let parts = RequestParts::of(rec.request_line);
        for node in &self.nodes {
            match node {
                Node::Text(t) => {
                    out.extend_from_slice(t);
                    after_separator = false;
                }
                Node::Separator => {
                    if !after_separator {
                        out.push(b' ');
                        after_separator = true;
                    }
                }
                Node::Var(var, flags) => {
                    if render_var(*var, *flags, rec, &parts, out) {
                        after_separator = false;
                    }
                }
                Node::Sample(sample, flags) => {
                    render_sample(*sample, *flags, rec, &parts, out);
                    after_separator = false;
                }
            }
        }
    }
}

/// Returns false when the variable printed nothing at all and does not count as a field
/// (header captures when none are configured).
fn render_var(
    var: Var,
    f: Flags,
    rec: &LogRecord<'_>,
    parts: &RequestParts<'_>,
    out: &mut Vec<u8>,
) -> bool {
    let t = &rec.timers;
    let (method, uri, version) = (parts.method, parts.uri, parts.version);
    match var {
        Var::BytesRead => {
            partial(out, rec);
            num(out, rec.bytes_read, f);
        }
        Var::BytesUploaded => num(out, rec.bytes_uploaded, f),
        Var::ReqCookie => push_text(out, rec.request_cookie, Encoding::Url, f),
        Var::ResCookie => push_text(out, rec.response_cookie, Encoding::Url, f),
        Var::Hostname => push_text(out, Some(rec.hostname.as_bytes()), Encoding::None, f),
        Var::Method => push_chunk(out, method, Encoding::Url, f),
        Var::Uri => push_chunk(out, uri, Encoding::Url, f),
        Var::Path => push_chunk(out, path_of(uri), Encoding::Url, f),
        Var::PathOnly => push_chunk(out, path_only(uri), Encoding::Url, f),
        Var::Query if rec.request_line.is_empty() => push_chunk(out, BADREQ, Encoding::Url, f),
        Var::Query => push_chunk(out, &uri[path_of(uri).len()..], Encoding::Url, f),
        Var::Version => push_chunk(out, version, Encoding::Url, f),
        Var::Request => {
            let line = if rec.request_line.is_empty() {
                BADREQ
            } else {
                rec.request_line
            };
            push_chunk(out, line, Encoding::Url, f);
        }
        Var::UniqueId => push_text(out, Some(rec.unique_id), Encoding::Url, f),
        Var::Status => signed(out, rec.status.map(u64::from), f),
        Var::GmtDate => date_tz(out, &rec.accept_date, true),
        Var::LocalDate => date_tz(out, &rec.accept_date, false),
        Var::AcceptDate => date_ms(out, &rec.accept_date),
        Var::RequestDate => date_ms(out, &rec.request_date()),
        Var::RequestGmtDate => date_tz(out, &rec.request_date(), true),
        Var::RequestLocalDate => date_tz(out, &rec.request_date(), false),
        Var::AcceptMillis => padded(out, rec.accept_date.millis().into(), 3),
        Var::Timestamp => num(out, rec.accept_date.unix_secs.max(0) as u64, f),
        Var::Ta => {
            partial(out, rec);
            signed(out, t.ta, f);
        }
        Var::Tc => signed(out, t.tc, f),
        Var::Td => signed(out, t.td, f),
        Var::Th => signed(out, t.th, f),
        Var::Ti => signed(out, t.ti, f),
        Var::Tq => signed(out, t.tq, f),
        Var::TR => signed(out, t.treq, f),
        Var::Tr => signed(out, t.tr, f),
        Var::Tt => {
            partial(out, rec);
            signed(out, t.tt, f);
        }
        Var::Tw => signed(out, t.tw, f),
        Var::Tu => signed(out, t.tt.map(|tt| tt.saturating_sub(t.ti.unwrap_or(0))), f),
        Var::ActConn => num(out, rec.actconn.into(), f),
        Var::FeConn => num(out, rec.feconn.into(), f),
        Var::BeConn => num(out, rec.beconn.into(), f),
        Var::SrvConn => num(out, rec.srv_conn.into(), f),
        Var::SrvQueue => num(out, rec.srv_queue.into(), f),
        Var::BackendQueue => num(out, rec.backend_queue.into(), f),
        Var::Retries => {
            if rec.redispatched {
                out.push(b'+');
            }
            num(out, rec.retries.into(), f);
        }
        Var::Backend => push_text(out, Some(rec.backend.as_bytes()), Encoding::None, f),
        Var::Frontend => push_text(out, Some(rec.frontend.as_bytes()), Encoding::None, f),
        Var::FrontendTransport => {
            if f.quote {
                out.push(b'"');
            }
            push_encoded(out, rec.frontend.as_bytes(), Encoding::None, f);
            if rec.frontend_ssl {
                out.push(b'~');
            }
            if f.quote {
                out.push(b'"');
            }
        }
        Var::Server => {
            let name = rec.server.map_or(NOSRV, str::as_bytes);
            push_text(out, Some(name), Encoding::None, f);
        }
        Var::ClientIp => ip(out, rec.client, f),
        Var::ClientPort => port(out, rec.client, f),
        Var::FrontendIp => ip(out, rec.frontend_addr, f),
        Var::FrontendPort => port(out, rec.frontend_addr, f),
        Var::BackendSrcIp => ip(out, rec.backend_source, f),
        Var::BackendSrcPort => port(out, rec.backend_source, f),
        Var::ServerIp => ip(out, rec.server_addr, f),
        Var::ServerPort => port(out, rec.server_addr, f),
        Var::LogCounter => num(out, rec.log_counter, f),
        Var::RequestCounter => num(out, rec.request_counter, f),
        Var::Pid => num(out, rec.pid.into(), f),
        Var::Tls => push_text(out, None, Encoding::None, f),
        Var::TermState => out.extend_from_slice(&rec.termination.codes()[..2]),
        Var::TermStateCookie => out.extend_from_slice(&rec.termination.codes()),
        Var::ProxyMode => out.extend_from_slice(if rec.http { b"HTTP" } else { b"TCP" }),
        Var::ReqHeaders => return header_block(out, rec.request_headers, f),
        Var::ResHeaders => return header_block(out, rec.response_headers, f),
        Var::ReqHeaderList => return header_list(out, rec.request_headers, f),
        Var::ResHeaderList => return header_list(out, rec.response_headers, f),
    }
    true
}

fn render_sample(
    sample: Sample,
    f: Flags,
    rec: &LogRecord<'_>,
    parts: &RequestParts<'_>,
    out: &mut Vec<u8>,
) {
    let (method, uri, version) = (parts.method, parts.uri, parts.version);
    match sample {
        Sample::CaptureReqHdr(i) => push_text(
            out,
            rec.request_headers.get(i).copied().flatten(),
            Encoding::Header,
            f,
        ),
        Sample::CaptureResHdr(i) => push_text(
            out,
            rec.response_headers.get(i).copied().flatten(),
            Encoding::Header,
            f,
        ),
        Sample::CaptureReqMethod => push_text(out, Some(method), Encoding::Url, f),
        Sample::CaptureReqUri => push_text(out, Some(uri), Encoding::Url, f),
        Sample::CaptureReqVer => push_text(out, Some(version), Encoding::Url, f),
        Sample::FeName => push_text(out, Some(rec.frontend.as_bytes()), Encoding::None, f),
        Sample::BeName => push_text(out, Some(rec.backend.as_bytes()), Encoding::None, f),
        Sample::SrvName => push_text(out, rec.server.map(str::as_bytes), Encoding::None, f),
        Sample::UniqueId => push_text(out, Some(rec.unique_id), Encoding::Url, f),
        Sample::Unavailable => push_text(out, None, Encoding::None, f),
        // Fetches that produce numbers or addresses: HAProxy turns every sample into a
        // string before logging it, so they are quoted with `Q` like any text.
        Sample::Src | Sample::Dst | Sample::SrcPort | Sample::DstPort | Sample::Status => {
            let addr = match sample {
                Sample::Src | Sample::SrcPort => rec.client,
                _ => rec.frontend_addr,
            };
            let present = match sample {
                Sample::Status => rec.status.is_some(),
                _ => addr.is_some(),
            };
            if !present {
                return push_text(out, None, Encoding::None, f);
            }
            if f.quote {
                out.push(b'"');
            }
            let _ = match (sample, addr) {
                (Sample::Src | Sample::Dst, Some(a)) => write!(out, "{}", a.ip()),
                (Sample::SrcPort | Sample::DstPort, Some(a)) => write!(out, "{}", a.port()),
                _ => write!(out, "{}", rec.status.unwrap_or(0)),
            };
            if f.quote {
                out.push(b'"');
            }
        }
    }
}

/// `+` before values that are not final yet (`option logasap`).
fn partial(out: &mut Vec<u8>, rec: &LogRecord<'_>) {
    if rec.logasap {
        out.push(b'+');
    }
}

fn num(out: &mut Vec<u8>, n: u64, f: Flags) {
    if f.hex {
        let _ = write!(out, "{n:04X}");
    } else {
        padded(out, n, 1);
    }
}

/// Decimal, left-padded with zeros to `width` digits.
fn padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (digits.len() - i)..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits[i..]);
}

fn signed(out: &mut Vec<u8>, n: Option<u64>, f: Flags) {
    match n {
        Some(n) => num(out, n, f),
        None => out.extend_from_slice(b"-1"),
    }
}

fn ip(out: &mut Vec<u8>, addr: Option<SocketAddr>, f: Flags) {
    let Some(addr) = addr else {
        return push_text(out, None, Encoding::None, f);
    };
    if f.quote {
        out.push(b'"');
    }
    let _ = match (f.hex, addr.ip()) {
        (true, IpAddr::V4(v4)) => write!(out, "{:08X}", u32::from(v4)),
        (true, IpAddr::V6(v6)) => {
            let s = v6.segments();
            write!(
                out,
                "{:04X}{:04X}{:04X}{:04X}{:04X}{:04X}{:04X}{:04X}",
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
            )
        }
        (false, IpAddr::V4(v4)) => {
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                padded(out, o.into(), 1);
            }
            Ok(())
        }
        (false, ip) => write!(out, "{ip}"),
    };
    if f.quote {
        out.push(b'"');
    }
}

fn port(out: &mut Vec<u8>, addr: Option<SocketAddr>, f: Flags) {
    match addr {
        Some(a) => num(out, a.port().into(), f),
        None => out.push(b'-'),
    }
}

fn two(out: &mut Vec<u8>, n: u8) {
    out.extend_from_slice(&[b'0' + n / 10 % 10, b'0' + n % 10]);
}

fn date_head(out: &mut Vec<u8>, c: &CivilTime) {
    two(out, c.day);
    out.push(b'/');
    out.extend_from_slice(c.month_name().as_bytes());
    out.push(b'/');
    padded(out, c.year.max(0) as u64, 4);
    out.push(b':');
    two(out, c.hour);
    out.push(b':');
    two(out, c.minute);
    out.push(b':');
    two(out, c.second);
}

/// `%t`, `%tr`: `23/Nov/2026:14:57:37.966`, local time.
fn date_ms(out: &mut Vec<u8>, t: &LogTime) {
    date_head(out, &t.local());
    out.push(b'.');
    padded(out, t.millis().into(), 3);
}

/// `%T`, `%trg` (GMT) and `%Tl`, `%trl` (local): `23/Nov/2026:14:57:37 +0000`.
fn date_tz(out: &mut Vec<u8>, t: &LogTime, gmt: bool) {
    let (civil, offset) = if gmt {
        (t.utc(), 0)
    } else {
        (t.local(), t.utc_offset_secs)
    };
    date_head(out, &civil);
    let sign = if offset < 0 { b'-' } else { b'+' };
    let abs = offset.unsigned_abs();
    out.push(b' ');
    out.push(sign);
    two(out, (abs / 3600 % 100) as u8);
    two(out, (abs / 60 % 60) as u8);
}

/// `%hr`, `%hs`: `{a|b}`; nothing at all when no capture is configured.
fn header_block(out: &mut Vec<u8>, caps: &[Option<&[u8]>], f: Flags) -> bool {
    if caps.is_empty() {
        return false;
    }
    if f.quote {
        out.push(b'"');
    }
    out.push(b'{');
    for (i, c) in caps.iter().enumerate() {
        if i > 0 {
            out.push(b'|');
        }
        push_encoded(out, c.unwrap_or(b""), Encoding::Header, f);
    }
    out.push(b'}');
    if f.quote {
        out.push(b'"');
    }
    true
}

/// `%hrl`, `%hsl`: one field per capture, `-` for an absent header.
fn header_list(out: &mut Vec<u8>, caps: &[Option<&[u8]>], f: Flags) -> bool {
    if caps.is_empty() {
        return false;
    }
    for (i, c) in caps.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if f.quote {
            out.push(b'"');
        }
        match c {
            Some(v) => push_encoded(out, v, Encoding::Header, f),
            None if !f.quote => out.push(b'-'),
            None => {}
        }
        if f.quote {
            out.push(b'"');
        }
    }
    true
}

/// The request line cut once per rendered line.
struct RequestParts<'a> {
    method: &'a [u8],
    uri: &'a [u8],
    version: &'a [u8],
}

impl<'a> RequestParts<'a> {
    fn of(line: &'a [u8]) -> Self {
        let (method, mut uri, mut version) = split_request(line);
        if line.is_empty() {
            // No request was read: HAProxy shows <BADREQ> in every part of it.
            (uri, version) = (BADREQ, BADREQ);
        }
        RequestParts {
            method,
            uri,
            version,
        }
    }
}

/// Cuts a request line into method, URI and version the way HAProxy's `%HM`/`%HU`/`%HV`
/// do; an empty line reads as `<BADREQ>`.
fn split_request(line: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let line = if line.is_empty() { BADREQ } else { line };
    let is_sp = |b: &u8| *b == b' ' || *b == b'\t';
    let m_end = line.iter().position(is_sp).unwrap_or(line.len());
    let rest = &line[m_end..];
    let u_start = rest.iter().position(|b| !is_sp(b)).unwrap_or(rest.len());
    let rest = &rest[u_start..];
    let u_end = rest.iter().position(is_sp).unwrap_or(rest.len());
    let uri = &rest[..u_end];
    let rest = &rest[u_end..];
    let v_start = rest.iter().position(|b| !is_sp(b)).unwrap_or(rest.len());
    (&line[..m_end], uri, &rest[v_start..])
}

/// `%HP`: the URI without its query string.
fn path_of(uri: &[u8]) -> &[u8] {
    &uri[..uri.iter().position(|&b| b == b'?').unwrap_or(uri.len())]
}

/// `%HPO`: the path alone, without scheme, authority or query.
fn path_only(uri: &[u8]) -> &[u8] {
    let path = path_of(uri);
    if path.first() == Some(&b'/') {
        return path;
    }
    match path.windows(3).position(|w| w == b"://") {
        Some(p) => {
            let after = &path[p + 3..];
            let slash = after.iter().position(|&b| b == b'/').unwrap_or(after.len());
            &after[slash..]
        }
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_line_parts() {
        assert_eq!(
            split_request(b"GET /a?b HTTP/1.1"),
            (&b"GET"[..], &b"/a?b"[..], &b"HTTP/1.1"[..])
        );
        assert_eq!(split_request(b""), (BADREQ, &b""[..], &b""[..]));
        assert_eq!(split_request(b"GET"), (&b"GET"[..], &b""[..], &b""[..]));
        assert_eq!(path_only(b"http://ex.com/abs/p?z=1"), b"/abs/p");
        assert_eq!(path_only(b"http://ex.com"), b"");
        assert_eq!(path_of(b"/x?y"), b"/x");
    }
}
