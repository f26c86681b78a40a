//! The JSON and Prometheus renderers against a real HAProxy 2.6.12's output, read with real
//! parsers (python3's `json` and `prometheus_client`).

mod common;

const JSON_SHAPE: &str = r#"
import json, sys
ours_text, theirs_text = sys.stdin.read().split("\n=====\n")
def shape(rows):
    return [[(f["objType"], f["proxyId"], f["id"], f["field"]["pos"], f["field"]["name"],
              f["processNum"], f["tags"]["origin"], f["tags"]["nature"], f["tags"]["scope"],
              f["value"]["type"]) for f in row] for row in rows]
ours, theirs = json.loads(ours_text), json.loads(theirs_text)
if shape(ours) != shape(theirs):
    for o, t in zip(shape(ours), shape(theirs)):
        print("only ours:", sorted(set(o) - set(t)), "only haproxy:", sorted(set(t) - set(o)))
    sys.exit(1)
print("rows", len(ours))
"#;

#[test]
fn json_has_haproxy_structure_field_for_field() {
    let ours = stats::json::render(&common::snapshot());
    let theirs = common::fixture("page.json");
    match common::python(JSON_SHAPE, &format!("{ours}\n=====\n{theirs}")) {
        None => skipped("python3 not available to parse JSON"),
        Some((ok, out)) => assert!(ok, "{out}"),
    }
}

#[test]
fn json_stays_valid_with_hostile_names() {
    let snap = common::snapshot_named("a\"b\\c", "</script>", "tab\there\u{1}");
    let ours = stats::json::render(&snap);
    let script = "import json,sys; d=json.load(sys.stdin); print(d[0][0]['value']['value'], d[1][1]['value']['value'])";
    match common::python(script, &ours) {
        None => skipped("python3 not available to parse JSON"),
        Some((ok, out)) => {
            assert!(ok, "{out}");
            assert_eq!(out, "a\"b\\c tab\there\u{1}\n");
        }
    }
}

#[test]
fn show_info_json_matches_haproxy_fields() {
    let ours = stats::info::render_json(&common::snapshot().info);
    let script = r#"
import json, sys
o, t = sys.stdin.read().split("\n=====\n")
shape = lambda d: [(f["field"]["pos"], f["field"]["name"], f["tags"]["origin"], f["tags"]["nature"], f["tags"]["scope"], f["value"]["type"]) for f in json.loads(d)]
so, st = shape(o), shape(t)
print(sorted(set(so) ^ set(st)))
sys.exit(0 if so == st else 1)
"#;
    match common::python(
        script,
        &format!("{ours}\n=====\n{}", common::fixture("show_info.json")),
    ) {
        None => skipped("python3 not available to parse JSON"),
        Some((ok, out)) => assert!(ok, "{out}"),
    }
}

/// `name{labels}` of every sample, values left out.
fn samples(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.rsplit_once(' ').map_or(l, |(k, _)| k).to_string())
        .collect()
}

#[test]
fn prometheus_families_and_samples_match_haproxy_exporter() {
    let ours = stats::prometheus::render(&common::snapshot());
    let theirs = common::fixture("metrics.txt");
    // Every HELP and TYPE line of HAProxy's exporter, byte for byte and in order.
    let meta = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("# HELP haproxy_") || l.starts_with("# TYPE haproxy_"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(meta(&ours), meta(&theirs));
    // The same samples (names and labels) in the same order.
    let ours_samples: Vec<String> = samples(&ours)
        .into_iter()
        .filter(|s| s.starts_with("haproxy_"))
        .collect();
    let theirs_samples = samples(&theirs);
    for (o, t) in ours_samples.iter().zip(theirs_samples.iter()) {
        assert_eq!(o, t);
    }
    assert_eq!(ours_samples.len(), theirs_samples.len());
}

#[test]
fn prometheus_values_follow_the_counters() {
    let text = stats::prometheus::render(&common::snapshot());
    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(has(
        "haproxy_backend_http_responses_total{proxy=\"app\",code=\"2xx\"} 3"
    ));
    assert!(has(
        "haproxy_server_status{proxy=\"app\",server=\"s3\",state=\"DOWN\"} 1"
    ));
    assert!(has(
        "haproxy_server_check_status{proxy=\"app\",server=\"s3\",state=\"L4CON\"} 1"
    ));
    assert!(has(
        "haproxy_server_limit_sessions{proxy=\"app\",server=\"s1\"} NaN"
    ));
    assert!(has(
        "haproxy_backend_agg_server_status{proxy=\"app\",state=\"UP\"} 2"
    ));
    assert!(has(
        "haproxy_process_build_info{version=\"2.6.12-1+deb12u4\"} 1"
    ));
    // s1 saw response times 1, 2, 3 ms.
    assert!(has(
        "halb_server_response_time_seconds{proxy=\"app\",server=\"s1\",quantile=\"0.5\"} 0.002000"
    ));
    assert!(has(
        "halb_server_response_time_seconds_count{proxy=\"app\",server=\"s1\"} 3"
    ));
    assert!(has(
        "halb_server_response_time_seconds_sum{proxy=\"app\",server=\"s1\"} 0.006000"
    ));
    assert!(has(
        "haproxy_server_response_time_average_seconds{proxy=\"app\",server=\"s1\"} 0.002000"
    ));
}

const PROM_PARSE: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
n = 0
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        n += 1
print(n)
"#;

#[test]
fn prometheus_text_parses_with_prometheus_client() {
    let snap = common::snapshot_named("we\"b", "ap\\p", "s\n1");
    let text = stats::prometheus::render(&snap);
    match common::python(PROM_PARSE, &text) {
        None => skipped("python3 prometheus_client not installed (apt python3-prometheus-client)"),
        Some((ok, out)) => {
            assert!(ok, "prometheus_client refused our output: {out}");
            let n: usize = out.trim().parse().unwrap_or(0);
            assert_eq!(n, samples(&text).len(), "every sample parsed");
        }
    }
    // The parser also accepts HAProxy's own output (sanity check of the harness).
    if let Some((ok, out)) = common::python(PROM_PARSE, &common::fixture("metrics.txt")) {
        assert!(ok, "{out}");
    }
}

/// A check that needs a tool not installed here: said on stderr, and a failure under
/// `CI=true`, where scripts/test.sh installs every tool the tests use.
fn skipped(why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{why}: this check must run in CI"
    );
    eprintln!("SKIPPED: {why}");
}
