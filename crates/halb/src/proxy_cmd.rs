//! `halb proxy` (and halb invoked as `haproxy`): HAProxy's command line over the `proxy` crate.
//!
//! Order of work, as in HAProxy: read and check the configuration, raise the file limit, bind
//! every listener, chroot, detach (`-D`/`daemon`), write the pid file, drop privileges, then
//! start the workers. Signals: SIGTERM/SIGINT stop at once, SIGUSR1 stops accepting and exits
//! when the sessions are done (bounded by `hard-stop-after`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use haproxy_cfg::{ConfigParser, Diagnostic, Loaded, ProcessEnv, Severity};

use crate::process::{daemon, limits, privileges, signals};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Options from HAProxy's command line.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub files: Vec<PathBuf>,
    pub check: bool,
    pub foreground: bool,
    pub daemon: bool,
    pub pidfile: Option<PathBuf>,
    pub quiet: bool,
    pub verbose: bool,
    pub maxconn: Option<u32>,
    pub chdir: Option<PathBuf>,
}

fn pid() -> u32 {
    std::process::id()
}

fn alert(msg: &str) {
    eprintln!("[ALERT]    ({}) : {msg}", pid());
}

fn usage() -> String {
    format!(
        "halb proxy {VERSION} (reads haproxy.cfg as HAProxy 2.6 does)
Usage : halb proxy -f <cfgfile|cfgdir>* [ -vdVD ] [ -n <maxconn> ] [ -p <pidfile> ] [ -c ] [ -q ]
        -v displays version ; -vv shows known build options.
        -d enters debug mode (foreground) ; -db only disables background mode.
        -V enters verbose mode (disables quiet mode)
        -D goes daemon ; -C changes to <dir> before loading files.
        -W master-worker mode (not yet: runs as a single process, with a warning).
        -q quiet mode : don't display messages
        -c check mode : only check config files and exit
        -n sets the maximum total # of connections (uses ulimit -n)
        -p writes pids of all children to this file
        -sf/-st [pid ]* finishes/terminates old pids (not yet: refused)"
    )
}

/// Parses HAProxy's flags; `Err` carries the exit code after a message was printed.
fn parse_args(args: &[OsString]) -> Result<Options, i32> {
    let mut o = Options::default();
    let mut i = 0;
    let value = |i: usize, flag: &str| -> Result<OsString, i32> {
        args.get(i + 1).cloned().ok_or_else(|| {
            alert(&format!("option '{flag}' expects an argument."));
            eprintln!("{}", usage());
            1
        })
    };
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        match a.as_str() {
            "-f" => {
                o.files.push(PathBuf::from(value(i, "-f")?));
                i += 1;
            }
            "--" => {
                o.files.extend(args[i + 1..].iter().map(PathBuf::from));
                break;
            }
            "-c" => o.check = true,
            "-d" | "-db" => o.foreground = true,
            "-D" => o.daemon = true,
            "-q" => o.quiet = true,
            "-V" => o.verbose = true,
            "-W" | "-Ws" => {
                eprintln!(
                    "[WARNING]  ({}) : master-worker mode ({a}) is not supported yet by halb; running as a single process",
                    pid()
                );
            }
            "-p" => {
                o.pidfile = Some(PathBuf::from(value(i, "-p")?));
                i += 1;
            }
            "-n" | "-N" => {
                let v = value(i, &a)?.to_string_lossy().into_owned();
                let n = v.parse::<u32>().map_err(|_| {
                    alert(&format!("option '{a}' expects a number, got '{v}'."));
                    1
                })?;
                if a == "-n" {
                    o.maxconn = Some(n);
                }
                i += 1;
            }
            "-C" => {
                o.chdir = Some(PathBuf::from(value(i, "-C")?));
                i += 1;
            }
            "-L" => {
                value(i, "-L")?;
                i += 1;
            }
            "-v" => {
                println!("halb version {VERSION} - haproxy.cfg compatible with HAProxy 2.6");
                return Err(0);
            }
            "-vv" => {
                println!("halb version {VERSION} - haproxy.cfg compatible with HAProxy 2.6");
                println!("Running on: {}", std::env::consts::OS);
                println!(
                    "Feature list : {}",
                    haproxy_cfg::cond::FEATURES
                        .iter()
                        .map(|f| format!("+{f}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                return Err(0);
            }
            "-h" | "--help" => {
                println!("{}", usage());
                return Err(0);
            }
            "-sf" | "-st" | "-x" | "-S" => {
                alert(&format!(
                    "option '{a}' (seamless reload / master CLI) is not supported yet by halb; stop the old process with SIGUSR1 (graceful) or SIGTERM instead."
                ));
                return Err(1);
            }
            f if f.starts_with("-d") => {
                // HAProxy's debugging switches (-dM, -dV, -dr, ...): accepted, no effect.
                o.foreground = true;
            }
            _ => {
                alert(&format!("unknown option '{a}'."));
                eprintln!("{}", usage());
                return Err(1);
            }
        }
        i += 1;
    }
    if o.files.is_empty() {
        alert("No configuration file specified (use -f <file|dir>).");
        eprintln!("{}", usage());
        return Err(1);
    }
    Ok(o)
}

/// Expands directories into their `*.cfg` files in name order, as HAProxy does.
fn expand_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| {
                format!("Cannot open configuration directory {} : {e}", p.display())
            })?;
            let mut files: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "cfg") && f.is_file())
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads and checks the configuration; prints every diagnostic as HAProxy would.
fn load(files: &[PathBuf], quiet: bool) -> Result<Loaded, i32> {
    let files = expand_files(files).map_err(|e| {
        alert(&e);
        1
    })?;
    let env = ProcessEnv;
    let mut parser = ConfigParser::new(&env);
    for f in &files {
        match std::fs::read(f) {
            Ok(bytes) => {
                parser.add_file(&f.display().to_string(), &String::from_utf8_lossy(&bytes))
            }
            Err(e) => {
                alert(&format!(
                    "Could not open configuration file {} : {e}",
                    f.display()
                ));
                return Err(1);
            }
        }
    }
    let print = |d: &Diagnostic| {
        if !(quiet && d.severity != Severity::Alert) {
            eprintln!("{}", d.render(pid()));
        }
    };
    match parser.finish() {
        Ok(loaded) => {
            loaded.diagnostics.iter().for_each(print);
            Ok(loaded)
        }
        Err(e) => {
            e.diagnostics.iter().for_each(print);
            for f in &e.files_with_errors {
                alert(&format!(
                    "config : Error(s) found in configuration file : {f}"
                ));
            }
            alert("config : Fatal errors found in configuration.");
            Err(1)
        }
    }
}

pub fn main(args: &[OsString]) -> i32 {
    let opts = match parse_args(args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Some(dir) = &opts.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            alert(&format!("Cannot chdir to {} : {e}", dir.display()));
            return 1;
        }
    }
    let loaded = match load(&opts.files, opts.quiet && !opts.verbose) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if opts.check {
        // What only the runtime plan can tell (rules, error files, server names) is checked too.
        match proxy::check_config(Arc::new(loaded.config)) {
            Ok(warnings) => {
                if !opts.quiet {
                    for w in &warnings {
                        eprintln!("{}", w.render(pid()));
                    }
                    println!("Configuration file is valid");
                }
                return 0;
            }
            Err(e) => {
                alert(&e.to_string());
                alert("config : Fatal errors found in configuration.");
                return 1;
            }
        }
    }
    match run(loaded.config, &opts) {
        Ok(()) => 0,
        Err(msg) => {
            alert(&msg);
            1
        }
    }
}

pub(crate) fn run(mut config: haproxy_cfg::Config, opts: &Options) -> Result<(), String> {
    if let Some(n) = opts.maxconn {
        config.global.maxconn = Some(n);
    }
    let listeners: u64 = config
        .frontends()
        .flat_map(|p| p.binds.iter())
        .map(|b| b.addrs.len() as u64)
        .sum::<u64>()
        * u64::from(config.global.nbthread.unwrap_or(1));
    let maxconn = match config.global.maxconn {
        Some(m) => u64::from(m),
        None => {
            let m = limits::derived_maxconn(listeners);
            config.global.maxconn = Some(m as u32);
            m
        }
    };
    match limits::raise(limits::needed(maxconn, listeners)) {
        Ok(limits::Raise::Ok) => {}
        Ok(limits::Raise::Short(need, hard)) => {
            let msg = format!("[halb.main()] Cannot raise FD limit to {need}, limit is {hard}.");
            if config.global.strict_limits {
                return Err(format!(
                    "{msg} Use 'no strict-limits' in the global section to start anyway."
                ));
            }
            eprintln!("[WARNING]  ({}) : {msg}", pid());
        }
        Err(e) => eprintln!(
            "[WARNING]  ({}) : [halb.main()] Cannot read or raise the FD limit: {e}",
            pid()
        ),
    }
    let identity = privileges::resolve(
        config.global.user.as_deref(),
        config.global.group.as_deref(),
        config.global.uid,
        config.global.gid,
    )
    .map_err(|e| format!("[halb.main()] {e}"))?;
    let daemonize = (opts.daemon || config.global.daemon) && !opts.foreground;
    let pidfile_path = opts
        .pidfile
        .clone()
        .or_else(|| config.global.pidfile.clone());
    let chroot_dir = config.global.chroot.clone();
    let hard_stop_after = config.global.hard_stop_after;

    let config = Arc::new(config);
    let proxy =
        proxy::Proxy::bind(Arc::clone(&config)).map_err(|e| format!("Starting proxy: {e}"))?;
    if !opts.quiet {
        for w in proxy.rule_warnings() {
            eprintln!("{}", w.render(pid()));
        }
    }

    let pidfile =
        match &pidfile_path {
            Some(p) => Some(daemon::open_pidfile(p).map_err(|e| {
                format!("[halb.main()] Cannot create pidfile {} : {e}", p.display())
            })?),
            None => None,
        };
    if let Some(dir) = &chroot_dir {
        privileges::chroot(Path::new(dir)).map_err(|e| format!("[halb.main()] {e}"))?;
    }
    if daemonize {
        daemon::detach(pidfile).map_err(|e| format!("[halb.main()] Cannot fork: {e}"))?;
    } else if let Some(f) = pidfile {
        daemon::write_pid(f, pid())
            .map_err(|e| format!("[halb.main()] Cannot write pidfile: {e}"))?;
    }
    privileges::drop_to(identity).map_err(|e| format!("[halb.main()] {e}"))?;

    const SIGNALS: &[libc::c_int] = &[
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGUSR1,
        libc::SIGHUP,
        libc::SIGTTOU,
        libc::SIGTTIN,
    ];
    signals::block(SIGNALS).map_err(|e| format!("[halb.main()] Cannot block signals: {e}"))?;
    let control = proxy.control();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            match signals::wait(SIGNALS) {
                Ok(libc::SIGTERM) | Ok(libc::SIGINT) => {
                    control.hard_stop();
                    return;
                }
                Ok(libc::SIGUSR1) => {
                    eprintln!("[WARNING]  ({}) : Stopping frontends: soft-stop requested (SIGUSR1).", pid());
                    control.soft_stop();
                    if let Some(after) = hard_stop_after {
                        let c = control.clone();
                        std::thread::spawn(move || {
                            std::thread::sleep(after);
                            eprintln!("[WARNING]  ({}) : hard-stop-after reached: stopping remaining sessions.", pid());
                            c.hard_stop();
                        });
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("[ALERT]    ({}) : sigwait failed: {e}", pid());
                    return;
                }
            }
        })
        .map_err(|e| format!("[halb.main()] Cannot start the signal thread: {e}"))?;
    proxy.run().map_err(|e| format!("{e}"))
}
