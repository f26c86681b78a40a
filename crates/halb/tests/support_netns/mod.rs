//! A small lab of network namespaces for the `halb vrrp` tests.
//!
//! Layout: one switch namespace holding a bridge (no address, multicast snooping off, so VRRP
//! multicast floods like on a plain switch) and N host namespaces, each with an `eth0` veth
//! plugged into the bridge and an address 198.18.7.(10+i)/24. Nothing is created in the root
//! namespace; names carry a per-process prefix (`hv<pid><n>…`), and everything (daemons,
//! namespaces, files) is removed on drop, also when the test panics.
//!
//! Without root (or when namespaces cannot be created) a test prints a SKIP line and returns,
//! except with `CI=true`, where that is a failure.

#![allow(dead_code)] // each test file uses a different part of the lab

pub mod cluster;

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static LAB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The halb binary under test.
pub fn halb() -> &'static str {
    env!("CARGO_BIN_EXE_halb")
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Skips (returns `None`) with a reason, or panics under CI.
fn skip(reason: &str) -> Option<Lab> {
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("netns test cannot run under CI=true: {reason}");
    }
    eprintln!("SKIP: {reason}");
    None
}

/// Runs a command; the output whatever the status.
pub fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
}

fn run_ok(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = run(cmd, args);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Polls `cond` every 20 ms until it holds or `within` has passed.
pub fn wait_until(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A daemon started in one of the lab's namespaces.
pub struct Daemon {
    pub child: Child,
    pub log: PathBuf,
    pub name: String,
}

impl Daemon {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, sig: &str) {
        let _ = run("kill", &[&format!("-{sig}"), &self.pid().to_string()]);
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit; its exit code (None: still running or killed).
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let end = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log_text().contains(needle)
    }

    pub fn count_in_log(&self, needle: &str) -> usize {
        self.log_text().matches(needle).count()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The namespaces of one test.
pub struct Lab {
    pub prefix: String,
    pub switch: String,
    pub hosts: Vec<String>,
    pub dir: PathBuf,
}

pub const NET: [u8; 3] = [198, 18, 7];

impl Lab {
    /// `hosts` namespaces on one bridge, or `None` (SKIP) without root / netns support.
    pub fn new(hosts: usize) -> Option<Lab> {
        if !is_root() {
            return skip("not root: network namespaces need CAP_SYS_ADMIN");
        }
        let n = LAB_COUNTER.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("hv{}{}", std::process::id() % 100_000, n);
        let dir = std::env::temp_dir().join(format!("halb-{prefix}"));
        let _ = fs::remove_dir_all(&dir);
        if let Err(e) = fs::create_dir_all(&dir) {
            return skip(&format!("cannot create {}: {e}", dir.display()));
        }
        let mut lab = Lab {
            switch: format!("{prefix}sw"),
            hosts: Vec::new(),
            prefix,
            dir,
        };
        if let Err(e) = lab.build(hosts) {
            return skip(&format!("cannot build the netns lab: {e}"));
        }
        Some(lab)
    }

    fn build(&mut self, hosts: usize) -> Result<(), String> {
        run_ok("ip", &["netns", "add", &self.switch])?;
        let sw = self.switch.clone();
        run_ok("ip", &["-n", &sw, "link", "add", "br0", "type", "bridge"])?;
        // A plain switch: flood multicast (no IGMP snooping), no STP delay.
        run_ok(
            "ip",
            &[
                "-n",
                &sw,
                "link",
                "set",
                "br0",
                "type",
                "bridge",
                "mcast_snooping",
                "0",
                "stp_state",
                "0",
                "forward_delay",
                "0",
            ],
        )?;
        run_ok("ip", &["-n", &sw, "link", "set", "br0", "up"])?;
        for i in 0..hosts {
            let ns = format!("{}h{}", self.prefix, i + 1);
            run_ok("ip", &["netns", "add", &ns])?;
            self.hosts.push(ns.clone());
            let port = format!("p{}", i + 1);
            run_ok(
                "ip",
                &[
                    "-n", &sw, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            )?;
            run_ok(
                "ip",
                &["-n", &sw, "link", "set", &port, "master", "br0", "up"],
            )?;
            let addr = format!("{}/24", self.addr(i));
            run_ok("ip", &["-n", &ns, "addr", "add", &addr, "dev", "eth0"])?;
            run_ok("ip", &["-n", &ns, "link", "set", "eth0", "up"])?;
            run_ok("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    /// The address of host `i` (0-based).
    pub fn addr(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(NET[0], NET[1], NET[2], 10 + i as u8)
    }

    pub fn ns(&self, i: usize) -> &str {
        &self.hosts[i]
    }

    /// Runs `cmd` inside host `i`'s namespace.
    pub fn exec(&self, i: usize, cmd: &[&str]) -> Output {
        let mut args = vec!["netns", "exec", self.ns(i)];
        args.extend_from_slice(cmd);
        run("ip", &args)
    }

    /// Writes a file into the lab's directory; its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }

    /// Writes an executable script (0755) into the lab's directory.
    pub fn write_script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.write(name, &format!("#!/bin/sh\n{body}\n"));
        let _ = run("chmod", &["0755", &p.to_string_lossy()]);
        p
    }

    /// Starts `halb vrrp -n -l -D -f CONF -p PID` in host `i` with `conf` as its config.
    pub fn start_halb(&self, i: usize, name: &str, conf: &str) -> Daemon {
        let conf_path = self.write(&format!("{name}.conf"), conf);
        let pid = self.dir.join(format!("{name}.pid"));
        let conf_s = conf_path.to_string_lossy().into_owned();
        let pid_s = pid.to_string_lossy().into_owned();
        self.start_in(
            i,
            name,
            &[
                halb(),
                "vrrp",
                "-n",
                "-l",
                "-D",
                "-f",
                &conf_s,
                "-p",
                &pid_s,
            ],
        )
    }

    /// Starts real keepalived in host `i` (VRRP only, console log, own pid files).
    pub fn start_keepalived(&self, i: usize, name: &str, conf: &str) -> Daemon {
        let conf_path = self.write(&format!("{name}.conf"), conf);
        let f = |s: &str| {
            self.dir
                .join(format!("{name}.{s}"))
                .to_string_lossy()
                .into_owned()
        };
        let (p, r, c) = (f("pid"), f("vrrp.pid"), f("chk.pid"));
        let conf_s = conf_path.to_string_lossy().into_owned();
        self.start_in(
            i,
            name,
            &[
                "/usr/sbin/keepalived",
                "-n",
                "-l",
                "-D",
                "-G",
                "-P",
                "-f",
                &conf_s,
                "-p",
                &p,
                "-r",
                &r,
                "-c",
                &c,
            ],
        )
    }

    pub fn start_in(&self, i: usize, name: &str, cmd: &[&str]) -> Daemon {
        let log = self.dir.join(format!("{name}.log"));
        let out = fs::File::create(&log).unwrap_or_else(|e| panic!("log file: {e}"));
        let err = out.try_clone().unwrap_or_else(|e| panic!("log file: {e}"));
        let mut args = vec!["netns", "exec", self.ns(i)];
        args.extend_from_slice(cmd);
        let child = Command::new("ip")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        Daemon {
            child,
            log,
            name: name.to_string(),
        }
    }

    /// True when host `i`'s eth0 carries `addr`.
    pub fn has_addr(&self, i: usize, addr: Ipv4Addr) -> bool {
        let out = run(
            "ip",
            &["-n", self.ns(i), "-4", "-o", "addr", "show", "dev", "eth0"],
        );
        String::from_utf8_lossy(&out.stdout).contains(&format!(" {addr}/"))
    }

    /// The hosts (indices) whose eth0 carries `addr`.
    pub fn holders(&self, addr: Ipv4Addr) -> Vec<usize> {
        (0..self.hosts.len())
            .filter(|&i| self.has_addr(i, addr))
            .collect()
    }

    /// The MAC address of host `i`'s eth0.
    pub fn mac(&self, i: usize) -> String {
        let out = run(
            "ip",
            &["-n", self.ns(i), "-o", "link", "show", "dev", "eth0"],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace()
            .skip_while(|w| *w != "link/ether")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    /// The MAC host `i` has in its neighbour table for `addr` (empty when none).
    pub fn neighbour_mac(&self, i: usize, addr: Ipv4Addr) -> String {
        let a = addr.to_string();
        let out = run("ip", &["-n", self.ns(i), "neigh", "show", &a]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace()
            .skip_while(|w| *w != "lladdr")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    /// Starts a TCP responder on port 7000 of host `i` that answers `name` (socat).
    pub fn serve_name(&self, i: usize, name: &str) -> Daemon {
        let reply = format!("SYSTEM:echo {name}");
        self.start_in(
            i,
            &format!("responder-{name}"),
            &["socat", "TCP-LISTEN:7000,fork,reuseaddr", &reply],
        )
    }

    /// Connects from host `i` to `addr`:7000; the responder's name, if one answered.
    pub fn fetch(&self, i: usize, addr: Ipv4Addr) -> Option<String> {
        let target = format!("TCP:{addr}:7000,connect-timeout=1");
        let out = self.exec(i, &["socat", "-T", "2", "-", &target]);
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    }

    pub fn link(&self, i: usize, up: bool) {
        let state = if up { "up" } else { "down" };
        let _ = run("ip", &["-n", self.ns(i), "link", "set", "eth0", state]);
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Whatever still runs in our namespaces (daemons, scripts) goes first.
        for ns in self.hosts.iter().chain(std::iter::once(&self.switch)) {
            let out = run("ip", &["netns", "pids", ns]);
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = run("kill", &["-KILL", pid]);
            }
        }
        for ns in self.hosts.iter().chain(std::iter::once(&self.switch)) {
            let _ = run("ip", &["netns", "del", ns]);
        }
        if std::thread::panicking() {
            // The daemons' logs explain a failure better than the assertion does.
            if let Ok(entries) = fs::read_dir(&self.dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.extension().is_some_and(|x| x == "log") {
                        let text = fs::read_to_string(&p).unwrap_or_default();
                        let tail: Vec<&str> = text.lines().rev().take(60).collect();
                        eprintln!("---- {} (last lines)", p.display());
                        for l in tail.iter().rev() {
                            eprintln!("{l}");
                        }
                    }
                }
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One `vrrp_instance` of a test config, with keepalived's keywords.
#[derive(Debug, Clone)]
pub struct InstanceConf {
    pub name: &'static str,
    pub state: &'static str,
    pub vrid: u8,
    pub priority: u8,
    pub advert_int: &'static str,
    pub vip: Ipv4Addr,
    /// Extra lines inside the block (`nopreempt`, `track_script { … }`, …).
    pub extra: String,
}

impl InstanceConf {
    pub fn new(state: &'static str, priority: u8, vip: Ipv4Addr) -> Self {
        InstanceConf {
            name: "VI_1",
            state,
            vrid: 51,
            priority,
            advert_int: "1",
            vip,
            extra: String::new(),
        }
    }
}

/// A whole keepalived.conf: global_defs (script security as the bench sets it), the given
/// top-level blocks, then the instances. `version` 2 adds PASS authentication.
pub fn keepalived_conf(version: u8, blocks: &str, instances: &[InstanceConf]) -> String {
    let mut out = format!(
        "global_defs {{\n    router_id halb-test\n    script_user root\n    enable_script_security\n    vrrp_version {version}\n}}\n{blocks}\n"
    );
    for i in instances {
        let auth = if version == 2 {
            "    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }\n"
        } else {
            ""
        };
        out.push_str(&format!(
            "vrrp_instance {} {{\n    state {}\n    interface eth0\n    virtual_router_id {}\n    priority {}\n    advert_int {}\n{auth}    virtual_ipaddress {{\n        {}/24\n    }}\n{}\n}}\n",
            i.name, i.state, i.vrid, i.priority, i.advert_int, i.vip, i.extra
        ));
    }
    out
}

/// The usual VIP of the lab.
pub fn vip() -> Ipv4Addr {
    Ipv4Addr::new(NET[0], NET[1], NET[2], 100)
}

/// Path helper for messages.
pub fn show(p: &Path) -> String {
    p.display().to_string()
}
