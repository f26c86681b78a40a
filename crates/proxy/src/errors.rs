//! The responses the proxy itself sends (400, 403, 408, 500, 502, 503, 504): `errorfile`
//! contents when configured, HAProxy's built-in pages otherwise.

use std::sync::Arc;

use haproxy_cfg::model::Proxy as CfgProxy;

use crate::ProxyError;

/// The `errorfile` pages of one proxy section, read at start (HAProxy reads them at startup
/// too, so a file changed later needs a reload).
#[derive(Debug, Clone, Default)]
pub struct ErrorPages {
    custom: Vec<(u16, Arc<[u8]>)>,
}

impl ErrorPages {
    pub fn load(p: &CfgProxy) -> Result<ErrorPages, ProxyError> {
        let mut custom: Vec<(u16, Arc<[u8]>)> = Vec::new();
        for e in &p.errorfiles {
            let body = std::fs::read(&e.path).map_err(|source| ProxyError::ErrorFile {
                proxy: p.name.clone(),
                path: e.path.clone(),
                source,
            })?;
            // A later line for the same status replaces the earlier one.
            custom.retain(|(s, _)| *s != e.status);
            custom.push((e.status, body.into()));
        }
        Ok(ErrorPages { custom })
    }

    /// The configured page for `status`, if any.
    pub fn custom(&self, status: u16) -> Option<&[u8]> {
        self.custom
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, b)| &b[..])
    }
}

/// The page to send for `status`: the backend's `errorfile`, then the frontend's, then
/// HAProxy's built-in one.
pub fn error_page<'a>(
    backend: Option<&'a ErrorPages>,
    frontend: &'a ErrorPages,
    status: u16,
) -> &'a [u8] {
    backend
        .and_then(|b| b.custom(status))
        .or_else(|| frontend.custom(status))
        .unwrap_or_else(|| builtin(status))
}

fn builtin(status: u16) -> &'static [u8] {
    http1::builtin_errors::page(status)
        .or_else(|| http1::builtin_errors::page(500))
        .unwrap_or(FALLBACK_500)
}

/// Only used if `http1` lacks a page, so the client always gets a well-formed answer.
const FALLBACK_500: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n";
