//! A head as the rules see it: the parsed head with the edits made so far applied, so that a
//! rule reads what an earlier `set-header` or `set-path` wrote (HAProxy's semantics).

use crate::edits::{HeadEdits, HeaderState};
use crate::view::HeadView;

#[derive(Clone, Copy)]
pub(crate) struct Msg<'a> {
    pub view: HeadView<'a>,
    pub edits: &'a HeadEdits,
}

impl<'a> Msg<'a> {
    pub fn method(&self) -> &'a [u8] {
        match self.edits.method {
            Some(m) => self.edits.get(m),
            None => self.view.head.method_span.of(self.view.buf),
        }
    }

    /// The request target as it stands (`url`).
    pub fn target(&self) -> &'a [u8] {
        match self.edits.target {
            Some(t) => self.edits.get(t),
            None => self.view.head.target.of(self.view.buf),
        }
    }

    /// `path`: from the first slash after the authority (if any) to before `?`.
    pub fn path(&self) -> Option<&'a [u8]> {
        let t = path_and_query(self.target())?;
        Some(match t.iter().position(|&b| b == b'?') {
            Some(q) => &t[..q],
            None => t,
        })
    }

    /// `query`: after the first `?`; `None` when there is no `?`.
    pub fn query(&self) -> Option<&'a [u8]> {
        let t = self.target();
        let q = t.iter().position(|&b| b == b'?')?;
        Some(&t[q + 1..])
    }

    /// Path and query (origin form of the target).
    pub fn path_query(&self) -> Option<&'a [u8]> {
        path_and_query(self.target())
    }

    pub fn version(&self) -> http1::Version {
        self.view.head.version
    }

    pub fn status(&self) -> u16 {
        match self.edits.status {
            Some((s, _)) => s,
            None => self.view.head.status,
        }
    }

    /// Calls `f(name, value)` for each header line in order, edits applied, until it returns
    /// true; returns whether it did.
    pub fn for_each_header(&self, mut f: impl FnMut(&'a [u8], &'a [u8]) -> bool) -> bool {
        let buf = self.view.buf;
        for (i, h) in self.view.head.headers.iter().enumerate() {
            let value = match self.edits.state(i) {
                HeaderState::Kept => h.value.of(buf),
                HeaderState::Deleted => continue,
                HeaderState::Replaced(v) => self.edits.get(v),
            };
            if f(h.name.of(buf), value) {
                return true;
            }
        }
        for a in self.edits.added.iter().filter(|a| !a.deleted) {
            if f(self.edits.get(a.name), self.edits.get(a.value)) {
                return true;
            }
        }
        false
    }

    /// Full values of header `name` (case-insensitive), in order, until `f` returns true.
    pub fn for_each_named(&self, name: &[u8], mut f: impl FnMut(&'a [u8]) -> bool) -> bool {
        self.for_each_header(|n, v| n.eq_ignore_ascii_case(name) && f(v))
    }

    /// The first value of `name`, full line.
    pub fn first(&self, name: &[u8]) -> Option<&'a [u8]> {
        let mut found = None;
        self.for_each_named(name, |v| {
            found = Some(v);
            true
        });
        found
    }
}

/// The origin-form part of a target: itself when it starts with `/`, the part after the
/// authority for an absolute URI, `None` for `*` or an authority form.
pub(crate) fn path_and_query(target: &[u8]) -> Option<&[u8]> {
    if target.first() == Some(&b'/') {
        return Some(target);
    }
    let scheme_end = find(target, b"://")?;
    let rest = &target[scheme_end + 3..];
    match rest.iter().position(|&b| b == b'/' || b == b'?') {
        Some(p) if rest[p] == b'/' => Some(&rest[p..]),
        // `http://host?q` or `http://host`: the path is empty; HAProxy reports "/" only when
        // present, and so do we (an empty path).
        Some(p) => Some(&rest[p..p]),
        None => Some(&rest[rest.len()..]),
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Calls `f` with each comma-separated element of `value`, trimmed of spaces and tabs.
pub(crate) fn for_each_element<'v>(value: &'v [u8], mut f: impl FnMut(&'v [u8]) -> bool) -> bool {
    for part in value.split(|&b| b == b',') {
        if f(trim(part)) {
            return true;
        }
    }
    false
}

pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}
