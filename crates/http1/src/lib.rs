//! `http1` — HTTP/1.x for the halb data plane: head parsing and validation, body framing,
//! connection semantics, head rewriting, HAProxy's built-in error pages. Pure: no I/O, no
//! clock, no allocation per request once the caller's buffers have grown.
//!
//! # How the proxy uses it (the public API, stable)
//!
//! ```text
//! // once per session: reusable storage
//! let limits = Limits { max_head_len: bufsize - maxrewrite, max_headers: maxhdr };
//! let mut req = Head::with_capacity(32);          // reused for every request
//! let mut resp = Head::with_capacity(32);
//! let mut out: Vec<u8> = Vec::with_capacity(4096); // reused for every forwarded head
//!
//! // request head
//! match req.parse_request(&buf, &limits) {
//!     Ok(Parsed::Partial) => read more, parse again from the start of buf,
//!     Ok(Parsed::Complete(head_len)) => { .. }
//!     Err(e) => answer builtin_errors::page(e.status(Side::Request)) /* 400 */, log e.reason(),
//! }
//! let body = request_body_kind(&req);            // None | ContentLength(n) | Chunked
//! let edits = [Edit::Append { name: b"X-Forwarded-For", value: client_ip }];
//! write_head(&buf, &req, Side::Request, &edits, ConnectionHeader::KeepAlive { http10_peer: false }, &mut out);
//! let mut framer = BodyFramer::new(body);         // then framer.advance(slice) per slice
//!
//! // response head (loop while resp.is_interim(): 100 Continue, 103 …)
//! resp.parse_response(&sbuf, &limits)?;           // Err → 502
//! let body = response_body_kind(req.method, &resp); // HEAD/1xx/204/304 → None, 101 → Tunnel …
//! let reuse = keep_alive(&req, &resp, body);
//! let tunnel = starts_tunnel(&req, &resp);        // 101 to an upgrade, 2xx to CONNECT
//! ```
//!
//! * [`Head`] (in [`head`]): method, target, status, version, header [`Span`]s into the
//!   caller's buffer, and what the framing headers say (`content_length`, `transfer_coding`,
//!   `connection`, `host`, `upgrade`, `expect_continue`, `close_after_response`, `edited`).
//! * [`HeadError`] (in [`error`]): one variant per rejection rule, `status(Side)` (400/502),
//!   `reason()` for the log line.
//! * [`BodyKind`], [`BodyFramer`], [`ChunkedDecoder`] (in [`framing`], [`chunked`]): where a
//!   body ends; bytes are forwarded unchanged, trailers included.
//! * [`write_head`] with [`Edit`] and [`ConnectionHeader`] (in [`rewrite`]): the forwarded
//!   head in one pass.
//! * [`builtin_errors`]: HAProxy 2.6's default error responses, byte for byte, and
//!   `errorfile` validation.
//!
//! # What is refused, and with which status
//!
//! Checked against a real haproxy 2.6.12 (`option accept-invalid-http-request` off): the same
//! bytes were sent through it and what the client and server saw was recorded.
//!
//! | input | HAProxy 2.6 | here |
//! |---|---|---|
//! | request `Transfer-Encoding` + `Content-Length` | CL dropped, close after | same |
//! | `Content-Length: 5, 6` or two differing CL headers | 400 | same |
//! | `Content-Length: 5, 5` or two identical CL headers | merged to one `5` | same |
//! | CL not `1*DIGIT` or above u64 | 400 | same |
//! | request TE not ending in `chunked`, `chunked` twice | 400 | same |
//! | request TE `gzip, chunked` | 422 | same |
//! | response TE other than `chunked` alone | 502 | same |
//! | two differing `Host`s / absolute URI ≠ `Host` | 400 | same |
//! | two identical `Host`s | merged | same |
//! | `Upgrade: websocket` without `Sec-WebSocket-Key` | 400 | same |
//! | non-ASCII or `#` in the target, bad header name, space before colon | 400 | same |
//! | head larger than `bufsize - maxrewrite` | 400 (request), 502 (response) | same |
//! | obs-fold | unfolded to spaces | **400 / 502** (RFC 9112 §5.2 allows either) |
//! | control bytes (NUL, 0x01, DEL) in a value | forwarded | **400 / 502** |
//! | TE in an HTTP/1.0 request | chunked, close after | **400** (RFC 9112 §6.1) |
//! | bare LF in a chunk-size line | accepted | **refused** ([`ChunkedError::MissingCrlf`]) |
//! | `HTTP/2.0` in a request line | read as 1.1 | **400** |
//!
//! Forwarded heads are written like HAProxy's: header names in lower case, `Connection`
//! rewritten per hop, appended headers (`x-forwarded-for`) after the received ones. Two
//! differences: chunk extensions are forwarded (HAProxy re-chunks and drops them), and an
//! absolute URI keeps its default port (HAProxy rewrites `http://a:80/p` to `http://a/p`).

pub mod builtin_errors;
mod builtin_pages;
pub mod chunked;
pub mod connection;
pub mod error;
mod fields;
pub mod framing;
pub mod head;
pub mod rewrite;
pub mod span;

pub use chunked::{ChunkedDecoder, ChunkedError, Progress};
pub use connection::{keep_alive, starts_tunnel};
pub use error::{HeadError, Side};
pub use fields::ConnectionTokens;
pub use framing::{request_body_kind, response_body_kind, BodyFramer, BodyKind};
pub use head::{Head, Limits, Method, Parsed, TargetForm, TransferCoding, Version};
pub use rewrite::{write_head, ConnectionHeader, Edit};
pub use span::{HeaderField, Span};
