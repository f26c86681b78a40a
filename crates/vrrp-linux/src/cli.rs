//! keepalived's command line, as `halb vrrp` (or halb invoked as `keepalived`) accepts it.
//!
//! Short flags combine (`-nlD`), values attach or follow (`-S0`, `-f FILE`), long forms take
//! `--name=VALUE` or `--name VALUE`. Flags that only matter to keepalived's multi-process
//! layout (`-P`, `-c`, `-G`) are accepted; `-C` (checkers only) is refused clearly because
//! halb's checkers live in `halb proxy`.

use std::ffi::OsString;
use std::path::PathBuf;

/// keepalived's default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";
/// keepalived's default main pid file.
pub const DEFAULT_PID_FILE: &str = "/run/keepalived.pid";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub config: PathBuf,
    /// `-n`: stay in the foreground.
    pub foreground: bool,
    /// `-l`: log to the console.
    pub log_console: bool,
    /// `-S N`: syslog facility local N.
    pub syslog_facility: Option<u8>,
    /// `-G`: no syslog.
    pub no_syslog: bool,
    /// `-D`: detailed log.
    pub log_detail: bool,
    /// `-t`: check the configuration and exit.
    pub config_test: bool,
    pub pid_file: PathBuf,
    /// `-r`: written only when given (one process is both keepalived's parent and child).
    pub vrrp_pid_file: Option<PathBuf>,
    /// `-c`: accepted; there is no checker process.
    pub checkers_pid_file: Option<PathBuf>,
    pub version: bool,
    pub help: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: PathBuf::from(DEFAULT_CONFIG),
            foreground: false,
            log_console: false,
            syslog_facility: None,
            no_syslog: false,
            log_detail: false,
            config_test: false,
            pid_file: PathBuf::from(DEFAULT_PID_FILE),
            vrrp_pid_file: None,
            checkers_pid_file: None,
            version: false,
            help: false,
        }
    }
}

/// Why the command line was refused; the text is printed before the usage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    #[error("invalid option -- '{0}'")]
    UnknownShort(char),
    #[error("unrecognized option '--{0}'")]
    UnknownLong(String),
    #[error("option requires an argument -- '{0}'")]
    MissingValue(String),
    #[error("invalid syslog facility '{0}' (expected 0..7)")]
    BadFacility(String),
    #[error("-C/--check (checkers only) is not provided by halb vrrp: health checks run in 'halb proxy'")]
    CheckersOnly,
    #[error("unexpected argument '{0}'")]
    Stray(String),
}

/// Flags that take a value, short and long names.
const WITH_VALUE: &[(char, &str)] = &[
    ('f', "use-file"),
    ('S', "log-facility"),
    ('p', "pid"),
    ('r', "vrrp_pid"),
    ('c', "checkers_pid"),
    ('i', "config-id"),
    ('s', "namespace"),
    ('g', "log-file"),
    ('e', "all-port-delay"),
];

/// Flags without a value that are accepted and have no effect here.
const IGNORED: &[(char, &str)] = &[
    ('P', "vrrp"),
    ('G', "no-syslog"),
    ('d', "dump-conf"),
    ('R', "dont-respawn"),
    ('X', "release-vips"),
    ('V', "dont-release-vrrp"),
    ('I', "dont-release-ipvs"),
    ('a', "address-monitoring"),
    ('x', "snmp"),
    ('u', "flush-log-file"),
    ('m', "core-dump"),
];

const FLAGS: &[(char, &str)] = &[
    ('n', "dont-fork"),
    ('l', "log-console"),
    ('D', "log-detail"),
    ('t', "config-test"),
    ('v', "version"),
    ('h', "help"),
    ('C', "check"),
];

fn apply(o: &mut Options, short: char, value: Option<String>) -> Result<(), CliError> {
    let value_or = |v: Option<String>| v.unwrap_or_default();
    match short {
        'f' => o.config = PathBuf::from(value_or(value)),
        'S' => {
            let v = value_or(value);
            match v.parse::<u8>() {
                Ok(n) if n <= 7 => o.syslog_facility = Some(n),
                _ => return Err(CliError::BadFacility(v)),
            }
        }
        'p' => o.pid_file = PathBuf::from(value_or(value)),
        'r' => o.vrrp_pid_file = Some(PathBuf::from(value_or(value))),
        'c' => o.checkers_pid_file = Some(PathBuf::from(value_or(value))),
        'n' => o.foreground = true,
        'l' => o.log_console = true,
        'D' => o.log_detail = true,
        'G' => o.no_syslog = true,
        't' => {
            o.config_test = true;
            if let Some(v) = value {
                o.config = PathBuf::from(v);
            }
        }
        'v' => o.version = true,
        'h' => o.help = true,
        'C' => return Err(CliError::CheckersOnly),
        _ => {}
    }
    Ok(())
}

fn short_of(long: &str) -> Option<(char, bool)> {
    WITH_VALUE
        .iter()
        .map(|(c, l)| (*c, *l, true))
        .chain(IGNORED.iter().chain(FLAGS).map(|(c, l)| (*c, *l, false)))
        .find(|(_, l, _)| *l == long)
        .map(|(c, _, v)| (c, v))
}

fn takes_value(c: char) -> Option<bool> {
    if WITH_VALUE.iter().any(|(s, _)| *s == c) {
        Some(true)
    } else if IGNORED.iter().chain(FLAGS).any(|(s, _)| *s == c) {
        Some(false)
    } else {
        None
    }
}

/// Parses keepalived's flags (`args` excludes the program name).
pub fn parse(args: &[OsString]) -> Result<Options, CliError> {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let (short, needs) =
                short_of(name).ok_or_else(|| CliError::UnknownLong(name.to_string()))?;
            let value = if needs && inline.is_none() {
                let v = args
                    .get(i)
                    .cloned()
                    .ok_or_else(|| CliError::MissingValue(name.to_string()))?;
                i += 1;
                Some(v)
            } else {
                inline
            };
            apply(&mut o, short, value)?;
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            let chars: Vec<char> = cluster.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                match takes_value(c) {
                    None => return Err(CliError::UnknownShort(c)),
                    Some(false) => apply(&mut o, c, None)?,
                    Some(true) => {
                        let rest: String = chars[k..].iter().collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else {
                            let v = args
                                .get(i)
                                .cloned()
                                .ok_or_else(|| CliError::MissingValue(c.to_string()))?;
                            i += 1;
                            v
                        };
                        apply(&mut o, c, Some(value))?;
                        break;
                    }
                }
            }
        } else {
            return Err(CliError::Stray(arg.clone()));
        }
    }
    Ok(o)
}

pub const USAGE: &str = "Usage: halb vrrp [OPTION...]   (keepalived's options)
  -f, --use-file=FILE          Use the specified configuration file (default /etc/keepalived/keepalived.conf)
  -P, --vrrp                   Only run with VRRP subsystem (always the case)
  -C, --check                  Only run with Health-checker subsystem (not provided: see halb proxy)
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]
  -G, --no-syslog              Don't log via syslog
  -n, --dont-fork              Don't fork the daemon process
  -t, --config-test[=FILE]     Check the configuration for obvious errors
  -p, --pid=FILE               Use specified pidfile for parent process (default /run/keepalived.pid)
  -r, --vrrp_pid=FILE          Also write the pid to this file
  -c, --checkers_pid=FILE      Accepted (there is no checker process)
  -v, --version                Display the version number
  -h, --help                   Display this help message";

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, CliError> {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&v)
    }

    #[test]
    fn bench_command_line() {
        let o = p(&["-n", "-l", "-f", "/r/k.conf", "-p", "/r/k.pid"]).expect("valid");
        assert!(o.foreground && o.log_console && !o.log_detail);
        assert_eq!(o.config, PathBuf::from("/r/k.conf"));
        assert_eq!(o.pid_file, PathBuf::from("/r/k.pid"));
        assert_eq!(o.vrrp_pid_file, None);
    }

    #[test]
    fn keepalived_command_line_with_clusters() {
        let o = p(&[
            "-nlDGP",
            "-f/x.conf",
            "-S3",
            "-p",
            "P",
            "-r",
            "R",
            "-c",
            "C",
        ])
        .expect("ok");
        assert!(o.foreground && o.log_console && o.log_detail && o.no_syslog);
        assert_eq!(o.syslog_facility, Some(3));
        assert_eq!(o.config, PathBuf::from("/x.conf"));
        assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("R")));
        assert_eq!(o.checkers_pid_file, Some(PathBuf::from("C")));
    }

    #[test]
    fn long_forms() {
        let o = p(&[
            "--use-file=/a.conf",
            "--dont-fork",
            "--log-console",
            "--log-detail",
            "--vrrp",
            "--pid",
            "/p",
            "--vrrp_pid=/r",
            "--config-test",
        ])
        .expect("ok");
        assert_eq!(o.config, PathBuf::from("/a.conf"));
        assert!(o.foreground && o.log_console && o.log_detail && o.config_test);
        assert_eq!(o.pid_file, PathBuf::from("/p"));
        assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("/r")));
        let t = p(&["--config-test=/b.conf"]).expect("ok");
        assert_eq!(t.config, PathBuf::from("/b.conf"));
        assert!(p(&["--version"]).expect("ok").version);
        assert!(p(&["-h"]).expect("ok").help);
    }

    #[test]
    fn refusals() {
        assert_eq!(p(&["-z"]), Err(CliError::UnknownShort('z')));
        assert_eq!(p(&["-nz"]), Err(CliError::UnknownShort('z')));
        assert_eq!(p(&["--bogus"]), Err(CliError::UnknownLong("bogus".into())));
        assert_eq!(p(&["-f"]), Err(CliError::MissingValue("f".into())));
        assert_eq!(p(&["--pid"]), Err(CliError::MissingValue("pid".into())));
        assert_eq!(p(&["-S", "9"]), Err(CliError::BadFacility("9".into())));
        assert_eq!(p(&["-C"]), Err(CliError::CheckersOnly));
        assert_eq!(p(&["stray"]), Err(CliError::Stray("stray".into())));
    }

    #[test]
    fn defaults() {
        let o = p(&[]).expect("ok");
        assert_eq!(o.config, PathBuf::from(DEFAULT_CONFIG));
        assert_eq!(o.pid_file, PathBuf::from(DEFAULT_PID_FILE));
        assert!(!o.foreground);
    }
}
