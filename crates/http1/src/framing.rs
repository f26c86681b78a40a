//! Where a message body ends (RFC 9112 §6.3): decided once from the head, then followed byte
//! by byte as the body passes through the proxy. The session loop asks
//! [`request_body_kind`] / [`response_body_kind`] after parsing a head, builds a [`BodyFramer`],
//! and feeds it each slice it forwards.

use crate::chunked::{ChunkedDecoder, ChunkedError, Progress};
use crate::head::{Head, Method, TransferCoding};

/// How the body of a message is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: the message ends with its head.
    None,
    /// Exactly this many bytes (never 0: a zero length is `None`).
    ContentLength(u64),
    /// Chunked transfer coding: walk it with a [`ChunkedDecoder`].
    Chunked,
    /// The body runs until the server closes the connection (responses only).
    CloseDelimited,
    /// After this head the connection carries another protocol in both directions
    /// (101 Switching Protocols, or a 2xx answer to CONNECT).
    Tunnel,
}

/// The body of a request (RFC 9112 §6.3 rules 4–7; the rejected cases never reach here).
pub fn request_body_kind(req: &Head) -> BodyKind {
    match (req.transfer_coding, req.content_length) {
        (TransferCoding::Chunked, _) => BodyKind::Chunked,
        // Refused by `parse_request`; kept total for a head built by hand.
        (TransferCoding::NotChunked, _) => BodyKind::CloseDelimited,
        (TransferCoding::Absent, Some(n)) if n > 0 => BodyKind::ContentLength(n),
        (TransferCoding::Absent, _) => BodyKind::None,
    }
}

/// The body of a response to a request made with `request_method` (RFC 9112 §6.3 rules 1–7).
pub fn response_body_kind(request_method: Method, resp: &Head) -> BodyKind {
    let status = resp.status;
    if status == 101 {
        return BodyKind::Tunnel;
    }
    if request_method == Method::Connect && (200..300).contains(&status) {
        return BodyKind::Tunnel;
    }
    if request_method == Method::Head
        || (100..200).contains(&status)
        || status == 204
        || status == 304
    {
        return BodyKind::None;
    }
    match (resp.transfer_coding, resp.content_length) {
        (TransferCoding::Chunked, _) => BodyKind::Chunked,
        (TransferCoding::NotChunked, _) => BodyKind::CloseDelimited,
        (TransferCoding::Absent, Some(0)) => BodyKind::None,
        (TransferCoding::Absent, Some(n)) => BodyKind::ContentLength(n),
        (TransferCoding::Absent, None) => BodyKind::CloseDelimited,
    }
}

/// Follows one message body as it is forwarded: how many bytes of each slice belong to it and
/// when it is over.
#[derive(Clone, Debug)]
pub enum BodyFramer {
    /// Nothing left (no body, or a finished one).
    Done,
    /// This many bytes left.
    Length(u64),
    /// A chunked body in progress.
    Chunked(ChunkedDecoder),
    /// Everything until the connection closes.
    UntilClose,
    /// A tunnel: everything, in both directions, until either side closes.
    Tunnel,
}

impl BodyFramer {
    /// A framer at the start of a body of this kind.
    pub fn new(kind: BodyKind) -> BodyFramer {
        match kind {
            BodyKind::None | BodyKind::ContentLength(0) => BodyFramer::Done,
            BodyKind::ContentLength(n) => BodyFramer::Length(n),
            BodyKind::Chunked => BodyFramer::Chunked(ChunkedDecoder::new()),
            BodyKind::CloseDelimited => BodyFramer::UntilClose,
            BodyKind::Tunnel => BodyFramer::Tunnel,
        }
    }

    /// Walks the next slice of the body. `consumed` bytes of it belong to this message.
    pub fn advance(&mut self, input: &[u8]) -> Result<Progress, ChunkedError> {
        match self {
            BodyFramer::Done => Ok(Progress {
                consumed: 0,
                done: true,
            }),
            BodyFramer::Length(remaining) => {
                let step = (*remaining).min(input.len() as u64);
                *remaining -= step;
                let done = *remaining == 0;
                if done {
                    *self = BodyFramer::Done;
                }
                Ok(Progress {
                    consumed: step as usize,
                    done,
                })
            }
            BodyFramer::Chunked(decoder) => decoder.decode(input),
            BodyFramer::UntilClose | BodyFramer::Tunnel => Ok(Progress {
                consumed: input.len(),
                done: false,
            }),
        }
    }

    /// The message is complete.
    pub fn is_done(&self) -> bool {
        match self {
            BodyFramer::Done => true,
            BodyFramer::Chunked(decoder) => decoder.is_done(),
            _ => false,
        }
    }

    /// Whether the peer closing the connection now ends the message properly (close-delimited
    /// body, tunnel, or nothing left) rather than truncating it.
    pub fn close_is_clean(&self) -> bool {
        matches!(self, BodyFramer::UntilClose | BodyFramer::Tunnel) || self.is_done()
    }
}
