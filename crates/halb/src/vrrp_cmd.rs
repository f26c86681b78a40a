//! `halb vrrp` (and halb invoked as `keepalived`): keepalived's command line over `vrrp-linux`.
//!
//! Flags → `-t` check or start: config (`keepalived-cfg`) → runtime spec → pid files →
//! (daemonize unless `-n`) → signal pipe → `vrrp_linux::daemon::Daemon` until SIGTERM. SIGHUP
//! re-reads the same file; a broken new config is logged and the running one kept.

use std::ffi::OsString;
use std::path::Path;
use std::time::Instant;

use vrrp_linux::cli::{self, Options};
use vrrp_linux::config_map::runtime_spec;
use vrrp_linux::daemon::Daemon;
use vrrp_linux::interface;
use vrrp_linux::log::{self, LogTarget};
use vrrp_linux::process::{self, PidFiles};
use vrrp_linux::signal_pipe::SignalPipe;
use vrrp_linux::spec::RuntimeSpec;

/// keepalived's exit code for a configuration that does not check out.
const EXIT_CONFIG: i32 = 5;

/// Runs the VRRP daemon with keepalived's flags; `args` excludes the program name and the
/// `vrrp` subcommand word. Returns the process exit code.
pub fn main(args: &[OsString]) -> i32 {
    let opts = match cli::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("halb vrrp: {e}\n{}", cli::USAGE);
            return 1;
        }
    };
    if opts.help {
        println!("{}", cli::USAGE);
        return 0;
    }
    if opts.version {
        println!(
            "halb vrrp v{} (keepalived 2.2.7 compatible)",
            env!("CARGO_PKG_VERSION")
        );
        return 0;
    }
    if opts.config_test {
        return config_test(&opts.config);
    }
    run(&opts, args)
}

/// `-t`: every diagnostic, then the interface check. A missing interface is only a warning here
/// (keepalived 2.2.7 exits 5): the file may be meant for another host, and refusing it would make
/// `-t` useless for checking a peer's configuration. Starting with it is still an error.
fn config_test(path: &Path) -> i32 {
    let loaded = match keepalived_cfg::parse_file(path) {
        Ok(l) => l,
        Err(e) => {
            print_config_error(&e, &mut |l| eprintln!("{l}"));
            return EXIT_CONFIG;
        }
    };
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    let (spec, warnings) = runtime_spec(&loaded.config);
    for w in &warnings {
        eprintln!("{w}");
    }
    let missing = missing_interfaces(&loaded.config);
    for (at, name, owner) in &missing {
        eprintln!("({at}) WARNING - interface {name} for vrrp_instance {owner} doesn't exist");
    }
    if !missing.is_empty() {
        eprintln!("Non-existent interface specified in configuration (a warning under -t: halb refuses to start with it on this host)");
    }
    let _ = spec;
    0
}

fn print_config_error(e: &keepalived_cfg::ConfigError, out: &mut dyn FnMut(&str)) {
    match e {
        keepalived_cfg::ConfigError::Invalid { diagnostics } => {
            for d in diagnostics {
                out(&d.to_string());
            }
        }
        other => out(&other.to_string()),
    }
}

/// Instance interfaces (and tracked interfaces) that this host does not have:
/// (`file: Line N`, interface, instance).
fn missing_interfaces(cfg: &keepalived_cfg::Config) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for i in &cfg.instances {
        let at = format!("{}: Line {}", i.location.file, i.location.line);
        let names = i
            .interface
            .iter()
            .cloned()
            .chain(i.track_interfaces.iter().map(|t| t.name.clone()));
        for n in names {
            if interface::ifindex(&n).is_none() {
                out.push((at.clone(), n, i.name.clone()));
            }
        }
    }
    out
}

fn load(path: &Path) -> Option<RuntimeSpec> {
    log::info(&format!("Opening file '{}'.", path.display()));
    match keepalived_cfg::parse_file(path) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                log::warn(&d.to_string());
            }
            let (spec, warnings) = runtime_spec(&loaded.config);
            for w in &warnings {
                log::warn(w);
            }
            Some(spec)
        }
        Err(e) => {
            print_config_error(&e, &mut |l| log::warn(l));
            None
        }
    }
}

fn run(opts: &Options, args: &[OsString]) -> i32 {
    log::init(LogTarget {
        console: opts.log_console,
        syslog: if opts.no_syslog {
            None
        } else {
            Some(
                opts.syslog_facility
                    .and_then(log::local_facility)
                    .unwrap_or(libc_log_daemon()),
            )
        },
        detail: opts.log_detail,
    });
    log::info(&format!(
        "Starting halb vrrp v{} (keepalived 2.2.7 compatible)",
        env!("CARGO_PKG_VERSION")
    ));
    let words: Vec<String> = std::iter::once("halb vrrp".to_string())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .map(|a| format!("'{a}'"))
        .collect();
    log::info(&format!("Command line: {}", words.join(" ")));
    let Some(spec) = load(&opts.config) else {
        log::warn("Configuration is invalid - exiting");
        return EXIT_CONFIG;
    };
    for i in &spec.instances {
        if interface::ifindex(&i.interface).is_none() {
            log::warn(&format!(
                "({}) interface {} doesn't exist - exiting",
                i.protocol.name, i.interface
            ));
            return EXIT_CONFIG;
        }
    }
    let mut pid_paths: Vec<&Path> = vec![opts.pid_file.as_path()];
    pid_paths.extend(opts.vrrp_pid_file.as_deref());
    if let Err(e) = PidFiles::check(&pid_paths) {
        log::warn(&e.to_string());
        return 1;
    }
    if !opts.foreground {
        if let Err(e) = process::daemonize(opts.log_console) {
            log::warn(&format!("cannot daemonize: {e}"));
            return 1;
        }
    }
    let mut pid_files = PidFiles::default();
    for p in &pid_paths {
        if let Err(e) = pid_files.write(p) {
            log::warn(&e.to_string());
            return 1;
        }
    }
    let signals = match SignalPipe::install() {
        Ok(s) => s,
        Err(e) => {
            log::warn(&format!("cannot install signal handlers: {e}"));
            return 1;
        }
    };
    let mut daemon = match Daemon::start(spec, Instant::now()) {
        Ok(d) => d,
        Err(e) => {
            log::warn(&format!("cannot start: {e}"));
            return 1;
        }
    };
    let config = opts.config.clone();
    daemon.run(&signals, &mut || load(&config));
    drop(pid_files);
    log::info(&format!("Stopped halb vrrp v{}", env!("CARGO_PKG_VERSION")));
    0
}

/// `LOG_DAEMON`, keepalived's default facility (3 << 3).
fn libc_log_daemon() -> i32 {
    3 << 3
}
