//! HAProxy's own log analyser, `halog` (Debian package haproxy), reads the proxy's httplog
//! lines: traffic to two servers with some 404s and some 200s is captured by a UDP syslog
//! receiver into a file, then `halog -srv` (per server), `halog -st` (per status), `halog -u`
//! (per URL, with byte totals) and `halog -tc` (per termination code) give counts that match
//! the traffic the test made and what each server saw.
//!
//! `log-send-hostname` makes the datagrams carry a host field, so the file has the layout of
//! a syslog daemon's file (`Mmm dd hh:mm:ss host tag[pid]: ...`) that halog expects.

mod obs_support;

use std::collections::BTreeMap;

use obs_support::logline::{log_bytes_match, HttpLog, Rfc3164};
use obs_support::syslog::SyslogUdp;
use obs_support::tools::{need, run_with_input, stderr, stdout};
use obs_support::{get, local_addr, MockHttp, Proxy, Reply};

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";

fn server() -> MockHttp {
    MockHttp::start(|r| {
        if r.path.starts_with("/missing") {
            Reply::Raw(NOT_FOUND.to_vec())
        } else {
            Reply::Ok(b"found it".to_vec())
        }
    })
}

/// Rows of a whitespace table without its `#` header: first column -> the others.
fn table(out: &str) -> BTreeMap<String, Vec<String>> {
    out.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(str::to_string);
            Some((f.next()?, f.collect()))
        })
        .collect()
}

#[test]
fn halog_counts_match_the_traffic() {
    let Some(halog) = need("halog") else { return };
    let log = SyslogUdp::start();
    let (s1, s2) = (server(), server());
    let fe = local_addr();
    let cfg = format!(
        "global
    log {} local0
    log-send-hostname obs-host
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {fe}
    default_backend be
backend be
    balance roundrobin
    server s1 {}
    server s2 {}
",
        log.addr(),
        s1.addr(),
        s2.addr()
    );
    let _p = Proxy::start(&cfg, &[fe], &[]);
    let mut answers = BTreeMap::new();
    for i in 0..10 {
        let path = if i % 5 < 2 { "/missing" } else { "/ok" };
        let r = get(fe, path);
        assert_eq!(r.status, if path == "/ok" { 200 } else { 404 });
        answers.insert(path, r);
    }
    let lines = log.wait_lines(10, "for the 10 requests", |l| l.contains(" fe be/"));
    // The bytes each line reports, summed per URL, for halog's byte totals; each one must be
    // what the client received (see `log_bytes_match`).
    let mut logged_bytes: BTreeMap<String, i64> = BTreeMap::new();
    for l in &lines {
        let m = HttpLog::parse(&Rfc3164::parse(l).unwrap_or_else(|e| panic!("{e}")).msg)
            .unwrap_or_else(|e| panic!("{e}"));
        let path = m.request.split(' ').nth(1).unwrap_or("").to_string();
        let r = answers.get(path.as_str()).unwrap_or_else(|| panic!("{l}"));
        assert!(log_bytes_match(m.bytes, r), "bytes in {l}");
        *logged_bytes.entry(path).or_default() += m.bytes;
    }
    let file = lines.join("\n") + "\n";
    let dir = obs_support::TempDir::new("halog").expect("dir");
    let path = dir.write("haproxy.log", &file).expect("write log file");
    eprintln!("captured log: {}", path.display());

    // What each server saw, by status it answered.
    let seen = |m: &MockHttp| {
        let r = m.requests();
        let nf = r.iter().filter(|q| q.path == "/missing").count();
        (r.len() - nf, nf)
    };
    let (ok1, nf1) = seen(&s1);
    let (ok2, nf2) = seen(&s2);
    assert_eq!((ok1 + ok2, nf1 + nf2), (6, 4));

    let srv = run_with_input(&halog, &["-srv"], file.as_bytes());
    let srv_out = stdout(&srv);
    eprintln!("halog -srv:\n{srv_out}{}", stderr(&srv));
    assert!(stderr(&srv).contains("10 lines in"), "{}", stderr(&srv));
    assert!(
        stderr(&srv).contains(" 0 parsing errors"),
        "{}",
        stderr(&srv)
    );
    let t = table(&srv_out);
    // #srv_name 1xx 2xx 3xx 4xx 5xx other tot_req req_ok pct_ok avg_ct avg_rt
    for (name, ok, nf) in [("be/s1", ok1, nf1), ("be/s2", ok2, nf2)] {
        if ok + nf == 0 {
            continue;
        }
        let row = t
            .get(name)
            .unwrap_or_else(|| panic!("no {name} row in halog -srv:\n{srv_out}"));
        assert_eq!(row[1], ok.to_string(), "2xx of {name}: {srv_out}");
        assert_eq!(row[3], nf.to_string(), "4xx of {name}: {srv_out}");
        assert_eq!(row[4], "0", "5xx of {name}: {srv_out}");
        assert_eq!(
            row[6],
            (ok + nf).to_string(),
            "tot_req of {name}: {srv_out}"
        );
    }

    let st = stdout(&run_with_input(&halog, &["-st"], file.as_bytes()));
    eprintln!("halog -st:\n{st}");
    let t = table(&st);
    assert_eq!(t.get("200"), Some(&vec!["6".to_string()]), "{st}");
    assert_eq!(t.get("404"), Some(&vec!["4".to_string()]), "{st}");
    assert_eq!(t.len(), 2, "{st}");

    // #req err ttot tavg oktot okavg bavg btot src
    let u = stdout(&run_with_input(&halog, &["-u"], file.as_bytes()));
    eprintln!("halog -u:\n{u}");
    let by_url: BTreeMap<String, Vec<String>> = u
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            Some((f.last()?.clone(), f))
        })
        .collect();
    let missing = by_url.get("/missing").unwrap_or_else(|| panic!("{u}"));
    assert_eq!(missing[0], "4", "requests for /missing: {u}");
    assert_eq!(missing[1], "0", "404 is not an error for halog: {u}");
    assert_eq!(
        missing[7],
        logged_bytes["/missing"].to_string(),
        "bytes for /missing: {u}"
    );
    let ok = by_url.get("/ok").unwrap_or_else(|| panic!("{u}"));
    assert_eq!(ok[0], "6", "{u}");
    assert_eq!(ok[7], logged_bytes["/ok"].to_string(), "bytes for /ok: {u}");

    let tc = stdout(&run_with_input(&halog, &["-tc"], file.as_bytes()));
    eprintln!("halog -tc:\n{tc}");
    assert_eq!(table(&tc).get("--"), Some(&vec!["10".to_string()]), "{tc}");
}
