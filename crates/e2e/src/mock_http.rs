//! A mock HTTP/1.1 server: records every request it receives (head and body, raw and
//! decoded) and each accepted connection, and answers what the test's closure says: plain
//! responses, chunked ones, slow ones, a close, raw bytes, or a protocol switch to echo.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the mock answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `200 OK` with `Content-Length` and this body; the connection stays open.
    Ok(Vec<u8>),
    /// `200 OK` with `Transfer-Encoding: chunked`, these chunks, and these trailer lines.
    Chunked(Vec<Vec<u8>>, Vec<String>),
    /// Wait, then answer.
    Slow(Duration, Box<Reply>),
    /// Close the connection without answering.
    Close,
    /// Write these bytes as the whole response; the connection stays open.
    Raw(Vec<u8>),
    /// Write these bytes, then close (a close-delimited response).
    RawClose(Vec<u8>),
    /// `101 Switching Protocols`, then echo every byte back until the peer closes.
    UpgradeEcho,
}

/// One request as the server received it.
#[derive(Debug, Clone, Default)]
pub struct SeenRequest {
    /// Which accepted connection it came on (0-based, in accept order).
    pub conn: usize,
    pub method: String,
    pub path: String,
    pub version: String,
    /// Header lines as received, in order.
    pub headers: Vec<(String, String)>,
    /// The raw head, blank line included.
    pub raw_head: Vec<u8>,
    /// The body as received (chunked framing included).
    pub raw_body: Vec<u8>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// Trailer lines of a chunked body.
    pub trailers: Vec<String>,
}

impl SeenRequest {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.header_all(name).into_iter().next()
    }
}

type Responder = dyn Fn(&SeenRequest) -> Reply + Send + Sync;

struct Shared {
    accepted: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: Mutex<Vec<SeenRequest>>,
    stop: AtomicBool,
    respond: Box<Responder>,
}

/// The mock server; stops accepting on drop.
pub struct MockHttp {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl MockHttp {
    /// Starts a mock on 127.0.0.1:0 that answers each request with `respond(&request)`.
    pub fn start(respond: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static) -> MockHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            accepted: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            respond: Box::new(respond),
        });
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let id = s.accepted.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve_conn(s, conn, id));
            }
        });
        MockHttp { addr, shared }
    }

    /// A mock answering `200 OK` with `body` to everything.
    pub fn ok(body: &str) -> MockHttp {
        let body = body.as_bytes().to_vec();
        MockHttp::start(move |_| Reply::Ok(body.clone()))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The most requests this server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Waits (bounded) until at least `n` requests arrived; returns them.
    pub fn wait_requests(&self, n: usize) -> Vec<SeenRequest> {
        let start = std::time::Instant::now();
        loop {
            let r = self.requests();
            if r.len() >= n || start.elapsed() > crate::WAIT {
                return r;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for MockHttp {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve_conn(s: Arc<Shared>, mut conn: TcpStream, id: usize) {
    let _ = conn.set_read_timeout(Some(crate::WAIT * 3));
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Some(mut req) = read_request(&mut conn, &mut buf) else {
            return;
        };
        req.conn = id;
        if let Ok(mut r) = s.requests.lock() {
            r.push(req.clone());
        }
        let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        s.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let reply = (s.respond)(&req);
        let open = answer(&mut conn, &reply, &mut buf);
        s.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !open {
            return;
        }
    }
}

/// Writes the reply; false when the connection is finished.
fn answer(conn: &mut TcpStream, reply: &Reply, leftover: &mut Vec<u8>) -> bool {
    match reply {
        Reply::Ok(body) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            conn.write_all(head.as_bytes()).is_ok() && conn.write_all(body).is_ok()
        }
        Reply::Chunked(chunks, trailers) => {
            let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for c in chunks {
                out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                out.extend_from_slice(c);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n");
            for t in trailers {
                out.extend_from_slice(t.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            conn.write_all(&out).is_ok()
        }
        Reply::Slow(d, inner) => {
            std::thread::sleep(*d);
            answer(conn, inner, leftover)
        }
        Reply::Close => false,
        Reply::Raw(bytes) => conn.write_all(bytes).is_ok(),
        Reply::RawClose(bytes) => {
            let _ = conn.write_all(bytes);
            false
        }
        Reply::UpgradeEcho => {
            let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
            if conn.write_all(head).is_err() {
                return false;
            }
            if !leftover.is_empty() && conn.write_all(leftover).is_err() {
                return false;
            }
            let mut b = [0u8; 4096];
            loop {
                match conn.read(&mut b) {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => {
                        if conn.write_all(&b[..n]).is_err() {
                            return false;
                        }
                    }
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads more into `buf`; false at end of stream or error.
fn fill(conn: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut b = [0u8; 8192];
    match conn.read(&mut b) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&b[..n]);
            true
        }
    }
}

fn read_request(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<SeenRequest> {
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p + 4;
        }
        if !fill(conn, buf) {
            return None;
        }
    };
    let raw_head: Vec<u8> = buf.drain(..head_end).collect();
    let text = String::from_utf8_lossy(&raw_head).into_owned();
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or_default();
    let mut parts = start.splitn(3, ' ');
    let mut req = SeenRequest {
        method: parts.next().unwrap_or_default().to_string(),
        path: parts.next().unwrap_or_default().to_string(),
        version: parts.next().unwrap_or_default().to_string(),
        raw_head: raw_head.clone(),
        ..SeenRequest::default()
    };
    for line in lines.filter(|l| !l.is_empty()) {
        if let Some((n, v)) = line.split_once(':') {
            req.headers
                .push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    if req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && conn.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return None;
    }
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        read_chunked(conn, buf, &mut req)?;
    } else if let Some(len) = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        while buf.len() < len {
            if !fill(conn, buf) {
                return None;
            }
        }
        req.raw_body = buf.drain(..len).collect();
        req.body = req.raw_body.clone();
    }
    Some(req)
}

fn read_chunked(conn: &mut TcpStream, buf: &mut Vec<u8>, req: &mut SeenRequest) -> Option<()> {
    loop {
        let line_end = loop {
            if let Some(p) = find(buf, b"\r\n") {
                break p;
            }
            if !fill(conn, buf) {
                return None;
            }
        };
        let line: Vec<u8> = buf.drain(..line_end + 2).collect();
        req.raw_body.extend_from_slice(&line);
        let size_text = String::from_utf8_lossy(&line[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            // Trailers until the empty line.
            loop {
                let end = loop {
                    if let Some(p) = find(buf, b"\r\n") {
                        break p;
                    }
                    if !fill(conn, buf) {
                        return None;
                    }
                };
                let t: Vec<u8> = buf.drain(..end + 2).collect();
                req.raw_body.extend_from_slice(&t);
                if end == 0 {
                    return Some(());
                }
                req.trailers
                    .push(String::from_utf8_lossy(&t[..end]).into_owned());
            }
        }
        while buf.len() < size + 2 {
            if !fill(conn, buf) {
                return None;
            }
        }
        let data: Vec<u8> = buf.drain(..size + 2).collect();
        req.raw_body.extend_from_slice(&data);
        req.body.extend_from_slice(&data[..size]);
    }
}
