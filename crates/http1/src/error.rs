//! Why a head was refused: one variant per rule, each with the status HAProxy answers and a
//! short reason for the log line. The proxy turns a request-side error into its 400 page and a
//! response-side error into its 502 page (see [`crate::builtin_errors`]).

/// Which side of the proxy a head came from; decides the status of a rejection
/// (a bad request is the client's fault: 400; a bad response is the server's: 502).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A request read from a client.
    Request,
    /// A response read from a server.
    Response,
}

/// A head that must not be forwarded. Every smuggling rule of RFC 9112 §6 has its own variant so
/// that tests and log lines can tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// The head did not fit in `Limits::max_head_len` (HAProxy: `tune.bufsize` minus
    /// `tune.maxrewrite`).
    #[error("head larger than {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: u32,
    },
    /// More header lines than `Limits::max_headers` (HAProxy: `tune.http.maxhdr`, default 101).
    #[error("more than {limit} headers")]
    TooManyHeaders {
        /// The limit that was exceeded.
        limit: u32,
    },
    /// The method is not a token.
    #[error("invalid method")]
    BadMethod,
    /// The request target holds a byte outside visible ASCII (control, space, DEL, non-ASCII)
    /// or a `#` (a fragment is never sent; HAProxy 2.6 answers 400).
    #[error("invalid character in request target")]
    BadTarget,
    /// The version is not `HTTP/1.0` or `HTTP/1.1`.
    #[error("invalid HTTP version")]
    BadVersion,
    /// The status line is malformed (status not three digits, bad reason phrase).
    #[error("invalid status line")]
    BadStatusLine,
    /// A header name is empty or holds a byte that is not a token character, or there is white
    /// space before the colon.
    #[error("invalid header name")]
    BadHeaderName,
    /// A header value holds NUL, a bare CR, DEL or another control character.
    #[error("invalid header value")]
    BadHeaderValue,
    /// A line ends in something other than CRLF or LF (e.g. a bare CR).
    #[error("invalid line ending")]
    BadLineEnding,
    /// A header line starts with a space or a tab (obsolete line folding, RFC 9112 §5.2).
    /// Refused on both sides rather than unfolded: RFC 9112 allows a proxy to reject it (400 on
    /// the request side, 502 on the response side) and nothing legitimate sends it any more.
    #[error("obsolete line folding")]
    ObsFold,
    /// `Content-Length` is not a plain decimal number, is empty, or overflows u64.
    #[error("invalid content-length")]
    BadContentLength,
    /// Several `Content-Length` values (in one header as a list or in several headers) that
    /// differ.
    #[error("conflicting content-length values")]
    ConflictingContentLength,
    /// `Transfer-Encoding` is empty, malformed, lists `chunked` more than once or not last
    /// (RFC 9112 §6.3 rule 4 for requests); in a response, anything but `chunked` alone
    /// (haproxy 2.6 answers 502 to `gzip, chunked` too).
    #[error("invalid transfer-encoding")]
    BadTransferEncoding,
    /// A request `Transfer-Encoding` listing a coding other than `chunked` before it
    /// (`gzip, chunked`): HAProxy 2.6 answers 422 Unprocessable Content.
    #[error("unsupported transfer-coding in request")]
    UnsupportedTransferCoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1: cannot be trusted).
    #[error("transfer-encoding in an HTTP/1.0 request")]
    TransferEncodingInHttp10,
    /// More than one `Host` header (RFC 9112 §3.2).
    #[error("several host headers")]
    DuplicateHost,
    /// An absolute-form target whose authority differs from the `Host` header (HAProxy 2.6
    /// answers 400; the comparison ignores case and a default port).
    #[error("host header does not match the target authority")]
    HostMismatch,
    /// `Upgrade: websocket` without `Sec-WebSocket-Key` (HAProxy 2.6 checks the handshake).
    #[error("websocket upgrade without sec-websocket-key")]
    WebSocketKeyMissing,
}

impl HeadError {
    /// The status to answer with: 502 for any bad response; for a request 400, except 422 for
    /// an unsupported transfer-coding (HAProxy 2.6's answers, checked against haproxy 2.6.12;
    /// a request head too large for the buffer is a 400 too).
    pub fn status(self, side: Side) -> u16 {
        match (side, self) {
            (Side::Response, _) => 502,
            (Side::Request, HeadError::UnsupportedTransferCoding) => 422,
            (Side::Request, _) => 400,
        }
    }

    /// The exact response HAProxy 2.6 sends for this error: the connection-level pages (400,
    /// 422) for a request, the 502 page for a response. Close the connection after sending it.
    pub fn page(self, side: Side) -> &'static [u8] {
        crate::builtin_errors::page_for_head_error(self.status(side))
    }

    /// A short reason for the log line (the same text as `Display`, without allocation).
    pub fn reason(self) -> &'static str {
        match self {
            HeadError::TooLarge { .. } => "head too large",
            HeadError::TooManyHeaders { .. } => "too many headers",
            HeadError::BadMethod => "invalid method",
            HeadError::BadTarget => "invalid character in request target",
            HeadError::BadVersion => "invalid HTTP version",
            HeadError::BadStatusLine => "invalid status line",
            HeadError::BadHeaderName => "invalid header name",
            HeadError::BadHeaderValue => "invalid header value",
            HeadError::BadLineEnding => "invalid line ending",
            HeadError::ObsFold => "obsolete line folding",
            HeadError::BadContentLength => "invalid content-length",
            HeadError::ConflictingContentLength => "conflicting content-length values",
            HeadError::BadTransferEncoding => "invalid transfer-encoding",
            HeadError::TransferEncodingInHttp10 => "transfer-encoding in an HTTP/1.0 request",
            HeadError::DuplicateHost => "several host headers",
            HeadError::UnsupportedTransferCoding => "unsupported transfer-coding in request",
            HeadError::HostMismatch => "host header does not match the target authority",
            HeadError::WebSocketKeyMissing => "websocket upgrade without sec-websocket-key",
        }
    }
}
