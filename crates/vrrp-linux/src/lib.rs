//! vrrp-linux: runs halb's sans-IO `vrrp` instances on Linux.
//!
//! keepalived.conf (through `keepalived-cfg`) → one `vrrp::Instance` per `vrrp_instance` →
//! this crate executes what they ask: adverts on a raw IPPROTO_VRRP socket per interface
//! ([`vrrp_socket`]), virtual addresses over netlink ([`netlink`]), gratuitous ARP on an
//! AF_PACKET socket ([`garp`]), `vrrp_script` checks ([`track_script`]) and notify scripts
//! ([`notify_queue`]) as child processes that never block the loop, signals through a pipe
//! ([`signal_pipe`]), and logs in keepalived's words ([`log`]).

pub mod cli;
pub mod config_map;
pub mod daemon;
pub mod drop_counters;
pub mod garp;
pub mod instance_runtime;
pub mod interface;
pub mod ipv4_header;
pub mod log;
pub mod netlink;
pub mod notify_queue;
pub mod process;
pub mod script_command;
pub mod signal_pipe;
pub mod spec;
pub mod track_script;
pub mod tracking;
pub mod vrrp_socket;
