//! Parsing a request or response head into caller-owned storage, with the validation that keeps
//! the proxy and the server agreeing on where each message ends (RFC 9112 §6, request
//! smuggling). This is the first step of a session after bytes arrive: the proxy keeps one
//! [`Head`] per direction and calls [`Head::parse_request`] / [`Head::parse_response`] on its
//! buffer; the head then feeds the rules, [`crate::framing`] and [`crate::rewrite`].
//!
//! One pass: httparse splits the lines (into a stack array, no allocation), then a single walk
//! over the headers records their spans into `Head::headers` (a `Vec` whose capacity is kept
//! across requests) and interprets the few that decide framing and connection handling.

use std::mem::MaybeUninit;

use crate::error::{HeadError, Side};
use crate::fields::{self, CodingList, ConnectionTokens};
use crate::span::{span_in, HeaderField, Span};

/// How many header slots live on the stack during a parse. `tune.http.maxhdr` defaults to 101;
/// a configuration above this falls back to a heap array (one allocation per parse).
const STACK_HEADER_SLOTS: usize = 128;

/// Limits a head must respect, from the HAProxy configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest head in bytes: `tune.bufsize - tune.maxrewrite` (16384 - 1024 by default).
    /// Values above `u32::MAX` act as `u32::MAX` (spans are 32-bit).
    pub max_head_len: usize,
    /// Most header lines: `tune.http.maxhdr` (101 by default; HAProxy caps it at 32767, and so
    /// does the parser).
    pub max_headers: usize,
}

impl Limits {
    /// The limits as the parser applies them.
    fn clamped(&self) -> Limits {
        Limits {
            max_head_len: self.max_head_len.min(u32::MAX as usize),
            max_headers: self.max_headers.min(32767),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_len: 16384 - 1024,
            max_headers: 101,
        }
    }
}

/// Outcome of a parse that did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// The head is complete; it occupies this many bytes at the front of the buffer (the blank
    /// line included). The body or the next pipelined message starts right after.
    Complete(usize),
    /// More bytes are needed; parse again from the start of the buffer when they arrive.
    Partial,
}

/// HTTP version of a message. Only 1.0 and 1.1 are accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: connections close after each message unless `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: persistent connections unless `Connection: close`.
    #[default]
    Http11,
}

impl Version {
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Version::Http10 => b"HTTP/1.0",
            Version::Http11 => b"HTTP/1.1",
        }
    }
}

/// The request method, with the ones that change framing or routing named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// GET
    #[default]
    Get,
    /// HEAD: its response never has a body.
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// CONNECT: a 2xx response turns the connection into a tunnel.
    Connect,
    /// OPTIONS
    Options,
    /// TRACE
    Trace,
    /// PATCH
    Patch,
    /// Any other token; read it from `Head::method_span`.
    Other,
}

impl Method {
    fn from_token(token: &[u8]) -> Method {
        // Methods are case-sensitive (RFC 9110 §9.1).
        match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            _ => Method::Other,
        }
    }
}

/// The form of a request target (RFC 9112 §3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetForm {
    /// `/path?query` (or anything not matching another form).
    #[default]
    Origin,
    /// `http://host:port/path?query`: the authority overrides `Host` (RFC 9112 §3.2.2).
    Absolute,
    /// `host:port`, for CONNECT.
    Authority,
    /// `*`, for server-wide OPTIONS.
    Asterisk,
}

/// The transfer codings of a message, as far as framing cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransferCoding {
    /// No `Transfer-Encoding` header.
    #[default]
    Absent,
    /// `chunked` is the final coding: the body is chunked.
    Chunked,
    /// A final coding other than `chunked`: the body runs until the connection closes
    /// (RFC 9112 §6.3). Never produced by the parser, which follows haproxy 2.6 in refusing
    /// such messages (400 request, 502 response); kept for heads built by hand.
    NotChunked,
}

/// A parsed request or response head. Keep one per direction and reuse it: parsing clears it
/// but keeps the capacity of `headers`, so the steady state allocates nothing.
///
/// Every `Span` points into the buffer given to the last successful parse.
#[derive(Clone, Debug, Default)]
pub struct Head {
    /// Request: the method.
    pub method: Method,
    /// Request: the method token as received.
    pub method_span: Span,
    /// Request: the target as received.
    pub target: Span,
    /// Request: the form of the target.
    pub target_form: TargetForm,
    /// Response: the status code.
    pub status: u16,
    /// Response: the reason phrase (may be empty).
    pub reason: Span,
    /// Protocol version of the message.
    pub version: Version,
    /// Length of the head in the buffer, blank line included.
    pub len: u32,
    /// The header lines to forward, in order. Differs from the raw bytes when the parse had to
    /// drop a line (see `edited`).
    pub headers: Vec<HeaderField>,
    /// The message length announced by `Content-Length` (merged; `None` if absent or dropped
    /// because `Transfer-Encoding` is present).
    pub content_length: Option<u64>,
    /// What `Transfer-Encoding` says.
    pub transfer_coding: TransferCoding,
    /// Tokens of the `Connection` headers.
    pub connection: ConnectionTokens,
    /// Index in `headers` of the first `Upgrade` header.
    pub upgrade: Option<u16>,
    /// Index in `headers` of the `Host` header (requests).
    pub host: Option<u16>,
    /// The request carries `Expect: 100-continue` (and is HTTP/1.1).
    pub expect_continue: bool,
    /// The framing was ambiguous but recoverable (a request with `Transfer-Encoding` and
    /// `Content-Length`, or an HTTP/1.0 response with `Transfer-Encoding`): the connection
    /// must be closed after this exchange, as HAProxy does.
    pub close_after_response: bool,
    /// `headers` no longer matches the raw bytes (a duplicate or overridden `Content-Length` was
    /// dropped or narrowed): forward through [`crate::rewrite::write_head`], never verbatim.
    pub edited: bool,
}

impl Head {
    /// An empty head with room for `header_capacity` headers before the first reallocation.
    pub fn with_capacity(header_capacity: usize) -> Head {
        Head {
            headers: Vec::with_capacity(header_capacity),
            ..Head::default()
        }
    }

    /// Parses and validates a request head at the front of `buf`.
    ///
    /// `Ok(Partial)` asks for more bytes (unless the buffer already holds `max_head_len` bytes,
    /// which is [`HeadError::TooLarge`]). On `Err`, answer `err.status(Side::Request)` (400).
    pub fn parse_request(&mut self, buf: &[u8], limits: &Limits) -> Result<Parsed, HeadError> {
        self.clear();
        let limits = &limits.clamped();
        let window = &buf[..buf.len().min(limits.max_head_len)];
        let mut slots =
            [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK_HEADER_SLOTS];
        let mut heap_slots;
        let slots: &mut [MaybeUninit<httparse::Header<'_>>] =
            if limits.max_headers <= STACK_HEADER_SLOTS {
                &mut slots[..limits.max_headers]
            } else {
                heap_slots = Vec::with_capacity(limits.max_headers);
                heap_slots.resize_with(limits.max_headers, MaybeUninit::uninit);
                &mut heap_slots[..]
            };
        let mut req = httparse::Request::new(&mut []);
        let len = match req.parse_with_uninit_headers(window, slots) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return partial(window, limits),
            Err(e) => {
                let parsed_method = req.method.is_some();
                return Err(map_httparse_error(e, window, limits, parsed_method));
            }
        };
        let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
            return Err(HeadError::BadVersion); // httparse fills all three on Complete
        };
        self.method = Method::from_token(method.as_bytes());
        self.method_span = span_in(buf, method.as_bytes());
        self.target = span_in(buf, target.as_bytes());
        self.version = if minor == 0 {
            Version::Http10
        } else {
            Version::Http11
        };
        // httparse accepts obs-text in the target; HAProxy refuses non-ASCII there (400 unless
        // `option accept-invalid-http-request`), and a fragment.
        if !target.is_ascii() || target.as_bytes().contains(&b'#') {
            return Err(HeadError::BadTarget);
        }
        self.target_form = target_form(self.method, target.as_bytes());
        self.len = len as u32;
        self.read_headers(buf, req.headers, Side::Request)?;
        if self.target_form == TargetForm::Absolute {
            self.check_host_matches_authority(buf)?;
        }
        Ok(Parsed::Complete(len))
    }

    /// Parses and validates a response head at the front of `buf`, including interim 1xx
    /// responses (check [`Head::is_interim`] and parse again after them).
    /// On `Err`, answer `err.status(Side::Response)` (502).
    pub fn parse_response(&mut self, buf: &[u8], limits: &Limits) -> Result<Parsed, HeadError> {
        self.clear();
        let limits = &limits.clamped();
        let window = &buf[..buf.len().min(limits.max_head_len)];
        let mut slots =
            [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK_HEADER_SLOTS];
        let mut heap_slots;
        let slots: &mut [MaybeUninit<httparse::Header<'_>>] =
            if limits.max_headers <= STACK_HEADER_SLOTS {
                &mut slots[..limits.max_headers]
            } else {
                heap_slots = Vec::with_capacity(limits.max_headers);
                heap_slots.resize_with(limits.max_headers, MaybeUninit::uninit);
                &mut heap_slots[..]
            };
        let mut resp = httparse::Response::new(&mut []);
        let len = match httparse::ParserConfig::default()
            .parse_response_with_uninit_headers(&mut resp, window, slots)
        {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return partial(window, limits),
            // httparse reports a bad status code as `Token` in some paths.
            Err(httparse::Error::Token) => return Err(HeadError::BadStatusLine),
            Err(e) => return Err(map_httparse_error(e, window, limits, false)),
        };
        let (Some(code), Some(minor)) = (resp.code, resp.version) else {
            return Err(HeadError::BadStatusLine);
        };
        self.status = code;
        self.version = if minor == 0 {
            Version::Http10
        } else {
            Version::Http11
        };
        // httparse hides a reason phrase holding obs-text; find it in the bytes instead.
        self.reason = reason_span(window);
        self.len = len as u32;
        self.read_headers(buf, resp.headers, Side::Response)?;
        Ok(Parsed::Complete(len))
    }

    /// Resets every field, keeping the capacity of `headers`.
    pub fn clear(&mut self) {
        let mut headers = std::mem::take(&mut self.headers);
        headers.clear();
        *self = Head {
            headers,
            ..Head::default()
        };
    }

    /// The single walk over the header lines: record spans, interpret the framing headers,
    /// apply the smuggling rules.
    fn read_headers(
        &mut self,
        buf: &[u8],
        lines: &[httparse::Header<'_>],
        side: Side,
    ) -> Result<(), HeadError> {
        let mut codings = CodingList::default();
        let mut content_length_at: Option<usize> = None;
        let mut websocket_upgrade = false;
        let mut websocket_key = false;
        for line in lines {
            let name = line.name.as_bytes();
            let field = HeaderField {
                name: span_in(buf, name),
                value: span_in(buf, line.value),
            };
            let index = self.headers.len();
            match name.len() {
                4 if name.eq_ignore_ascii_case(b"host") && side == Side::Request => {
                    if let Some(first) = self.host {
                        // HAProxy merges identical duplicates and refuses differing ones.
                        if self.value(buf, usize::from(first)) != line.value {
                            return Err(HeadError::DuplicateHost);
                        }
                        self.edited = true;
                        continue;
                    }
                    self.host = Some(index as u16);
                }
                6 if name.eq_ignore_ascii_case(b"expect") && side == Side::Request => {
                    // RFC 9110 §10.1.1: ignored in an HTTP/1.0 request.
                    self.expect_continue |= self.version == Version::Http11
                        && line.value.eq_ignore_ascii_case(b"100-continue");
                }
                7 if name.eq_ignore_ascii_case(b"upgrade") => {
                    if self.upgrade.is_none() {
                        self.upgrade = Some(index as u16);
                    }
                    websocket_upgrade |= fields::list_elements(line.value)
                        .any(|p| p.eq_ignore_ascii_case(b"websocket"));
                }
                10 if name.eq_ignore_ascii_case(b"connection") => self.connection.add(line.value),
                14 if name.eq_ignore_ascii_case(b"content-length") => {
                    let (n, first_len) = fields::content_length(line.value)?;
                    match self.content_length {
                        Some(prev) if prev != n => return Err(HeadError::ConflictingContentLength),
                        Some(_) => {
                            // An identical duplicate: merged into the first one.
                            self.edited = true;
                            continue;
                        }
                        None => {
                            self.content_length = Some(n);
                            content_length_at = Some(index);
                            let mut field = field;
                            if first_len != line.value.len() {
                                // `5, 5`: forward only `5` so the server cannot disagree.
                                field.value.end = field.value.start + first_len as u32;
                                self.edited = true;
                            }
                            self.headers.push(field);
                            continue;
                        }
                    }
                }
                17 if name.eq_ignore_ascii_case(b"transfer-encoding") => codings.add(line.value)?,
                17 if name.eq_ignore_ascii_case(b"sec-websocket-key") => websocket_key = true,
                _ => {}
            }
            self.headers.push(field);
        }
        if side == Side::Request && websocket_upgrade && self.connection.upgrade && !websocket_key {
            return Err(HeadError::WebSocketKeyMissing);
        }
        self.apply_transfer_coding(codings, content_length_at, side)
    }

    /// RFC 9112 §3.2.2: with an absolute-form target the authority is the host; HAProxy 2.6
    /// refuses a `Host` header that says otherwise (ignoring case and a default port).
    fn check_host_matches_authority(&self, buf: &[u8]) -> Result<(), HeadError> {
        let Some(host) = self.host else {
            return Ok(());
        };
        let target = self.target.of(buf);
        let https = target.len() >= 6 && target[..6].eq_ignore_ascii_case(b"https:");
        let authority = self.authority(buf).map_or(&[][..], |s| s.of(buf));
        let host = self.value(buf, usize::from(host));
        let default_port: &[u8] = if https { b":443" } else { b":80" };
        let strip = |a: &'_ [u8]| -> usize {
            if a.len() >= default_port.len() && a.ends_with(default_port) {
                a.len() - default_port.len()
            } else {
                a.len()
            }
        };
        let authority = &authority[..strip(authority)];
        let host = &host[..strip(host)];
        if authority.eq_ignore_ascii_case(host) {
            Ok(())
        } else {
            Err(HeadError::HostMismatch)
        }
    }

    /// RFC 9112 §6.1 and §6.3: what `Transfer-Encoding` means for this message, and dropping
    /// `Content-Length` when both are present.
    fn apply_transfer_coding(
        &mut self,
        codings: CodingList,
        content_length_at: Option<usize>,
        side: Side,
    ) -> Result<(), HeadError> {
        if !codings.present {
            return Ok(());
        }
        if codings.chunked_count > 1 {
            return Err(HeadError::BadTransferEncoding);
        }
        match side {
            Side::Request => {
                if self.version == Version::Http10 {
                    return Err(HeadError::TransferEncodingInHttp10);
                }
                if !codings.last_is_chunked {
                    return Err(HeadError::BadTransferEncoding);
                }
                if codings.other {
                    return Err(HeadError::UnsupportedTransferCoding);
                }
            }
            Side::Response => {
                // haproxy 2.6.12 answers 502 to any response coding but `chunked` alone
                // (`gzip`, `gzip, chunked`, `chunked, gzip` alike), rather than reading a
                // close-delimited body as RFC 9112 §6.3 would allow.
                if codings.other || !codings.last_is_chunked {
                    return Err(HeadError::BadTransferEncoding);
                }
                if self.version == Version::Http10 {
                    self.close_after_response = true;
                }
            }
        }
        self.transfer_coding = if codings.last_is_chunked {
            TransferCoding::Chunked
        } else {
            TransferCoding::NotChunked
        };
        if let Some(at) = content_length_at {
            // Transfer-Encoding overrides Content-Length. In a request the pair is a smuggling
            // attempt, so the client connection is not reused afterwards; haproxy 2.6 keeps the
            // client connection open after such a response, and so do we.
            self.headers.remove(at);
            for index in [&mut self.upgrade, &mut self.host].into_iter().flatten() {
                if usize::from(*index) > at {
                    *index -= 1;
                }
            }
            self.content_length = None;
            self.close_after_response |= side == Side::Request;
            self.edited = true;
        }
        Ok(())
    }

    /// The name of header `i` (empty if out of range).
    #[inline]
    pub fn name<'b>(&self, buf: &'b [u8], i: usize) -> &'b [u8] {
        self.headers.get(i).map_or(&[][..], |h| h.name.of(buf))
    }

    /// The value of header `i` (empty if out of range).
    #[inline]
    pub fn value<'b>(&self, buf: &'b [u8], i: usize) -> &'b [u8] {
        self.headers.get(i).map_or(&[][..], |h| h.value.of(buf))
    }

    /// Index of the first header named `name` (ASCII case-insensitive).
    pub fn find(&self, buf: &[u8], name: &[u8]) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.name.len() == name.len() && h.name.of(buf).eq_ignore_ascii_case(name))
    }

    /// Indexes of every header named `name` (ASCII case-insensitive), in order.
    pub fn find_all<'a>(
        &'a self,
        buf: &'a [u8],
        name: &'a [u8],
    ) -> impl Iterator<Item = usize> + 'a {
        self.headers.iter().enumerate().filter_map(move |(i, h)| {
            (h.name.len() == name.len() && h.name.of(buf).eq_ignore_ascii_case(name)).then_some(i)
        })
    }

    /// A 1xx response other than 101: the final response is still to come.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }

    /// The host the request is for: the authority of an absolute-form or authority-form
    /// target (which overrides `Host`, RFC 9112 §3.2.2), else the `Host` header's value.
    pub fn authority(&self, buf: &[u8]) -> Option<Span> {
        match self.target_form {
            TargetForm::Absolute => {
                let target = self.target.of(buf);
                let after_scheme = target.windows(3).position(|w| w == b"://")? + 3;
                let rest = &target[after_scheme..];
                let end = rest
                    .iter()
                    .position(|&b| b == b'/' || b == b'?' || b == b'#')
                    .unwrap_or(rest.len());
                let start = self.target.start + after_scheme as u32;
                Some(Span::new(start, start + end as u32))
            }
            TargetForm::Authority => Some(self.target),
            _ => self
                .host
                .and_then(|i| self.headers.get(usize::from(i)))
                .map(|h| h.value),
        }
    }

    /// The query string of the target, without the `?` (HAProxy's `query` fetch); `None` when
    /// the target has no `?`.
    pub fn query(&self, buf: &[u8]) -> Option<Span> {
        let target = self.target.of(buf);
        let q = target.iter().position(|&b| b == b'?')?;
        Some(Span::new(self.target.start + q as u32 + 1, self.target.end))
    }

    /// The path of the target without the query string (HAProxy's `path` fetch): for an
    /// absolute-form target, the part after the authority (`/` if there is none).
    pub fn path(&self, buf: &[u8]) -> Span {
        let target = self.target.of(buf);
        let mut start = 0;
        if self.target_form == TargetForm::Absolute {
            if let Some(at) = target.windows(3).position(|w| w == b"://") {
                let rest = &target[at + 3..];
                start = at + 3 + rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            }
        }
        let end = target[start..]
            .iter()
            .position(|&b| b == b'?')
            .map_or(target.len(), |q| start + q);
        Span::new(
            self.target.start + start as u32,
            self.target.start + end as u32,
        )
    }
}

fn target_form(method: Method, target: &[u8]) -> TargetForm {
    match target {
        _ if method == Method::Connect => TargetForm::Authority,
        [b'/', ..] => TargetForm::Origin,
        b"*" => TargetForm::Asterisk,
        _ if target.windows(3).any(|w| w == b"://") => TargetForm::Absolute,
        _ => TargetForm::Origin,
    }
}

/// A partial head: more bytes are needed, unless the window is already full.
fn partial(window: &[u8], limits: &Limits) -> Result<Parsed, HeadError> {
    if window.len() >= limits.max_head_len {
        Err(HeadError::TooLarge {
            limit: limits.max_head_len as u32,
        })
    } else {
        Ok(Parsed::Partial)
    }
}

fn map_httparse_error(
    e: httparse::Error,
    window: &[u8],
    limits: &Limits,
    past_method: bool,
) -> HeadError {
    match e {
        httparse::Error::HeaderName if has_obs_fold(window) => HeadError::ObsFold,
        httparse::Error::HeaderName => HeadError::BadHeaderName,
        httparse::Error::HeaderValue => HeadError::BadHeaderValue,
        httparse::Error::NewLine => HeadError::BadLineEnding,
        httparse::Error::Status => HeadError::BadStatusLine,
        httparse::Error::Token if past_method => HeadError::BadTarget,
        httparse::Error::Token => HeadError::BadMethod,
        httparse::Error::TooManyHeaders => HeadError::TooManyHeaders {
            limit: limits.max_headers as u32,
        },
        httparse::Error::Version => HeadError::BadVersion,
    }
}

/// A header line starting with SP or HTAB before the end of the head: httparse reports it as a
/// bad header name; we name it for what it is. Only called on the error path.
fn has_obs_fold(window: &[u8]) -> bool {
    let body_start = window
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| window.windows(4).position(|w| w == b"\r\n\r\n"))
        .unwrap_or(window.len());
    window[..body_start]
        .windows(2)
        .any(|w| w[0] == b'\n' && (w[1] == b' ' || w[1] == b'\t'))
}

/// The reason phrase of the status line at the front of `window` (after any leading empty
/// lines httparse skipped): what follows `HTTP/1.x NNN `, without the line ending.
fn reason_span(window: &[u8]) -> Span {
    let start = window
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(0);
    let line_end = window[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(window.len(), |p| start + p);
    let mut end = line_end;
    if end > start && window[end - 1] == b'\r' {
        end -= 1;
    }
    let reason_start = start + 13; // "HTTP/1.1 200 "
    if reason_start > end {
        return Span::new(end as u32, end as u32);
    }
    Span::new(reason_start as u32, end as u32)
}
