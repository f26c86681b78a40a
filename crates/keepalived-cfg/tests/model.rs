//! The typed model is what the VRRP runtime reads: these tests pin it down on the tutorial
//! reference configuration and on keepalived's defaults.

use keepalived_cfg::*;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

fn load(text: &str) -> Loaded {
    match parse_str("keepalived.conf", text, &MemorySource::new()) {
        Ok(l) => l,
        Err(e) => panic!("refused: {:#?}", e.diagnostics()),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

#[test]
fn reference_config_reads_every_block() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures/seed003-reference.conf");
    let l = parse_file(&path).expect("accepted");
    let c = &l.config;

    assert_eq!(c.global.router_id.as_deref(), Some("host163"));
    assert_eq!(c.global.notification_email, vec!["a@abc.com", "b@abc.com"]);
    assert_eq!(
        c.global.notification_email_from.as_deref(),
        Some("alert@abc.com")
    );
    assert_eq!(
        c.global.smtp_server,
        Some(SmtpServer {
            host: "smtp.abc.com".into(),
            port: 25
        })
    );
    assert_eq!(c.global.smtp_connect_timeout, Duration::from_secs(30));
    assert!(c.global.enable_traps);

    assert_eq!(c.static_ipaddress.len(), 1);
    let s = &c.static_ipaddress[0];
    assert_eq!((s.addr, s.prefix_len), (ip("10.210.214.163"), 24));
    assert_eq!(
        s.broadcast,
        Some(Broadcast::Addr("10.210.214.255".parse().expect("brd")))
    );
    assert_eq!(s.dev.as_deref(), Some("eth0"));
    let r = &c.static_routes[0];
    assert_eq!(
        r.dest,
        RouteDest::Prefix(IpPrefix {
            addr: ip("10.0.0.0"),
            prefix_len: 8
        })
    );
    assert_eq!(r.via, Some(ip("10.210.214.1")));

    let script = c.script("chk_http_port").expect("script");
    assert_eq!(script.script.args, vec!["</dev/tcp/127.0.0.1/80"]);
    assert_eq!(script.interval, Duration::from_secs(1));
    assert_eq!(script.weight, -10);
    assert_eq!((script.rise, script.fall), (1, 1));

    let g = &c.sync_groups[0];
    assert_eq!(g.name, "VG_1");
    assert_eq!(g.instances, vec!["inside_network", "outside_network"]);
    let fault = g.notify.fault.as_ref().expect("notify_fault");
    assert_eq!(fault.args, vec!["/path/fault.sh", "VG_1"]);
    assert!(g.smtp_alert);
    assert_eq!(
        c.sync_group_of("outside_network").map(|g| g.name.as_str()),
        Some("VG_1")
    );

    let i = c.instance("inside_network").expect("instance");
    assert_eq!(i.state, InitialState::Master);
    assert_eq!(i.interface.as_deref(), Some("eth0"));
    assert!(i.dont_track_primary);
    let tracked: Vec<&str> = i.track_interfaces.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tracked, vec!["eth0", "eth1"]);
    assert_eq!(i.mcast_src_ip, Some(ip("10.210.214.163")));
    assert_eq!(i.lvs_sync_daemon_interface.as_deref(), Some("eth1"));
    assert_eq!(i.garp_master_delay, Duration::from_secs(10));
    assert_eq!(i.garp_master_repeat, 5);
    assert_eq!((i.virtual_router_id, i.priority), (1, 100));
    assert_eq!(i.advert_int, Duration::from_secs(1));
    assert_eq!(i.version, VrrpVersion::V2);
    assert_eq!(
        i.authentication,
        Some(Authentication {
            auth_type: AuthType::Pass,
            password: "12345678".into()
        })
    );
    assert_eq!(i.virtual_ipaddresses.len(), 2);
    assert_eq!(i.virtual_ipaddresses[1].dev.as_deref(), Some("eth1"));
    assert_eq!(i.virtual_routes.len(), 3);
    assert_eq!(i.virtual_routes[2].dest, RouteDest::Default);
    assert_eq!(i.virtual_routes[2].via, Some(ip("202.102.152.1")));
    assert_eq!(i.track_scripts[0].name, "chk_http_port");
    // keepalived clears nopreempt and preempt_delay for an initial MASTER (with a warning).
    assert!(!i.nopreempt);
    assert_eq!(i.preempt_delay, Duration::ZERO);
    assert!(l.diagnostics.iter().any(|d| d
        .message
        .contains("nopreempt will not work with initial state MASTER")));
    let master = i.notify.master.as_ref().expect("notify_master");
    assert_eq!(master.args, vec!["/path/to_master.sh", "inside"]);
    assert!(i.smtp_alert);

    assert_eq!(c.virtual_servers.len(), 1);
    let vs = &c.virtual_servers[0];
    assert_eq!(
        vs.addr,
        VirtualServerAddr::Ip {
            addr: ip("10.210.214.253"),
            port: Some(80)
        }
    );
    assert_eq!(vs.lb_algo.as_deref(), Some("wrr"));
    assert_eq!(vs.persistence_timeout, Some(50));
    assert_eq!(vs.sorry_server, Some((ip("10.210.214.170"), Some(80))));
    let rs = &vs.real_servers[0];
    assert_eq!(rs.weight, 3);
    assert!(rs.inhibit_on_failure);
    let http = &rs.checkers[0];
    assert_eq!(http.kind, "HTTP_GET");
    assert_eq!(http.urls.len(), 2);
    assert_eq!(http.urls[1].status_code, vec!["200"]);
    assert_eq!(http.retry, Some(3));
    assert_eq!(vs.real_servers[1].checkers[0].kind, "TCP_CHECK");
    let vs_warnings = l
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("not served yet by halb"))
        .count();
    assert_eq!(vs_warnings, 1);

    assert_eq!(c.interfaces(), vec!["eth0", "eth1"]);
}

#[test]
fn state_and_priority_default_from_each_other() {
    let l = load("vrrp_instance A {\n interface eth0\n state MASTER\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 2\n priority 255\n virtual_ipaddress {\n 10.0.0.2\n }\n}\nvrrp_instance C {\n interface eth0\n virtual_router_id 3\n virtual_ipaddress {\n 10.0.0.3\n }\n}\n");
    let c = &l.config;
    let a = c.instance("A").expect("A");
    assert_eq!((a.state, a.priority), (InitialState::Master, 255));
    let b = c.instance("B").expect("B");
    assert_eq!((b.state, b.priority), (InitialState::Master, 255));
    let cc = c.instance("C").expect("C");
    assert_eq!((cc.state, cc.priority), (InitialState::Backup, 100));
    assert_eq!(cc.advert_int, Duration::from_secs(1));
    assert!(cc.accept);
    assert_eq!(cc.virtual_ipaddresses[0].prefix_len, 32);
}

#[test]
fn instances_inherit_global_defaults() {
    let l = load("vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\nglobal_defs {\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 60\n vrrp_strict\n vrrp_skip_check_adv_addr\n vrrp_garp_interval 0.001\n vrrp_mcast_group4 224.0.0.19\n script_user nobody nogroup\n enable_script_security\n}\n");
    let g = &l.config.global;
    assert_eq!(g.vrrp_garp_interval, Duration::from_millis(1));
    assert_eq!(
        g.vrrp_mcast_group4,
        "224.0.0.19".parse::<std::net::Ipv4Addr>().expect("addr")
    );
    assert_eq!(
        g.script_user,
        Some(ScriptUser {
            user: "nobody".into(),
            group: Some("nogroup".into())
        })
    );
    assert!(g.enable_script_security);
    let a = l.config.instance("A").expect("A");
    assert_eq!(a.version, VrrpVersion::V3);
    assert_eq!(a.garp_master_delay, Duration::from_secs(2));
    assert_eq!(a.garp_master_repeat, 3);
    assert_eq!(a.garp_master_refresh, Some(Duration::from_secs(60)));
    assert!(a.strict_mode);
    assert!(a.skip_check_adv_addr);
    // Strict mode: accept defaults off for a non-owner.
    assert!(!a.accept);
}

#[test]
fn ipv6_instance_is_version_3_and_unicast_peers_are_read() {
    let l = load("vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.0.0.5\n unicast_peer {\n 10.0.0.6\n 10.0.0.7\n }\n virtual_ipaddress {\n fe80::1/64\n 2001:db8::1/64\n }\n use_vmac\n native_ipv6\n}\n");
    let a = &l.config.instances[0];
    assert_eq!(a.version, VrrpVersion::V3);
    assert!(a.is_ipv6());
    assert_eq!(a.unicast_peers, vec![ip("10.0.0.6"), ip("10.0.0.7")]);
    assert_eq!(a.use_vmac.as_deref(), Some(""));
    assert!(a.native_ipv6);
}

#[test]
fn track_weights_and_script_options_are_read() {
    let l = load("vrrp_script s {\n script \"/bin/check arg\" nobody\n interval 3\n timeout 2\n weight 20 reverse\n rise 2\n fall 4\n init_fail\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n track_interface {\n eth1 weight -20\n }\n track_script {\n s weight 5\n }\n}\n");
    let s = l.config.script("s").expect("s");
    assert_eq!(s.script.args, vec!["/bin/check", "arg"]);
    assert_eq!(s.script.user.as_deref(), Some("nobody"));
    assert_eq!(
        (s.interval, s.timeout),
        (Duration::from_secs(3), Some(Duration::from_secs(2)))
    );
    assert_eq!(
        (s.weight, s.weight_reverse, s.rise, s.fall, s.init_fail),
        (20, true, 2, 4, true)
    );
    let a = &l.config.instances[0];
    assert_eq!(a.track_interfaces[0].weight, Some(-20));
    assert_eq!(a.track_scripts[0].weight, Some(5));
}

#[test]
fn sync_group_members_must_exist_and_be_unique() {
    let inst = |n: &str, id: u8| {
        format!("vrrp_instance {n} {{\n interface eth0\n virtual_router_id {id}\n virtual_ipaddress {{\n 10.0.0.{id}\n }}\n}}\n")
    };
    let text = format!(
        "{}{}vrrp_sync_group G {{\n group {{\n A\n B\n GHOST\n }}\n}}\n",
        inst("A", 1),
        inst("B", 2)
    );
    let l = load(&text);
    assert_eq!(l.config.sync_groups[0].instances, vec!["A", "B"]);
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.contains("virtual router GHOST doesn't exist")));

    let text = format!(
        "{}{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n}}\nvrrp_sync_group H {{\n group {{\n A\n B\n }}\n}}\n",
        inst("A", 1),
        inst("B", 2)
    );
    let e = parse_str("k.conf", &text, &MemorySource::new()).expect_err("refused");
    assert!(e.errors()[0].message.contains("is already in sync group G"));
}

#[test]
fn unsupported_keywords_are_kept_raw_with_one_warning() {
    let l = load("global_defs {\n enable_snmp_vrrp\n process_names\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n track_process {\n p\n }\n}\n");
    assert_eq!(l.config.global.raw.len(), 2);
    assert_eq!(l.config.instances[0].raw[0].keyword, "track_process");
    let warned: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        warned,
        vec![
            "global_defs: 'enable_snmp_vrrp' is not supported yet by halb - ignored",
            "vrrp_instance A: 'track_process' is not supported yet by halb - ignored"
        ]
    );
}

#[test]
fn keyword_tables_cover_every_block() {
    let tables = keyword_tables();
    let blocks: Vec<&str> = tables.iter().map(|(b, _)| *b).collect();
    for b in [
        "global_defs",
        "vrrp_script",
        "vrrp_instance",
        "vrrp_sync_group",
        "virtual_server",
        "real_server",
    ] {
        assert!(blocks.contains(&b), "{b} missing from {blocks:?}");
    }
    let instance = &tables
        .iter()
        .find(|(b, _)| *b == "vrrp_instance")
        .expect("table")
        .1;
    assert!(instance.contains(&("priority", Support::Served)));
    assert!(instance.contains(&("track_process", Support::NotServed)));
}

#[test]
fn track_weight_254_is_clamped_like_keepalived() {
    let l = load("vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n track_interface {\n eth1 weight -254\n }\n}\n");
    assert_eq!(l.config.instances[0].track_interfaces[0].weight, Some(-253));
    assert_eq!(l.diagnostics[0].line, 8);
}
