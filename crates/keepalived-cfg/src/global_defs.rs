//! `global_defs { ... }`: daemon-wide settings and the defaults instances inherit
//! (VRRP version, gratuitous ARP timing, multicast group, script user).
//! See `man keepalived.conf`, "Global definitions".

use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::RawStatement;
use crate::tree::Node;
use crate::value::{self, flag, int_arg, string_arg, timer_arg, uint_arg};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// VRRP protocol version (RFC 3768 or RFC 5798).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VrrpVersion {
    V2,
    V3,
}

/// `smtp_server HOST [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    /// Default 25.
    pub port: u16,
}

/// `script_user USER [GROUP]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptUser {
    pub user: String,
    pub group: Option<String>,
}

/// The `global_defs` block, keepalived's defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalDefs {
    pub router_id: Option<String>,
    pub notification_email: Vec<String>,
    pub notification_email_from: Option<String>,
    pub smtp_server: Option<SmtpServer>,
    pub smtp_helo_name: Option<String>,
    /// Default 30s.
    pub smtp_connect_timeout: Duration,
    /// `smtp_alert` in global_defs: default for every instance and group.
    pub smtp_alert: Option<bool>,
    pub enable_traps: bool,
    /// Default version for instances without `version` (default 2).
    pub vrrp_version: VrrpVersion,
    /// Default 5s.
    pub vrrp_garp_master_delay: Duration,
    /// Default 5.
    pub vrrp_garp_master_repeat: u32,
    /// `None`: no periodic refresh (keepalived's 0).
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// Default 1.
    pub vrrp_garp_master_refresh_repeat: u32,
    pub vrrp_garp_lower_prio_delay: Option<Duration>,
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// Delay between gratuitous ARPs on one interface (default 0).
    pub vrrp_garp_interval: Duration,
    /// Delay between unsolicited neighbour advertisements on one interface (default 0).
    pub vrrp_gna_interval: Duration,
    /// Default 224.0.0.18.
    pub vrrp_mcast_group4: Ipv4Addr,
    /// Default ff02::12.
    pub vrrp_mcast_group6: Ipv6Addr,
    /// Instances default to `skip_check_adv_addr` when set.
    pub vrrp_skip_check_adv_addr: bool,
    /// RFC-strict mode for every instance.
    pub vrrp_strict: bool,
    pub vrrp_check_unicast_src: bool,
    /// Nice value for the VRRP process, -20..19.
    pub vrrp_priority: Option<i32>,
    /// Nice value for the checker process, -20..19.
    pub checker_priority: Option<i32>,
    /// User scripts run as (keepalived default: `keepalived_script` if it exists, else root).
    pub script_user: Option<ScriptUser>,
    pub enable_script_security: bool,
    /// Interface for addresses without `dev` when there is no instance interface.
    pub default_interface: Option<String>,
    /// Every other valid keepalived global keyword, as written.
    pub raw: Vec<RawStatement>,
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            smtp_alert: None,
            enable_traps: false,
            vrrp_version: VrrpVersion::V2,
            vrrp_garp_master_delay: Duration::from_secs(5),
            vrrp_garp_master_repeat: 5,
            vrrp_garp_master_refresh: None,
            vrrp_garp_master_refresh_repeat: 1,
            vrrp_garp_lower_prio_delay: None,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_garp_interval: Duration::ZERO,
            vrrp_gna_interval: Duration::ZERO,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            vrrp_skip_check_adv_addr: false,
            vrrp_strict: false,
            vrrp_check_unicast_src: false,
            vrrp_priority: None,
            checker_priority: None,
            script_user: None,
            enable_script_security: false,
            default_interface: None,
            raw: Vec::new(),
        }
    }
}

impl KeepsRaw for GlobalDefs {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

pub(crate) fn parse(ctx: &mut Ctx<'_>, g: &mut GlobalDefs, node: &Node) {
    ctx.scoped("global_defs".to_string(), |ctx| {
        walk(ctx, &TABLE, g, node.children())
    });
}

/// Seconds a timer keyword may hold (keepalived's TIMER_MAXIMUM is far larger; a day is
/// more than any GARP or SMTP setting needs and keeps arithmetic safe).
const MAX_TIMER_SECS: u64 = 86_400;

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

pub(crate) static TABLE: Table<GlobalDefs> = Table {
    block: "global_defs",
    served: &[
        Keyword::new("router_id", Shape::Line, |c, g, n| {
            g.router_id = string_arg(c, n)
        }),
        Keyword::new("notification_email", Shape::Block, |_, g, n| {
            g.notification_email
                .extend(value::block_words(n).into_iter().map(|(_, w)| w));
        }),
        Keyword::new("notification_email_from", Shape::Line, |c, g, n| {
            g.notification_email_from = string_arg(c, n)
        }),
        Keyword::new("smtp_server", Shape::Line, smtp_server),
        Keyword::new("smtp_helo_name", Shape::Line, |c, g, n| {
            g.smtp_helo_name = string_arg(c, n)
        }),
        Keyword::new("smtp_connect_timeout", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 1, MAX_TIMER_SECS) {
                g.smtp_connect_timeout = Duration::from_secs(v);
            }
        }),
        Keyword::new("smtp_alert", Shape::Line, |c, g, n| {
            g.smtp_alert = Some(flag(c, n))
        }),
        Keyword::new("enable_traps", Shape::Line, |c, g, n| {
            g.enable_traps = flag(c, n);
            c.warn(
                n.loc,
                "'enable_traps' is not supported yet by halb (no SNMP) - ignored",
            );
        }),
        Keyword::new("vrrp_version", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 2, 3) {
                g.vrrp_version = if v == 2 {
                    VrrpVersion::V2
                } else {
                    VrrpVersion::V3
                };
            }
        }),
        Keyword::new("vrrp_garp_master_delay", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, MAX_TIMER_SECS) {
                g.vrrp_garp_master_delay = Duration::from_secs(v);
            }
        }),
        Keyword::new("vrrp_garp_master_repeat", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, 10_000) {
                g.vrrp_garp_master_repeat = to_u32(v);
            }
        }),
        Keyword::new("vrrp_garp_master_refresh", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, MAX_TIMER_SECS) {
                g.vrrp_garp_master_refresh = (v > 0).then(|| Duration::from_secs(v));
            }
        }),
        Keyword::new("vrrp_garp_master_refresh_repeat", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, 10_000) {
                g.vrrp_garp_master_refresh_repeat = to_u32(v);
            }
        }),
        Keyword::new("vrrp_garp_lower_prio_delay", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, MAX_TIMER_SECS) {
                g.vrrp_garp_lower_prio_delay = Some(Duration::from_secs(v));
            }
        }),
        Keyword::new("vrrp_garp_lower_prio_repeat", Shape::Line, |c, g, n| {
            if let Some(v) = uint_arg(c, n, 0, 10_000) {
                g.vrrp_garp_lower_prio_repeat = Some(to_u32(v));
            }
        }),
        Keyword::new("vrrp_garp_interval", Shape::Line, |c, g, n| {
            if let Some(v) = timer_arg(c, n, MAX_TIMER_SECS) {
                g.vrrp_garp_interval = v;
            }
        }),
        Keyword::new("vrrp_gna_interval", Shape::Line, |c, g, n| {
            if let Some(v) = timer_arg(c, n, MAX_TIMER_SECS) {
                g.vrrp_gna_interval = v;
            }
        }),
        Keyword::new("vrrp_mcast_group4", Shape::Line, |c, g, n| {
            let Some(w) = c.arg(n, 1, "address") else {
                return;
            };
            match w.parse::<Ipv4Addr>() {
                Ok(a) if a.is_multicast() => g.vrrp_mcast_group4 = a,
                _ => c.error(
                    n.loc,
                    format!("vrrp_mcast_group4: invalid multicast address '{w}'"),
                ),
            }
        }),
        Keyword::new("vrrp_mcast_group6", Shape::Line, |c, g, n| {
            let Some(w) = c.arg(n, 1, "address") else {
                return;
            };
            match w.parse::<Ipv6Addr>() {
                Ok(a) if a.is_multicast() => g.vrrp_mcast_group6 = a,
                _ => c.error(
                    n.loc,
                    format!("vrrp_mcast_group6: invalid multicast address '{w}'"),
                ),
            }
        }),
        Keyword::new("vrrp_skip_check_adv_addr", Shape::Line, |c, g, n| {
            g.vrrp_skip_check_adv_addr = flag(c, n)
        }),
        Keyword::new("vrrp_strict", Shape::Line, |c, g, n| {
            g.vrrp_strict = flag(c, n)
        }),
        Keyword::new("vrrp_check_unicast_src", Shape::Line, |c, g, n| {
            g.vrrp_check_unicast_src = flag(c, n)
        }),
        Keyword::new("vrrp_priority", Shape::Line, |c, g, n| {
            g.vrrp_priority = int_arg(c, n, -20, 19).map(|v| v as i32)
        }),
        Keyword::new("checker_priority", Shape::Line, |c, g, n| {
            g.checker_priority = int_arg(c, n, -20, 19).map(|v| v as i32)
        }),
        Keyword::new("script_user", Shape::Line, |c, g, n| {
            if let Some(user) = c.arg(n, 1, "user name") {
                g.script_user = Some(ScriptUser {
                    user: user.to_string(),
                    group: n.arg(2).map(str::to_string),
                });
            }
        }),
        Keyword::new("enable_script_security", Shape::Line, |c, g, n| {
            g.enable_script_security = flag(c, n)
        }),
        Keyword::new("default_interface", Shape::Line, |c, g, n| {
            g.default_interface = string_arg(c, n)
        }),
    ],
    not_served: &[
        "startup_script",
        "startup_script_timeout",
        "shutdown_script",
        "shutdown_script_timeout",
        "max_auto_priority",
        "min_auto_priority_delay",
        "smtp_alert_vrrp",
        "dynamic_interfaces",
        "no_email_faults",
        "disable_local_igmp",
        "vrrp_down_timer_adverts",
        "vrrp_min_garp",
        "vrrp_garp_extra_if",
        "vrrp_vmac_garp_intvl",
        "vrrp_lower_prio_no_advert",
        "vrrp_higher_prio_send_advert",
        "vrrp_iptables",
        "vrrp_ipsets",
        "nftables",
        "nftables_priority",
        "nftables_ifindex",
        "nftables_counters",
        "vrrp_no_swap",
        "vrrp_rt_priority",
        "vrrp_cpu_affinity",
        "vrrp_rlimit_rttime",
        "vrrp_rlimit_rtime",
        "notify_fifo",
        "notify_fifo_script",
        "vrrp_notify_fifo",
        "vrrp_notify_fifo_script",
        "vrrp_notify_priority_changes",
        "fifo_write_vrrp_states_on_reload",
        "snmp_socket",
        "enable_snmp_vrrp",
        "enable_snmp_keepalived",
        "enable_snmp_rfc",
        "enable_snmp_rfcv2",
        "enable_snmp_rfcv3",
        "enable_dbus",
        "dbus_service_name",
        "vrrp_netlink_cmd_rcv_bufs",
        "vrrp_netlink_cmd_rcv_bufs_force",
        "vrrp_netlink_monitor_rcv_bufs",
        "vrrp_netlink_monitor_rcv_bufs_force",
        "vrrp_rx_bufs_policy",
        "vrrp_rx_bufs_multiplier",
        "vrrp_startup_delay",
        "log_unknown_vrids",
        "vmac_prefix",
        "vmac_addr_prefix",
        "net_namespace",
        "namespace_with_ipsets",
        "linkbeat_use_polling",
    ],
    accepted: &[
        "process_names",
        "process_name",
        "vrrp_process_name",
        "checker_process_name",
        "lvs_process_name",
        "bfd_process_name",
        "smtp_alert_checker",
        "checker_log_all_failures",
        "lvs_timeouts",
        "lvs_flush",
        "lvs_flush_on_stop",
        "lvs_flush_onstop",
        "lvs_sync_daemon",
        "nftables_ipvs",
        "nftables_ipvs_priority",
        "nftables_ipvs_start_fwmark",
        "checker_no_swap",
        "checker_rt_priority",
        "checker_cpu_affinity",
        "checker_rlimit_rttime",
        "checker_rlimit_rtime",
        "bfd_priority",
        "bfd_no_swap",
        "bfd_rt_priority",
        "bfd_cpu_affinity",
        "bfd_rlimit_rttime",
        "bfd_rlimit_rtime",
        "lvs_notify_fifo",
        "lvs_notify_fifo_script",
        "enable_snmp_checker",
        "process_monitor_rcv_bufs",
        "process_monitor_rcv_bufs_force",
        "lvs_netlink_cmd_rcv_bufs",
        "lvs_netlink_cmd_rcv_bufs_force",
        "lvs_netlink_monitor_rcv_bufs",
        "lvs_netlink_monitor_rcv_bufs_force",
        "rs_init_notifies",
        "no_checker_emails",
        "umask",
        "random_seed",
        "reload_check_config",
        "reload_time_file",
        "reload_repeat",
        "reload_file",
        "include_check",
        "config_save_dir",
        "tmp_config_directory",
        "data_use_instance",
        "net_namespace_ipvs",
        "use_pid_dir",
        "instance",
        "child_wait_time",
    ],
};

fn smtp_server(ctx: &mut Ctx<'_>, g: &mut GlobalDefs, node: &Node) {
    let Some(host) = ctx.arg(node, 1, "server") else {
        return;
    };
    let host = host.to_string();
    let port = match node.arg(2) {
        None => 25,
        Some(p) => match value::uint(p, 1, 65535) {
            Ok(p) => p as u16,
            Err(e) => {
                ctx.error(node.loc, format!("smtp_server port: {e}"));
                return;
            }
        },
    };
    g.smtp_server = Some(SmtpServer { host, port });
}
