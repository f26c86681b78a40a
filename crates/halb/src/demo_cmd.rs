//! `halb demo`: two built-in web servers and a proxy in front of them, from an embedded
//! configuration, so a first run needs nothing but the binary.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use crate::proxy_cmd;

/// The embedded configuration; `{bind}`, `{web1}` and `{web2}` are filled in at start.
const DEMO_CFG: &str = "\
# halb demo: the configuration it runs (print it with 'halb demo --print-config')
global
    maxconn 1000
    nbthread 1

defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s

frontend demo
    bind {bind}
    # One access-log line per request on standard output, in HAProxy's httplog format.
    log stdout format raw local0
    option httplog
    # The stats page (HTML; add ;csv or ;json) and the Prometheus exporter.
    stats uri /stats
    stats refresh 5s
    stats admin if LOCALHOST
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
    server web1 {web1} check inter 2s
    server web2 {web2} check inter 2s
";

fn usage() -> &'static str {
    "usage: halb demo [--bind ADDR:PORT] [--print-config]
  Starts two built-in web servers on 127.0.0.1 and halb in front of them (default 127.0.0.1:8080).
  Then: curl http://127.0.0.1:8080/   (repeat it: answers alternate between web1 and web2)
        http://127.0.0.1:8080/stats        the stats page; /metrics for Prometheus"
}

pub fn main(args: &[OsString]) -> i32 {
    let mut bind = "127.0.0.1:8080".to_string();
    let mut print_only = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].to_str() {
            Some("--bind") => match args.get(i + 1).and_then(|a| a.to_str()) {
                Some(b) => {
                    bind = b.to_string();
                    i += 1;
                }
                None => {
                    eprintln!("halb demo: --bind expects ADDR:PORT\n{}", usage());
                    return 1;
                }
            },
            Some("--print-config") => print_only = true,
            Some("-h") | Some("--help") => {
                println!("{}", usage());
                return 0;
            }
            _ => {
                eprintln!("halb demo: unknown argument {:?}\n{}", args[i], usage());
                return 1;
            }
        }
        i += 1;
    }
    let (web1, web2) = match (start_web_server("web1"), start_web_server("web2")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("halb demo: cannot start the built-in web servers: {e}");
            return 1;
        }
    };
    let text = DEMO_CFG
        .replace("{bind}", &bind)
        .replace("{web1}", &web1.to_string())
        .replace("{web2}", &web2.to_string());
    if print_only {
        print!("{text}");
        return 0;
    }
    let loaded = match haproxy_cfg::parse_str("demo.cfg", &text) {
        Ok(l) => l,
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{}", d.render(std::process::id()));
            }
            return 1;
        }
    };
    println!("halb demo: web1 on {web1}, web2 on {web2}, halb in front on http://{bind}/");
    println!("  try:  curl -s http://{bind}/        (repeat: web1 and web2 take turns)");
    println!("        curl -si http://{bind}/ -H 'X-Forwarded-For: 10.0.0.1'   (see the X-Forwarded-For halb appends)");
    println!(
        "        open http://{bind}/stats in a browser (or curl -s 'http://{bind}/stats;csv'),"
    );
    println!("        curl -s http://{bind}/metrics   (Prometheus)");
    println!("  stop: Ctrl-C.   The configuration: halb demo --print-config");
    let opts = proxy_cmd::Options {
        foreground: true,
        ..Default::default()
    };
    match proxy_cmd::run(loaded.config, &opts) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("[ALERT]    ({}) : {e}", std::process::id());
            1
        }
    }
}

/// A tiny keep-alive HTTP/1.1 server answering every GET with its name and what it received.
fn start_web_server(name: &'static str) -> std::io::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            for conn in l.incoming().flatten() {
                std::thread::spawn(move || serve(conn, name));
            }
        })?;
    Ok(addr)
}

fn serve(conn: TcpStream, name: &str) {
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut reader = BufReader::new(conn);
    loop {
        let mut request_line = String::new();
        match reader.read_line(&mut request_line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut forwarded_for = String::new();
        let mut close = false;
        let mut body_len = 0usize;
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let lower = h.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("x-forwarded-for:") {
                forwarded_for = v.trim().to_string();
            } else if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            } else if let Some(v) = lower.strip_prefix("content-length:") {
                body_len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; body_len.min(1 << 20)];
        if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
            return;
        }
        let text = format!(
            "Hello from {name}\nrequest: {}\nX-Forwarded-For: {forwarded_for}\n",
            request_line.trim_end()
        );
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nx-served-by: {name}\r\n{}\r\n{text}",
            text.len(),
            if close { "connection: close\r\n" } else { "" }
        );
        if out.write_all(resp.as_bytes()).is_err() || close {
            return;
        }
    }
}
