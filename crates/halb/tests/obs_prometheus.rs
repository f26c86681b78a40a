//! The Prometheus exporter (`http-request use-service prometheus-exporter if { path /metrics }`)
//! read by a real parser: python3's `prometheus_client.parser.text_string_to_metric_families`.
//!
//! Proves: the text parses; it has HAProxy 2.6's metric names and labels
//! (`haproxy_frontend_http_requests_total{proxy}`, `haproxy_backend_http_responses_total
//! {proxy,code}`, `haproxy_server_http_responses_total{proxy,server,code}`,
//! `haproxy_server_status{proxy,server,state}`); the counters move by exactly what the test
//! did between two scrapes (N more 2xx after N requests, M more 4xx, the exporter's frontend
//! counting the second scrape); a server's status gauge follows a runtime state change.
//! Halb-only (skipped under HALB_OBS_PEER=haproxy): p50/p90/p99 latency quantiles per backend
//! and per server.

mod obs_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use obs_support::tools::{need, python_with_prometheus, run_with_input, socat_cmd, stderr, stdout};
use obs_support::{get, halb_only, local_addr, MockHttp, Proxy, Reply};

/// Every sample as (name, sorted labels) -> value, as prometheus_client parsed it.
type Samples = BTreeMap<(String, Vec<(String, String)>), f64>;

const PARSE: &str = "
import sys
from prometheus_client.parser import text_string_to_metric_families
n = 0
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels = ','.join('%s=%s' % kv for kv in sorted(s.labels.items()))
        print('%s|%s|%s|%r' % (fam.type, s.name, labels, float(s.value)))
        n += 1
print('samples', n, file=sys.stderr)
";

fn scrape(py: &std::path::Path, addr: SocketAddr) -> (Samples, BTreeMap<String, String>) {
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let ct = r.header("content-type").unwrap_or("").to_string();
    assert!(ct.starts_with("text/plain"), "content-type {ct}");
    let o = run_with_input(py, &["-c", PARSE], &r.body);
    assert!(
        o.status.success(),
        "prometheus_client could not parse the exposition:\n{}\n---\n{}",
        stderr(&o),
        r.body_text()
    );
    let mut samples = Samples::new();
    let mut types = BTreeMap::new();
    for line in stdout(&o).lines() {
        let f: Vec<&str> = line.splitn(4, '|').collect();
        let [ty, name, labels, value] = f[..] else {
            panic!("bad parser line {line}")
        };
        let labels = labels
            .split(',')
            .filter(|l| !l.is_empty())
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        let v: f64 = value.parse().unwrap_or(f64::NAN);
        samples.insert((name.to_string(), labels), v);
        types.insert(name.to_string(), ty.to_string());
    }
    (samples, types)
}

fn val(s: &Samples, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut l: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.sort();
    *s.get(&(name.to_string(), l.clone()))
        .unwrap_or_else(|| panic!("no sample {name}{l:?}"))
}

#[test]
fn exporter_parses_and_counters_follow_the_traffic() {
    let Some(py) = python_with_prometheus() else {
        return;
    };
    let Some(socat) = need("socat") else { return };
    let srv = MockHttp::start(|r| {
        if r.path == "/missing" {
            Reply::Raw(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec())
        } else {
            Reply::Ok(b"ok".to_vec())
        }
    });
    let (fe, prom) = (local_addr(), local_addr());
    let cfg = format!(
        "global
    stats socket {{dir}}/admin.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend prom
    bind {prom}
    http-request use-service prometheus-exporter if {{ path /metrics }}
frontend fe
    bind {fe}
    default_backend back
backend back
    server srv1 {} check inter 500ms
",
        srv.addr()
    );
    // Only the exporter's frontend is probed for readiness: an empty probe connection on fe
    // would count as an (invalid) HTTP request there, possibly after the first scrape. Both
    // frontends are bound at start; one real request on fe before the first scrape.
    let p = Proxy::start(&cfg, &[prom], &["{dir}/admin.sock"]);
    assert_eq!(get(fe, "/").status, 200);
    let (before, types) = scrape(&py, prom);
    assert_eq!(
        types
            .get("haproxy_frontend_http_requests_total")
            .map(String::as_str),
        Some("counter")
    );
    assert_eq!(
        types.get("haproxy_server_status").map(String::as_str),
        Some("gauge")
    );
    let (n_ok, n_missing) = (7, 3);
    for _ in 0..n_ok {
        assert_eq!(get(fe, "/").status, 200);
    }
    for _ in 0..n_missing {
        assert_eq!(get(fe, "/missing").status, 404);
    }
    let (after, _) = scrape(&py, prom);
    let delta = |name: &str, labels: &[(&str, &str)]| {
        val(&after, name, labels) - val(&before, name, labels)
    };
    let be2 = [("proxy", "back"), ("code", "2xx")];
    let be4 = [("proxy", "back"), ("code", "4xx")];
    assert_eq!(
        delta("haproxy_backend_http_responses_total", &be2),
        n_ok as f64
    );
    assert_eq!(
        delta("haproxy_backend_http_responses_total", &be4),
        n_missing as f64
    );
    assert_eq!(
        delta(
            "haproxy_backend_http_responses_total",
            &[("proxy", "back"), ("code", "5xx")]
        ),
        0.0
    );
    let sv2 = [("proxy", "back"), ("server", "srv1"), ("code", "2xx")];
    assert_eq!(
        delta("haproxy_server_http_responses_total", &sv2),
        n_ok as f64
    );
    assert_eq!(
        delta("haproxy_frontend_http_requests_total", &[("proxy", "fe")]),
        (n_ok + n_missing) as f64
    );
    // The exporter's own frontend counted the second scrape (the service runs in it).
    assert_eq!(
        delta("haproxy_frontend_http_requests_total", &[("proxy", "prom")]),
        1.0
    );
    let state = |s: &Samples, st: &str| {
        val(
            s,
            "haproxy_server_status",
            &[("proxy", "back"), ("server", "srv1"), ("state", st)],
        )
    };
    assert_eq!(state(&after, "UP"), 1.0);
    assert_eq!(state(&after, "MAINT"), 0.0);

    // The status gauge follows a runtime change.
    let sock = p.path("admin.sock").display().to_string();
    socat_cmd(&socat, &sock, "set server back/srv1 state maint");
    let (maint, _) = scrape(&py, prom);
    assert_eq!(state(&maint, "MAINT"), 1.0);
    assert_eq!(state(&maint, "UP"), 0.0);

    if halb_only("latency quantiles in the exporter") {
        return;
    }
    // halb's addition: p50/p90/p99 per backend and per server, whatever the family name.
    for who in [
        vec![("proxy", "back")],
        vec![("proxy", "back"), ("server", "srv1")],
    ] {
        let mut qs: Vec<(String, f64)> = after
            .iter()
            .filter(|((_, l), _)| {
                let has = |k: &str, v: &str| l.iter().any(|(a, b)| a == k && b == v);
                who.iter().all(|(k, v)| has(k, v))
                    && (who.len() == 2 || !l.iter().any(|(a, _)| a == "server"))
            })
            .filter_map(|((_, l), v)| {
                l.iter()
                    .find(|(k, _)| k == "quantile")
                    .map(|(_, q)| (q.clone(), *v))
            })
            .collect();
        qs.sort_by(|a, b| a.0.cmp(&b.0));
        for q in ["0.5", "0.9", "0.99"] {
            assert!(
                qs.iter().any(|(k, _)| k == q),
                "quantile {q} for {who:?}: {qs:?}"
            );
        }
        assert!(qs.iter().all(|(_, v)| *v >= 0.0), "{qs:?}");
    }
}
