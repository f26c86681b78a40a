//! A raw-socket client: sends exact bytes and reads exact HTTP responses (status, headers,
//! body framed by Content-Length, chunked encoding or close), every read bounded in time.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

/// A response as the client received it.
#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The raw head, blank line included.
    pub raw_head: Vec<u8>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// Trailer lines of a chunked body.
    pub trailers: Vec<String>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct RawClient {
    conn: TcpStream,
    buf: Vec<u8>,
}

impl RawClient {
    pub fn connect(addr: SocketAddr) -> std::io::Result<RawClient> {
        let conn = TcpStream::connect_timeout(&addr, crate::WAIT)?;
        conn.set_read_timeout(Some(crate::WAIT))?;
        conn.set_write_timeout(Some(crate::WAIT))?;
        conn.set_nodelay(true)?;
        Ok(RawClient {
            conn,
            buf: Vec::new(),
        })
    }

    pub fn send(&mut self, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        self.conn.write_all(bytes.as_ref())
    }

    /// Sends FIN; reading stays possible.
    pub fn shutdown_write(&self) -> std::io::Result<()> {
        self.conn.shutdown(Shutdown::Write)
    }

    pub fn stream(&self) -> &TcpStream {
        &self.conn
    }

    fn fill(&mut self) -> std::io::Result<bool> {
        let mut b = [0u8; 16384];
        let n = self.conn.read(&mut b)?;
        self.buf.extend_from_slice(&b[..n]);
        Ok(n > 0)
    }

    /// Everything until the peer closes (bounded by the read timeout).
    pub fn read_to_close(&mut self) -> std::io::Result<Vec<u8>> {
        while self.fill()? {}
        Ok(std::mem::take(&mut self.buf))
    }

    /// Whether the peer closed the connection (end of stream, or a reset) with nothing more
    /// to read.
    pub fn is_closed(&mut self) -> bool {
        match self.fill() {
            Ok(false) => true,
            Ok(true) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }

    /// Reads one response to a request made with `method` (a `HEAD` response has no body).
    pub fn read_response_to(&mut self, method: &str) -> std::io::Result<HttpResponse> {
        let eof = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed early");
        let head_end = loop {
            if let Some(p) = find(&self.buf, b"\r\n\r\n") {
                break p + 4;
            }
            if !self.fill()? {
                return Err(eof());
            }
        };
        let raw_head: Vec<u8> = self.buf.drain(..head_end).collect();
        let text = String::from_utf8_lossy(&raw_head).into_owned();
        let mut lines = text.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut resp = HttpResponse {
            status,
            raw_head: raw_head.clone(),
            ..HttpResponse::default()
        };
        for line in lines.filter(|l| !l.is_empty()) {
            if let Some((n, v)) = line.split_once(':') {
                resp.headers
                    .push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        let no_body = method.eq_ignore_ascii_case("HEAD")
            || (100..200).contains(&status)
            || status == 204
            || status == 304;
        if no_body {
            return Ok(resp);
        }
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            self.read_chunked(&mut resp)?;
        } else if let Some(len) = resp
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
        {
            while self.buf.len() < len {
                if !self.fill()? {
                    return Err(eof());
                }
            }
            resp.body = self.buf.drain(..len).collect();
        } else {
            while self.fill()? {}
            resp.body = std::mem::take(&mut self.buf);
        }
        Ok(resp)
    }

    /// Reads one response to a `GET`.
    pub fn read_response(&mut self) -> std::io::Result<HttpResponse> {
        self.read_response_to("GET")
    }

    fn line(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(p) = find(&self.buf, b"\r\n") {
                let l: Vec<u8> = self.buf.drain(..p + 2).collect();
                return Ok(l[..p].to_vec());
            }
            if !self.fill()? {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "closed in chunk",
                ));
            }
        }
    }

    fn read_chunked(&mut self, resp: &mut HttpResponse) -> std::io::Result<()> {
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size");
        loop {
            let line = self.line()?;
            let text = String::from_utf8_lossy(&line).into_owned();
            let size = usize::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad())?;
            if size == 0 {
                loop {
                    let t = self.line()?;
                    if t.is_empty() {
                        return Ok(());
                    }
                    resp.trailers.push(String::from_utf8_lossy(&t).into_owned());
                }
            }
            while self.buf.len() < size + 2 {
                if !self.fill()? {
                    return Err(bad());
                }
            }
            let data: Vec<u8> = self.buf.drain(..size + 2).collect();
            resp.body.extend_from_slice(&data[..size]);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
