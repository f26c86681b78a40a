//! Running compiled rules for one connection or transaction, in HAProxy's order:
//! `tcp-request connection` → `tcp-request content` → `http-request` (frontend, then backend)
//! → `redirect` → `use_backend`/`default_backend` → `use-server` → … → `http-response`
//! (backend, then frontend) → `http-after-response`.
//!
//! All per-request state lives in a [`Scratch`] the proxy keeps per connection: edits, the
//! reply being built, variables and match buffers. Their capacity is reused, so evaluating rules
//! allocates nothing in the steady state (exceptions: the first time a buffer grows, a regex
//! replacement's capture slots, and a crypt(3) password check).

use crate::acl::MatchBufs;
use crate::action::{HttpAction, HttpRule, Reply, ReplyBody, VarValue};
use crate::compile::{BackendTarget, ProxyRules, RulePlan};
use crate::edits::{expand, split_target, HeadEdits};
use crate::msg::Msg;
use crate::reply::{self, render_redirect, render_reply};
use crate::sample::Ctx;
use crate::vars::Vars;
use crate::view::{ConnInfo, Counters, HeadView};

/// Who is asking: the connection, live counters, and which proxies are involved.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub conn: ConnInfo,
    pub counters: &'a dyn Counters,
    /// The frontend the connection arrived on (index in `Config::proxies`).
    pub frontend: usize,
    /// The backend chosen, once known.
    pub backend: Option<usize>,
}

/// Per-connection working memory for rule evaluation. Create one per connection (or per
/// worker) and reuse it.
#[derive(Debug, Default)]
pub struct Scratch {
    req: HeadEdits,
    res: HeadEdits,
    bufs: MatchBufs,
    fmt: Vec<u8>,
    fmt2: Vec<u8>,
    reply: Vec<u8>,
    vars: Vars,
}

impl Scratch {
    /// Starts a new transaction on `req`: forgets the previous one's edits and variables.
    pub fn begin_request(&mut self, req: &HeadView<'_>) {
        self.req.reset(req.head.headers.len());
        self.vars.clear();
    }

    /// Starts the response phase for `res`.
    pub fn begin_response(&mut self, res: &HeadView<'_>) {
        self.res.reset(res.head.headers.len());
    }

    /// The request edits to apply when forwarding.
    pub fn request_edits(&self) -> &HeadEdits {
        &self.req
    }

    /// The response edits to apply when forwarding.
    pub fn response_edits(&self) -> &HeadEdits {
        &self.res
    }

    /// The complete response (head and body) of the last [`RequestVerdict::Reply`].
    pub fn reply(&self) -> &[u8] {
        &self.reply
    }
}

/// What the request rules decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestVerdict {
    /// Go on (possibly with edits).
    Continue,
    /// Answer with the error page for `status` (an `errorfile` if the proxy has one).
    Deny { status: u16 },
    /// Close the connection without answering (`http-request reject`).
    Reject,
    /// Hold the connection for `timeout tarpit`, then answer with `status`'s error page.
    Tarpit { status: u16 },
    /// Answer with [`Scratch::reply`] (redirect, `return`, `auth`).
    Reply { status: u16 },
    /// Hand the request to a service the proxy runs (`use-service`).
    Service(crate::action::Service),
}

/// What the response rules decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseVerdict {
    Continue,
    /// Replace the response with `status`'s error page (502 by default).
    Deny {
        status: u16,
    },
    /// Close without answering.
    Reject,
    /// Replace the response with [`Scratch::reply`].
    Reply {
        status: u16,
    },
}

/// What the `tcp-request` rules decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpVerdict {
    Accept,
    Reject,
}

enum Flow {
    Next,
    /// `allow`: stop evaluating this rule set.
    Stop,
    Request(RequestVerdict),
}

struct Phase<'a> {
    plan: &'a RulePlan,
    rules: &'a ProxyRules,
    proxy: usize,
    env: &'a Env<'a>,
}

impl<'a> Phase<'a> {
    /// The context of a request-phase rule: the request (with its pending edits), no response.
    fn request_ctx<'c>(
        &self,
        req: Option<&HeadView<'c>>,
        edits: &'c HeadEdits,
        vars: &'c Vars,
    ) -> Ctx<'c>
    where
        'a: 'c,
    {
        self.ctx(req.map(|v| Msg { view: *v, edits }), None, vars)
    }

    fn ctx<'c>(&self, req: Option<Msg<'c>>, res: Option<Msg<'c>>, vars: &'c Vars) -> Ctx<'c>
    where
        'a: 'c,
    {
        Ctx {
            conn: &self.env.conn,
            req,
            res,
            counters: self.env.counters,
            userlists: &self.plan.userlists,
            proxy: self.proxy,
            frontend: self.env.frontend,
            backend: self.env.backend,
            vars,
        }
    }
}

impl RulePlan {
    /// `tcp-request connection` rules of frontend `px`: the first matching rule decides.
    pub fn tcp_connection(&self, px: usize, env: &Env<'_>, scratch: &mut Scratch) -> TcpVerdict {
        self.tcp_rules(px, env, None, scratch, true)
    }

    /// `tcp-request content` rules of `px`; in HTTP mode `req` is the parsed request.
    pub fn tcp_content(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        scratch: &mut Scratch,
    ) -> TcpVerdict {
        self.tcp_rules(px, env, req, scratch, false)
    }

    fn tcp_rules(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        s: &mut Scratch,
        connection: bool,
    ) -> TcpVerdict {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        let list = if connection {
            &p.rules.tcp_connection
        } else {
            &p.rules.tcp_content
        };
        for rule in list {
            let msg = req.map(|v| Msg {
                view: *v,
                edits: &s.req,
            });
            let ctx = p.ctx(msg, None, &s.vars);
            let hit = rule.cond.as_ref().holds(&ctx, &mut s.bufs, &p.rules.acls);
            if hit {
                return if rule.accept {
                    TcpVerdict::Accept
                } else {
                    TcpVerdict::Reject
                };
            }
        }
        TcpVerdict::Accept
    }

    /// `http-request` rules of `px`, then its `redirect` rules. Call for the frontend, then
    /// for the backend when it is another section. Edits accumulate in `scratch` (call
    /// [`Scratch::begin_request`] first, once per request).
    pub fn http_request(
        &self,
        px: usize,
        env: &Env<'_>,
        req: &HeadView<'_>,
        s: &mut Scratch,
    ) -> RequestVerdict {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        for rule in &p.rules.http_request {
            match apply_request_rule(&p, rule, req, s) {
                Flow::Next => {}
                Flow::Stop => break,
                Flow::Request(v) => return v,
            }
        }
        for rule in &p.rules.redirects {
            if let Flow::Request(v) = apply_request_rule(&p, rule, req, s) {
                return v;
            }
        }
        RequestVerdict::Continue
    }

    /// `use_backend` rules (first match wins), then `default_backend`. `None`: no backend
    /// (HAProxy answers 503). `req` is `None` in `mode tcp`,
    /// where only connection fetches can match.
    pub fn choose_backend(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        s: &mut Scratch,
    ) -> Option<usize> {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        for rule in &p.rules.use_backends {
            let ctx = p.request_ctx(req, &s.req, &s.vars);
            if !rule.cond.as_ref().holds(&ctx, &mut s.bufs, &p.rules.acls) {
                continue;
            }
            match &rule.target {
                BackendTarget::Static(i) => return Some(*i),
                BackendTarget::Dynamic(lf) => {
                    s.fmt.clear();
                    lf.render(&ctx, &mut s.bufs.tmp, &mut s.fmt);
                    // An unknown name ends the search; the default backend applies.
                    match self.backend_by_name(&s.fmt) {
                        Some(i) => return Some(i),
                        None => break,
                    }
                }
            }
        }
        match &p.rules.default_backend {
            Some(BackendTarget::Static(i)) => Some(*i),
            Some(BackendTarget::Dynamic(lf)) => {
                let ctx = p.request_ctx(req, &s.req, &s.vars);
                s.fmt.clear();
                lf.render(&ctx, &mut s.bufs.tmp, &mut s.fmt);
                self.backend_by_name(&s.fmt)
            }
            None => None,
        }
    }

    /// `use-server` rules of backend `be`: the index in its `servers` of the first match.
    /// A rule naming a server `usable` refuses (down, without `option persist`) is skipped and
    /// evaluation goes on, as the manual says.
    pub fn choose_server(
        &self,
        be: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        s: &mut Scratch,
        usable: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let p = Phase {
            plan: self,
            rules: self.proxy(be),
            proxy: be,
            env,
        };
        for rule in &p.rules.use_servers {
            if !usable(rule.server) {
                continue;
            }
            let ctx = p.request_ctx(req, &s.req, &s.vars);
            if rule.cond.as_ref().holds(&ctx, &mut s.bufs, &p.rules.acls) {
                return Some(rule.server);
            }
        }
        None
    }

    /// `http-response` rules of `px` (call for the backend, then the frontend). `req` is the
    /// request when the proxy still has it.
    pub fn http_response(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        res: &HeadView<'_>,
        s: &mut Scratch,
    ) -> ResponseVerdict {
        self.response_rules(px, env, req, res, s, false)
    }

    /// `http-after-response` rules of `px`, for every response including the ones rules and
    /// errors generate (parse those into a head to run these).
    pub fn http_after_response(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        res: &HeadView<'_>,
        s: &mut Scratch,
    ) {
        self.response_rules(px, env, req, res, s, true);
    }

    fn response_rules(
        &self,
        px: usize,
        env: &Env<'_>,
        req: Option<&HeadView<'_>>,
        res: &HeadView<'_>,
        s: &mut Scratch,
        after: bool,
    ) -> ResponseVerdict {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        let list = if after {
            &p.rules.http_after_response
        } else {
            &p.rules.http_response
        };
        for rule in list {
            match apply_response_rule(&p, rule, req, res, s) {
                Flow::Next => {}
                Flow::Stop => break,
                Flow::Request(RequestVerdict::Deny { status }) => {
                    return ResponseVerdict::Deny { status }
                }
                Flow::Request(RequestVerdict::Reject) => return ResponseVerdict::Reject,
                Flow::Request(RequestVerdict::Reply { status }) => {
                    return ResponseVerdict::Reply { status }
                }
                Flow::Request(_) => {}
            }
        }
        ResponseVerdict::Continue
    }

    /// Whether a `stats admin` condition of `px` allows admin actions for this request.
    pub fn stats_admin(
        &self,
        px: usize,
        env: &Env<'_>,
        req: &HeadView<'_>,
        s: &mut Scratch,
    ) -> bool {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        p.rules.stats_admin.iter().any(|c| {
            let ctx = p.request_ctx(Some(req), &s.req, &s.vars);
            c.eval(&ctx, &mut s.bufs, &p.rules.acls)
        })
    }

    /// `stats http-request` rules of `px`, for a request to its stats page.
    pub fn stats_http_request(
        &self,
        px: usize,
        env: &Env<'_>,
        req: &HeadView<'_>,
        s: &mut Scratch,
    ) -> RequestVerdict {
        let p = Phase {
            plan: self,
            rules: self.proxy(px),
            proxy: px,
            env,
        };
        for rule in &p.rules.stats_http_request {
            match apply_request_rule(&p, rule, req, s) {
                Flow::Next => {}
                Flow::Stop => break,
                Flow::Request(v) => return v,
            }
        }
        RequestVerdict::Continue
    }

    fn backend_by_name(&self, name: &[u8]) -> Option<usize> {
        self.backend_names
            .binary_search_by(|(n, _)| n.as_ref().cmp(name))
            .ok()
            .map(|i| self.backend_names[i].1)
    }
}

trait CondExt {
    fn holds(self, ctx: &Ctx<'_>, bufs: &mut MatchBufs, acls: &[crate::acl::Acl]) -> bool;
}

impl CondExt for Option<&crate::cond::Condition> {
    fn holds(self, ctx: &Ctx<'_>, bufs: &mut MatchBufs, acls: &[crate::acl::Acl]) -> bool {
        match self {
            None => true,
            Some(c) => c.eval(ctx, bufs, acls),
        }
    }
}

fn apply_request_rule(p: &Phase<'_>, rule: &HttpRule, req: &HeadView<'_>, s: &mut Scratch) -> Flow {
    {
        let ctx = p.request_ctx(Some(req), &s.req, &s.vars);
        if !rule.cond.as_ref().holds(&ctx, &mut s.bufs, &p.rules.acls) {
            return Flow::Next;
        }
        // Render the action's value while the head is readable, before editing it.
        s.fmt.clear();
        render_value(&rule.action, &ctx, &mut s.bufs.tmp, &mut s.fmt2, &mut s.fmt);
    }
    apply_action(p, &rule.action, req, None, s, true)
}

fn apply_response_rule(
    p: &Phase<'_>,
    rule: &HttpRule,
    req: Option<&HeadView<'_>>,
    res: &HeadView<'_>,
    s: &mut Scratch,
) -> Flow {
    {
        let req_msg = req.map(|v| Msg {
            view: *v,
            edits: &s.req,
        });
        let ctx = p.ctx(
            req_msg,
            Some(Msg {
                view: *res,
                edits: &s.res,
            }),
            &s.vars,
        );
        if !rule.cond.as_ref().holds(&ctx, &mut s.bufs, &p.rules.acls) {
            return Flow::Next;
        }
        s.fmt.clear();
        render_value(&rule.action, &ctx, &mut s.bufs.tmp, &mut s.fmt2, &mut s.fmt);
    }
    apply_action(p, &rule.action, res, req, s, false)
}

/// The log-format value of actions that have one, rendered into `out`.
fn render_value(
    a: &HttpAction,
    ctx: &Ctx<'_>,
    tmp: &mut Vec<u8>,
    body: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    match a {
        HttpAction::AddHeader { value, .. } | HttpAction::SetHeader { value, .. } => {
            value.render(ctx, tmp, out)
        }
        HttpAction::ReplaceHeader { with, .. } | HttpAction::ReplaceValue { with, .. } => {
            with.render(ctx, tmp, out)
        }
        HttpAction::ReplacePath { with, .. } | HttpAction::ReplaceUri { with, .. } => {
            with.render(ctx, tmp, out)
        }
        HttpAction::SetPath(v)
        | HttpAction::SetPathQ(v)
        | HttpAction::SetQuery(v)
        | HttpAction::SetUri(v)
        | HttpAction::SetMethod(v) => v.render(ctx, tmp, out),
        HttpAction::SetVar { value, .. } => match value {
            VarValue::Expr(e) => {
                e.append_text(ctx, tmp, out);
            }
            VarValue::Format(f) => f.render(ctx, tmp, out),
        },
        HttpAction::Redirect(r) => render_redirect(r, ctx, tmp, out),
        HttpAction::Return(r) => render_reply(r, ctx, tmp, body, out),
        _ => {}
    }
}

fn apply_action(
    p: &Phase<'_>,
    a: &HttpAction,
    head: &HeadView<'_>,
    _req: Option<&HeadView<'_>>,
    s: &mut Scratch,
    request: bool,
) -> Flow {
    let edits = if request { &mut s.req } else { &mut s.res };
    match a {
        HttpAction::Allow => return Flow::Stop,
        HttpAction::Deny { status } => {
            return Flow::Request(RequestVerdict::Deny { status: *status })
        }
        HttpAction::Reject => return Flow::Request(RequestVerdict::Reject),
        HttpAction::UseService(svc) => return Flow::Request(RequestVerdict::Service(*svc)),
        HttpAction::Tarpit { status } => {
            return Flow::Request(RequestVerdict::Tarpit { status: *status })
        }
        HttpAction::Auth { realm } => {
            reply::auth(realm, &mut s.reply);
            return Flow::Request(RequestVerdict::Reply { status: 401 });
        }
        HttpAction::Redirect(r) => {
            let cookie = r.cookie.as_ref().map(|(c, clear)| {
                s.fmt2.clear();
                s.fmt2.extend_from_slice(c);
                // As haproxy 2.6.12 writes them: `N=V; path=/;` and `N; path=/; Max-Age=0;`.
                if *clear {
                    s.fmt2.extend_from_slice(b"; path=/; Max-Age=0;");
                } else {
                    s.fmt2.extend_from_slice(b"; path=/;");
                }
                &s.fmt2[..]
            });
            reply::redirect(r.code, &s.fmt, cookie, &mut s.reply);
            return Flow::Request(RequestVerdict::Reply { status: r.code });
        }
        HttpAction::Return(r) => {
            // Copied, not swapped: swapping would trade capacities and regrow a buffer later.
            s.reply.clear();
            s.reply.extend_from_slice(&s.fmt);
            return Flow::Request(RequestVerdict::Reply {
                status: reply_status(r, &s.reply),
            });
        }
        HttpAction::AddHeader { name, .. } => edits.add(name, &s.fmt),
        HttpAction::SetHeader { name, .. } => {
            edits.delete_named(head, name);
            edits.add(name, &s.fmt);
        }
        HttpAction::DelHeader { name } => edits.delete_named(head, name),
        HttpAction::ReplaceHeader { name, re, .. } => {
            edits.replace_values(head, name, re, &s.fmt, &mut s.fmt2, true)
        }
        HttpAction::ReplaceValue { name, re, .. } => {
            edits.replace_values(head, name, re, &s.fmt, &mut s.fmt2, false)
        }
        HttpAction::SetMethod(_) => {
            let m = edits.push(&s.fmt);
            edits.method = Some(m);
        }
        HttpAction::SetUri(_) => {
            let t = edits.push(&s.fmt);
            edits.target = Some(t);
        }
        HttpAction::SetPath(_) | HttpAction::SetPathQ(_) | HttpAction::SetQuery(_) => {
            let target = Msg { view: *head, edits }.target();
            let (prefix, path, query) = split_target(target);
            s.fmt2.clear();
            s.fmt2.extend_from_slice(prefix);
            match a {
                HttpAction::SetPath(_) => {
                    s.fmt2.extend_from_slice(&s.fmt);
                    s.fmt2.extend_from_slice(query);
                }
                HttpAction::SetPathQ(_) => s.fmt2.extend_from_slice(&s.fmt),
                _ => {
                    s.fmt2.extend_from_slice(path);
                    s.fmt2.push(b'?');
                    s.fmt2.extend_from_slice(&s.fmt);
                }
            }
            let t = edits.push(&s.fmt2);
            edits.target = Some(t);
        }
        HttpAction::ReplacePath { re, .. } | HttpAction::ReplaceUri { re, .. } => {
            let target = Msg { view: *head, edits }.target();
            let (prefix, path, query) = split_target(target);
            let whole = matches!(a, HttpAction::ReplaceUri { .. });
            let subject = if whole { target } else { path };
            if let Some(caps) = re.captures(subject) {
                s.fmt2.clear();
                if !whole {
                    s.fmt2.extend_from_slice(prefix);
                }
                expand(&s.fmt, &caps, &mut s.fmt2);
                if !whole {
                    s.fmt2.extend_from_slice(query);
                }
                let t = edits.push(&s.fmt2);
                edits.target = Some(t);
            }
        }
        HttpAction::SetStatus { status, reason } => {
            let text: &[u8] = match reason {
                Some(r) => r,
                None => reply::reason(*status).as_bytes(),
            };
            let r = edits.push(text);
            edits.status = Some((*status, r));
        }
        HttpAction::SetVar { name, .. } => s.vars.set(name, &s.fmt),
        HttpAction::UnsetVar { name } => s.vars.unset(name),
    }
    let _ = p;
    Flow::Next
}

fn reply_status(r: &Reply, bytes: &[u8]) -> u16 {
    match r.body {
        // An errorfile carries its own status line.
        ReplyBody::Raw(_) => bytes
            .get(9..12)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| d.parse().ok())
            .unwrap_or(r.status),
        _ => r.status,
    }
}
