//! Hostile VRRP packets from another host on the link: every malformed or unauthenticated
//! advert is dropped and counted, the master stays master; a well-formed higher-priority
//! advert (sent by the same injector) does take over, which proves the injected packets reach
//! the daemon at all.

mod support_netns;

use std::time::Duration;

use support_netns::{keepalived_conf, vip, wait_until, InstanceConf, Lab};

const LONG: Duration = Duration::from_secs(20);

/// Builds VRRPv2/v3 adverts byte by byte and sends them with a hand-made IP header
/// (IP_HDRINCL), so the TTL can be wrong. Python's standard library only.
const INJECTOR: &str = r#"
import socket, struct, sys

SRC, VIP = sys.argv[1], sys.argv[2]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def advert(version=2, vrid=51, prio=200, addrs=(VIP,), password=b"s3cret", bad_sum=False):
    ips = b"".join(socket.inet_aton(a) for a in addrs)
    if version == 2:
        head = struct.pack("!BBBBBBH", 0x21, vrid, prio, len(addrs), 1, 1, 0)
        body = head + ips + password.ljust(8, b"\0")[:8]
        c = csum(body)
    else:
        head = struct.pack("!BBBBHH", 0x31, vrid, prio, len(addrs), 100, 0)
        body = head + ips
        pseudo = socket.inet_aton(SRC) + socket.inet_aton("224.0.0.18") + struct.pack("!BBH", 0, 112, len(body))
        c = csum(pseudo + body)
    if bad_sum:
        c ^= 0x5555
    return body[:6] + struct.pack("!H", c) + body[8:]

def send(payload, ttl=255):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0,
                     socket.inet_aton(SRC), socket.inet_aton("224.0.0.18"))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(SRC))
    s.sendto(ip + payload, ("224.0.0.18", 0))
    s.close()

for kind in sys.argv[3:]:
    if kind == "bad_ttl":
        send(advert(), ttl=64)
    elif kind == "bad_checksum":
        send(advert(bad_sum=True))
    elif kind == "bad_auth":
        send(advert(password=b"wrong"))
    elif kind == "truncated":
        send(advert()[:6])
    elif kind == "wrong_version":
        send(advert(version=3))
    elif kind == "addr_count":
        send(advert(addrs=(VIP, "198.18.7.201")))
    elif kind == "other_vrid":
        send(advert(vrid=99))
    elif kind == "valid":
        send(advert())
    else:
        sys.exit("unknown kind " + kind)
"#;

#[test]
fn hostile_adverts_are_dropped_and_counted_and_a_valid_one_is_obeyed() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let mut lb1 = lab.start_halb(
        0,
        "lb1",
        &keepalived_conf(2, "", &[InstanceConf::new("MASTER", 100, v)]),
    );
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let script = lab.write("inject.py", INJECTOR);
    let inject = |kinds: &[&str]| {
        let src = lab.addr(1).to_string();
        let vip_s = v.to_string();
        let script_s = script.to_string_lossy().into_owned();
        let mut args = vec!["/usr/bin/python3", script_s.as_str(), src.as_str(), &vip_s];
        args.extend_from_slice(kinds);
        let out = lab.exec(1, &args);
        assert!(
            out.status.success(),
            "injector failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let hostile = [
        "bad_ttl",
        "bad_checksum",
        "bad_auth",
        "truncated",
        "wrong_version",
        "addr_count",
        "other_vrid",
    ];
    inject(&hostile);
    // Each of them claims priority 200: had one been accepted, lb1 would have left MASTER.
    assert!(wait_until(LONG, || lb1.log_contains("received an invalid passwd!")));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lab.holders(v), vec![0]);
    assert_eq!(
        lb1.count_in_log("Entering BACKUP STATE"),
        1,
        "only the initial one"
    );
    assert!(!lb1.log_contains("higher priority 200"));

    // The same injector, a well-formed advert: obeyed.
    inject(&["valid"]);
    assert!(wait_until(LONG, || lb1.log_contains(
        "(VI_1) Master received advert from 198.18.7.11 with higher priority 200, ours 100"
    )));
    assert!(wait_until(LONG, || lab.holders(v).is_empty()));
    // The fake master goes silent: lb1 takes over again.
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));

    // SIGUSR1 dumps the counters while running.
    lb1.signal("USR1");
    assert!(wait_until(LONG, || lb1.log_contains("VRRP packets: accepted")));
    lb1.signal("TERM");
    assert_eq!(lb1.wait_exit(LONG), Some(0));
    let log = lb1.log_text();
    let summary = log
        .lines()
        .find(|l| l.contains("VRRP packets: accepted"))
        .unwrap_or_else(|| panic!("no counter line at exit:\n{log}"));
    for counted in [
        "bad_ttl=1",
        "bad_checksum=1",
        "auth_failure=1",
        "truncated=1",
        "version_mismatch=1",
        "address_count_mismatch=1",
        "vrid_mismatch=1",
    ] {
        assert!(summary.contains(counted), "{counted} missing in: {summary}");
    }
    assert!(summary.contains("accepted 1,"), "{summary}");
}
