//! `rules` — HAProxy's ACLs, conditions and rules, compiled once at configuration load and
//! evaluated per connection and per request by the proxy (configuration manual sections 7 and
//! 4.2). Pure: no I/O (pattern files come through [`FileSource`]), no clock.
//!
//! Data flow: `haproxy_cfg::model::Proxy::rule_lines` / `use_backends` / `Config::userlists`
//! → [`RulePlan::compile`] (ACLs, conditions, actions, log-format values, regexes, password
//! hashes) → the proxy calls, per connection and request:
//!
//! ```text
//! let env = Env { conn, counters: &live_counters, frontend: fe, backend: None };
//! plan.tcp_connection(fe, &env, &mut scratch)                 // Accept | Reject
//! scratch.begin_request(&req);                                // req: HeadView { buf, head }
//! plan.tcp_content(fe, &env, Some(&req), &mut scratch)
//! plan.http_request(fe, &env, &req, &mut scratch)             // Continue | Deny | Reply | …
//! let be = plan.choose_backend(fe, &env, Some(&req), &mut scratch) // use_backend, default
//! plan.http_request(be, &env_with_be, &req, &mut scratch)     // when be != fe
//! plan.choose_server(be, …)                                   // use-server
//! scratch.request_edits().write_head(buf, head, Side::Request, &xff, conn, &mut storage, &mut out)
//! scratch.begin_response(&res);
//! plan.http_response(be, …); plan.http_response(fe, …); plan.http_after_response(fe, …)
//! ```
//!
//! A [`RequestVerdict::Reply`] means "send [`Scratch::reply`]" (redirect, `return`, `auth`).

mod acl;
mod action;
mod compile;
mod cond;
pub mod crypt;
mod edits;
pub mod error;
mod eval;
mod expr;
mod fetch;
mod http_samples;
mod logfmt;
mod msg;
mod pattern;
pub mod reply;
mod sample;
pub mod userlist;
mod vars;
pub mod view;

pub use action::Service;
pub use compile::{ProxyRules, RulePlan};
pub use edits::HeadEdits;
pub use error::{CompileError, CompileErrorKind};
pub use eval::{Env, RequestVerdict, ResponseVerdict, Scratch, TcpVerdict};
pub use userlist::Userlist;
pub use vars::Vars;
pub use view::{ConnInfo, Counters, FileSource, HeadView, NoCounters, NoFiles};
