//! Cookie persistence in an HTTP exchange (`cookie NAME insert|rewrite|prefix ...`,
//! configuration manual 4.2), around the pure decisions of `balance::cookie`: on the request,
//! which server the client's cookie names and how the forwarded `Cookie` headers change
//! (`indirect` strips ours, `prefix` strips `SRV~`); on the response, how the server's own
//! `Set-Cookie` changes and which `Set-Cookie` (and `Cache-control: private`) to add.
//!
//! Edits are collected as (header index, replacement range) pairs over one byte buffer the
//! exchange keeps, then handed to `http1::write_head` as `Edit`s.

use std::ops::Range;

use balance::cookie::{
    response_cacheable, CookieServer, HeaderEdit, Insertion, RequestCookie, ResponseContext,
    ResponseCookies,
};
use http1::{Edit, Head, Method};

use crate::plan::BackendPlan;

/// Header edits as indexes and replacement byte ranges in `bytes` (`None`: delete).
#[derive(Debug, Default)]
pub(crate) struct HeaderEdits {
    pub bytes: Vec<u8>,
    pub list: Vec<(usize, Option<Range<usize>>)>,
    /// Headers to add: (name, value range in `bytes`).
    pub added: Vec<(&'static [u8], Range<usize>)>,
    scratch: Vec<u8>,
}

impl HeaderEdits {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.added.is_empty()
    }

    fn record(&mut self, index: usize, edit: HeaderEdit) {
        match edit {
            HeaderEdit::Keep => {}
            HeaderEdit::Remove => self.list.push((index, None)),
            HeaderEdit::Replace => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(&self.scratch);
                self.list.push((index, Some(start..self.bytes.len())));
            }
        }
    }

    fn add(&mut self, name: &'static [u8], value: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.added.push((name, start..self.bytes.len()));
    }

    /// The edits in `http1`'s terms, appended to `out`.
    pub fn as_edits<'a>(&'a self, out: &mut Vec<Edit<'a>>) {
        for (index, r) in &self.list {
            out.push(match r {
                None => Edit::Delete(*index),
                Some(r) => Edit::Replace {
                    index: *index,
                    value: &self.bytes[r.clone()],
                },
            });
        }
        for (name, r) in &self.added {
            out.push(Edit::Append {
                name,
                value: &self.bytes[r.clone()],
            });
        }
    }
}

/// Reads the request's `Cookie` headers for the backend's persistence cookie; the edits for
/// the forwarded head go to `edits`. `now` is seconds since the epoch.
pub(crate) fn scan_request(
    be: &BackendPlan,
    in_service: &dyn Fn(usize) -> bool,
    head: &Head,
    buf: &[u8],
    now: u64,
    edits: &mut HeaderEdits,
) -> RequestCookie {
    let mut state = RequestCookie::default();
    let Some(cfg) = be.cookie.as_ref() else {
        return state;
    };
    let servers = |i: usize| {
        be.servers.get(i).map(|s| CookieServer {
            cookie: s.cookie.as_deref(),
            up: in_service(i),
        })
    };
    for i in head.find_all(buf, b"cookie") {
        let mut scratch = std::mem::take(&mut edits.scratch);
        let e = cfg.scan_request_header(
            head.value(buf, i),
            &servers,
            be.persist,
            now,
            &mut state,
            &mut scratch,
        );
        edits.scratch = scratch;
        edits.record(i, e);
    }
    state
}

/// Edits the response for persistence: the server's `Set-Cookie` for our name, then the
/// `Set-Cookie` to insert. `server` is the server that answered.
#[allow(clippy::too_many_arguments)]
pub(crate) fn edit_response(
    be: &BackendPlan,
    server: usize,
    req: &RequestCookie,
    method: Method,
    resp: &Head,
    buf: &[u8],
    now: u64,
    edits: &mut HeaderEdits,
) -> logging::ServerCookie {
    let Some(cfg) = be.cookie.as_ref() else {
        return logging::ServerCookie::NotApplicable;
    };
    let pragma = resp.find(buf, b"pragma").map(|i| resp.value(buf, i));
    let method_token: &[u8] = match method {
        Method::Get => b"GET",
        Method::Head => b"HEAD",
        Method::Options => b"OPTIONS",
        Method::Trace => b"TRACE",
        _ => b"OTHER",
    };
    let cacheable = response_cacheable(
        method_token,
        resp.status,
        pragma,
        resp.find_all(buf, b"cache-control")
            .map(|i| resp.value(buf, i)),
    );
    let ctx = ResponseContext {
        has_server: true,
        server_cookie: be.servers.get(server).and_then(|s| s.cookie.as_deref()),
        direct: req.server == Some(server),
        is_post: method == Method::Post,
        cacheable,
        request: *req,
    };
    let mut found = ResponseCookies::default();
    for i in resp.find_all(buf, b"set-cookie") {
        let mut scratch = std::mem::take(&mut edits.scratch);
        let e = cfg.scan_set_cookie(resp.value(buf, i), &ctx, &mut found, &mut scratch);
        edits.scratch = scratch;
        edits.record(i, e);
    }
    let mut scratch = std::mem::take(&mut edits.scratch);
    // The fourth character of the log's termination state.
    let mut logged = if found.found {
        logging::ServerCookie::Provided
    } else {
        logging::ServerCookie::None
    };
    if let Some(Insertion { cache_private }) = cfg.insert(&ctx, &found, now, &mut scratch) {
        edits.add(b"Set-Cookie", &scratch);
        if cache_private {
            edits.add(b"Cache-control", b"private");
        }
        logged = if req.server == Some(server) {
            logging::ServerCookie::Updated
        } else {
            logging::ServerCookie::Inserted
        };
    }
    edits.scratch = scratch;
    logged
}

/// Seconds since the epoch, for cookie dates.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
