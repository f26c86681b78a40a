//! Answers halb gives itself instead of a server: the stats page (`stats enable`, `stats uri`,
//! with `stats auth`, `stats admin` and `stats http-request`, manual 4.2) in HTML, CSV and
//! JSON, its admin form, and `http-request use-service prometheus-exporter`.
//!
//! Everything is rendered from one [`crate::StatsSource`] snapshot taken for the request.

use http1::{request_body_kind, BodyKind, Method, Version};
use logging::{SessionPhase as Phase, TerminationCause as Cause};
use rules::{HeadView, RequestVerdict};
use stats::admin::{AdminAction, AdminPost, BackendRef, StatusCode};
use stats::html::{PageFormat, PageOptions, PageRequest};

use crate::counters::Counter;
use crate::plan::{BackendId, Plan};
use crate::rules_glue::{env, LiveCounters};
use crate::stream::Stream;
use crate::StatsSource;

use super::io::{deadline, read_until, write_within};
use super::{count_status, reply, Session};

/// HAProxy's stats URI when `stats enable` is set without `stats uri`.
const DEFAULT_URI: &str = "/haproxy?stats";
/// HAProxy's realm when `stats auth` is set without `stats realm`.
const DEFAULT_REALM: &str = "HAProxy Statistics";
/// Largest admin form accepted (a form lists a backend's server names).
const MAX_POST: usize = 64 * 1024;

/// Whether proxy `px` serves its stats page at this request target.
pub(super) fn stats_hit(plan: &Plan, px: usize, target: &[u8]) -> bool {
    let Some(st) = plan.config.proxies.get(px).and_then(|p| p.stats.as_ref()) else {
        return false;
    };
    if !st.enabled {
        return false;
    }
    let uri = st.uri.as_deref().unwrap_or(DEFAULT_URI);
    target.starts_with(uri.as_bytes())
}

/// A complete response with a body, as bytes.
fn response(status: u16, content_type: &str, extra: &str, body: &[u8], head_only: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 256);
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {status} {}\r\ncache-control: no-cache\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}\r\n",
            rules::reply::reason(status),
            body.len()
        )
        .as_bytes(),
    );
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

impl<S: Stream> Session<'_, S> {
    /// Serves the stats page of proxy `px` (a `Config::proxies` index) for the head of
    /// `head_len` bytes at `rbuf[rstart..]`. Returns whether the connection stays open.
    pub(super) async fn serve_stats(
        &mut self,
        px: usize,
        backend: Option<BackendId>,
        head_len: usize,
    ) -> bool {
        let w = self.w;
        let plan = &w.plan;
        let Some(st) = plan.config.proxies.get(px).and_then(|p| p.stats.clone()) else {
            return false;
        };
        self.txn.end(Cause::Local, Phase::Request);
        self.txn.local_server = Some("<STATS>");
        plan.counters.frontends[self.fe.id].incr(w.thread, Counter::Intercepted);

        // `stats http-request` rules, then `stats auth`, then `stats admin`.
        let (verdict, authorized, admin, path) = {
            let Some(buf) = self.rbuf.as_deref() else {
                return false;
            };
            let head_buf = &buf[self.rstart..self.rstart + head_len];
            let view = HeadView {
                buf: head_buf,
                head: &self.req,
            };
            let live = LiveCounters(plan);
            let mut e = env(&live, self.fe.proxy_index, self.peer, self.local);
            e.backend = Some(px);
            let verdict = plan
                .rules
                .stats_http_request(px, &e, &view, &mut self.scratch);
            let authorized = st.auth.is_empty()
                || self
                    .req
                    .find(head_buf, b"authorization")
                    .map(|i| self.req.value(head_buf, i))
                    .is_some_and(|v| {
                        let mut tmp = [0u8; 512];
                        rules::userlist::decode_basic(v, &mut tmp).is_some_and(|(u, p)| {
                            st.auth
                                .iter()
                                .any(|(au, ap)| au.as_bytes() == u && ap.as_bytes() == p)
                        })
                    });
            let admin = plan.rules.stats_admin(px, &e, &view, &mut self.scratch);
            let path = String::from_utf8_lossy(self.req.target.of(head_buf)).into_owned();
            (verdict, authorized, admin, path)
        };
        match verdict {
            // A service makes no sense in front of the stats page: the page answers.
            RequestVerdict::Continue | RequestVerdict::Service(_) => {}
            RequestVerdict::Deny { status } | RequestVerdict::Tarpit { status } => {
                self.txn.end(Cause::ProxyAbort, Phase::Request);
                self.reply(backend, status).await;
                return false;
            }
            RequestVerdict::Reject => return false,
            RequestVerdict::Reply { status } => {
                let page = self.scratch.reply().to_vec();
                return self.send_local(backend, status, &page, head_len, 0).await;
            }
        }
        if !authorized {
            // HAProxy's 401 page with the realm, escaped, as `http-request auth` sends it.
            let mut page = Vec::new();
            rules::reply::auth(
                st.realm.as_deref().unwrap_or(DEFAULT_REALM).as_bytes(),
                &mut page,
            );
            return self.send_local(backend, 401, &page, head_len, 0).await;
        }

        let uri = st.uri.clone().unwrap_or_else(|| DEFAULT_URI.to_string());
        let source = StatsSource {
            plan: std::sync::Arc::clone(&w.plan),
        };
        let options = PageOptions {
            uri: uri.clone(),
            refresh_sec: st.refresh.map(|d| d.as_secs() as u32),
            hide_version: st.hide_version,
            show_legends: st.show_legends,
            node: st.show_node.as_ref().map(|n| {
                n.clone()
                    .or_else(|| plan.config.global.node.clone())
                    .unwrap_or_else(crate::stats_view::hostname)
            }),
            desc: st.show_desc.as_ref().map(|d| {
                d.clone()
                    .or_else(|| plan.config.global.description.clone())
                    .unwrap_or_default()
            }),
            admin,
            scope: st.scope.clone(),
        };
        let Some(req) = stats::html::parse_page_request(&path, &uri) else {
            self.txn.end(Cause::ProxyAbort, Phase::Request);
            self.reply(backend, 400).await;
            return false;
        };

        if self.req.method == Method::Post {
            return self
                .stats_post(backend, head_len, &source, &options, &req, admin)
                .await;
        }
        let snap = source.snapshot();
        let page = stats::html::render_page(&snap, &options, &req);
        let refresh = match (req.format, options.refresh_sec, req.norefresh) {
            (PageFormat::Html, Some(n), false) => format!("refresh: {n}\r\n"),
            _ => String::new(),
        };
        let bytes = response(
            200,
            page.content_type,
            &refresh,
            page.body.as_bytes(),
            self.req.method == Method::Head,
        );
        self.send_local(backend, 200, &bytes, head_len, 0).await
    }

    /// The admin form of the stats page: applies the action to each server, then sends the
    /// browser back to the page with the outcome (`;st=DONE`, …), as HAProxy does.
    async fn stats_post(
        &mut self,
        backend: Option<BackendId>,
        head_len: usize,
        source: &StatsSource,
        options: &PageOptions,
        req: &PageRequest,
        admin: bool,
    ) -> bool {
        let Some(body_len) = self.read_small_body(head_len).await else {
            self.txn.end(Cause::ClientAbort, Phase::Request);
            return false;
        };
        let status = if !admin {
            StatusCode::Deny
        } else {
            let body = self
                .rbuf
                .as_deref()
                .map(|b| b[self.rstart + head_len..self.rstart + head_len + body_len].to_vec())
                .unwrap_or_default();
            match stats::admin::parse_admin_post(&body) {
                Ok(post) => apply_admin(source, &post),
                Err(e) => e.status_code(),
            }
        };
        let location = stats::html::redirect_location(options, req, status);
        let page = response(
            303,
            "text/plain",
            &format!("location: {location}\r\n"),
            b"",
            false,
        );
        self.send_local(backend, 303, &page, head_len, body_len)
            .await
    }

    /// Reads the whole request body (Content-Length) into the request buffer after the head.
    async fn read_small_body(&mut self, head_len: usize) -> Option<usize> {
        let len = match request_body_kind(&self.req) {
            BodyKind::None => 0,
            BodyKind::ContentLength(n) if n as usize <= MAX_POST => n as usize,
            _ => return None,
        };
        let until = deadline(self.fe.timeout_http_request.or(self.fe.timeout_client));
        loop {
            let have = self.rend - (self.rstart + head_len);
            if have >= len {
                return Some(len);
            }
            let buf = self.rbuf.as_deref_mut()?;
            if self.rstart + head_len + len > buf.len() {
                // The form does not fit behind the head: move the head to the front.
                if head_len + len > buf.len() {
                    return None;
                }
                buf.copy_within(self.rstart..self.rend, 0);
                self.rend -= self.rstart;
                self.rstart = 0;
            }
            match read_until(&self.client, &mut buf[self.rend..], until).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.rend += n,
            }
        }
    }

    /// `http-request use-service`: the Prometheus exporter.
    pub(super) async fn serve_service(
        &mut self,
        svc: rules::Service,
        backend: Option<BackendId>,
        head_len: usize,
    ) -> bool {
        let w = self.w;
        self.txn.end(Cause::Local, Phase::Request);
        self.txn.local_server = Some("<PROMEX>");
        w.plan.counters.frontends[self.fe.id].incr(w.thread, Counter::Intercepted);
        let rules::Service::PrometheusExporter = svc;
        let source = StatsSource {
            plan: std::sync::Arc::clone(&w.plan),
        };
        let text = stats::prometheus::render(&source.snapshot());
        let page = response(
            200,
            stats::prometheus::CONTENT_TYPE,
            "",
            text.as_bytes(),
            self.req.method == Method::Head,
        );
        self.send_local(backend, 200, &page, head_len, 0).await
    }

    /// Sends an answer halb made (after `http-after-response`), keeping the connection when
    /// the client may send another request. `body_len` request body bytes were consumed.
    async fn send_local(
        &mut self,
        backend: Option<BackendId>,
        status: u16,
        page: &[u8],
        head_len: usize,
        body_len: usize,
    ) -> bool {
        self.txn.status = Some(status);
        self.txn.bytes_out = page.len() as u64;
        count_status(self.w, self.fe.id, backend, status);
        let edited = self.after_response_edit(backend, page);
        let page = edited.as_deref().unwrap_or(page);
        let keep = self.req.version == Version::Http11
            && self.req.wants_keep_alive()
            && (body_len > 0 || request_body_kind(&self.req) == BodyKind::None)
            && self.fe.conn_mode != haproxy_cfg::model::HttpConnMode::Close;
        if keep {
            if write_within(&self.client, page, self.fe.timeout_client)
                .await
                .is_err()
            {
                return false;
            }
            self.rstart += head_len + body_len;
            true
        } else {
            reply::send_and_close(&self.client, page, self.fe.timeout_client).await;
            false
        }
    }
}

/// Applies an admin form to every server it names; the outcome code the page shows.
fn apply_admin(source: &StatsSource, post: &AdminPost) -> StatusCode {
    let admin = source.health().admin();
    let backend = match &post.backend {
        BackendRef::Name(n) => admin.find_backend(n),
        BackendRef::Id(id) => admin.find_backend(&format!("#{id}")),
    };
    let Ok(backend_index) = backend else {
        return StatusCode::Unkn;
    };
    let backend_name = source.config().proxies[backend_index].name.clone();
    let (mut done, mut failed) = (0, 0);
    for server in &post.servers {
        let Ok(s) = admin.find(&backend_name, server) else {
            failed += 1;
            continue;
        };
        let r = match post.action {
            AdminAction::Ready => admin.set_state(s, checks::AdminState::Ready),
            AdminAction::Drain => admin.set_state(s, checks::AdminState::Drain),
            AdminAction::Maint => admin.set_state(s, checks::AdminState::Maint),
            AdminAction::DisableHealth => admin.set_health_check(s, false),
            AdminAction::EnableHealth => admin.set_health_check(s, true),
            AdminAction::DisableAgent => admin.set_agent_check(s, false),
            AdminAction::EnableAgent => admin.set_agent_check(s, true),
            AdminAction::Shutdown => admin.shutdown_sessions(s),
            // Forcing a check result by hand is not supported: counted as not done.
            AdminAction::HealthUp
            | AdminAction::HealthNoLb
            | AdminAction::HealthDown
            | AdminAction::AgentUp
            | AdminAction::AgentDown => {
                failed += 1;
                continue;
            }
        };
        match r {
            Ok(()) => done += 1,
            Err(_) => failed += 1,
        }
    }
    match (done, failed) {
        (0, 0) => StatusCode::None,
        (_, 0) => StatusCode::Done,
        (0, _) => StatusCode::Errp,
        _ => StatusCode::Part,
    }
}
