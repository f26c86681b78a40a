//! Byte ranges into the caller's buffer: how a parsed head refers to its parts without copying
//! them. `u32` offsets keep a header entry at 16 bytes (heads are bounded by `tune.bufsize`).

use std::ops::Range;

/// A range of bytes in the buffer a head was parsed from. `Copy`, unlike `Range<u32>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The bytes this span covers in `buf` (the buffer the head was parsed from).
    /// Returns an empty slice rather than panicking if `buf` is not that buffer.
    #[inline]
    pub fn of<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }

    /// Length in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no byte.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The span as a `usize` range, for slicing.
    #[inline]
    pub const fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One header line: where its name and its value (without surrounding white space) are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderField {
    /// The name, as received (case preserved).
    pub name: Span,
    /// The value, leading and trailing white space excluded.
    pub value: Span,
}

/// The span of `part`, a sub-slice of `buf`, or an empty span at 0 when `part` does not point
/// into `buf` (httparse hands back a static `""` in a few corner cases). Checked rather than
/// assumed: a wrong guess here would make a span name the wrong bytes.
#[inline]
pub(crate) fn span_in(buf: &[u8], part: &[u8]) -> Span {
    let base = buf.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at >= base && at + part.len() <= base + buf.len() {
        let start = (at - base) as u32;
        Span::new(start, start + part.len() as u32)
    } else {
        Span::default()
    }
}
