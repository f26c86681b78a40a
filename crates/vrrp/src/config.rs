//! What one `vrrp_instance` block means to the state machine.
//!
//! Built by the runtime from the `keepalived-cfg` model; the address specs (labels, scopes,
//! devices) stay with the runtime, only what the protocol needs is here.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::codec::Version;

/// Configuration of one [`crate::Instance`]. Build with [`InstanceConfig::new`] and adjust the
/// public fields; [`crate::Instance::new`] applies keepalived's corrections (see there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceConfig {
    /// The instance name (`vrrp_instance VI_1` → `VI_1`), used in every log line.
    pub name: String,
    /// `virtual_router_id`, 1..=255.
    pub vrid: u8,
    /// `priority` (base priority before track weights), 1..=255; 255 = address owner.
    pub priority: u8,
    /// `advert_int`. v2 rounds to whole seconds (1..=255), v3 to centiseconds (1..=4095).
    pub advert_int: Duration,
    /// `vrrp_version` (global or per instance), default 2.
    pub version: Version,
    /// False with `nopreempt`.
    pub preempt: bool,
    /// `preempt_delay` (0 = none).
    pub preempt_delay: Duration,
    /// v2 `authentication { auth_type PASS; auth_pass … }`: the password NUL-padded to 8
    /// octets (keepalived truncates longer ones to 8). Ignored for v3, as keepalived does.
    pub auth: Option<[u8; 8]>,
    /// The `virtual_ipaddress` IPv4 addresses, in config order, carried in adverts.
    pub vips: Vec<Ipv4Addr>,
    /// Our primary address on the interface (or `mcast_src_ip`/`unicast_src_ip`): the source
    /// of our adverts and the tie-breaker at equal priority (higher address wins).
    pub primary_addr: Ipv4Addr,
    /// `accept` mode (informational for the runtime; the state machine does not use it).
    pub accept: bool,
    /// `garp_master_delay`: second GARP burst this long after becoming master (0 = none).
    pub garp_master_delay: Duration,
    /// `garp_master_repeat`: GARPs per VIP in each burst.
    pub garp_master_repeat: u32,
    /// `garp_master_refresh`: while master, GARP again this often.
    pub garp_master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`: GARPs per VIP in a refresh burst.
    pub garp_master_refresh_repeat: u32,
    /// `unicast_peer` addresses; empty = multicast to 224.0.0.18.
    pub unicast_peers: Vec<Ipv4Addr>,
    /// `check_unicast_src`: drop unicast adverts whose source is not a peer.
    pub check_unicast_src: bool,
    /// `state MASTER` was configured (keepalived's initial "wantstate").
    pub initial_master: bool,
    /// `lower_prio_no_advert`: as master, do not answer a lower-priority advert.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: as master, send one advert before yielding to a higher one.
    pub higher_prio_send_advert: bool,
    /// `down_timer_adverts`: adverts missed before the master is declared down (default 3).
    pub down_timer_adverts: u32,
    /// `skip_check_adv_addr`: in BACKUP, do not re-check the address list of adverts from the
    /// master already known.
    pub skip_check_adv_addr: bool,
}

impl InstanceConfig {
    /// keepalived's defaults: v2, advert 1 s, preempt, GARP 5 + 5 after 5 s, 3 missed adverts.
    pub fn new(name: impl Into<String>, vrid: u8, priority: u8, primary_addr: Ipv4Addr) -> Self {
        InstanceConfig {
            name: name.into(),
            vrid,
            priority,
            advert_int: Duration::from_secs(1),
            version: Version::V2,
            preempt: true,
            preempt_delay: Duration::ZERO,
            auth: None,
            vips: Vec::new(),
            primary_addr,
            accept: false,
            garp_master_delay: Duration::from_secs(5),
            garp_master_repeat: 5,
            garp_master_refresh: None,
            garp_master_refresh_repeat: 1,
            unicast_peers: Vec::new(),
            check_unicast_src: false,
            initial_master: priority == 255,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            down_timer_adverts: 3,
            skip_check_adv_addr: false,
        }
    }

    /// True when adverts go to `unicast_peers` rather than the multicast group.
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// Turn a password string into the 8 octets keepalived sends (truncated, NUL-padded).
    pub fn password(pass: &str) -> [u8; 8] {
        let mut out = [0u8; 8];
        for (o, b) in out.iter_mut().zip(pass.bytes()) {
            *o = b;
        }
        out
    }
}
