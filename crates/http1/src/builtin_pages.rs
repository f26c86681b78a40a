//! The bytes of HAProxy 2.6's built-in responses, captured from haproxy 2.6.12 on 127.0.0.1
//! (`http-request deny deny_status N` for each status; a bad request, a request timeout and an
//! unsupported transfer-coding for the connection-level pages). Generated once; do not edit by
//! hand. Used through [`crate::builtin_errors`].

/// HAProxy 2.6's 200 page as sent by the stream layer (`deny_status 200`).
pub const PAGE_200: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 58\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n";

/// HAProxy 2.6's 400 page as sent by the stream layer (`deny_status 400`).
pub const PAGE_400: &[u8] = b"HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n";

/// HAProxy 2.6's 401 page as sent by the stream layer (`deny_status 401`).
pub const PAGE_401: &[u8] = b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n";

/// HAProxy 2.6's 403 page as sent by the stream layer (`deny_status 403`, `http-request deny`).
pub const PAGE_403: &[u8] = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n";

/// HAProxy 2.6's 404 page as sent by the stream layer (`deny_status 404`).
pub const PAGE_404: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 83\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>404 Not Found</h1>\nThe resource could not be found.\n</body></html>\n";

/// HAProxy 2.6's 405 page as sent by the stream layer (`deny_status 405`).
pub const PAGE_405: &[u8] = b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 146\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>405 Method Not Allowed</h1>\nA request was made of a resource using a request method not supported by that resource\n</body></html>\n";

/// HAProxy 2.6's 407 page as sent by the stream layer (`deny_status 407`).
pub const PAGE_407: &[u8] = b"HTTP/1.1 407 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>407 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n";

/// HAProxy 2.6's 408 page as sent by the stream layer (`deny_status 408`).
pub const PAGE_408: &[u8] = b"HTTP/1.1 408 Request Time-out\r\ncontent-length: 110\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";

/// HAProxy 2.6's 410 page as sent by the stream layer (`deny_status 410`).
pub const PAGE_410: &[u8] = b"HTTP/1.1 410 Gone\r\ncontent-length: 114\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>410 Gone</h1>\nThe resource is no longer available and will not be available again.\n</body></html>\n";

/// HAProxy 2.6's 413 page as sent by the stream layer (`deny_status 413`).
pub const PAGE_413: &[u8] = b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 106\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.\n</body></html>\n";

/// HAProxy 2.6's 421 page as sent by the stream layer (`deny_status 421`).
pub const PAGE_421: &[u8] = b"HTTP/1.1 421 Misdirected Request\r\ncontent-length: 104\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>421 Misdirected Request</h1>\nRequest sent to a non-authoritative server.\n</body></html>\n";

/// HAProxy 2.6's 422 page as sent by the stream layer (`deny_status 422`).
pub const PAGE_422: &[u8] = b"HTTP/1.1 422 Unprocessable Content\r\ncontent-length: 116\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n";

/// HAProxy 2.6's 425 page as sent by the stream layer (`deny_status 425`).
pub const PAGE_425: &[u8] = b"HTTP/1.1 425 Too Early\r\ncontent-length: 80\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>425 Too Early</h1>\nYour browser sent early data.\n</body></html>\n";

/// HAProxy 2.6's 429 page as sent by the stream layer (`deny_status 429`).
pub const PAGE_429: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\ncontent-length: 117\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n";

/// HAProxy 2.6's 500 page as sent by the stream layer (`deny_status 500`).
pub const PAGE_500: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n";

/// HAProxy 2.6's 501 page as sent by the stream layer (`deny_status 501`).
pub const PAGE_501: &[u8] = b"HTTP/1.1 501 Not Implemented\r\ncontent-length: 136\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>501 Not Implemented</h1>\n.The server does not support the functionality required to fulfill the request.\n</body></html>\n";

/// HAProxy 2.6's 502 page as sent by the stream layer (`deny_status 502`, invalid server response).
pub const PAGE_502: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";

/// HAProxy 2.6's 503 page as sent by the stream layer (`deny_status 503`, no server).
pub const PAGE_503: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";

/// HAProxy 2.6's 504 page as sent by the stream layer (`deny_status 504`, server timeout).
pub const PAGE_504: &[u8] = b"HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n";

/// HAProxy 2.6's 400 page as sent by the connection layer (unparsable or too large request); header names
/// capitalised as in HAProxy's source, unlike the stream-layer pages.
pub const CONN_PAGE_400: &[u8] = b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n";

/// HAProxy 2.6's 408 page as sent by the connection layer (`timeout http-request` expired); header names
/// capitalised as in HAProxy's source, unlike the stream-layer pages.
pub const CONN_PAGE_408: &[u8] = b"HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";

/// HAProxy 2.6's 422 page as sent by the connection layer (unsupported transfer-coding in a request); header names
/// capitalised as in HAProxy's source, unlike the stream-layer pages.
pub const CONN_PAGE_422: &[u8] = b"HTTP/1.1 422 Unprocessable Content\r\nContent-length: 116\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n";
