//! `checks` — health checks, shared by `halb proxy` and later by keepalived's checkers.
//!
//! Where it sits: `haproxy-cfg` gives each backend a [`CheckConfig`](haproxy_cfg::model::CheckConfig)
//! and each server its `check`, `inter`, `rise`, `fall`, … options. [`plan::compile`] turns them
//! into a [`CheckPlan`]: a list of steps (connect, send, expect). A [`CheckRun`] walks that
//! list for one check and tells its driver what to do next (sans-IO, like `vrrp::Instance`);
//! its [`CheckOutcome`] feeds the server's [`ServerCheck`] state (rise/fall counters, MAINT,
//! DRAIN, agent weight, slowstart, observed errors), which says when to check again and
//! which transition to report, in HAProxy's words ([`messages`]).
//!
//! The core never touches a socket or reads the clock: time comes in as an argument.
//! The `driver` feature adds [`driver`], which owns the sockets and timers, runs every check
//! off the request path and publishes server states through atomics ([`driver::ServerStates`])
//! the data plane reads without a lock.
//!
//! One file per check kind: [`tcp`] (connect only), [`http`] (`option httpchk`,
//! `http-check`), [`tcp_check`] (`option tcp-check`), [`agent`] (`agent-check` replies).

pub mod admin;
pub mod agent;
pub mod health;
pub mod http;
pub mod messages;
pub mod observe;
pub mod outcome;
pub mod plan;
pub mod run;
pub mod schedule;
pub mod server;
pub mod slowstart;
pub mod tcp;
pub mod tcp_check;
pub mod timeouts;
pub mod weight;

#[cfg(feature = "driver")]
pub mod driver;

pub use admin::{AdminError, AdminSource};
pub use health::Health;
pub use outcome::{CheckOutcome, CheckStatus};
pub use plan::{compile, validate, CheckPlan, CompileError, Step};
pub use run::{CheckRun, Io};
pub use server::{
    AdminState, ServerCheck, ServerCheckConfig, ServerCounters, ServerState, Transition,
};
pub use timeouts::CheckTimeouts;
