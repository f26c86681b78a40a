//! The HTTP side of access logging: what a log line needs from the request and response
//! heads is copied when each head is parsed (the buffers are reused for bodies), and the
//! transaction is logged and timed when it ends.

use std::ops::Range;

use crate::stream::Stream;

use super::Session;

/// The request line and `capture request/response header` values of the current request,
/// in buffers reused across requests (no allocation once they have grown).
#[derive(Debug, Default)]
pub(crate) struct LogTexts {
    pub request_line: Vec<u8>,
    /// Captured values, back to back; `req_caps[i]` / `resp_caps[i]` is capture `i`'s range
    /// (`None`: the header was absent).
    pub values: Vec<u8>,
    pub req_caps: Vec<Option<Range<usize>>>,
    pub resp_caps: Vec<Option<Range<usize>>>,
}

impl LogTexts {
    pub fn clear(&mut self) {
        self.request_line.clear();
        self.values.clear();
        self.req_caps.clear();
        self.resp_caps.clear();
    }

    fn capture(&mut self, value: Option<&[u8]>, len: usize, response: bool) {
        let range = value.map(|v| {
            let v = &v[..v.len().min(len)];
            let start = self.values.len();
            self.values.extend_from_slice(v);
            start..self.values.len()
        });
        if response {
            self.resp_caps.push(range);
        } else {
            self.req_caps.push(range);
        }
    }

    pub fn get(&self, r: &Option<Range<usize>>) -> Option<&[u8]> {
        r.as_ref().and_then(|r| self.values.get(r.clone()))
    }
}

impl<S: Stream> Session<'_, S> {
    /// Copies what the log line shows of the request head at `rbuf[rstart..][..head_len]`.
    pub(super) fn note_request_head(&mut self, head_len: usize) {
        let Some(log) = self.fe.log.as_ref() else {
            return;
        };
        self.log_texts.clear();
        let Some(buf) = self.rbuf.as_deref() else {
            return;
        };
        let head = &buf[self.rstart..self.rstart + head_len];
        let line_end = head
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(head.len());
        self.log_texts
            .request_line
            .extend_from_slice(&head[..line_end]);
        for cap in &log.request_captures {
            let v = self
                .req
                .find(head, cap.name.as_bytes())
                .map(|i| self.req.value(head, i));
            self.log_texts.capture(v, cap.len, false);
        }
    }

    /// Copies the `capture response header` values of the response head in `sbuf[..head_len]`.
    pub(super) fn note_response_head(&mut self, head_len: usize, sbuf: &[u8]) {
        let Some(log) = self.fe.log.as_ref() else {
            return;
        };
        let head = &sbuf[..head_len.min(sbuf.len())];
        for cap in &log.response_captures {
            let v = self
                .resp
                .find(head, cap.name.as_bytes())
                .map(|i| self.resp.value(head, i));
            self.log_texts.capture(v, cap.len, true);
        }
    }

    /// The transaction is over: its times go to the latency figures, its line to the logs.
    pub(super) fn finish_txn(&mut self) -> crate::clock::Mono {
        crate::access_log::finish(
            self.w,
            self.fe,
            &self.txn,
            self.peer,
            self.local,
            Some(&self.log_texts),
        )
    }
}
