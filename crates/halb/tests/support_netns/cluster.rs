//! The seed-000 cluster on the netns lab: two load-balancer nodes each running `halb proxy` on
//! the VIP plus a VRRP daemon (`halb vrrp` or real keepalived), two nginx web servers, a client.
//!
//! ```text
//!   lb1 198.18.7.10   halb proxy (VIP:80) + VRRP   seed: 192.168.43.31, MASTER
//!   lb2 198.18.7.11   halb proxy (VIP:80) + VRRP   seed: 192.168.43.32, BACKUP
//!   web1 198.18.7.12  nginx "web1 via <peer>"      seed: 192.168.43.33
//!   web2 198.18.7.13  nginx "web2 via <peer>"      seed: 192.168.43.34
//!   cli  198.18.7.14  curl http://VIP/index.html
//!   VIP  198.18.7.100                              seed: 192.168.43.100
//! ```
//!
//! The configs are the seeds' own files (tests/data/seed/, copied from the tutorial fixtures);
//! [`Cluster::rewrite`] changes only their addresses and interface names. Each web server
//! answers with its name and the address the request came from, so a test sees which web
//! server answered and through which load balancer.

use std::time::Duration;

use super::{halb, wait_until, Daemon, Lab};

pub const LB1: usize = 0;
pub const LB2: usize = 1;
pub const WEB1: usize = 2;
pub const WEB2: usize = 3;
pub const CLIENT: usize = 4;

/// Generous bound for anything the cluster does (elections take 3×advert + skew; checks
/// take fall×inter); waits are polls, never assertions on time.
pub const LONG: Duration = Duration::from_secs(30);

/// The seed files, as the tutorials wrote them.
pub const SEED000_HAPROXY: &str = include_str!("../data/seed/seed000-haproxy.cfg");
pub const SEED000_MASTER: &str = include_str!("../data/seed/seed000-master.conf");
pub const SEED000_BACKUP: &str = include_str!("../data/seed/seed000-backup.conf");
pub const SEED003_HA: &str = include_str!("../data/seed/seed003-haproxy-ha.conf");

/// Which VRRP daemon runs on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VrrpDaemon {
    Halb,
    Keepalived,
}

/// One answer the client got through the VIP: which web server, via which node's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub web: String,
    pub via: String,
}

/// The running cluster; each daemon slot is `None` while that daemon is stopped.
pub struct Cluster {
    pub lab: Lab,
    pub webs: [Option<Daemon>; 2],
    pub proxies: [Option<Daemon>; 2],
    pub vrrps: [Option<Daemon>; 2],
    /// Makes file names unique across restarts.
    starts: usize,
}

impl Cluster {
    /// The five hosts with both web servers running, or `None` (SKIP) without netns support.
    pub fn new() -> Option<Cluster> {
        // The peers the cluster runs, and the user the seed's `user haproxy` drops to.
        for (what, cmd, args) in [
            ("nginx", "nginx", &["-v"][..]),
            ("curl", "curl", &["--version"][..]),
            ("the haproxy user", "id", &["haproxy"][..]),
        ] {
            let found = std::process::Command::new(cmd)
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !found {
                super::skip(&format!(
                    "{what} missing (apt-get install nginx-light curl haproxy)"
                ));
                return None;
            }
        }
        let lab = Lab::new(5)?;
        let mut c = Cluster {
            lab,
            webs: [None, None],
            proxies: [None, None],
            vrrps: [None, None],
            starts: 0,
        };
        c.start_web(WEB1);
        c.start_web(WEB2);
        Some(c)
    }

    /// A seed file with the tutorial's addresses and interface names replaced by the lab's.
    pub fn rewrite(&self, seed_text: &str) -> String {
        let lab = &self.lab;
        let vip = super::vip().to_string();
        let pairs = [
            ("192.168.43.100", vip.clone()),
            ("192.168.43.31", lab.addr(LB1).to_string()),
            ("192.168.43.32", lab.addr(LB2).to_string()),
            ("192.168.43.33", lab.addr(WEB1).to_string()),
            ("192.168.43.34", lab.addr(WEB2).to_string()),
            ("192.168.8.201", vip),
            ("ens32", "eth0".to_string()),
            ("enp0s25", "eth0".to_string()),
        ];
        let mut out = seed_text.to_string();
        for (from, to) in pairs {
            out = out.replace(from, &to);
        }
        out
    }

    fn next_name(&mut self, what: &str, host: usize) -> String {
        self.starts += 1;
        format!("{what}-h{host}-{}", self.starts)
    }

    /// nginx on `host` (WEB1/WEB2), port 80, answering "webN via $remote_addr".
    pub fn start_web(&mut self, host: usize) {
        let web = if host == WEB1 { "web1" } else { "web2" };
        let name = self.next_name(web, host);
        let dir = self.lab.path(&name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let d = dir.display();
        let addr = self.lab.addr(host);
        let conf = self.lab.write(
            &format!("{name}.nginx.conf"),
            &format!(
                "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d};\n\
                 server {{\n    listen {addr}:80;\n    location / {{\n      default_type text/plain;\n\
                 return 200 \"{web} via $remote_addr\\n\";\n    }}\n  }}\n}}\n"
            ),
        );
        let conf_s = conf.display().to_string();
        let dir_s = d.to_string();
        let err_s = format!("{d}/error.log");
        let daemon = self.lab.start_in(
            host,
            &name,
            &["nginx", "-c", &conf_s, "-p", &dir_s, "-e", &err_s],
        );
        let target = format!("{addr}:80");
        assert!(
            wait_until(LONG, || self.listening(host, &target)),
            "nginx on {web} not listening: {}",
            daemon.log_text()
        );
        self.webs[host - WEB1] = Some(daemon);
    }

    /// Stops nginx on `host` (SIGTERM, then waits for it to exit).
    pub fn stop_web(&mut self, host: usize) {
        if let Some(mut d) = self.webs[host - WEB1].take() {
            d.signal("TERM");
            let _ = d.wait_exit(LONG);
        }
    }

    /// `halb proxy -d -f CFG` on node `lb` with `cfg` (already rewritten); waits until it
    /// listens on VIP:80, which it must do whether or not the node holds the VIP.
    pub fn start_proxy(&mut self, lb: usize, cfg: &str) {
        let name = self.next_name("proxy", lb);
        let path = self.lab.write(&format!("{name}.cfg"), cfg);
        let path_s = path.display().to_string();
        let mut daemon = self
            .lab
            .start_in(lb, &name, &[halb(), "proxy", "-d", "-f", &path_s]);
        let target = format!("{}:80", super::vip());
        let up = wait_until(LONG, || self.listening(lb, &target) || !daemon.running());
        assert!(
            up && daemon.running(),
            "halb proxy on lb{} does not listen on {target}:\n{}",
            lb + 1,
            daemon.log_text()
        );
        self.proxies[lb] = Some(daemon);
    }

    /// The seed's haproxy.cfg, rewritten for the lab, on node `lb`.
    pub fn start_seed_proxy(&mut self, lb: usize) {
        let cfg = self.rewrite(SEED000_HAPROXY);
        self.start_proxy(lb, &cfg);
    }

    /// Sends `sig` to node `lb`'s proxy and waits for it to exit.
    pub fn stop_proxy(&mut self, lb: usize, sig: &str) {
        if let Some(mut d) = self.proxies[lb].take() {
            d.signal(sig);
            let _ = d.wait_exit(LONG);
            assert!(!d.running(), "proxy on lb{} ignored SIG{sig}", lb + 1);
        }
    }

    /// Starts the VRRP daemon on node `lb` with `conf` (already rewritten).
    pub fn start_vrrp(&mut self, lb: usize, which: VrrpDaemon, conf: &str) {
        let name = self.next_name("vrrp", lb);
        let daemon = match which {
            VrrpDaemon::Halb => self.lab.start_halb(lb, &name, conf),
            VrrpDaemon::Keepalived => self.lab.start_keepalived(lb, &name, conf),
        };
        self.vrrps[lb] = Some(daemon);
    }

    /// Sends `sig` to node `lb`'s VRRP daemon and waits for it to exit.
    pub fn stop_vrrp(&mut self, lb: usize, sig: &str) {
        if let Some(mut d) = self.vrrps[lb].take() {
            d.signal(sig);
            let _ = d.wait_exit(LONG);
        }
    }

    /// SIGKILL to every halb process of node `lb` (proxy and VRRP): the node's software dies
    /// without a goodbye, as in the bench's `a-kill`.
    pub fn kill_node(&mut self, lb: usize) {
        self.stop_vrrp(lb, "KILL");
        self.stop_proxy(lb, "KILL");
    }

    /// The seed-000 topology up: both proxies on the VIP, `master_conf` on lb1, the VIP on
    /// lb1 alone, then `backup_conf` on lb2 and lb2 in BACKUP.
    pub fn bring_up(
        &mut self,
        (lb1, master_conf): (VrrpDaemon, &str),
        (lb2, backup_conf): (VrrpDaemon, &str),
    ) {
        self.start_seed_proxy(LB1);
        self.start_seed_proxy(LB2);
        let v = super::vip();
        self.start_vrrp(LB1, lb1, master_conf);
        assert!(
            wait_until(LONG, || self.lab.holders(v) == vec![LB1]),
            "VIP never on lb1 alone: {:?}",
            self.lab.holders(v)
        );
        self.start_vrrp(LB2, lb2, backup_conf);
        assert!(
            wait_until(LONG, || self
                .vrrp_log(LB2)
                .contains("Entering BACKUP STATE")),
            "lb2 never entered BACKUP"
        );
    }

    pub fn vrrp_log(&self, lb: usize) -> String {
        self.vrrps[lb]
            .as_ref()
            .map(|d| d.log_text())
            .unwrap_or_default()
    }

    pub fn proxy_log(&self, lb: usize) -> String {
        self.proxies[lb]
            .as_ref()
            .map(|d| d.log_text())
            .unwrap_or_default()
    }

    /// True when a TCP listener for exactly `addr_port` exists in `host`'s namespace.
    pub fn listening(&self, host: usize, addr_port: &str) -> bool {
        let out = self.lab.exec(host, &["ss", "-Hltn"]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w == addr_port)
    }

    /// `net.ipv4.ip_nonlocal_bind` as node `lb`'s namespace sees it.
    pub fn nonlocal_bind(&self, lb: usize) -> String {
        let out = self
            .lab
            .exec(lb, &["sysctl", "-n", "net.ipv4.ip_nonlocal_bind"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// One request from the client to http://VIP/index.html, as the tutorial's reader does.
    pub fn get(&self) -> Result<Answer, String> {
        let url = format!("http://{}/index.html", super::vip());
        let out = self.lab.exec(
            CLIENT,
            &["curl", "-sS", "--fail", "--noproxy", "*", "-m", "2", &url],
        );
        let body = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() {
            return Err(format!(
                "curl failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let mut words = body.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(web), Some("via"), Some(via)) => Ok(Answer {
                web: web.to_string(),
                via: via.to_string(),
            }),
            _ => Err(format!("unexpected body {body:?}")),
        }
    }

    /// The status column of `server` in the stats page's CSV (`/haproxy?stats;csv`, the
    /// seed's `stats uri`), fetched by the client through the VIP.
    pub fn stats_status(&self, backend: &str, server: &str) -> Option<String> {
        let url = format!("http://{}/haproxy?stats;csv", super::vip());
        let out = self.lab.exec(
            CLIENT,
            &["curl", "-sS", "--fail", "--noproxy", "*", "-m", "2", &url],
        );
        if !out.status.success() {
            return None;
        }
        let csv = String::from_utf8_lossy(&out.stdout).into_owned();
        let header: Vec<&str> = csv
            .lines()
            .next()?
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let col = header.iter().position(|h| *h == "status")?;
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&backend) && f.get(1) == Some(&server))
            .and_then(|f| f.get(col).map(|s| s.to_string()))
    }

    /// Polls until the client gets an answer forwarded by node `lb`.
    pub fn wait_answer_via(&self, lb: usize) -> bool {
        let via = self.lab.addr(lb).to_string();
        wait_until(LONG, || self.get().map(|a| a.via == via).unwrap_or(false))
    }

    /// `n` requests in a row; every answer, or the first failure.
    pub fn get_many(&self, n: usize) -> Result<Vec<Answer>, String> {
        (0..n).map(|_| self.get()).collect()
    }

    /// The address of node `lb` as the web servers see it.
    pub fn via(&self, lb: usize) -> String {
        self.lab.addr(lb).to_string()
    }
}

/// Asserts that every answer came through node `via` and that both web servers answered.
pub fn assert_both_webs_via(answers: &[Answer], via: &str) {
    assert!(
        answers.iter().all(|a| a.via == via),
        "not every answer came through {via}: {answers:?}"
    );
    for web in ["web1", "web2"] {
        assert!(
            answers.iter().any(|a| a.web == web),
            "{web} never answered: {answers:?}"
        );
    }
}
