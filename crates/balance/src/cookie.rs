//! Cookie persistence: `cookie NAME insert|rewrite|prefix [indirect] [nocache] [postonly]
//! [preserve] [httponly] [secure] [domain D]* [maxidle T] [maxlife T] [attr A]*` with
//! `server ... cookie VALUE` (configuration manual 4.2, "cookie"; HAProxy's
//! `http_manage_client_side_cookies()`, `http_manage_server_side_cookies()` and the
//! insertion in `http_process_res_common()`).
//!
//! Where it sits: on the request, before balancing, [`CookieConfig::scan_request_header`]
//! reads each `Cookie:` header, names the server the client is bound to (if it is up, or
//! `option persist`), and says how to edit the header (strip our cookie for
//! `insert indirect`, strip the `SRV~` prefix in `prefix` mode). On the response,
//! [`CookieConfig::scan_set_cookie`] edits the server's own `Set-Cookie` for our name
//! (remove, rewrite, prefix) and [`CookieConfig::insert`] produces the `Set-Cookie` to add.
//!
//! Dates for `maxidle`/`maxlife` travel in the cookie value as HAProxy writes them:
//! `SRV|LAST|FIRST`, each date a 5-character base64 number of 4-second units since the epoch.
//! Time is passed in (`now`, seconds since the epoch).

use crate::ServerId;

/// The persistence mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieMode {
    /// HAProxy inserts `NAME=SRV` in responses.
    Insert,
    /// The server sets `NAME`; HAProxy replaces its value with the server's cookie.
    Rewrite,
    /// The server sets `NAME=V`; HAProxy sends `NAME=SRV~V` and strips `SRV~` on the way back.
    Prefix,
    /// No mode: the cookie is only read.
    #[default]
    Passive,
}

/// A backend's `cookie` line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CookieConfig {
    pub name: String,
    pub mode: CookieMode,
    pub indirect: bool,
    pub nocache: bool,
    pub postonly: bool,
    pub preserve: bool,
    pub httponly: bool,
    pub secure: bool,
    pub domains: Vec<String>,
    /// Seconds, 0 = not set.
    pub maxidle: u32,
    /// Seconds, 0 = not set.
    pub maxlife: u32,
    pub attrs: Vec<String>,
}

/// What the client's cookie said (HAProxy's `TX_CK_*` states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieStatus {
    /// No persistence cookie in the request.
    #[default]
    None,
    /// Names a server that can be used.
    Valid,
    /// Names a down server (used anyway with `option persist`).
    Down,
    /// Names no known server.
    Invalid,
    /// Older than `maxidle`.
    Expired,
    /// Older than `maxlife`.
    Old,
    /// A second occurrence after the server was already chosen.
    Unused,
}

impl CookieStatus {
    /// The letter HAProxy logs for this state in `%tsc`'s third character.
    pub fn log_char(self) -> char {
        match self {
            CookieStatus::None => 'N',
            CookieStatus::Valid => 'V',
            CookieStatus::Down => 'D',
            CookieStatus::Invalid => 'I',
            CookieStatus::Expired => 'E',
            CookieStatus::Old => 'O',
            CookieStatus::Unused => 'U',
        }
    }
}

/// The outcome of reading a request's `Cookie` headers; carried to the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestCookie {
    pub status: CookieStatus,
    /// The server the cookie binds the request to ("direct" access).
    pub server: Option<ServerId>,
    /// Dates found in the cookie, seconds since the epoch (0 = none).
    pub first_date: u32,
    pub last_date: u32,
}

/// How to change one header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderEdit {
    Keep,
    Remove,
    /// Replace the value with the bytes left in the caller's output buffer.
    Replace,
}

/// A server as persistence sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieServer<'a> {
    /// Its `cookie VALUE`, if any.
    pub cookie: Option<&'a str>,
    /// Whether it is up (not down, not in maintenance).
    pub up: bool,
}

/// The state of the exchange the response belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseContext<'a> {
    /// Whether a server answered (not an error page or a dispatch).
    pub has_server: bool,
    /// The answering server's `cookie VALUE`.
    pub server_cookie: Option<&'a str>,
    /// The request went to the server its cookie named (HAProxy's `SF_DIRECT`); false after
    /// a redispatch.
    pub direct: bool,
    pub is_post: bool,
    /// Whether the response could be cached (see [`response_cacheable`]).
    pub cacheable: bool,
    pub request: RequestCookie,
}

/// What the server's own `Set-Cookie` headers contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseCookies {
    /// The server set our cookie itself (HAProxy's `TX_SCK_FOUND`).
    pub found: bool,
}

/// A `Set-Cookie` to add to the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insertion {
    /// Also add `Cache-control: private` (`nocache` on a cacheable response).
    pub cache_private: bool,
}

/// HAProxy's cookie value delimiter in prefix mode.
const PREFIX_DELIM: u8 = b'~';
/// HAProxy's date delimiter in insert mode.
const DATE_DELIM: u8 = b'|';
/// Dates further than this in the future are not trusted (manual: "24 hours").
const FUTURE_SLACK: i64 = 86_400;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// HAProxy's `s30tob64()`: the low 30 bits as 5 base64 characters, most significant first.
pub fn s30_to_b64(v: u32, out: &mut Vec<u8>) {
    for i in 0..5 {
        out.push(BASE64[((v >> (24 - 6 * i)) & 0x3f) as usize]);
    }
}

/// HAProxy's `b64tos30()`: 5 base64 characters back to a number, `None` on a bad character.
pub fn b64_to_s30(s: &[u8]) -> Option<u32> {
    let s = s.get(..5)?;
    s.iter().try_fold(0u32, |acc, &c| {
        let d = BASE64.iter().position(|&b| b == c)? as u32;
        Some((acc << 6) | d)
    })
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|&c| !is_space(c)).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Splits a `Cookie` header value into `name=value` items at `;` and `,` outside quotes.
fn cookie_items(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = v;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut quoted = false;
        let mut end = rest.len();
        for (i, &c) in rest.iter().enumerate() {
            match c {
                b'"' => quoted = !quoted,
                b';' | b',' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let item = &rest[..end];
        rest = if end < rest.len() {
            &rest[end + 1..]
        } else {
            &[]
        };
        Some(item)
    })
}

/// `name = value` → (name, Some(value)), both trimmed; no `=` → (item, None).
fn split_pair(item: &[u8]) -> (&[u8], Option<&[u8]>) {
    match item.iter().position(|&c| c == b'=') {
        Some(eq) => (trim(&item[..eq]), Some(trim(&item[eq + 1..]))),
        None => (trim(item), None),
    }
}

impl CookieConfig {
    /// A configuration with only a name and a mode, the rest off.
    pub fn new(name: &str, mode: CookieMode) -> CookieConfig {
        CookieConfig {
            name: name.to_string(),
            mode,
            ..CookieConfig::default()
        }
    }

    /// Reads one `Cookie` request header. Call it for each `Cookie` header in order with the
    /// same `state`; `servers(id)` describes server `id` (`None` past the last one), `persist`
    /// is `option persist`. The returned edit says what to do with the header; for `Replace`
    /// the new value is in `out`.
    pub fn scan_request_header<'s>(
        &self,
        value: &[u8],
        servers: &dyn Fn(ServerId) -> Option<CookieServer<'s>>,
        persist: bool,
        now: u64,
        state: &mut RequestCookie,
        out: &mut Vec<u8>,
    ) -> HeaderEdit {
        out.clear();
        let mut changed = false;
        let mut kept = 0usize;
        let strip_ours = self.mode == CookieMode::Insert && self.indirect;
        for item in cookie_items(value) {
            let (name, val) = split_pair(item);
            let keep_item = |out: &mut Vec<u8>, bytes: &[u8]| {
                if !out.is_empty() {
                    out.extend_from_slice(b"; ");
                }
                out.extend_from_slice(bytes);
            };
            let Some(val) = val.filter(|_| name == self.name.as_bytes()) else {
                // Not ours (or no '='): kept as is.
                if !trim(item).is_empty() {
                    keep_item(out, trim(item));
                    kept += 1;
                }
                continue;
            };
            let delim = self.read_value(val, servers, persist, now, state);
            if self.mode == CookieMode::Prefix && delim < val.len() {
                // Give the server its own cookie back, without our `SRV~`.
                let mut v = Vec::with_capacity(name.len() + val.len());
                v.extend_from_slice(name);
                v.push(b'=');
                v.extend_from_slice(&val[delim + 1..]);
                keep_item(out, &v);
                kept += 1;
                changed = true;
            } else if strip_ours {
                changed = true;
            } else {
                keep_item(out, trim(item));
                kept += 1;
            }
        }
        match (changed, kept) {
            (false, _) => {
                out.clear();
                HeaderEdit::Keep
            }
            (true, 0) => HeaderEdit::Remove,
            (true, _) => HeaderEdit::Replace,
        }
    }

    /// Decides the server from our cookie's value; returns where the server part ends.
    fn read_value<'s>(
        &self,
        val: &[u8],
        servers: &dyn Fn(ServerId) -> Option<CookieServer<'s>>,
        persist: bool,
        now: u64,
        state: &mut RequestCookie,
    ) -> usize {
        let mut delim = val.len();
        if self.mode == CookieMode::Prefix {
            if let Some(p) = val.iter().position(|&c| c == PREFIX_DELIM) {
                delim = p;
            }
        } else if let Some(bar) = val.iter().position(|&c| c == DATE_DELIM) {
            delim = bar;
            let after = &val[bar + 1..];
            if let Some(d) = b64_to_s30(after).filter(|&d| d > 0) {
                state.last_date = d << 2;
            }
            if let Some(bar2) = after.iter().position(|&c| c == DATE_DELIM) {
                if let Some(d) = b64_to_s30(&after[bar2 + 1..]).filter(|&d| d > 0) {
                    state.first_date = d << 2;
                }
            }
        }
        let now = now as i64;
        let too_far = |date: u32, limit: u32| {
            let d = i64::from(date);
            now - d > i64::from(limit) || d - now > FUTURE_SLACK
        };
        let mut expired = None;
        if state.first_date != 0 && self.maxlife != 0 && too_far(state.first_date, self.maxlife) {
            expired = Some(CookieStatus::Old);
        } else if state.last_date != 0
            && self.maxidle != 0
            && too_far(state.last_date, self.maxidle)
        {
            expired = Some(CookieStatus::Expired);
        }
        if let Some(st) = expired {
            state.status = st;
            state.first_date = 0;
            state.last_date = 0;
            // Pretend the cookie named nobody; the edit below still strips it.
            return delim;
        }
        let id = &val[..delim];
        if id.is_empty() || state.server.is_some() {
            // An empty id (learned from a cookie-less server) is ignored; so is a second
            // occurrence once the server is chosen.
            if !matches!(
                state.status,
                CookieStatus::Down | CookieStatus::Expired | CookieStatus::Old
            ) {
                state.status = if state.server.is_some() {
                    CookieStatus::Unused
                } else {
                    CookieStatus::Invalid
                };
            }
            return delim;
        }
        let mut seen_down = false;
        let mut sid = 0;
        while let Some(s) = servers(sid) {
            sid += 1;
            let sid = sid - 1;
            if s.cookie.map(str::as_bytes) != Some(id) {
                continue;
            }
            if s.up || persist {
                state.status = if s.up {
                    CookieStatus::Valid
                } else {
                    CookieStatus::Down
                };
                state.server = Some(sid);
                return delim;
            }
            seen_down = true;
        }
        state.status = if seen_down {
            CookieStatus::Down
        } else {
            CookieStatus::Invalid
        };
        delim
    }

    /// Reads one `Set-Cookie` header from the server. For `Replace` the new value is in
    /// `out`.
    pub fn scan_set_cookie(
        &self,
        value: &[u8],
        ctx: &ResponseContext<'_>,
        state: &mut ResponseCookies,
        out: &mut Vec<u8>,
    ) -> HeaderEdit {
        out.clear();
        // In Set-Cookie only the first `name=value` counts; the rest are attributes.
        let first_end = value.iter().position(|&c| c == b';').unwrap_or(value.len());
        let (name, val) = split_pair(&value[..first_end]);
        let Some(val) = val else {
            return HeaderEdit::Keep;
        };
        if name != self.name.as_bytes() {
            return HeaderEdit::Keep;
        }
        state.found = true;
        if self.preserve {
            return HeaderEdit::Keep;
        }
        if (ctx.has_server && self.mode == CookieMode::Insert) || (ctx.direct && self.indirect) {
            return HeaderEdit::Remove;
        }
        let Some(srv) = ctx.server_cookie.filter(|_| ctx.has_server) else {
            return HeaderEdit::Keep;
        };
        let new_value: &[&[u8]] = match self.mode {
            CookieMode::Rewrite => &[srv.as_bytes()],
            CookieMode::Prefix => &[srv.as_bytes(), b"~", val],
            _ => return HeaderEdit::Keep,
        };
        out.extend_from_slice(name);
        out.push(b'=');
        for part in new_value {
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&value[first_end..]);
        HeaderEdit::Replace
    }

    /// The `Set-Cookie` value to add to the response, written to `out`, or `None`.
    pub fn insert(
        &self,
        ctx: &ResponseContext<'_>,
        found: &ResponseCookies,
        now: u64,
        out: &mut Vec<u8>,
    ) -> Option<Insertion> {
        out.clear();
        if !ctx.has_server || self.mode != CookieMode::Insert {
            return None;
        }
        if found.found && self.preserve {
            return None;
        }
        let req = &ctx.request;
        let now32 = now as i64;
        let needs_date_refresh = (self.maxidle != 0 || req.last_date != 0)
            && (req.last_date == 0 || i64::from(req.last_date) < now32);
        let needs_first_date = self.maxlife != 0 && req.first_date == 0;
        let drop_first_date = self.maxlife == 0 && req.first_date != 0;
        if ctx.direct && !needs_date_refresh && !needs_first_date && !drop_first_date {
            return None;
        }
        if self.postonly && !ctx.is_post {
            return None;
        }
        match ctx.server_cookie {
            // A server without a cookie (a backup, say) clears the client's.
            None => {
                out.extend_from_slice(self.name.as_bytes());
                out.extend_from_slice(b"=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/");
            }
            Some(v) => {
                out.extend_from_slice(self.name.as_bytes());
                out.push(b'=');
                out.extend_from_slice(v.as_bytes());
                if self.maxidle != 0 || self.maxlife != 0 {
                    let stamp = ((now + 3) >> 2) as u32;
                    out.push(DATE_DELIM);
                    s30_to_b64(stamp, out);
                    if self.maxlife != 0 {
                        let first = if req.first_date != 0 {
                            req.first_date >> 2
                        } else {
                            stamp
                        };
                        out.push(DATE_DELIM);
                        s30_to_b64(first, out);
                    }
                }
                out.extend_from_slice(b"; path=/");
            }
        }
        for d in &self.domains {
            out.extend_from_slice(b"; domain=");
            out.extend_from_slice(d.as_bytes());
        }
        if self.httponly {
            out.extend_from_slice(b"; HttpOnly");
        }
        if self.secure {
            out.extend_from_slice(b"; Secure");
        }
        for a in &self.attrs {
            out.extend_from_slice(b"; ");
            out.extend_from_slice(a.as_bytes());
        }
        Some(Insertion {
            cache_private: self.nocache && ctx.cacheable,
        })
    }
}

/// Whether a response may be cached by a shared cache, as HAProxy judges it for `nocache`:
/// a safe method, a status cacheable by default (RFC 7231 6.1), no `Pragma: no-cache`, and
/// no `Cache-Control` value forbidding it (a later `public` allows it again).
pub fn response_cacheable<'a>(
    method: &[u8],
    status: u16,
    pragma: Option<&[u8]>,
    cache_control: impl IntoIterator<Item = &'a [u8]>,
) -> bool {
    let safe = [&b"GET"[..], b"HEAD", b"OPTIONS", b"TRACE"].contains(&method);
    let status_ok = matches!(
        status,
        200 | 203 | 204 | 206 | 300 | 301 | 404 | 405 | 410 | 414 | 501
    );
    if !safe || !status_ok {
        return false;
    }
    if pragma.is_some_and(|p| trim(p).eq_ignore_ascii_case(b"no-cache")) {
        return false;
    }
    let mut cacheable = true;
    for header in cache_control {
        for v in header.split(|&c| c == b',').map(trim) {
            if v.eq_ignore_ascii_case(b"public") {
                cacheable = true;
            } else if [
                &b"private"[..],
                b"no-cache",
                b"no-store",
                b"max-age=0",
                b"s-maxage=0",
            ]
            .iter()
            .any(|k| v.eq_ignore_ascii_case(k))
            {
                cacheable = false;
            }
        }
    }
    cacheable
}

#[cfg(test)]
mod tests;
