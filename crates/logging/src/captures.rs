//! `capture request header` / `capture response header` (configuration manual 4.2, 8.8):
//! which headers a proxy captures, in declaration order, and how a value is taken from a
//! message — the last occurrence of the header, cut to `len` bytes — so the proxy can fill
//! [`crate::LogRecord::request_headers`] / `response_headers` without allocating.

use haproxy_cfg::model::Proxy;

/// One declared capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSlot {
    pub header: String,
    pub len: usize,
}

/// A proxy's header captures, split by direction, each in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapturePlan {
    pub request: Vec<CaptureSlot>,
    pub response: Vec<CaptureSlot>,
}

impl CapturePlan {
    pub fn from_proxy(proxy: &Proxy) -> CapturePlan {
        let mut plan = CapturePlan::default();
        for c in &proxy.captures {
            let slot = CaptureSlot {
                header: c.header.clone(),
                len: c.len,
            };
            if c.request {
                plan.request.push(slot);
            } else {
                plan.response.push(slot);
            }
        }
        plan
    }

    /// Fills `out[i]` for each request slot from `headers` (name, value) pairs.
    pub fn fill_request<'a, I>(&self, headers: I, out: &mut [Option<&'a [u8]>])
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        fill(&self.request, headers, out);
    }

    /// Fills `out[i]` for each response slot.
    pub fn fill_response<'a, I>(&self, headers: I, out: &mut [Option<&'a [u8]>])
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        fill(&self.response, headers, out);
    }
}

fn fill<'a, I>(slots: &[CaptureSlot], headers: I, out: &mut [Option<&'a [u8]>])
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    out.iter_mut().for_each(|o| *o = None);
    for (name, value) in headers {
        for (slot, o) in slots.iter().zip(out.iter_mut()) {
            if slot.header.as_bytes().eq_ignore_ascii_case(name) {
                // The last occurrence wins (8.8); values are cut at `len`.
                *o = Some(&value[..value.len().min(slot.len)]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_occurrence_truncated_in_declaration_order() {
        let plan = CapturePlan {
            request: vec![
                CaptureSlot {
                    header: "Host".into(),
                    len: 32,
                },
                CaptureSlot {
                    header: "User-Agent".into(),
                    len: 8,
                },
                CaptureSlot {
                    header: "X-Missing".into(),
                    len: 8,
                },
            ],
            response: vec![],
        };
        let headers: [(&[u8], &[u8]); 3] = [
            (b"user-agent", b"first"),
            (b"HOST", b"example.com"),
            (b"User-Agent", b"curl/7.88.1-long-agent"),
        ];
        let mut out = [Some(&b"stale"[..]); 3];
        plan.fill_request(headers, &mut out);
        assert_eq!(
            out,
            [Some(&b"example.com"[..]), Some(&b"curl/7.8"[..]), None]
        );
    }
}
