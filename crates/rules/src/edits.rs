//! The changes rules make to a head, kept as a short list against the parsed head rather than
//! a rewritten copy: per received header "kept / deleted / replaced", headers added at the
//! end, and an optional new method, target or status. New bytes live in one arena whose
//! capacity is reused from request to request. Later rules read the head through these edits
//! ([`crate::msg::Msg`]); the proxy turns them into `http1::Edit`s to forward the head.

use crate::msg::path_and_query;
use crate::view::HeadView;

/// A range in the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bytes {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderState {
    Kept,
    Deleted,
    Replaced(Bytes),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Added {
    pub name: Bytes,
    pub value: Bytes,
    pub deleted: bool,
}

/// Edits of one head. Reset with [`HeadEdits::reset`] before each message.
#[derive(Debug, Default)]
pub struct HeadEdits {
    pub(crate) arena: Vec<u8>,
    pub(crate) headers: Vec<HeaderState>,
    pub(crate) added: Vec<Added>,
    pub(crate) method: Option<Bytes>,
    pub(crate) target: Option<Bytes>,
    pub(crate) status: Option<(u16, Bytes)>,
}

impl HeadEdits {
    /// Forgets every edit, for a head with `header_count` header lines. Keeps capacity.
    pub fn reset(&mut self, header_count: usize) {
        self.arena.clear();
        self.headers.clear();
        self.headers.resize(header_count, HeaderState::Kept);
        self.added.clear();
        self.method = None;
        self.target = None;
        self.status = None;
    }

    /// True when no rule changed the head: it can be forwarded as received.
    pub fn is_empty(&self) -> bool {
        self.method.is_none()
            && self.target.is_none()
            && self.status.is_none()
            && self.added.iter().all(|a| a.deleted)
            && self.headers.iter().all(|h| *h == HeaderState::Kept)
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) -> Bytes {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(bytes);
        Bytes {
            start,
            end: self.arena.len() as u32,
        }
    }

    pub(crate) fn get(&self, b: Bytes) -> &[u8] {
        self.arena
            .get(b.start as usize..b.end as usize)
            .unwrap_or(&[])
    }

    pub(crate) fn state(&self, index: usize) -> HeaderState {
        self.headers
            .get(index)
            .copied()
            .unwrap_or(HeaderState::Kept)
    }

    pub(crate) fn set_state(&mut self, index: usize, state: HeaderState) {
        if let Some(s) = self.headers.get_mut(index) {
            *s = state;
        }
    }

    /// The edits as `http1` writes them, in head order: replaced and deleted received headers,
    /// then added ones, then the start line changes. `out` is cleared first.
    pub fn to_http1<'s>(&'s self, out: &mut Vec<http1::Edit<'s>>) {
        out.clear();
        for (index, state) in self.headers.iter().enumerate() {
            match *state {
                HeaderState::Kept => {}
                HeaderState::Deleted => out.push(http1::Edit::Delete(index)),
                HeaderState::Replaced(v) => out.push(http1::Edit::Replace {
                    index,
                    value: self.get(v),
                }),
            }
        }
        for a in self.added.iter().filter(|a| !a.deleted) {
            out.push(http1::Edit::Append {
                name: self.get(a.name),
                value: self.get(a.value),
            });
        }
        if let Some(m) = self.method {
            out.push(http1::Edit::SetMethod(self.get(m)));
        }
        if let Some(t) = self.target {
            out.push(http1::Edit::SetTarget(self.get(t)));
        }
        if let Some((status, reason)) = self.status {
            out.push(http1::Edit::SetStatus {
                status,
                reason: self.get(reason),
            });
        }
    }
}

impl HeadEdits {
    /// Writes the head to forward — `head` parsed from `buf`, these edits, then `extra` (the
    /// proxy's own, e.g. `X-Forwarded-For`) — into `out` with `http1::write_head`.
    /// `storage` is the caller's reusable edit list: its capacity is recycled across calls,
    /// so the steady state allocates nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn write_head(
        &self,
        buf: &[u8],
        head: &http1::Head,
        side: http1::Side,
        extra: &[http1::Edit<'_>],
        conn: http1::ConnectionHeader,
        storage: &mut Vec<http1::Edit<'static>>,
        out: &mut Vec<u8>,
    ) {
        let mut edits = recycle(std::mem::take(storage));
        self.to_http1(&mut edits);
        edits.extend_from_slice(extra);
        http1::write_head(buf, head, side, &edits, conn, out);
        *storage = recycle(edits);
    }
}

/// An empty vector of edits with another lifetime, keeping the allocation (the standard
/// library collects a mapped `IntoIter` in place when the element layout is unchanged).
pub fn recycle<'b>(mut v: Vec<http1::Edit<'_>>) -> Vec<http1::Edit<'b>> {
    v.clear();
    v.into_iter()
        .map(|_| -> http1::Edit<'b> { unreachable!("the vector is empty") })
        .collect()
}

impl HeadEdits {
    pub(crate) fn add(&mut self, name: &[u8], value: &[u8]) {
        let name = self.push(name);
        let value = self.push(value);
        self.added.push(crate::edits::Added {
            name,
            value,
            deleted: false,
        });
    }

    pub(crate) fn delete_named(&mut self, head: &HeadView<'_>, name: &[u8]) {
        for (i, h) in head.head.headers.iter().enumerate() {
            if h.name.of(head.buf).eq_ignore_ascii_case(name) {
                self.set_state(i, HeaderState::Deleted);
            }
        }
        for i in 0..self.added.len() {
            let a = self.added[i];
            if self.get(a.name).eq_ignore_ascii_case(name) {
                self.added[i].deleted = true;
            }
        }
    }

    /// `replace-header` (`whole`) or `replace-value` on every occurrence of `name`.
    pub(crate) fn replace_values(
        &mut self,
        head: &HeadView<'_>,
        name: &[u8],
        re: &regex::bytes::Regex,
        with: &[u8],
        out: &mut Vec<u8>,
        whole: bool,
    ) {
        for (i, h) in head.head.headers.iter().enumerate() {
            if !h.name.of(head.buf).eq_ignore_ascii_case(name) {
                continue;
            }
            let current = match self.state(i) {
                HeaderState::Kept => h.value.of(head.buf),
                HeaderState::Deleted => continue,
                HeaderState::Replaced(v) => self.get(v),
            };
            if rewrite(current, re, with, out, whole) {
                let v = self.push(out);
                self.set_state(i, HeaderState::Replaced(v));
            }
        }
        for i in 0..self.added.len() {
            let a = self.added[i];
            if a.deleted || !self.get(a.name).eq_ignore_ascii_case(name) {
                continue;
            }
            if rewrite(self.get(a.value), re, with, out, whole) {
                let v = self.push(out);
                self.added[i].value = v;
            }
        }
    }
}

/// Rewrites `value` into `out`; false when nothing matched (the value stays).
fn rewrite(
    value: &[u8],
    re: &regex::bytes::Regex,
    with: &[u8],
    out: &mut Vec<u8>,
    whole: bool,
) -> bool {
    out.clear();
    if whole {
        return match re.captures(value) {
            Some(c) => {
                expand(with, &c, out);
                true
            }
            None => false,
        };
    }
    // replace-value: each comma-separated element on its own, separators kept.
    let mut changed = false;
    let mut first = true;
    for part in value.split(|&b| b == b',') {
        if !first {
            out.push(b',');
        }
        first = false;
        let elem = crate::msg::trim(part);
        let lead = elem.as_ptr() as usize - part.as_ptr() as usize;
        out.extend_from_slice(&part[..lead]);
        match re.captures(elem) {
            Some(c) => {
                expand(with, &c, out);
                changed = true;
            }
            None => out.extend_from_slice(elem),
        }
        out.extend_from_slice(&part[lead + elem.len()..]);
    }
    changed
}

/// `(scheme://authority, path, ?query)` of a target.
pub(crate) fn split_target(target: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let pq = path_and_query(target).unwrap_or(&target[target.len()..]);
    let prefix_len = target.len() - pq.len();
    let (path, query) = match pq.iter().position(|&b| b == b'?') {
        Some(q) => (&pq[..q], &pq[q..]),
        None => (pq, &pq[pq.len()..]),
    };
    (&target[..prefix_len], path, query)
}

/// Writes `template` with `\0`…`\9` replaced by the captures.
pub(crate) fn expand(template: &[u8], caps: &regex::bytes::Captures<'_>, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < template.len() {
        let b = template[i];
        if b == b'\\' {
            if let Some(d) = template.get(i + 1).filter(|d| d.is_ascii_digit()) {
                if let Some(m) = caps.get(usize::from(d - b'0')) {
                    out.extend_from_slice(m.as_bytes());
                }
                i += 2;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}
