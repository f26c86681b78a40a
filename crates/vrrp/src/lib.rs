//! Sans-IO VRRP: RFC 3768 (v2) and RFC 5798 (v3) for IPv4, with keepalived 2.2.7 semantics.
//!
//! Data flow: `keepalived.conf` → `keepalived-cfg` → one [`InstanceConfig`] per
//! `vrrp_instance` → [`Instance`] (this crate, pure: no sockets, no clock) driven by
//! `vrrp-linux`, which owns the raw socket, netlink, GARP and scripts:
//!
//! ```text
//! raw socket ─ payload, ttl, src, dst ─▶ Instance::receive ─┐
//! clock ─ now ─▶ Instance::handle_timeout (at poll_timeout) ├─▶ poll_action ─▶ SendAdvert
//! scripts ─▶ set_track_delta / set_fault                    │                  AddVips/DelVips
//! SIGTERM ─▶ shutdown ──────────────────────────────────────┘                  SendGarp, Notify, Log
//! ```
//!
//! Modules: [`codec`] (wire format, checksums), [`check`] (per-instance receive checks),
//! [`timers`] (Skew_Time, Master_Down_Interval), [`instance`] (the state machine),
//! [`sync_group`] (`vrrp_sync_group`), [`stats`] (counters), [`error`] (drop reasons).
//!
//! API changes since first publication: none.

pub mod action;
pub mod check;
pub mod codec;
pub mod config;
pub mod error;
pub mod instance;
pub mod stats;
pub mod sync_group;
pub mod timers;

pub use action::{Action, State};
pub use check::AdvertCheck;
pub use codec::{decode, encode, encode_into, Advert, Auth, Version, VRRP_MCAST_GROUP};
pub use config::InstanceConfig;
pub use error::DecodeError;
pub use instance::Instance;
pub use stats::InstanceStats;
pub use sync_group::SyncGroup;
