//! The stats page's request side: what `stats uri`, `stats refresh`, `stats scope`, … configure
//! ([`PageOptions`]), what one request asks for (`;csv`, `;json`, `;up`, `;norefresh`,
//! `;st=DONE`, `scope=`: [`PageRequest`]), the filtering both imply, and the choice of renderer.

use crate::admin::StatusCode;
use crate::snapshot::{RowState, Snapshot};

/// Longest `scope=` search text kept (HAProxy's input box takes 20 characters).
pub const SCOPE_MAX: usize = 20;

/// Configuration of one stats page (`stats …` keywords of the proxy serving it).
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// `stats uri` (HAProxy's default is `/haproxy?stats`).
    pub uri: String,
    /// `stats refresh`, in seconds.
    pub refresh_sec: Option<u32>,
    /// `stats hide-version`: no version, no process details.
    pub hide_version: bool,
    /// `stats show-legends`: proxy and server details in tooltips.
    pub show_legends: bool,
    /// `stats show-node [NAME]`: the node name shown in the title.
    pub node: Option<String>,
    /// `stats show-desc [TEXT]`.
    pub desc: Option<String>,
    /// `stats admin if COND` matched for this request: show the admin forms.
    pub admin: bool,
    /// `stats scope`: only these proxies (empty = all).
    pub scope: Vec<String>,
}

/// Which body the request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageFormat {
    #[default]
    Html,
    Csv,
    Json,
}

/// What one GET asks for, parsed from the path after `stats uri`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub format: PageFormat,
    /// `;up`: hide servers that are not UP.
    pub up_only: bool,
    /// `;norefresh`: no auto-refresh.
    pub norefresh: bool,
    /// `;st=XXXX`: the result of the last admin action, shown at the top.
    pub status: Option<StatusCode>,
    /// `scope=TEXT` from the search box: only proxies whose name contains TEXT.
    pub scope: Option<String>,
}

/// Parses `path_and_query` (the request target) if it is under `stats_uri`; `None` means
/// "not a stats request". Unknown `;` options are ignored, as HAProxy does.
pub fn parse_page_request(path_and_query: &str, stats_uri: &str) -> Option<PageRequest> {
    let rest = path_and_query.strip_prefix(stats_uri)?;
    let mut req = PageRequest::default();
    for item in rest.split([';', '?', '&']) {
        match item {
            "csv" => req.format = PageFormat::Csv,
            "json" => req.format = PageFormat::Json,
            "up" => req.up_only = true,
            "norefresh" => req.norefresh = true,
            _ => {
                if let Some(code) = item.strip_prefix("st=") {
                    req.status = StatusCode::parse(code);
                } else if let Some(text) = item.strip_prefix("scope=") {
                    let text = crate::admin::url_decode(text).unwrap_or_default();
                    let text: String = text.chars().take(SCOPE_MAX).collect();
                    req.scope = (!text.is_empty()).then_some(text);
                }
            }
        }
    }
    Some(req)
}

/// The `Location` after an admin POST: back to the page with a GET, keeping `;up`,
/// `;norefresh` and the scope (HAProxy does this so a reload does not re-post).
pub fn redirect_location(opts: &PageOptions, req: &PageRequest, status: StatusCode) -> String {
    let mut loc = format!("{};st={}", opts.uri, status.as_str());
    if req.up_only {
        loc.push_str(";up");
    }
    if req.norefresh {
        loc.push_str(";norefresh");
    }
    if let Some(scope) = &req.scope {
        loc.push_str(";scope=");
        loc.push_str(&percent_encode(scope));
    }
    loc
}

/// Percent-encodes everything but unreserved characters, for links built from names.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rows this request may see: `stats scope`, the search box, and `;up`.
pub fn filter(snap: &Snapshot, opts: &PageOptions, req: &PageRequest) -> Snapshot {
    let rows = snap
        .rows
        .iter()
        .filter(|r| opts.scope.is_empty() || opts.scope.iter().any(|s| s == r.proxy()))
        .filter(|r| {
            req.scope
                .as_ref()
                .is_none_or(|s| r.proxy().contains(s.as_str()))
        })
        .filter(|r| match &r.state {
            RowState::Server { state, .. } if req.up_only => state.is_up(),
            _ => true,
        })
        .cloned()
        .collect();
    Snapshot {
        info: snap.info.clone(),
        rows,
    }
}

/// A rendered page body.
#[derive(Debug, Clone)]
pub struct Page {
    pub content_type: &'static str,
    pub body: String,
}

/// Filters, then renders in the requested format.
pub fn render_page(snap: &Snapshot, opts: &PageOptions, req: &PageRequest) -> Page {
    let view = filter(snap, opts, req);
    match req.format {
        PageFormat::Csv => Page {
            content_type: "text/plain",
            body: crate::csv::render(&view),
        },
        PageFormat::Json => Page {
            content_type: "application/json",
            body: crate::json::render(&view),
        },
        PageFormat::Html => Page {
            content_type: "text/html",
            body: crate::html::render(&view, opts, req),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_options_haproxy_links_use() {
        assert_eq!(parse_page_request("/other", "/stats"), None);
        let r = parse_page_request("/stats", "/stats").expect("stats uri");
        assert_eq!(r, PageRequest::default());
        let r = parse_page_request("/stats;csv;norefresh", "/stats").expect("stats uri");
        assert_eq!(
            (r.format, r.norefresh, r.up_only),
            (PageFormat::Csv, true, false)
        );
        let r = parse_page_request("/stats;json", "/stats").expect("stats uri");
        assert_eq!(r.format, PageFormat::Json);
        let r = parse_page_request("/stats;st=DONE;up?scope=ap%70", "/stats").expect("uri");
        assert_eq!(r.status, Some(StatusCode::Done));
        assert!(r.up_only);
        assert_eq!(r.scope.as_deref(), Some("app"));
        let r =
            parse_page_request("/haproxy?stats;st=BOGUS;scope=%zz", "/haproxy?stats").expect("uri");
        assert_eq!((r.status, r.scope), (None, None));
        let long = format!("/stats?scope={}", "x".repeat(500));
        let r = parse_page_request(&long, "/stats").expect("uri");
        assert_eq!(r.scope.map(|s| s.len()), Some(SCOPE_MAX));
    }

    #[test]
    fn redirect_keeps_view_options() {
        let opts = PageOptions {
            uri: "/stats".into(),
            ..Default::default()
        };
        let req = PageRequest {
            up_only: true,
            norefresh: true,
            scope: Some("a b".into()),
            ..Default::default()
        };
        assert_eq!(
            redirect_location(&opts, &req, StatusCode::Part),
            "/stats;st=PART;up;norefresh;scope=a%20b"
        );
    }
}
