//! Walking a chunked body (RFC 9112 §7.1) without copying or decoding it: the proxy forwards
//! chunks exactly as received, trailers included, and only needs to know where the message ends
//! and that the framing is sound. Sits after [`crate::framing`] picked `BodyKind::Chunked`.
//!
//! Strict where laxness has caused desynchronisation between proxies and servers: every line
//! ends in CRLF (a bare LF is refused), a chunk size is hex digits only and fits in u64, chunk
//! extensions and trailers are bounded.

/// Longest chunk-size line accepted, extensions included (CRLF excluded).
pub const MAX_CHUNK_LINE: u32 = 4096;
/// Longest trailer section accepted (all trailer lines, CRLFs included).
pub const MAX_TRAILERS: u32 = 16384;

/// A chunked body that cannot be framed. The proxy answers 400 (request) or 502 (response)
/// if nothing was forwarded yet, else it closes both connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkedError {
    /// A chunk-size line that does not start with a hex digit, or holds other bytes after it.
    #[error("invalid chunk size")]
    BadSize,
    /// A chunk size that does not fit in 64 bits.
    #[error("chunk size overflows")]
    SizeOverflow,
    /// A chunk-size line longer than [`MAX_CHUNK_LINE`].
    #[error("chunk extension too long")]
    ExtensionTooLong,
    /// A control character (other than HTAB) in a chunk extension.
    #[error("invalid chunk extension")]
    BadExtension,
    /// A line of the chunked framing not ended by CRLF (bare LF, bare CR, or data longer than
    /// its size).
    #[error("missing CRLF in chunked framing")]
    MissingCrlf,
    /// A trailer line that is not `name: value`.
    #[error("invalid trailer field")]
    BadTrailer,
    /// A trailer section longer than [`MAX_TRAILERS`].
    #[error("trailer section too long")]
    TrailersTooLong,
}

/// How much of an input slice belongs to the current message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes at the front of the input that belong to the message; forward them. When `done`,
    /// the bytes after them belong to the next message.
    pub consumed: usize,
    /// The message ended within (or before) this input.
    pub done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting the first hex digit of a chunk size.
    SizeStart,
    /// Within the hex digits.
    Size,
    /// After the digits: white space before `;` or CR (HAProxy accepts it; RFC 9112 BWS).
    SizeSpace,
    /// Within a chunk extension, up to CR.
    Extension,
    /// After the CR of the size line.
    SizeLf,
    /// Within chunk data.
    Data,
    /// After chunk data: CR expected.
    DataCr,
    /// After chunk data: LF expected.
    DataLf,
    /// At the start of a trailer line or of the final CRLF.
    TrailerStart,
    /// Within a trailer field name.
    TrailerName,
    /// Within a trailer field value, up to CR.
    TrailerValue,
    /// After the CR of a trailer line.
    TrailerLf,
    /// After the CR of the final empty line.
    EndLf,
    /// The message is complete.
    Done,
}

/// An incremental walker over a chunked body. Feed it every slice of the body in order; it
/// keeps its position between calls, so the body may be split anywhere.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// Bytes of chunk data still to pass (in `Data`), or the size being read (in `Size`).
    remaining: u64,
    /// Length of the current size line, or of the trailer section so far.
    line_len: u32,
    /// Payload bytes seen so far (sum of chunk sizes), for logs and counters.
    payload: u64,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder::new()
    }
}

impl ChunkedDecoder {
    /// A walker positioned at the start of a chunked body.
    pub const fn new() -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::SizeStart,
            remaining: 0,
            line_len: 0,
            payload: 0,
        }
    }

    /// The final CRLF has been seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Sum of the chunk sizes seen so far (the decoded body length).
    pub fn payload_len(&self) -> u64 {
        self.payload
    }

    /// Walks `input`, the next bytes of the body. Never reads past the end of the message.
    pub fn decode(&mut self, input: &[u8]) -> Result<Progress, ChunkedError> {
        let mut at = 0;
        while at < input.len() {
            if self.state == State::Data {
                // Chunk data is skipped in one step, whatever its size.
                let avail = (input.len() - at) as u64;
                let step = self.remaining.min(avail);
                at += step as usize;
                self.remaining -= step;
                if self.remaining == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            if self.state == State::Done {
                break;
            }
            self.step(input[at])?;
            at += 1;
        }
        Ok(Progress {
            consumed: at,
            done: self.state == State::Done,
        })
    }

    /// Advances the line states by one byte.
    fn step(&mut self, b: u8) -> Result<(), ChunkedError> {
        match self.state {
            State::SizeStart => {
                let digit = hex_value(b).ok_or(ChunkedError::BadSize)?;
                self.remaining = u64::from(digit);
                self.line_len = 1;
                self.state = State::Size;
            }
            State::Size => {
                self.bump_line(b)?;
                if let Some(digit) = hex_value(b) {
                    if self.remaining > u64::MAX >> 4 {
                        return Err(ChunkedError::SizeOverflow);
                    }
                    self.remaining = (self.remaining << 4) | u64::from(digit);
                } else {
                    self.after_size(b)?;
                }
            }
            State::SizeSpace => {
                self.bump_line(b)?;
                self.after_size(b)?;
            }
            State::Extension => {
                self.bump_line(b)?;
                match b {
                    b'\r' => self.state = State::SizeLf,
                    b'\t' | b' '..=b'~' | 0x80..=0xff => {}
                    b'\n' => return Err(ChunkedError::MissingCrlf),
                    _ => return Err(ChunkedError::BadExtension),
                }
            }
            State::SizeLf => {
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.payload = self.payload.saturating_add(self.remaining);
                if self.remaining == 0 {
                    self.line_len = 0;
                    self.state = State::TrailerStart;
                } else {
                    self.state = State::Data;
                }
            }
            State::DataCr => {
                if b != b'\r' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.state = State::DataLf;
            }
            State::DataLf => {
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.state = State::SizeStart;
            }
            State::TrailerStart => {
                self.bump_trailers()?;
                if b == b'\r' {
                    self.state = State::EndLf;
                } else if crate::fields::is_token_byte(b) {
                    self.state = State::TrailerName;
                } else {
                    return Err(ChunkedError::BadTrailer);
                }
            }
            State::TrailerName => {
                self.bump_trailers()?;
                if b == b':' {
                    self.state = State::TrailerValue;
                } else if !crate::fields::is_token_byte(b) {
                    return Err(ChunkedError::BadTrailer);
                }
            }
            State::TrailerValue => {
                self.bump_trailers()?;
                match b {
                    b'\r' => self.state = State::TrailerLf,
                    b'\t' | b' '..=b'~' | 0x80..=0xff => {}
                    b'\n' => return Err(ChunkedError::MissingCrlf),
                    _ => return Err(ChunkedError::BadTrailer),
                }
            }
            State::TrailerLf => {
                self.bump_trailers()?;
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.state = State::TrailerStart;
            }
            State::EndLf => {
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.state = State::Done;
            }
            // Handled by `decode` before calling `step`.
            State::Data | State::Done => {}
        }
        Ok(())
    }

    /// After the size digits: white space, `;` starting an extension, or CR.
    fn after_size(&mut self, b: u8) -> Result<(), ChunkedError> {
        match b {
            b' ' | b'\t' => self.state = State::SizeSpace,
            b';' => self.state = State::Extension,
            b'\r' => self.state = State::SizeLf,
            b'\n' => return Err(ChunkedError::MissingCrlf),
            _ => return Err(ChunkedError::BadSize),
        }
        Ok(())
    }

    /// Counts one more byte of the size line (its CR excluded) against [`MAX_CHUNK_LINE`].
    fn bump_line(&mut self, b: u8) -> Result<(), ChunkedError> {
        if b == b'\r' {
            return Ok(());
        }
        self.line_len += 1;
        if self.line_len > MAX_CHUNK_LINE {
            return Err(ChunkedError::ExtensionTooLong);
        }
        Ok(())
    }

    fn bump_trailers(&mut self) -> Result<(), ChunkedError> {
        self.line_len += 1;
        if self.line_len > MAX_TRAILERS {
            return Err(ChunkedError::TrailersTooLong);
        }
        Ok(())
    }
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
