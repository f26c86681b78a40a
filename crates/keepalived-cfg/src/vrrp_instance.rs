//! `vrrp_instance NAME { ... }`: one virtual router. This is the main contract with the VRRP
//! runtime (`vrrp` / `vrrp-linux`): [`VrrpInstance`] holds every setting with keepalived's
//! defaults applied and the global defaults (`vrrp_version`, `vrrp_garp_*`, `vrrp_strict`,
//! ...) folded in, so the runtime never looks at `global_defs` for an instance setting.
//! Cross-references (track_script names, sync groups) are checked in `config`.

use crate::address::{parse_address, parse_route, VirtualAddress, VirtualRoute};
use crate::global_defs::{GlobalDefs, VrrpVersion};
use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::{Location, RawStatement, ScriptCommand, TrackRef};
use crate::tree::Node;
use crate::value::{flag, int, script_command, string_arg, timer, uint_arg};
use std::net::IpAddr;
use std::time::Duration;

/// The state an instance starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    Master,
    Backup,
}

/// `auth_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// Simple password (RFC 2338 type 1).
    Pass,
    /// IPsec AH.
    Ah,
}

/// `authentication { auth_type ...; auth_pass ... }` (VRRPv2 only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    pub auth_type: AuthType,
    /// At most 8 bytes (longer passwords are truncated with a warning, as keepalived does).
    pub password: String,
}

/// The notify scripts of an instance or sync group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyScripts {
    pub master: Option<ScriptCommand>,
    pub backup: Option<ScriptCommand>,
    pub fault: Option<ScriptCommand>,
    pub stop: Option<ScriptCommand>,
    /// `notify`: run on every transition with `GROUP|INSTANCE name state priority` appended.
    pub any: Option<ScriptCommand>,
}

/// One `vrrp_instance`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct VrrpInstance {
    pub name: String,
    /// `state`; default derived from priority as keepalived does (255 → MASTER, else BACKUP).
    pub state: InitialState,
    /// `interface`: where adverts are sent and VIPs without `dev` are added. `None` is only
    /// possible for unicast instances.
    pub interface: Option<String>,
    pub dont_track_primary: bool,
    pub track_interfaces: Vec<TrackRef>,
    pub track_scripts: Vec<TrackRef>,
    pub track_files: Vec<TrackRef>,
    /// Source address of adverts (`mcast_src_ip`, or `unicast_src_ip`).
    pub mcast_src_ip: Option<IpAddr>,
    pub unicast_src_ip: Option<IpAddr>,
    /// Non-empty: adverts go unicast to these peers instead of the multicast group.
    pub unicast_peers: Vec<IpAddr>,
    /// Deprecated keepalived keyword, kept for information (LVS sync daemon not served).
    pub lvs_sync_daemon_interface: Option<String>,
    /// 1..=255.
    pub virtual_router_id: u8,
    /// 1..=255 (255 = address owner). Default 100, or 255 when `state MASTER` is given
    /// without a priority (keepalived 2.x).
    pub priority: u8,
    /// Advertisement interval. VRRPv2: whole seconds (rounded, with a warning); VRRPv3:
    /// centiseconds. Default 1s.
    pub advert_int: Duration,
    pub version: VrrpVersion,
    /// `None` when absent, or ignored (VRRPv3, strict mode), with a warning.
    pub authentication: Option<Authentication>,
    pub virtual_ipaddresses: Vec<VirtualAddress>,
    pub virtual_ipaddresses_excluded: Vec<VirtualAddress>,
    pub virtual_routes: Vec<VirtualRoute>,
    /// `nopreempt` (cleared with a warning for an initial MASTER, as keepalived does).
    pub nopreempt: bool,
    /// `preempt_delay` (0..=1000s; zero when not set or cleared).
    pub preempt_delay: Duration,
    /// `debug [0-4]`.
    pub debug: u8,
    pub notify: NotifyScripts,
    pub smtp_alert: bool,
    /// Accept packets to the VIPs in MASTER state (keepalived default: true unless strict).
    pub accept: bool,
    /// GARP settings, defaults from `global_defs`.
    pub garp_master_delay: Duration,
    pub garp_master_repeat: u32,
    pub garp_master_refresh: Option<Duration>,
    pub garp_master_refresh_repeat: u32,
    /// `use_vmac [NAME]`: `Some("")` for the default name (`vrrp.<vrid>`).
    pub use_vmac: Option<String>,
    pub vmac_xmit_base: bool,
    /// IPv6 instance with a native (not VMAC) link-local source.
    pub native_ipv6: bool,
    pub strict_mode: bool,
    pub skip_check_adv_addr: bool,
    pub location: Location,
    /// Every other valid keepalived instance keyword, as written.
    pub raw: Vec<RawStatement>,
}

impl VrrpInstance {
    /// The address family of the instance's VIPs (IPv4 when there are none).
    pub fn is_ipv6(&self) -> bool {
        self.virtual_ipaddresses
            .first()
            .is_some_and(|a| a.addr.is_ipv6())
    }
}

/// While reading: what the block says, before defaults.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    state: Option<InitialState>,
    interface: Option<String>,
    dont_track_primary: bool,
    track_interfaces: Vec<TrackRef>,
    track_scripts: Vec<TrackRef>,
    track_files: Vec<TrackRef>,
    mcast_src_ip: Option<IpAddr>,
    unicast_src_ip: Option<IpAddr>,
    unicast_peers: Vec<IpAddr>,
    lvs_sync_daemon_interface: Option<String>,
    vrid: Option<u8>,
    vrid_invalid: bool,
    priority: Option<u8>,
    advert_int: Option<Duration>,
    version: Option<VrrpVersion>,
    auth_type: Option<AuthType>,
    auth_pass: Option<String>,
    vips: Vec<VirtualAddress>,
    evips: Vec<VirtualAddress>,
    routes: Vec<VirtualRoute>,
    nopreempt: bool,
    preempt_delay: Option<Duration>,
    debug: u8,
    notify: NotifyScripts,
    smtp_alert: Option<bool>,
    accept: Option<bool>,
    garp_master_delay: Option<Duration>,
    garp_master_repeat: Option<u32>,
    garp_master_refresh: Option<Option<Duration>>,
    garp_master_refresh_repeat: Option<u32>,
    use_vmac: Option<String>,
    vmac_xmit_base: bool,
    native_ipv6: bool,
    strict_mode: Option<bool>,
    skip_check_adv_addr: Option<bool>,
    raw: Vec<RawStatement>,
}

impl KeepsRaw for Draft {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

/// Reads a `vrrp_instance` block and resolves it against `global`. `None` when the instance
/// cannot work (no valid virtual_router_id); the error is reported.
pub(crate) fn parse(ctx: &mut Ctx<'_>, node: &Node, global: &GlobalDefs) -> Option<VrrpInstance> {
    let name = ctx.arg(node, 1, "name")?.to_string();
    let mut d = Draft::default();
    ctx.scoped(format!("vrrp_instance {name}"), |ctx| {
        walk(ctx, &TABLE, &mut d, node.children());
        resolve(ctx, node, name.clone(), d, global)
    })
}

fn resolve(
    ctx: &mut Ctx<'_>,
    node: &Node,
    name: String,
    d: Draft,
    global: &GlobalDefs,
) -> Option<VrrpInstance> {
    let loc = node.loc;
    let Some(vrid) = d.vrid else {
        if !d.vrid_invalid {
            ctx.error(loc, "the virtual router id must be set");
        }
        return None;
    };
    let strict = d.strict_mode.unwrap_or(global.vrrp_strict);
    let ipv6 = d.vips.first().is_some_and(|a| a.addr.is_ipv6());
    if let Some(mixed) = d.vips.iter().find(|a| a.addr.is_ipv6() != ipv6) {
        ctx.error(
            loc,
            format!(
                "virtual_ipaddress {} is not of the same family as the first VIP (use virtual_ipaddress_excluded to mix families)",
                mixed.addr
            ),
        );
    }
    let mut version = d.version.unwrap_or(if ipv6 {
        VrrpVersion::V3
    } else {
        global.vrrp_version
    });
    if ipv6 && version == VrrpVersion::V2 {
        if strict {
            ctx.warn(
                loc,
                "cannot use IPv6 with VRRP version 2; setting version 3",
            );
        }
        version = VrrpVersion::V3;
    }
    if d.vips.is_empty() {
        if version == VrrpVersion::V3 || strict {
            ctx.error(loc, "No VIP specified; at least one is required");
        } else {
            ctx.warn(loc, "No VIP specified; at least one is sensible");
        }
    }
    // keepalived: no priority → 255 for an initial MASTER, else 100; no state → from priority.
    let priority = d.priority.unwrap_or(match d.state {
        Some(InitialState::Master) => 255,
        _ => 100,
    });
    let mut state = d.state.unwrap_or(if priority == 255 {
        InitialState::Master
    } else {
        InitialState::Backup
    });

    let authentication = match (d.auth_type, d.auth_pass) {
        (None, _) => None,
        (Some(_), _) if strict => {
            ctx.warn(
                loc,
                "Strict mode does not support authentication. Ignoring.",
            );
            None
        }
        (Some(_), _) if version == VrrpVersion::V3 => {
            ctx.warn(
                loc,
                "VRRP version 3 does not support authentication. Ignoring.",
            );
            None
        }
        (Some(_), None) => {
            ctx.warn(
                loc,
                "Authentication specified but no password given. Ignoring",
            );
            None
        }
        (Some(AuthType::Ah), Some(_)) if ipv6 => {
            ctx.warn(loc, "Cannot use AH authentication with IPv6. ignoring");
            None
        }
        (Some(t), Some(p)) => Some(Authentication {
            auth_type: t,
            password: p,
        }),
    };

    if authentication
        .as_ref()
        .is_some_and(|a| a.auth_type == AuthType::Ah)
        && state == InitialState::Master
        && priority != 255
    {
        // An AH sequence number must be learnt from an advert before taking over.
        ctx.warn(
            loc,
            "Initial state master is incompatible with AH authentication - clearing",
        );
        state = InitialState::Backup;
    }

    let mut advert_int = d.advert_int.unwrap_or(Duration::from_secs(1));
    let micros = advert_int.as_micros();
    match version {
        VrrpVersion::V2 => {
            if micros >= 256 * 1_000_000 {
                ctx.warn(loc, format!("VRRPv2 advertisement interval {:.2}s is out of range. Must be less than 256s. Setting to 255s", advert_int.as_secs_f64()));
                advert_int = Duration::from_secs(255);
            } else if !micros.is_multiple_of(1_000_000) {
                ctx.warn(
                    loc,
                    format!(
                        "VRRPv2 advertisement interval {:.6}s must be an integer. rounding",
                        advert_int.as_secs_f64()
                    ),
                );
                let secs = ((micros + 500_000) / 1_000_000).max(1);
                advert_int = Duration::from_secs(secs as u64);
            }
        }
        VrrpVersion::V3 => {
            if micros >= 4096 * 10_000 {
                ctx.warn(loc, format!("VRRPv3 advertisement interval {:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s", advert_int.as_secs_f64()));
                advert_int = Duration::from_millis(40_950);
            } else if !micros.is_multiple_of(10_000) {
                ctx.warn(
                    loc,
                    format!(
                        "VRRPv3 advertisement interval {:.6}s must be in units of 10ms - rounding",
                        advert_int.as_secs_f64()
                    ),
                );
                let centis = ((micros + 5_000) / 10_000).max(1);
                advert_int = Duration::from_millis(centis as u64 * 10);
            }
        }
    }

    let mut nopreempt = d.nopreempt;
    let mut preempt_delay = d.preempt_delay.unwrap_or(Duration::ZERO);
    if priority == 255 && nopreempt {
        ctx.warn(
            loc,
            "nopreempt is incompatible with priority 255. resetting nopreempt",
        );
        nopreempt = false;
    }
    if state == InitialState::Master {
        if nopreempt {
            ctx.warn(
                loc,
                "Warning - nopreempt will not work with initial state MASTER - clearing",
            );
            nopreempt = false;
        }
        if !preempt_delay.is_zero() {
            ctx.warn(
                loc,
                "Warning - preempt delay will not work with initial state MASTER - clearing",
            );
            preempt_delay = Duration::ZERO;
        }
    }
    if !preempt_delay.is_zero() && nopreempt {
        ctx.warn(
            loc,
            "preempt_delay is incompatible with nopreempt mode - resetting",
        );
        preempt_delay = Duration::ZERO;
    }
    if d.interface.is_none() && d.unicast_peers.is_empty() {
        ctx.error(
            loc,
            "no interface given (an instance needs 'interface' unless it is unicast)",
        );
    }
    let accept = d.accept.unwrap_or(priority == 255 || !strict);

    Some(VrrpInstance {
        name,
        state,
        interface: d.interface,
        dont_track_primary: d.dont_track_primary,
        track_interfaces: d.track_interfaces,
        track_scripts: d.track_scripts,
        track_files: d.track_files,
        mcast_src_ip: d.mcast_src_ip,
        unicast_src_ip: d.unicast_src_ip,
        unicast_peers: d.unicast_peers,
        lvs_sync_daemon_interface: d.lvs_sync_daemon_interface,
        virtual_router_id: vrid,
        priority,
        advert_int,
        version,
        authentication,
        virtual_ipaddresses: d.vips,
        virtual_ipaddresses_excluded: d.evips,
        virtual_routes: d.routes,
        nopreempt,
        preempt_delay,
        debug: d.debug,
        notify: d.notify,
        smtp_alert: d.smtp_alert.or(global.smtp_alert).unwrap_or(false),
        accept,
        garp_master_delay: d.garp_master_delay.unwrap_or(global.vrrp_garp_master_delay),
        garp_master_repeat: d
            .garp_master_repeat
            .unwrap_or(global.vrrp_garp_master_repeat),
        garp_master_refresh: d
            .garp_master_refresh
            .unwrap_or(global.vrrp_garp_master_refresh),
        garp_master_refresh_repeat: d
            .garp_master_refresh_repeat
            .unwrap_or(global.vrrp_garp_master_refresh_repeat),
        use_vmac: d.use_vmac,
        vmac_xmit_base: d.vmac_xmit_base,
        native_ipv6: d.native_ipv6,
        strict_mode: strict,
        skip_check_adv_addr: d
            .skip_check_adv_addr
            .unwrap_or(global.vrrp_skip_check_adv_addr),
        location: ctx.location(loc),
        raw: d.raw,
    })
}

const MAX_SECS: u64 = 86_400;

fn ip_arg(ctx: &mut Ctx<'_>, node: &Node) -> Option<IpAddr> {
    let w = ctx.arg(node, 1, "address")?;
    match w.parse::<IpAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            ctx.error(
                node.loc,
                format!("{}: invalid IP address '{w}'", node.keyword()),
            );
            None
        }
    }
}

fn secs(ctx: &mut Ctx<'_>, node: &Node) -> Option<Duration> {
    uint_arg(ctx, node, 0, MAX_SECS).map(Duration::from_secs)
}

fn count(ctx: &mut Ctx<'_>, node: &Node) -> Option<u32> {
    uint_arg(ctx, node, 0, 10_000).map(|v| v as u32)
}

static TABLE: Table<Draft> = Table {
    block: "vrrp_instance",
    served: &[
        Keyword::new("state", Shape::Line, state),
        Keyword::new("interface", Shape::Line, |c, d, n| {
            d.interface = string_arg(c, n)
        }),
        Keyword::new("dont_track_primary", Shape::Line, |_, d, _| {
            d.dont_track_primary = true
        }),
        Keyword::new("track_interface", Shape::Block, |c, d, n| {
            d.track_interfaces.extend(track_refs(c, n))
        }),
        Keyword::new("track_script", Shape::Block, |c, d, n| {
            d.track_scripts.extend(track_refs(c, n))
        }),
        Keyword::new("track_file", Shape::Block, |c, d, n| {
            d.track_files.extend(track_refs(c, n))
        }),
        Keyword::new("mcast_src_ip", Shape::Line, |c, d, n| {
            d.mcast_src_ip = ip_arg(c, n)
        }),
        Keyword::new("unicast_src_ip", Shape::Line, |c, d, n| {
            d.unicast_src_ip = ip_arg(c, n)
        }),
        Keyword::new("unicast_peer", Shape::Block, unicast_peer),
        Keyword::new("lvs_sync_daemon_interface", Shape::Line, |c, d, n| {
            c.warn(
                n.loc,
                "Specifying lvs_sync_daemon_interface against a vrrp is deprecated; LVS sync daemon is not supported by halb - ignored",
            );
            d.lvs_sync_daemon_interface = string_arg(c, n);
        }),
        Keyword::new("virtual_router_id", Shape::Line, vrid),
        Keyword::new("priority", Shape::Line, priority),
        Keyword::new("advert_int", Shape::Line, advert_int),
        Keyword::new("version", Shape::Line, |c, d, n| {
            let Some(w) = c.arg(n, 1, "version") else {
                return;
            };
            match w {
                "2" => d.version = Some(VrrpVersion::V2),
                "3" => d.version = Some(VrrpVersion::V3),
                _ => c.error(n.loc, format!("Version must be either 2 or 3, not '{w}'")),
            }
        }),
        Keyword::new("authentication", Shape::Block, authentication),
        Keyword::new("virtual_ipaddress", Shape::Block, |c, d, n| {
            d.vips
                .extend(n.children().iter().filter_map(|l| parse_address(c, l)))
        }),
        Keyword::new("virtual_ipaddress_excluded", Shape::Block, |c, d, n| {
            d.evips
                .extend(n.children().iter().filter_map(|l| parse_address(c, l)))
        }),
        Keyword::new("virtual_routes", Shape::Block, |c, d, n| {
            d.routes
                .extend(n.children().iter().filter_map(|l| parse_route(c, l)))
        }),
        Keyword::new("nopreempt", Shape::Line, |_, d, _| d.nopreempt = true),
        Keyword::new("preempt", Shape::Line, |_, d, _| d.nopreempt = false),
        Keyword::new("preempt_delay", Shape::Line, |c, d, n| {
            let Some(w) = c.arg(n, 1, "delay") else {
                return;
            };
            match timer(w, 1000) {
                Ok(v) => d.preempt_delay = Some(v),
                Err(_) => c.error(
                    n.loc,
                    format!("Preempt_delay not valid! must be between 0-1000: '{w}'"),
                ),
            }
        }),
        Keyword::new("debug", Shape::Line, |c, d, n| {
            d.debug = match n.arg(1) {
                None => 0,
                Some(_) => uint_arg(c, n, 0, 4).map(|v| v as u8).unwrap_or(0),
            }
        }),
        Keyword::new("notify_master", Shape::Line, |c, d, n| {
            d.notify.master = script_command(c, n)
        }),
        Keyword::new("notify_backup", Shape::Line, |c, d, n| {
            d.notify.backup = script_command(c, n)
        }),
        Keyword::new("notify_fault", Shape::Line, |c, d, n| {
            d.notify.fault = script_command(c, n)
        }),
        Keyword::new("notify_stop", Shape::Line, |c, d, n| {
            d.notify.stop = script_command(c, n)
        }),
        Keyword::new("notify", Shape::Line, |c, d, n| {
            d.notify.any = script_command(c, n)
        }),
        Keyword::new("smtp_alert", Shape::Line, |c, d, n| {
            d.smtp_alert = Some(flag(c, n))
        }),
        Keyword::new("accept", Shape::Line, |_, d, _| d.accept = Some(true)),
        Keyword::new("no_accept", Shape::Line, |_, d, _| d.accept = Some(false)),
        Keyword::new("garp_master_delay", Shape::Line, |c, d, n| {
            d.garp_master_delay = secs(c, n)
        }),
        Keyword::new("garp_master_repeat", Shape::Line, |c, d, n| {
            d.garp_master_repeat = count(c, n)
        }),
        Keyword::new("garp_master_refresh", Shape::Line, |c, d, n| {
            if let Some(v) = secs(c, n) {
                d.garp_master_refresh = Some((!v.is_zero()).then_some(v));
            }
        }),
        Keyword::new("garp_master_refresh_repeat", Shape::Line, |c, d, n| {
            d.garp_master_refresh_repeat = count(c, n)
        }),
        Keyword::new("use_vmac", Shape::Line, |_, d, n| {
            d.use_vmac = Some(n.arg(1).unwrap_or("").to_string())
        }),
        Keyword::new("vmac_xmit_base", Shape::Line, |_, d, _| {
            d.vmac_xmit_base = true
        }),
        Keyword::new("native_ipv6", Shape::Line, |_, d, _| d.native_ipv6 = true),
        Keyword::new("strict_mode", Shape::Line, |c, d, n| {
            d.strict_mode = Some(flag(c, n))
        }),
        Keyword::new("skip_check_adv_addr", Shape::Line, |c, d, n| {
            d.skip_check_adv_addr = Some(flag(c, n))
        }),
    ],
    not_served: &[
        "use_vmac_addr",
        "use_ipvlan",
        "unicast_fault_no_peer",
        "check_unicast_src",
        "old_unicast_checksum",
        "vrf",
        "track_process",
        "track_bfd",
        "mcast_dst_ip",
        "track_src_ip",
        "unicast_ttl",
        "promote_secondaries",
        "linkbeat_use_polling",
        "virtual_rules",
        "notify_deleted",
        "notify_master_rx_lower_pri",
        "notify_priority_changes",
        "garp_lower_prio_delay",
        "garp_lower_prio_repeat",
        "down_timer_adverts",
        "garp_extra_if",
        "vmac_garp_intvl",
        "lower_prio_no_advert",
        "higher_prio_send_advert",
    ],
    accepted: &["kernel_rx_buf_size"],
};

fn state(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    let Some(w) = ctx.arg(node, 1, "state") else {
        return;
    };
    let s = match w {
        "MASTER" => InitialState::Master,
        "BACKUP" => InitialState::Backup,
        other => {
            ctx.error(
                node.loc,
                format!("unknown state '{other}' (expected MASTER or BACKUP)"),
            );
            return;
        }
    };
    if let Some(prev) = d.state {
        if prev != s {
            ctx.warn(
                node.loc,
                format!(
                    "state previously set as {} - ignoring {w}",
                    state_name(prev)
                ),
            );
            return;
        }
    }
    d.state = Some(s);
}

fn state_name(s: InitialState) -> &'static str {
    match s {
        InitialState::Master => "MASTER",
        InitialState::Backup => "BACKUP",
    }
}

fn vrid(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    let Some(w) = ctx.arg(node, 1, "id") else {
        d.vrid_invalid = true;
        return;
    };
    match crate::value::uint(w, 1, 255) {
        Ok(v) => d.vrid = Some(v as u8),
        Err(_) => {
            d.vrid_invalid = true;
            ctx.error(
                node.loc,
                format!("VRID '{w}' not valid - must be between 1 & 255"),
            );
        }
    }
}

fn priority(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    let Some(w) = ctx.arg(node, 1, "priority") else {
        return;
    };
    match crate::value::uint(w, 1, 255) {
        Ok(v) => d.priority = Some(v as u8),
        Err(_) => ctx.error(
            node.loc,
            format!("Priority '{w}' not valid! must be between 1 & 255"),
        ),
    }
}

fn advert_int(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    let Some(w) = ctx.arg(node, 1, "interval") else {
        return;
    };
    match timer(w, 255) {
        Ok(v) if v >= Duration::from_millis(10) => d.advert_int = Some(v),
        _ => ctx.error(
            node.loc,
            format!("Advert interval ({w}) not valid! Must be between 0.01 and 255 seconds"),
        ),
    }
}

fn authentication(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    for child in node.children() {
        match child.keyword() {
            "auth_type" => match child.arg(1) {
                Some("PASS") => d.auth_type = Some(AuthType::Pass),
                Some("AH") => d.auth_type = Some(AuthType::Ah),
                other => ctx.error(
                    child.loc,
                    format!(
                        "unknown authentication type '{}' (expected PASS or AH)",
                        other.unwrap_or("")
                    ),
                ),
            },
            "auth_pass" => {
                let Some(p) = ctx.arg(child, 1, "password") else {
                    continue;
                };
                let mut p = p.to_string();
                if p.len() > 8 {
                    ctx.warn(child.loc, "Truncating auth_pass to 8 characters");
                    let mut cut = 8;
                    while !p.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    p.truncate(cut);
                }
                d.auth_pass = Some(p);
            }
            _ => crate::keyword::unknown(ctx, child, ["auth_type", "auth_pass"].into_iter()),
        }
    }
}

fn unicast_peer(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    for line in node.children() {
        let w = line.keyword();
        match w.parse::<IpAddr>() {
            Ok(a) => d.unicast_peers.push(a),
            Err(_) => ctx.error(line.loc, format!("unicast_peer: invalid IP address '{w}'")),
        }
        if line.words.len() > 1 {
            ctx.warn(
                line.loc,
                format!(
                    "unicast_peer {w}: options '{}' are not supported yet by halb - ignored",
                    line.args().join(" ")
                ),
            );
        }
    }
}

/// `track_script { NAME [weight N [reverse]] }` and the same shape for interfaces and files.
pub(crate) fn track_refs(ctx: &mut Ctx<'_>, node: &Node) -> Vec<TrackRef> {
    let max_weight = 254;
    let mut out = Vec::new();
    for line in node.children() {
        let mut r = TrackRef {
            name: line.keyword().to_string(),
            weight: None,
            reverse: false,
            location: ctx.location(line.loc),
        };
        let mut ok = true;
        let mut words = line.args().iter().map(String::as_str);
        while let Some(w) = words.next() {
            match w {
                "weight" => match words.next().map(|v| int(v, -max_weight, max_weight)) {
                    Some(Ok(v)) if v.abs() == 254 => {
                        // keepalived still accepts +/-254 and clamps it.
                        ctx.warn(
                            line.loc,
                            format!("weight for {} cannot be +/-254. Setting to +/-253", r.name),
                        );
                        r.weight = Some(v.signum() as i32 * 253);
                    }
                    Some(Ok(v)) => r.weight = Some(v as i32),
                    Some(Err(e)) => {
                        ctx.error(
                            line.loc,
                            format!("{} {}: weight: {e}", node.keyword(), r.name),
                        );
                        ok = false;
                    }
                    None => {
                        ctx.error(
                            line.loc,
                            format!("{} {}: weight is missing its value", node.keyword(), r.name),
                        );
                        ok = false;
                    }
                },
                "reverse" => r.reverse = true,
                other => {
                    ctx.warn(
                        line.loc,
                        format!(
                            "{} {}: unknown option '{other}' ignored",
                            node.keyword(),
                            r.name
                        ),
                    );
                }
            }
        }
        if ok {
            out.push(r);
        }
    }
    out
}

pub(crate) fn tables() -> Vec<(&'static str, Vec<(&'static str, crate::keyword::Support)>)> {
    vec![(TABLE.block, TABLE.support())]
}
