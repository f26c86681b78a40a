//! keepalived.conf model (`keepalived-cfg`) → [`RuntimeSpec`] (what this crate runs).
//!
//! Everything the runtime does not serve (IPv6 VIPs, AH authentication, group-level
//! tracking, unicast without `interface`) is reported as a warning line instead of being
//! silently dropped.

use std::net::{IpAddr, Ipv4Addr};

use keepalived_cfg::{AuthType, Broadcast, Config, InitialState, VirtualAddress, VrrpVersion};

use crate::netlink::scope_from_name;
use crate::script_command::ScriptCommand;
use crate::spec::{
    InstanceSpec, NotifyScripts, RuntimeSpec, ScriptSpec, SyncGroupSpec, TrackRef, VipSpec,
};

fn v4(a: IpAddr) -> Option<Ipv4Addr> {
    match a {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(_) => None,
    }
}

fn broadcast(addr: Ipv4Addr, prefix_len: u8, b: Option<Broadcast>) -> Option<Ipv4Addr> {
    let mask = if prefix_len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix_len.min(32)))
    };
    match b? {
        Broadcast::Addr(a) => Some(a),
        Broadcast::HostBitsSet => Some(Ipv4Addr::from(u32::from(addr) | !mask)),
        Broadcast::HostBitsCleared => Some(Ipv4Addr::from(u32::from(addr) & mask)),
    }
}

fn vip(a: &VirtualAddress, owner: &str, warnings: &mut Vec<String>) -> Option<VipSpec> {
    let Some(addr) = v4(a.addr) else {
        warnings.push(format!(
            "({}: Line {}) ({owner}) IPv6 virtual address {} is not served by halb vrrp yet - ignoring",
            a.location.file, a.location.line, a.addr
        ));
        return None;
    };
    let scope = match a.scope.as_deref() {
        None => 0,
        Some(s) => scope_from_name(s).unwrap_or_else(|| {
            warnings.push(format!(
                "({}: Line {}) ({owner}) unknown scope '{s}' - using global",
                a.location.file, a.location.line
            ));
            0
        }),
    };
    Some(VipSpec {
        addr,
        prefix_len: a.prefix_len.min(32),
        broadcast: broadcast(addr, a.prefix_len, a.broadcast),
        dev: a.dev.clone(),
        label: a.label.clone(),
        scope,
    })
}

fn command(c: &keepalived_cfg::ScriptCommand) -> Option<ScriptCommand> {
    ScriptCommand::parse(&c.command)
}

fn notify(n: &keepalived_cfg::NotifyScripts) -> NotifyScripts {
    NotifyScripts {
        master: n.master.as_ref().and_then(command),
        backup: n.backup.as_ref().and_then(command),
        fault: n.fault.as_ref().and_then(command),
        stop: n.stop.as_ref().and_then(command),
        any: n.any.as_ref().and_then(command),
    }
}

fn track(t: &keepalived_cfg::TrackRef) -> TrackRef {
    TrackRef {
        name: t.name.clone(),
        weight: t.weight,
        reverse: t.reverse,
    }
}

/// The runtime spec of `cfg`, and the warnings for what it leaves out.
pub fn runtime_spec(cfg: &Config) -> (RuntimeSpec, Vec<String>) {
    let mut warnings = Vec::new();
    let mut spec = RuntimeSpec::default();
    for s in &cfg.scripts {
        let Some(cmd) = command(&s.script) else {
            warnings.push(format!(
                "VRRP_Script({}) has an empty script - ignoring",
                s.name
            ));
            continue;
        };
        spec.scripts.push(ScriptSpec {
            name: s.name.clone(),
            command: cmd,
            interval: s.interval,
            timeout: s.timeout.unwrap_or_default(),
            rise: s.rise,
            fall: s.fall,
            weight: s.weight,
            reverse: s.weight_reverse,
            init_fail: s.init_fail,
        });
    }
    for i in &cfg.instances {
        let at = format!("({}: Line {})", i.location.file, i.location.line);
        let Some(interface) = i.interface.clone() else {
            warnings.push(format!(
                "{at} ({}) an instance without 'interface' is not served by halb vrrp - ignoring",
                i.name
            ));
            continue;
        };
        if i.is_ipv6() {
            warnings.push(format!(
                "{at} ({}) IPv6 instances are not served by halb vrrp yet - ignoring",
                i.name
            ));
            continue;
        }
        let mut p = vrrp::InstanceConfig::new(
            i.name.clone(),
            i.virtual_router_id,
            i.priority,
            Ipv4Addr::UNSPECIFIED,
        );
        p.advert_int = i.advert_int;
        p.version = match i.version {
            VrrpVersion::V2 => vrrp::Version::V2,
            VrrpVersion::V3 => vrrp::Version::V3,
        };
        p.preempt = !i.nopreempt;
        p.preempt_delay = i.preempt_delay;
        p.auth = match &i.authentication {
            Some(a) if a.auth_type == AuthType::Pass => {
                Some(vrrp::InstanceConfig::password(&a.password))
            }
            Some(_) => {
                warnings.push(format!(
                    "{at} ({}) auth_type AH is not served by halb vrrp - sending no authentication",
                    i.name
                ));
                None
            }
            None => None,
        };
        let vips: Vec<VipSpec> = i
            .virtual_ipaddresses
            .iter()
            .filter_map(|a| vip(a, &i.name, &mut warnings))
            .collect();
        p.vips = vips.iter().map(|v| v.addr).collect();
        p.accept = i.accept;
        p.garp_master_delay = i.garp_master_delay;
        p.garp_master_repeat = i.garp_master_repeat;
        p.garp_master_refresh = i.garp_master_refresh;
        p.garp_master_refresh_repeat = i.garp_master_refresh_repeat;
        p.unicast_peers = i.unicast_peers.iter().filter_map(|a| v4(*a)).collect();
        p.check_unicast_src = cfg.global.vrrp_check_unicast_src;
        p.initial_master = i.state == InitialState::Master;
        spec.instances.push(InstanceSpec {
            protocol: p,
            interface,
            src_ip: i.mcast_src_ip.or(i.unicast_src_ip).and_then(v4),
            vips,
            track_scripts: i.track_scripts.iter().map(track).collect(),
            track_interfaces: i.track_interfaces.iter().map(track).collect(),
            track_primary: !i.dont_track_primary,
            notify: notify(&i.notify),
        });
    }
    for g in &cfg.sync_groups {
        if !g.track_scripts.is_empty() || !g.track_interfaces.is_empty() {
            warnings.push(format!(
                "({}: Line {}) VRRP_Group({}) group-level track_script/track_interface is not served by halb vrrp - track them in the instances",
                g.location.file, g.location.line, g.name
            ));
        }
        spec.sync_groups.push(SyncGroupSpec {
            name: g.name.clone(),
            members: g.instances.clone(),
            notify: notify(&g.notify),
        });
    }
    (spec, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_forms() {
        let a = Ipv4Addr::new(198, 18, 0, 100);
        assert_eq!(broadcast(a, 24, None), None);
        assert_eq!(
            broadcast(a, 24, Some(Broadcast::HostBitsSet)),
            Some(Ipv4Addr::new(198, 18, 0, 255))
        );
        assert_eq!(
            broadcast(a, 24, Some(Broadcast::HostBitsCleared)),
            Some(Ipv4Addr::new(198, 18, 0, 0))
        );
        assert_eq!(
            broadcast(a, 0, Some(Broadcast::HostBitsSet)),
            Some(Ipv4Addr::BROADCAST)
        );
    }

    #[test]
    fn bench_config_maps_to_one_instance() {
        let text = r#"
global_defs {
    router_id hab-lb1
    script_user root
    enable_script_security
    vrrp_version 2
}
vrrp_script chk_haproxy {
    script "/run/lb1/chk_haproxy.sh"
    interval 1
    fall 2
    rise 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        198.18.0.100
        198.18.0.200/24 brd + dev eth0 label eth0:1 scope link
    }
    track_script {
        chk_haproxy
    }
    notify /run/lb1/notify.sh
}
"#;
        let loaded = keepalived_cfg::parse_str(
            "keepalived.conf",
            text,
            &keepalived_cfg::MemorySource::new(),
        )
        .expect("valid config");
        let (spec, warnings) = runtime_spec(&loaded.config);
        assert_eq!(spec.instances.len(), 1);
        let i = &spec.instances[0];
        assert_eq!(i.interface, "eth0");
        assert_eq!(i.protocol.vrid, 51);
        assert_eq!(i.protocol.priority, 100);
        assert!(i.protocol.initial_master);
        assert_eq!(i.protocol.auth, Some(*b"1111\0\0\0\0"));
        assert_eq!(i.vips.len(), 2);
        assert_eq!(i.vips[0].prefix_len, 32);
        assert_eq!(i.vips[1].broadcast, Some(Ipv4Addr::new(198, 18, 0, 255)));
        assert_eq!(i.vips[1].scope, 253);
        assert_eq!(i.vips[1].label.as_deref(), Some("eth0:1"));
        assert_eq!(i.track_scripts[0].name, "chk_haproxy");
        assert!(i.notify.any.is_some());
        assert_eq!(spec.scripts[0].rise, 2);
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
