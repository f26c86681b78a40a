//! An independent decoder reads what `halb vrrp` puts on the wire: tshark (Wireshark's
//! dissector) must see valid VRRPv2/v3 adverts with a good checksum, and gratuitous ARPs
//! for the VIP when halb becomes master.

mod support_netns;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support_netns::{keepalived_conf, run, vip, wait_until, InstanceConf, Lab};

const LONG: Duration = Duration::from_secs(20);

fn capture_and_decode(version: u8, advert: &'static str) -> Option<String> {
    if !Path::new("/usr/bin/tshark").exists() {
        eprintln!("SKIP: tshark not installed");
        return None;
    }
    let lab = Lab::new(1)?;
    let cap = lab.path("cap.pcapng");
    let cap_s = cap.to_string_lossy().into_owned();
    let err_log = std::fs::File::create(lab.path("tshark.err")).expect("log");
    // Capture on the switch's bridge: every frame of every host passes there.
    let mut tshark = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.switch,
            "tshark",
            "-i",
            "br0",
            "-f",
            "ip proto 112 or arp",
            "-a",
            "duration:8",
            "-w",
            &cap_s,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_log)
        .spawn()
        .expect("tshark");
    let started = wait_until(LONG, || {
        std::fs::read_to_string(lab.path("tshark.err"))
            .unwrap_or_default()
            .contains("Capturing on")
    });
    assert!(started, "tshark did not start capturing");
    let mut i = InstanceConf::new("MASTER", 100, vip());
    i.advert_int = advert;
    let _halb = lab.start_halb(0, "halb", &keepalived_conf(version, "", &[i]));
    assert!(wait_until(LONG, || lab.has_addr(0, vip())));
    let _ = tshark.wait();
    let out = run(
        "tshark",
        &["-r", &cap_s, "-V", "-o", "gui.column.format:\"No.\",\"%m\""],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !text.is_empty(),
        "tshark decoded nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}

fn assert_adverts(text: &str, version: u8) {
    assert!(
        text.contains("Virtual Router Redundancy Protocol"),
        "no VRRP in capture:\n{text}"
    );
    assert!(
        text.contains(&format!("VRRP protocol version: {version}")),
        "{text}"
    );
    assert!(text.contains("Virtual Rtr ID: 51"), "{text}");
    assert!(text.contains("Priority: 100"), "{text}");
    assert!(text.contains("[Checksum Status: Good]"), "{text}");
    assert!(!text.contains("[Checksum Status: Bad]"), "{text}");
    assert!(text.contains("IP Address: 198.18.7.100"), "{text}");
    assert!(text.contains("Time to Live: 255"), "{text}");
    // The gratuitous ARP of the takeover: sender and target are the VIP.
    assert!(text.contains("[Is gratuitous: True]"), "{text}");
    assert!(text.contains("Sender IP address: 198.18.7.100"), "{text}");
}

#[test]
fn tshark_decodes_v2_adverts_with_good_checksum_and_garp() {
    let Some(text) = capture_and_decode(2, "1") else {
        return;
    };
    assert_adverts(&text, 2);
    assert!(
        text.contains("Auth Type: Simple Text Authentication"),
        "{text}"
    );
}

#[test]
fn tshark_decodes_v3_adverts_with_good_checksum_and_garp() {
    let Some(text) = capture_and_decode(3, "0.5") else {
        return;
    };
    assert_adverts(&text, 3);
}
