//! What the runtime runs: the keepalived.conf model reduced to what this crate executes.
//!
//! Built from `keepalived-cfg` by [`crate::config_map`]; compared field by field on SIGHUP so
//! that an instance whose spec did not change keeps its state across a reload.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::script_command::ScriptCommand;

/// Everything one `halb vrrp` process runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeSpec {
    pub instances: Vec<InstanceSpec>,
    pub scripts: Vec<ScriptSpec>,
    pub sync_groups: Vec<SyncGroupSpec>,
}

/// One `vrrp_instance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    /// The protocol side; `primary_addr` is filled from `src_ip` or the interface at start.
    pub protocol: vrrp::InstanceConfig,
    pub interface: String,
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<Ipv4Addr>,
    /// `virtual_ipaddress` (IPv4 entries) with their netlink details.
    pub vips: Vec<VipSpec>,
    pub track_scripts: Vec<TrackRef>,
    pub track_interfaces: Vec<TrackRef>,
    /// false with `dont_track_primary`: the instance's own interface going down is ignored.
    pub track_primary: bool,
    pub notify: NotifyScripts,
}

/// One virtual address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipSpec {
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
    pub broadcast: Option<Ipv4Addr>,
    /// `dev` (defaults to the instance's interface).
    pub dev: Option<String>,
    pub label: Option<String>,
    pub scope: u8,
}

/// A `track_script` or `track_interface` entry: a name and its optional weight override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRef {
    pub name: String,
    pub weight: Option<i32>,
    pub reverse: bool,
}

/// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotifyScripts {
    pub master: Option<ScriptCommand>,
    pub backup: Option<ScriptCommand>,
    pub fault: Option<ScriptCommand>,
    pub stop: Option<ScriptCommand>,
    pub any: Option<ScriptCommand>,
}

impl NotifyScripts {
    /// The scripts for `state`, in keepalived's order: the specific one, then `notify`.
    pub fn for_state(&self, state: vrrp::State) -> Vec<&ScriptCommand> {
        let specific = match state {
            vrrp::State::Master => self.master.as_ref(),
            vrrp::State::Backup => self.backup.as_ref(),
            vrrp::State::Fault => self.fault.as_ref(),
            vrrp::State::Stopped => self.stop.as_ref(),
            vrrp::State::Initialize => None,
        };
        specific.into_iter().chain(self.any.as_ref()).collect()
    }
}

/// One `vrrp_script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSpec {
    pub name: String,
    pub command: ScriptCommand,
    pub interval: Duration,
    /// Zero: the interval.
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
    pub weight: i32,
    pub reverse: bool,
    pub init_fail: bool,
}

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroupSpec {
    pub name: String,
    /// Instance names.
    pub members: Vec<String>,
    pub notify: NotifyScripts,
}
