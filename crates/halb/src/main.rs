//! halb: one binary for the HAProxy + keepalived pair.
//!
//! The first argument picks the job (`proxy`, `vrrp`, `demo`); invoked through a symlink named
//! `haproxy` or `keepalived`, the program name picks it instead, so existing units and scripts
//! keep working unchanged.

mod demo_cmd;
mod process;
mod proxy_cmd;
mod vrrp_cmd;

use std::ffi::OsString;
use std::path::Path;

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args.first().cloned().unwrap_or_default();
    let invoked_as = Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rest: Vec<OsString> = if args.is_empty() {
        Vec::new()
    } else {
        args.split_off(1)
    };
    let code = match invoked_as.as_str() {
        "keepalived" => vrrp_cmd::main(&rest),
        "haproxy" => proxy_cmd::main(&rest),
        _ => dispatch(&rest),
    };
    std::process::exit(code);
}

fn dispatch(args: &[OsString]) -> i32 {
    let Some(first) = args.first() else {
        eprintln!("{}", USAGE);
        return 1;
    };
    match first.to_str() {
        Some("vrrp") => vrrp_cmd::main(&args[1..]),
        Some("proxy") => proxy_cmd::main(&args[1..]),
        Some("demo") => demo_cmd::main(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{}", USAGE);
            0
        }
        _ => {
            eprintln!("halb: unknown command {:?}\n{}", first, USAGE);
            1
        }
    }
}

const USAGE: &str = "usage: halb <command> [options]
  proxy   the load balancer; reads haproxy.cfg, takes HAProxy's flags (-f, -c, -d, -D, -p, ...)
  vrrp    the VRRP daemon; reads keepalived.conf, takes keepalived's flags (-f, -n, -l, -t, ...)
  demo    built-in backends, a proxy in front and the stats page, with no config needed
Invoked through a symlink named 'haproxy' or 'keepalived', halb behaves as 'halb proxy' or 'halb vrrp'.";
