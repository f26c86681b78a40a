//! The rules at an HTTP exchange's phases: `tcp-request content`, `http-request` (frontend,
//! then backend), `redirect`, `use_backend`/`default_backend` before the request goes out;
//! `http-response` (backend, then frontend) and `http-after-response` when the response head
//! is in. Verdicts become answers here (error pages, redirects, `return`, `auth`); edits stay
//! in the session's `rules::Scratch` until the head is written.

use http1::{request_body_kind, BodyKind, Version};
use rules::{HeadView, RequestVerdict, ResponseVerdict, TcpVerdict};

use crate::counters::Counter;
use crate::plan::{BackendId, BackendPlan};
use crate::rules_glue::{env, LiveCounters};
use crate::stream::Stream;
use logging::{SessionPhase as Phase, TerminationCause as Cause};

use super::io::{deadline, write_within};
use super::{count_status, reply, Session};

/// What the request rules leave the exchange to do.
pub(super) enum RequestOutcome {
    /// Forward to this backend (`None`: no backend, HAProxy answers 503).
    Forward(Option<BackendId>),
    /// The rules answered (or closed); the value says whether the connection stays open.
    Answered(bool),
    /// The request is for the stats page of this proxy (a `Config::proxies` index).
    Stats(usize, Option<BackendId>),
    /// `http-request use-service`.
    Service(rules::Service, Option<BackendId>),
}

impl<S: Stream> Session<'_, S> {
    /// Runs the request-side rules for the head of `head_len` bytes at `rbuf[rstart..]`.
    pub(super) async fn request_rules(&mut self, head_len: usize) -> RequestOutcome {
        let w = self.w;
        let fe = self.fe;
        let plan = &w.plan;
        let live = LiveCounters(plan);
        let mut env = env(&live, fe.proxy_index, self.peer, self.local);
        let (verdict, backend, stats) = {
            let Some(buf) = self.rbuf.as_deref() else {
                return RequestOutcome::Answered(false);
            };
            let view = HeadView {
                buf: &buf[self.rstart..self.rstart + head_len],
                head: &self.req,
            };
            let s = &mut self.scratch;
            s.begin_request(&view);
            let mut v = match plan.rules.tcp_content(fe.proxy_index, &env, Some(&view), s) {
                TcpVerdict::Reject => RequestVerdict::Reject,
                TcpVerdict::Accept => plan.rules.http_request(fe.proxy_index, &env, &view, s),
            };
            let target = self.req.target.of(view.buf);
            let mut backend = None;
            let mut stats = None;
            if v == RequestVerdict::Continue
                && super::local_service::stats_hit(plan, fe.proxy_index, target)
            {
                stats = Some(fe.proxy_index);
            }
            if v == RequestVerdict::Continue && stats.is_none() {
                backend = plan
                    .rules
                    .choose_backend(fe.proxy_index, &env, Some(&view), s)
                    .and_then(|i| plan.backend_of_proxy.get(i).copied().flatten())
                    .or(fe.backend);
                if let Some(b) = backend {
                    let be_proxy = plan.backends[b].proxy_index;
                    env.backend = Some(be_proxy);
                    // A `listen` section's rules already ran as the frontend's.
                    if be_proxy != fe.proxy_index {
                        v = plan.rules.http_request(be_proxy, &env, &view, s);
                    }
                    if v == RequestVerdict::Continue
                        && super::local_service::stats_hit(plan, be_proxy, target)
                    {
                        stats = Some(be_proxy);
                    }
                }
            }
            (v, backend, stats)
        };
        let fe_row = &plan.counters.frontends[fe.id];
        match verdict {
            RequestVerdict::Continue => match stats {
                Some(px) => RequestOutcome::Stats(px, backend),
                None => RequestOutcome::Forward(backend),
            },
            RequestVerdict::Service(svc) => RequestOutcome::Service(svc, backend),
            RequestVerdict::Deny { status } => {
                fe_row.incr(w.thread, Counter::DeniedReq);
                self.txn.backend = backend;
                self.txn.end(Cause::ProxyAbort, Phase::Request);
                self.reply(backend, status).await;
                RequestOutcome::Answered(false)
            }
            RequestVerdict::Reject => {
                fe_row.incr(w.thread, Counter::DeniedReq);
                self.txn.end(Cause::ProxyAbort, Phase::Request);
                RequestOutcome::Answered(false)
            }
            RequestVerdict::Tarpit { status } => {
                fe_row.incr(w.thread, Counter::DeniedReq);
                self.txn.backend = backend;
                self.txn.end(Cause::ProxyAbort, Phase::Tarpit);
                if let Some(d) = deadline(fe.timeout_tarpit) {
                    tokio::select! {
                        _ = tokio::time::sleep_until(d) => {}
                        _ = w.control.stopping() => return RequestOutcome::Answered(false),
                    }
                }
                self.reply(backend, status).await;
                RequestOutcome::Answered(false)
            }
            RequestVerdict::Reply { status } => {
                count_status(w, fe.id, backend, status);
                // The connection stays for the next request when nothing of this one is left
                // to read and the client expects it (an HTTP/1.0 client would need a
                // `connection: keep-alive` the reply does not carry).
                let keep = self.req.version == Version::Http11
                    && self.req.wants_keep_alive()
                    && request_body_kind(&self.req) == BodyKind::None
                    && fe.conn_mode != haproxy_cfg::model::HttpConnMode::Close;
                // The rules' own reply lives in the scratch the after-response rules write
                // to: copy it only when such rules exist.
                let edited = if self.has_after_response(backend) {
                    let page = self.scratch.reply().to_vec();
                    self.after_response_edit(backend, &page)
                } else {
                    None
                };
                let page = edited.as_deref().unwrap_or(self.scratch.reply());
                self.txn.status = Some(status);
                self.txn.bytes_out = page.len() as u64;
                self.txn.backend = backend;
                self.txn.end(Cause::Local, Phase::Request);
                if keep {
                    if write_within(&self.client, page, fe.timeout_client)
                        .await
                        .is_err()
                    {
                        return RequestOutcome::Answered(false);
                    }
                    self.rstart += head_len;
                    RequestOutcome::Answered(true)
                } else {
                    reply::send_and_close(&self.client, page, fe.timeout_client).await;
                    RequestOutcome::Answered(false)
                }
            }
        }
    }

    /// `http-after-response` rules (backend's, then frontend's) over a response halb made
    /// itself (error page, `return`, redirect, auth challenge), as HAProxy runs them on every
    /// response. `None` when no rule edits it: send `page` as it is.
    pub(super) fn after_response_edit(
        &mut self,
        backend: Option<BackendId>,
        page: &[u8],
    ) -> Option<Vec<u8>> {
        if !self.has_after_response(backend) {
            return None;
        }
        let plan = &self.w.plan;
        let fe = self.fe;
        let be_proxy = backend.map(|b| plan.backends[b].proxy_index);
        let mut head = http1::Head::default();
        let head_len = match head.parse_response(page, &self.limits) {
            Ok(http1::Parsed::Complete(n)) => n,
            _ => return None,
        };
        let live = LiveCounters(plan);
        let mut env = env(&live, fe.proxy_index, self.peer, self.local);
        env.backend = be_proxy;
        let view = HeadView {
            buf: &page[..head_len],
            head: &head,
        };
        let s = &mut self.scratch;
        s.begin_response(&view);
        if let Some(bp) = be_proxy.filter(|&p| p != fe.proxy_index) {
            plan.rules.http_after_response(bp, &env, None, &view, s);
        }
        plan.rules
            .http_after_response(fe.proxy_index, &env, None, &view, s);
        if s.response_edits().is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(page.len() + 128);
        s.response_edits().write_head(
            &page[..head_len],
            &head,
            http1::Side::Response,
            &[],
            http1::ConnectionHeader::AsReceived,
            &mut self.edit_storage,
            &mut out,
        );
        out.extend_from_slice(&page[head_len..]);
        Some(out)
    }

    fn has_after_response(&self, backend: Option<BackendId>) -> bool {
        let plan = &self.w.plan;
        let has = |px: usize| plan.rules.proxy(px).has_after_response_rules();
        has(self.fe.proxy_index) || backend.is_some_and(|b| has(plan.backends[b].proxy_index))
    }

    /// `use-server` rules of backend `be` for the head of `head_len` bytes at `rbuf[rstart..]`:
    /// the server they force, which may have weight 0 but must be up unless `option persist`.
    pub(super) fn forced_server(&mut self, be: &BackendPlan, head_len: usize) -> Option<usize> {
        let plan = &self.w.plan;
        if !plan.rules.proxy(be.proxy_index).has_use_server() {
            return None;
        }
        let live = LiveCounters(plan);
        let mut env = env(&live, self.fe.proxy_index, self.peer, self.local);
        env.backend = Some(be.proxy_index);
        let buf = self.rbuf.as_deref()?;
        let view = HeadView {
            buf: &buf[self.rstart..self.rstart + head_len],
            head: &self.req,
        };
        let up = |id: usize| be.persist || crate::connect::server_up(be, id);
        plan.rules
            .choose_server(be.proxy_index, &env, Some(&view), &mut self.scratch, &up)
    }

    /// Runs the response-side rules on the response head in `sbuf[..head_len]`. `Continue`
    /// leaves the edits in the scratch for the head writer.
    pub(super) fn response_rules(&mut self, be: &BackendPlan, resp_head: &[u8]) -> ResponseVerdict {
        let plan = &self.w.plan;
        let fe = self.fe;
        let live = LiveCounters(plan);
        let mut env = env(&live, fe.proxy_index, self.peer, self.local);
        env.backend = Some(be.proxy_index);
        let view = HeadView {
            buf: resp_head,
            head: &self.resp,
        };
        let s = &mut self.scratch;
        s.begin_response(&view);
        // The request head's bytes may be gone (the body streamed through the same buffer):
        // request fetches do not match here, as in HAProxy; variables do carry over.
        let mut v = plan
            .rules
            .http_response(be.proxy_index, &env, None, &view, s);
        if v == ResponseVerdict::Continue && be.proxy_index != fe.proxy_index {
            v = plan
                .rules
                .http_response(fe.proxy_index, &env, None, &view, s);
        }
        if v == ResponseVerdict::Continue {
            plan.rules
                .http_after_response(be.proxy_index, &env, None, &view, s);
            if be.proxy_index != fe.proxy_index {
                plan.rules
                    .http_after_response(fe.proxy_index, &env, None, &view, s);
            }
        }
        v
    }
}
