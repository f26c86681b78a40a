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
//! A driver in miniature (the real one is `vrrp-linux`; `tests/sim` is a virtual one):
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::{Duration, Instant};
//! use vrrp::{Action, Instance, InstanceConfig, State};
//!
//! let ours = Ipv4Addr::new(198, 18, 0, 11);
//! let mut cfg = InstanceConfig::new("VI_1", 51, 100, ours);
//! cfg.vips = vec![Ipv4Addr::new(198, 18, 0, 100)];
//! let start = Instant::now(); // the driver's clock; the crate never reads one
//! let mut inst = Instance::new(cfg, start);
//! // Nobody else on the link: the master-down timer (3 s + Skew_Time) runs out.
//! let deadline = inst.poll_timeout().expect("a backup always has a timer");
//! assert_eq!(deadline - start, Duration::from_micros(3_609_375));
//! inst.handle_timeout(deadline);
//! assert_eq!(inst.state(), State::Master);
//! while let Some(action) = inst.poll_action() {
//!     match action {
//!         Action::SendAdvert(adv) => {
//!             let _bytes = vrrp::encode(&adv, ours, vrrp::VRRP_MCAST_GROUP); // → raw socket, TTL 255
//!         }
//!         Action::AddVips | Action::DelVips => {}    // netlink
//!         Action::SendGarp { repeat: _ } => {}       // AF_PACKET
//!         Action::Notify(_state) => {}               // notify scripts
//!         Action::Log { detail: _, line: _ } => {}   // "(VI_1) Entering MASTER STATE"
//!     }
//! }
//! ```
//!
//! Modules: [`codec`] (wire format, checksums), [`check`] (per-instance receive checks),
//! [`timers`] (Skew_Time, Master_Down_Interval), [`instance`] (the state machine),
//! [`sync_group`] (`vrrp_sync_group`), [`stats`] (counters), [`error`] (drop reasons).
//!
//! Semantics not modelled (the driver or a later change must add them): `garp_lower_prio_*`,
//! `old_unicast_checksum` (v3 unicast checksum compatibility), `vrrp_startup_delay` (the
//! driver can delay [`Instance::new`]), IPv6, AH authentication (type 2 is refused),
//! keepalived's state keeping across reloads (a reload builds new instances).
//!
//! API changes since first publication (all additive): `InstanceConfig::skip_check_adv_addr`,
//! `AdvertCheck::check_advert_with`, `timers::normalize_interval`; `Instance::set_fault` on a
//! master now emits two priority-0 adverts, as keepalived does.

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
