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
//! Rejections follow RFC 9112 §6 (request smuggling) and HAProxy 2.6 without
//! `option accept-invalid-http-request`: `Transfer-Encoding` with `Content-Length` drops the
//! `Content-Length` and closes after the exchange; differing `Content-Length`s, a bad
//! `Content-Length`, a request `Transfer-Encoding` not ending in `chunked`, `Transfer-Encoding`
//! in HTTP/1.0, several `Host`s, obs-fold, bad bytes in names, values or the target: 400.

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
