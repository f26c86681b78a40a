//! `halb demo` needs no configuration: two built-in web servers answer through the proxy.

mod cli_support;

use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::*;

fn curl(url: &str) -> Option<String> {
    let o = Command::new("curl")
        .args(["-s", "-m", "5", url])
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn demo_serves_both_builtin_backends_in_turn() {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(HALB)
        .args(["demo", "--bind", &bind])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://{bind}/hello");
    let first = wait_for(Duration::from_secs(10), || curl(&url));
    let second = curl(&url);
    let _ = child.kill();
    let _ = child.wait();
    let first = first.expect("the demo answers");
    let second = second.expect("the demo answers again");
    assert!(first.contains("request: GET /hello HTTP/1.1"), "{first}");
    let served: Vec<bool> = [&first, &second]
        .iter()
        .map(|b| b.contains("web1"))
        .collect();
    assert_ne!(
        served[0], served[1],
        "round robin alternates:\n{first}\n{second}"
    );
    assert!(
        first.contains("X-Forwarded-For: 127.0.0.1"),
        "forwardfor is on: {first}"
    );
}

#[test]
fn demo_shows_its_stats_page_metrics_and_access_log() {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(HALB)
        .args(["demo", "--bind", &bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let hello = format!("http://{bind}/hello");
    let answered = wait_for(Duration::from_secs(10), || curl(&hello));
    let csv = curl(&format!("http://{bind}/stats;csv"));
    let metrics = curl(&format!("http://{bind}/metrics"));
    let _ = child.kill();
    let out = child.wait_with_output().expect("demo output");
    assert!(answered.is_some(), "the demo answers");
    let csv = csv.expect("the stats page answers");
    assert!(csv.starts_with("# pxname,svname,"), "{csv}");
    assert!(
        csv.lines().any(|l| l.starts_with("web,web1,"))
            && csv.lines().any(|l| l.starts_with("web,web2,")),
        "{csv}"
    );
    let metrics = metrics.expect("the exporter answers");
    assert!(
        metrics.contains("haproxy_backend_http_responses_total{proxy=\"web\",code=\"2xx\"}"),
        "{metrics}"
    );
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.lines()
            .any(|l| l.contains(" demo web/web") && l.ends_with("\"GET /hello HTTP/1.1\"")),
        "an httplog line for the request on stdout:\n{log}"
    );
}

#[test]
fn demo_prints_the_config_it_runs_and_that_config_is_valid() {
    let o = halb(&["demo", "--print-config"]);
    assert_eq!(o.status.code(), Some(0));
    let cfg = text(&o).0;
    assert!(
        cfg.contains("frontend demo") && cfg.contains("server web1 127.0.0.1:"),
        "{cfg}"
    );
    let s = Scratch::new("democfg");
    let p = s.write("demo.cfg", &cfg);
    let o = halb(&["proxy", "-c", "-f", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
}
