//! Responses the rules answer with themselves — redirects, `return`, `auth` challenges —
//! written into the caller's reused buffer in HAProxy 2.6's shape (lower-case names,
//! `content-length`, `cache-control: no-cache` on redirects and error pages).

use std::io::Write;

use crate::action::{Redirect, RedirectKind, Reply, ReplyBody};
use crate::msg::path_and_query;
use crate::sample::Ctx;

/// The standard reason phrase of `status` (RFC 9110), as HAProxy writes it.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

pub(crate) fn status_line(status: u16, out: &mut Vec<u8>) {
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
}

pub(crate) fn header(name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// A redirect, as haproxy 2.6.12 writes it: `location`, then `cache-control: no-cache` for
/// the temporary codes (302, 303, 307), then the optional `set-cookie` value.
pub(crate) fn redirect(code: u16, location: &[u8], cookie: Option<&[u8]>, out: &mut Vec<u8>) {
    out.clear();
    status_line(code, out);
    header(b"content-length", b"0", out);
    header(b"location", location, out);
    if matches!(code, 302 | 303 | 307) {
        header(b"cache-control", b"no-cache", out);
    }
    if let Some(c) = cookie {
        header(b"set-cookie", c, out);
    }
    out.extend_from_slice(b"\r\n");
}

/// HAProxy's 401 page with a `www-authenticate: Basic realm="…"` challenge.
pub fn auth(realm: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let page = http1::builtin_errors::page(401)
        .unwrap_or(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
    let split = crate::msg::find(page, b"\r\n\r\n").map_or(page.len(), |p| p + 2);
    out.extend_from_slice(&page[..split]);
    out.extend_from_slice(b"www-authenticate: Basic realm=\"");
    // A quote or backslash in the realm would end the quoted string early.
    for &b in realm {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.extend_from_slice(b"\"\r\n");
    out.extend_from_slice(&page[split..]);
}

/// The `Location` value of a redirect.
pub(crate) fn render_redirect(r: &Redirect, ctx: &Ctx<'_>, tmp: &mut Vec<u8>, out: &mut Vec<u8>) {
    let req = ctx.req;
    let pq = req.and_then(|m| path_and_query(m.target())).unwrap_or(b"/");
    let (path, query) = match pq.iter().position(|&b| b == b'?') {
        Some(q) => (&pq[..q], Some(&pq[q..])),
        None => (pq, None),
    };
    let append_uri = |out: &mut Vec<u8>| {
        out.extend_from_slice(path);
        if r.append_slash && !path.ends_with(b"/") {
            out.push(b'/');
        }
        if !r.drop_query {
            if let Some(q) = query {
                out.extend_from_slice(q);
            }
        }
    };
    match &r.kind {
        RedirectKind::Location(f) => f.render(ctx, tmp, out),
        RedirectKind::Prefix(f) => {
            f.render(ctx, tmp, out);
            // A prefix of "/" means a relative redirect: the path alone.
            if out.as_slice() == b"/" {
                out.clear();
            }
            append_uri(out);
        }
        RedirectKind::Scheme(f) => {
            f.render(ctx, tmp, out);
            out.extend_from_slice(b"://");
            if let Some(host) = req.and_then(|m| m.first(b"host")) {
                out.extend_from_slice(host);
            }
            append_uri(out);
        }
    }
}

/// A `return` (or `deny` with a body) response, head and body; `body` is working space.
pub(crate) fn render_reply(
    r: &Reply,
    ctx: &Ctx<'_>,
    tmp: &mut Vec<u8>,
    body: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    use std::io::Write;
    if let ReplyBody::Raw(raw) = &r.body {
        out.extend_from_slice(raw);
        return;
    }
    body.clear();
    match &r.body {
        ReplyBody::Static(b) => body.extend_from_slice(b),
        ReplyBody::Format(f) => f.render(ctx, tmp, body),
        _ => {}
    }
    // haproxy 2.6.12's order: the `hdr` headers, then content-length and content-type.
    status_line(r.status, out);
    for (name, value) in &r.headers {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        value.render(ctx, tmp, out);
        out.extend_from_slice(b"\r\n");
    }
    let _ = write!(out, "content-length: {}\r\n", body.len());
    if let Some(ct) = &r.content_type {
        header(b"content-type", ct, out);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}
