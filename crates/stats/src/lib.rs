//! `stats` — the counter table every renderer reads, and the renderers.
//!
//! Data flow: proxy workers write [`counters::CounterTable`] (per-thread shards, rates,
//! latency histograms) → on a stats request the proxy builds a [`snapshot::Snapshot`] from each
//! [`counters::CounterRow`] plus plain [`facts`] (states, weights, check results) → one of the
//! renderers turns it into HAProxy 2.6's formats: [`csv`] (`show stat`, `;csv`), [`typed`]
//! (`show stat typed`), [`json`] (`show stat json`, `;json`), [`info`] (`show info`), [`html`]
//! (the stats page; [`page`] parses its request and picks the format, [`admin`] its POST form)
//! and [`prometheus`] (the exporter).
//!
//! Pure: no I/O, no clock; `now_sec` comes from the caller.

pub mod admin;
pub mod counters;
pub mod csv;
mod escape;
pub mod facts;
pub mod fields;
pub mod html;
pub mod info;
pub mod json;
pub mod page;
pub mod prometheus;
pub mod rate;
pub mod snapshot;
pub mod timing;
pub mod typed;
pub mod value;

pub use facts::{
    BackendFacts, BackendStatus, CheckFacts, FrontendFacts, FrontendStatus, ProcessInfo, ProxyMode,
    ServerFacts, ServerState,
};
pub use fields::StatField;
pub use snapshot::{backend_row, frontend_row, server_row, Snapshot, StatRow};
pub use value::{ObjType, Tags, Value};
