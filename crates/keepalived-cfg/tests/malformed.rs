//! Bad input is refused (or warned about) with the right file, line and message.

use keepalived_cfg::{parse_str, ConfigError, Diagnostic, Loaded, MemorySource, Severity};

fn instance(body: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n{body}\n    virtual_ipaddress {{\n        10.0.0.1/24\n    }}\n}}\n"
    )
}

fn refused(text: &str) -> Vec<Diagnostic> {
    refused_with(text, &MemorySource::new())
}

fn refused_with(text: &str, files: &MemorySource) -> Vec<Diagnostic> {
    match parse_str("keepalived.conf", text, files) {
        Ok(l) => panic!("accepted: {:?}", l.diagnostics),
        Err(ConfigError::Invalid { diagnostics }) => diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
        Err(e) => panic!("unexpected: {e}"),
    }
}

fn accepted(text: &str) -> Loaded {
    match parse_str("keepalived.conf", text, &MemorySource::new()) {
        Ok(l) => l,
        Err(e) => panic!("refused: {:?}", e.diagnostics()),
    }
}

fn one(diags: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    &diags[0]
}

#[test]
fn unknown_keyword_warns_with_suggestion_in_keepalived_shape() {
    let l = accepted(&instance("    virtual_router_id 51\n    priorty 100"));
    let d = one(&l.diagnostics);
    assert_eq!(
        d.to_string(),
        "(keepalived.conf: Line 5) vrrp_instance VI_1: unknown keyword 'priorty' (did you mean 'priority'?)"
    );
    assert_eq!(l.config.instances[0].priority, 100);
}

#[test]
fn missing_vrid_is_refused_at_the_instance() {
    let e = refused(&instance("    priority 100"));
    let d = one(&e);
    assert_eq!(d.line, 1);
    assert!(
        d.message.contains("the virtual router id must be set"),
        "{d}"
    );
}

#[test]
fn vrid_out_of_range_is_refused() {
    for bad in ["0", "256", "abc"] {
        let e = refused(&instance(&format!("    virtual_router_id {bad}")));
        let d = one(&e);
        assert_eq!(d.line, 4);
        assert_eq!(
            d.message,
            format!("vrrp_instance VI_1: VRID '{bad}' not valid - must be between 1 & 255")
        );
    }
}

#[test]
fn priority_out_of_range_is_refused() {
    for bad in ["0", "256", "-1"] {
        let e = refused(&instance(&format!(
            "    virtual_router_id 5\n    priority {bad}"
        )));
        let d = one(&e);
        assert_eq!(d.line, 5);
        assert!(d.message.contains("Priority"), "{d}");
    }
}

#[test]
fn invalid_vip_is_refused_at_its_line() {
    let text = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  virtual_ipaddress {\n    10.0.0.1\n    192.168.43.333\n  }\n}\n";
    let d = one(&refused(text)).clone();
    assert_eq!(d.line, 6);
    assert!(
        d.message.contains("invalid IP address '192.168.43.333'"),
        "{d}"
    );
}

#[test]
fn duplicate_instance_name_is_refused() {
    let text = format!(
        "{}{}",
        instance("  virtual_router_id 5"),
        instance("  virtual_router_id 6")
    );
    let d = one(&refused(&text)).clone();
    assert_eq!(d.line, 9);
    assert!(
        d.message.contains("vrrp instance VI_1 already defined"),
        "{d}"
    );
}

#[test]
fn duplicate_vrid_on_one_interface_is_refused() {
    let text = format!(
        "{}{}",
        instance("  virtual_router_id 5"),
        instance("  virtual_router_id 5").replace("VI_1", "VI_2")
    );
    let d = one(&refused(&text)).clone();
    assert!(
        d.message
            .contains("VI_1 and VI_2 both use VRID 5 with IPv4 on interface eth0"),
        "{d}"
    );
}

#[test]
fn unknown_track_script_is_dropped_with_warning() {
    let l = accepted(&instance(
        "  virtual_router_id 5\n  track_script {\n    nosuch weight 10\n  }",
    ));
    let d = one(&l.diagnostics);
    assert_eq!(d.line, 6);
    assert_eq!(d.severity, Severity::Warning);
    assert!(
        d.message
            .contains("track script nosuch not found, ignoring"),
        "{d}"
    );
    assert!(l.config.instances[0].track_scripts.is_empty());
}

#[test]
fn unbalanced_braces_are_refused() {
    let d = one(&refused("global_defs {\n  router_id a\n")).clone();
    assert_eq!(d.line, 1);
    assert!(d.message.contains("Missing '}'"), "{d}");
    let d = one(&refused("global_defs {\n  router_id a\n}\n}\n")).clone();
    assert_eq!((d.line, d.message.as_str()), (4, "Extra '}' found"));
}

#[test]
fn unterminated_quote_is_refused() {
    let text = "vrrp_script chk {\n  script \"killall -0 haproxy\n  interval 2\n}\n";
    let d = one(&refused(text)).clone();
    assert_eq!(d.line, 2);
    assert!(d.message.starts_with("Unmatched quote"), "{d}");
}

#[test]
fn missing_include_warns_and_includea_refuses() {
    let l = accepted("include /etc/keepalived/nosuch.conf\n");
    let d = one(&l.diagnostics);
    assert_eq!(d.line, 1);
    assert!(d.message.contains("Config files missing"), "{d}");
    let d = one(&refused("\nincludea /etc/keepalived/nosuch.conf\n")).clone();
    assert_eq!(d.line, 2);
}

#[test]
fn include_cycle_is_refused_at_the_include() {
    let files = MemorySource::new()
        .with("/etc/k/a.conf", "include b.conf\n")
        .with("/etc/k/b.conf", "\n\ninclude a.conf\n");
    let e = match keepalived_cfg::parse_file_with(
        std::path::Path::new("/etc/k/a.conf"),
        &files,
        &Default::default(),
    ) {
        Err(e) => e,
        Ok(l) => panic!("accepted {:?}", l.diagnostics),
    };
    let errors = e.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("/etc/k/b.conf", 3)
    );
}

#[test]
fn undefined_parameter_warns_and_then_fails_where_used() {
    let e = refused(&instance("  virtual_router_id $VRID"));
    let d = one(&e);
    assert!(d.message.contains("VRID '$VRID' not valid"), "{d}");
}

#[test]
fn parameters_and_includes_build_instances() {
    let files = MemorySource::new()
        .with("/etc/k/keepalived.conf", "$IF=eth1\n$PRIO=150\ninclude conf.d/*.conf\n")
        .with(
            "/etc/k/conf.d/vi1.conf",
            "vrrp_instance VI_1\n{\n interface $IF\n virtual_router_id 7\n priority ${PRIO}\n virtual_ipaddress { 10.1.1.1/24 dev ${IF} }\n}\n",
        );
    let l = keepalived_cfg::parse_file_with(
        std::path::Path::new("/etc/k/keepalived.conf"),
        &files,
        &Default::default(),
    )
    .expect("accepted");
    let i = &l.config.instances[0];
    assert_eq!(i.interface.as_deref(), Some("eth1"));
    assert_eq!(i.priority, 150);
    assert_eq!(i.virtual_ipaddresses[0].dev.as_deref(), Some("eth1"));
    assert_eq!(i.location.file, "/etc/k/conf.d/vi1.conf");
    assert_eq!(i.location.line, 1);
}

#[test]
fn auth_pass_is_truncated_with_warning() {
    let l = accepted(&instance(
        "  virtual_router_id 5\n  authentication {\n    auth_type PASS\n    auth_pass 1234567890\n  }",
    ));
    let d = one(&l.diagnostics);
    assert_eq!(d.line, 7);
    assert!(d.message.contains("Truncating auth_pass to 8 characters"));
    let auth = l.config.instances[0].authentication.as_ref().expect("auth");
    assert_eq!(auth.password, "12345678");
}

#[test]
fn vrrpv3_ignores_authentication_and_v2_rounds_advert_int() {
    let l = accepted(&instance(
        "  virtual_router_id 5\n  version 3\n  advert_int 0.1\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }",
    ));
    let i = &l.config.instances[0];
    assert!(i.authentication.is_none());
    assert_eq!(i.advert_int, std::time::Duration::from_millis(100));
    assert!(l.diagnostics[0]
        .message
        .contains("VRRP version 3 does not support authentication"));

    let l = accepted(&instance("  virtual_router_id 5\n  advert_int 1.5"));
    assert_eq!(
        l.config.instances[0].advert_int,
        std::time::Duration::from_secs(2)
    );
    assert!(l.diagnostics[0]
        .message
        .contains("VRRPv2 advertisement interval 1.500000s must be an integer. rounding"));
}
