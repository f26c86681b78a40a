//! Connection-level decisions taken from a parsed head: may the connection be reused after
//! this exchange (keep-alive), does it turn into a tunnel (WebSocket upgrade, CONNECT), must the
//! proxy expect an interim `100 Continue`. Read by the session loop after each head.

use crate::framing::BodyKind;
use crate::head::{Head, Method, Version};

impl Head {
    /// What this message asks for on its own connection (RFC 9112 §9.3): HTTP/1.1 stays open
    /// unless `Connection: close`; HTTP/1.0 closes unless `Connection: keep-alive`. A message
    /// whose framing was repaired (`close_after_response`) always asks to close.
    pub fn wants_keep_alive(&self) -> bool {
        if self.connection.close || self.close_after_response {
            return false;
        }
        match self.version {
            Version::Http11 => true,
            Version::Http10 => self.connection.keep_alive,
        }
    }

    /// Whether a request that asks to close may still keep the proxy's server connection
    /// open, its `close` token being dropped on the way: HTTP/1.1 (whose default is to
    /// persist), framing intact, no protocol switch. HAProxy's server side does not inherit
    /// the client's `close`, so the server connection can serve a later request.
    pub fn server_side_may_persist(&self) -> bool {
        self.version == Version::Http11 && !self.close_after_response && !self.is_upgrade_request()
    }

    /// A response that starts a connection-bound authentication (a 401 with
    /// `WWW-Authenticate: NTLM` or `Negotiate`, a 407 with `Proxy-Authenticate`): the
    /// connection now belongs to one client and must never be shared. HAProxy marks such
    /// connections private, looking at these two statuses only.
    pub fn asks_connection_auth(&self, buf: &[u8]) -> bool {
        let header: &[u8] = match self.status {
            401 => b"www-authenticate",
            407 => b"proxy-authenticate",
            _ => return false,
        };
        self.find_all(buf, header).any(|i| {
            let v = self.value(buf, i);
            [&b"NTLM"[..], b"Negotiate"].iter().any(|scheme| {
                v.len() >= scheme.len()
                    && v[..scheme.len()].eq_ignore_ascii_case(scheme)
                    && v.get(scheme.len()).is_none_or(|&c| c == b' ' || c == b',')
            })
        })
    }

    /// The request asks to switch protocols: `Connection: upgrade` and an `Upgrade` header
    /// (RFC 9110 §7.8), e.g. a WebSocket handshake.
    pub fn is_upgrade_request(&self) -> bool {
        self.connection.upgrade && self.upgrade.is_some()
    }
}

/// Whether the connections may be reused after this request/response exchange: both sides
/// want it and the response end is known without closing (not close-delimited).
pub fn keep_alive(req: &Head, resp: &Head, resp_body: BodyKind) -> bool {
    req.wants_keep_alive()
        && resp.wants_keep_alive()
        && !matches!(resp_body, BodyKind::CloseDelimited | BodyKind::Tunnel)
}

/// After this response, the connection is a tunnel: `101 Switching Protocols` to an upgrade
/// request, or a 2xx answer to CONNECT.
pub fn starts_tunnel(req: &Head, resp: &Head) -> bool {
    (resp.status == 101 && req.is_upgrade_request())
        || (req.method == Method::Connect && (200..300).contains(&resp.status))
}

/// The interim response the proxy may send itself when a client waits on `Expect:
/// 100-continue` (HAProxy forwards the expectation to the server; this is for the cases
/// where the proxy must answer before choosing one).
pub const CONTINUE_100: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
