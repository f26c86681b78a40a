//! HAProxy 2.6's built-in error responses, byte for byte, and the check applied to `errorfile`
//! contents. The proxy sends these when it answers on its own behalf (bad request, denied, no
//! server, timeouts); `errorfile <code> <file>` replaces one of them with a file that must
//! itself be a complete HTTP response.
//!
//! HAProxy has two forms of each page, and both are reproduced as it sends them:
//! * the stream layer's ([`page`]): lower-case header names, no `connection` header while the
//!   client connection stays open. When HAProxy closes the client connection after the page
//!   (HTTP/1.0 client, `Connection: close`, `option httpclose`) it adds `connection: close`, and
//!   `connection: keep-alive` for a keep-alive HTTP/1.0 client: [`write_page_with_connection`].
//!   400 and 408 always carry `connection: close`.
//! * the connection layer's (`CONN_PAGE_*`), for a request that cannot be parsed (400, 422) or
//!   does not arrive in time (408): capitalised header names; the connection is closed after.

use crate::error::HeadError;
use crate::head::{Head, Limits, Parsed};

pub use crate::builtin_pages::*;

/// The stream-layer page for `status`, for the statuses HAProxy 2.6 has a page for
/// (200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503,
/// 504). Any other status: `None`.
pub fn page(status: u16) -> Option<&'static [u8]> {
    Some(match status {
        200 => PAGE_200,
        400 => PAGE_400,
        401 => PAGE_401,
        403 => PAGE_403,
        404 => PAGE_404,
        405 => PAGE_405,
        407 => PAGE_407,
        408 => PAGE_408,
        410 => PAGE_410,
        413 => PAGE_413,
        421 => PAGE_421,
        422 => PAGE_422,
        425 => PAGE_425,
        429 => PAGE_429,
        500 => PAGE_500,
        501 => PAGE_501,
        502 => PAGE_502,
        503 => PAGE_503,
        504 => PAGE_504,
        _ => return None,
    })
}

/// The page for a head rejected with `status` (from [`HeadError::status`]): the
/// connection-level 400 or 422 for a request, the 502 page for a response.
pub fn page_for_head_error(status: u16) -> &'static [u8] {
    match status {
        400 => CONN_PAGE_400,
        422 => CONN_PAGE_422,
        _ => PAGE_502,
    }
}

/// Writes `page` into `out` (cleared first) with a `connection: <token>` header added as the
/// last header, as HAProxy does when it closes (`close`) or keeps alive an HTTP/1.0 client
/// (`keep-alive`). A page that already has a `connection` header is written unchanged.
pub fn write_page_with_connection(page: &[u8], token: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let Some(blank) = page.windows(4).position(|w| w == b"\r\n\r\n") else {
        out.extend_from_slice(page);
        return;
    };
    let head = &page[..blank + 2];
    let has_connection = head
        .split(|&b| b == b'\n')
        .any(|line| line.len() > 11 && line[..11].eq_ignore_ascii_case(b"connection:"));
    if has_connection {
        out.extend_from_slice(page);
        return;
    }
    out.extend_from_slice(head);
    out.extend_from_slice(b"connection: ");
    out.extend_from_slice(token);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&page[blank + 2..]);
}

/// Why an `errorfile` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ErrorFileError {
    /// The file's head does not parse as an HTTP/1 response.
    #[error("'{path}': not a valid HTTP response: {source}")]
    Invalid {
        /// The file, as named in the configuration.
        path: String,
        /// What is wrong with its head.
        source: HeadError,
    },
    /// The file ends before its head does.
    #[error("'{path}': incomplete HTTP response head")]
    Incomplete {
        /// The file, as named in the configuration.
        path: String,
    },
}

/// Checks that `content` (an `errorfile`'s bytes) starts with a complete, valid HTTP/1
/// response head, and returns the status it carries. `path` only names the file in the error.
pub fn validate_errorfile(path: &str, content: &[u8]) -> Result<u16, ErrorFileError> {
    let mut head = Head::default();
    let limits = Limits {
        max_head_len: content.len().max(1),
        max_headers: 101,
    };
    match head.parse_response(content, &limits) {
        Ok(Parsed::Complete(_)) => Ok(head.status),
        Ok(Parsed::Partial) | Err(HeadError::TooLarge { .. }) => Err(ErrorFileError::Incomplete {
            path: path.to_owned(),
        }),
        Err(source) => Err(ErrorFileError::Invalid {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Reads and validates an `errorfile` (the one piece of I/O in this crate, at the edge: the
/// configuration loader calls it once per file at startup, never on the request path).
pub fn load_errorfile(path: &str) -> Result<Vec<u8>, LoadErrorFile> {
    let content = std::fs::read(path).map_err(|source| LoadErrorFile::Read {
        path: path.to_owned(),
        source,
    })?;
    validate_errorfile(path, &content)?;
    Ok(content)
}

/// Why [`load_errorfile`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadErrorFile {
    /// The file could not be read.
    #[error("'{path}': {source}")]
    Read {
        /// The file, as named in the configuration.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a usable HTTP response.
    #[error(transparent)]
    Invalid(#[from] ErrorFileError),
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUSES: [u16; 19] = [
        200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503,
        504,
    ];

    /// Every page is a valid response whose status is its own and whose content-length is
    /// the length of its body.
    fn check_page(page: &[u8], status: u16) {
        let mut head = Head::default();
        let Ok(Parsed::Complete(n)) = head.parse_response(page, &Limits::default()) else {
            panic!("page {status} does not parse");
        };
        assert_eq!(head.status, status);
        assert_eq!(
            head.content_length,
            Some((page.len() - n) as u64),
            "page {status}"
        );
        assert_eq!(validate_errorfile("builtin", page).unwrap(), status);
    }

    #[test]
    fn every_builtin_page_is_a_consistent_response() {
        for status in STATUSES {
            check_page(page(status).unwrap(), status);
        }
        check_page(CONN_PAGE_400, 400);
        check_page(CONN_PAGE_408, 408);
        check_page(CONN_PAGE_422, 422);
        assert_eq!(page(418), None);
    }

    #[test]
    fn head_errors_map_to_connection_pages() {
        assert_eq!(page_for_head_error(400), CONN_PAGE_400);
        assert_eq!(page_for_head_error(422), CONN_PAGE_422);
        assert_eq!(page_for_head_error(502), PAGE_502);
    }

    #[test]
    fn errorfile_that_is_not_a_response_names_the_file() {
        let e =
            validate_errorfile("/etc/haproxy/errors/503.http", b"<html>oops</html>\n").unwrap_err();
        assert!(matches!(e, ErrorFileError::Invalid { .. }));
        assert!(
            e.to_string().contains("/etc/haproxy/errors/503.http"),
            "{e}"
        );
        let e = validate_errorfile(
            "x.http",
            b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no",
        )
        .unwrap_err();
        assert!(matches!(e, ErrorFileError::Incomplete { .. }), "{e}");
        let e = validate_errorfile("x.http", b"").unwrap_err();
        assert!(matches!(e, ErrorFileError::Incomplete { .. }), "{e}");
    }

    #[test]
    fn errorfile_in_the_classic_format_is_accepted() {
        // The shape of the files shipped in /usr/share/doc/haproxy/examples/errorfiles/.
        let file = b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
        assert_eq!(validate_errorfile("503.http", file).unwrap(), 503);
    }

    #[test]
    fn load_errorfile_reads_and_validates() {
        let dir = std::env::temp_dir().join(format!("http1-errorfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.http");
        std::fs::write(&good, PAGE_503).unwrap();
        let bad = dir.join("bad.http");
        std::fs::write(&bad, b"not http\r\n\r\n").unwrap();
        let good = good.to_str().unwrap();
        let bad = bad.to_str().unwrap();
        assert_eq!(load_errorfile(good).unwrap(), PAGE_503);
        let e = load_errorfile(bad).unwrap_err();
        assert!(e.to_string().contains(bad), "{e}");
        let missing = dir.join("missing.http");
        let e = load_errorfile(missing.to_str().unwrap()).unwrap_err();
        assert!(matches!(e, LoadErrorFile::Read { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
