//! Syslog framing: one rendered message → the bytes a `log` target receives, for each of
//! HAProxy's `format` values (configuration manual 4.2 "log"), with the facility/level
//! priority, `len` truncation and level filtering. Shapes checked against HAProxy 2.6
//! (tests/data/haproxy26): every frame ends with `\n`, `short` and `timed` carry the level
//! alone, `local` is rfc3164 without the hostname.

use std::io::Write;

use haproxy_cfg::model::{Global, LogFormat, LogTarget, Proxy};

use crate::time::LogTime;

/// Syslog severities (RFC 5424 6.2.1), in HAProxy's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Emerg = 0,
    Alert = 1,
    Crit = 2,
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

impl Level {
    pub const ALL: [Level; 8] = [
        Level::Emerg,
        Level::Alert,
        Level::Crit,
        Level::Err,
        Level::Warning,
        Level::Notice,
        Level::Info,
        Level::Debug,
    ];

    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Err => "err",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// The level of an access line: `info`, or `err` for an error when
    /// `option log-separate-errors` is set.
    pub fn for_access(is_error: bool, separate_errors: bool) -> Level {
        if is_error && separate_errors {
            Level::Err
        } else {
            Level::Info
        }
    }
}

/// Facility names as HAProxy spells them, in code order (`kern` = 0 … `local7` = 23).
pub const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

pub fn facility_code(name: &str) -> Option<u8> {
    FACILITIES.iter().position(|f| *f == name).map(|p| p as u8)
}

/// Why a `log` target cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("{file}:{line}: unknown log facility '{facility}'")]
    UnknownFacility {
        facility: String,
        file: String,
        line: u32,
    },
    #[error("{file}:{line}: unknown log level '{level}'")]
    UnknownLevel {
        level: String,
        file: String,
        line: u32,
    },
}

/// Who is speaking: the tag, pid and hostnames that go into headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogIdentity {
    /// `log-tag` (proxy, else global), else the program name.
    pub tag: String,
    pub pid: u32,
    /// The hostname in rfc3164 and rfc5424 headers: only with `log-send-hostname` (rfc5424
    /// shows `-` without it).
    pub send_hostname: Option<String>,
    /// The system hostname (`%H`; the default of `log-send-hostname` without argument).
    pub hostname: String,
}

impl SyslogIdentity {
    /// Resolves the identity of a proxy's (or, with `None`, the process's) log lines.
    /// `system_hostname` is `gethostname()`, `program` the default tag (`haproxy`).
    pub fn resolve(
        global: &Global,
        proxy: Option<&Proxy>,
        system_hostname: &str,
        pid: u32,
        program: &str,
    ) -> SyslogIdentity {
        let tag = proxy
            .and_then(|p| p.log_tag.clone())
            .or_else(|| global.log_tag.clone())
            .unwrap_or_else(|| program.to_string());
        let send_hostname = global
            .log_send_hostname
            .as_ref()
            .map(|h| h.clone().unwrap_or_else(|| system_hostname.to_string()));
        let hostname = system_hostname.to_string();
        SyslogIdentity {
            tag,
            pid,
            send_hostname,
            hostname,
        }
    }
}

/// HAProxy's default `len`.
pub const DEFAULT_MAX_LEN: usize = 1024;

/// The framing and filtering of one `log` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogFraming {
    pub format: LogFormat,
    pub facility: u8,
    /// Messages less severe than this are not sent.
    pub max_level: Level,
    /// Messages more severe than this are sent at this level.
    pub min_level: Option<Level>,
    /// Frame length before the trailing newline (`len`).
    pub max_len: usize,
}

impl SyslogFraming {
    pub fn new(
        format: LogFormat,
        facility: u8,
        max_level: Level,
        min_level: Option<Level>,
        max_len: usize,
    ) -> Self {
        SyslogFraming {
            format,
            facility: facility.min(23),
            max_level,
            min_level,
            max_len: max_len.max(1),
        }
    }

    /// From a resolved `log` line (`log global` must already be expanded).
    pub fn from_target(t: &LogTarget) -> Result<Self, FramingError> {
        let file = t.location.file.to_string();
        let line = t.location.line;
        let facility = facility_code(&t.facility).ok_or_else(|| FramingError::UnknownFacility {
            facility: t.facility.clone(),
            file: file.clone(),
            line,
        })?;
        let level = |name: &Option<String>| -> Result<Option<Level>, FramingError> {
            match name {
                None => Ok(None),
                Some(n) => {
                    Level::from_name(n)
                        .map(Some)
                        .ok_or_else(|| FramingError::UnknownLevel {
                            level: n.clone(),
                            file: file.clone(),
                            line,
                        })
                }
            }
        };
        Ok(SyslogFraming::new(
            t.format,
            facility,
            level(&t.level)?.unwrap_or(Level::Debug),
            level(&t.min_level)?,
            t.len.unwrap_or(DEFAULT_MAX_LEN),
        ))
    }

    /// The level a message is sent at, or `None` when this target filters it out.
    pub fn accepts(&self, level: Level) -> Option<Level> {
        if level > self.max_level {
            return None;
        }
        Some(match self.min_level {
            Some(min) if level < min => min,
            _ => level,
        })
    }

    /// Appends the frame for `msg` (and the rfc5424 structured data `sd`, rendered from
    /// `log-format-sd`) to `out`. Returns false, writing nothing, when the level is filtered.
    /// `now` is the emission time (headers show it, not the session's dates).
    pub fn frame(
        &self,
        id: &SyslogIdentity,
        level: Level,
        now: &LogTime,
        sd: Option<&[u8]>,
        msg: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(level) = self.accepts(level) else {
            return false;
        };
        let start = out.len();
        let pri = u32::from(self.facility) * 8 + level as u32;
        match self.format {
            LogFormat::Rfc3164 | LogFormat::Local => {
                let c = now.local();
                let _ = write!(
                    out,
                    "<{pri}>{} {:>2} {:02}:{:02}:{:02} ",
                    c.month_name(),
                    c.day,
                    c.hour,
                    c.minute,
                    c.second
                );
                if let (LogFormat::Rfc3164, Some(h)) = (self.format, &id.send_hostname) {
                    let _ = write!(out, "{h} ");
                }
                let _ = write!(out, "{}[{}]: ", id.tag, id.pid);
            }
            LogFormat::Rfc5424 => {
                let _ = write!(out, "<{pri}>1 ");
                iso_date(out, now);
                // Without log-send-hostname HAProxy 2.6 sends the NILVALUE, not gethostname().
                let host = id.send_hostname.as_deref().unwrap_or("-");
                let _ = write!(out, " {host} {} {} - ", id.tag, id.pid);
                match sd {
                    Some(sd) if !sd.is_empty() => out.extend_from_slice(sd),
                    _ => out.push(b'-'),
                }
                out.push(b' ');
            }
            LogFormat::Short => {
                let _ = write!(out, "<{}>", level as u8);
            }
            LogFormat::Priority => {
                let _ = write!(out, "<{pri}>");
            }
            LogFormat::Timed => {
                let _ = write!(out, "<{}>", level as u8);
                iso_date(out, now);
                out.push(b' ');
            }
            LogFormat::Iso => {
                iso_date(out, now);
                out.push(b' ');
            }
            LogFormat::Raw => {}
        }
        out.extend_from_slice(msg);
        // `len` bounds the frame before its trailing newline (as HAProxy 2.6 does).
        if out.len() - start > self.max_len {
            out.truncate(start + self.max_len);
        }
        out.push(b'\n');
        true
    }
}

/// `2026-11-23T14:57:37.967850+00:00`, local time with its offset.
fn iso_date(out: &mut Vec<u8>, t: &LogTime) {
    let c = t.local();
    let off = t.utc_offset_secs;
    let sign = if off < 0 { '-' } else { '+' };
    let abs = off.unsigned_abs();
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        t.micros,
        abs / 3600,
        abs / 60 % 60
    );
}

/// A proxy's `log` targets with any `log global` replaced by the global ones (haproxy-cfg
/// already expands them; this keeps the sink correct for a model built another way).
pub fn proxy_targets(global: &Global, proxy: &Proxy) -> Vec<LogTarget> {
    let mut out = Vec::new();
    for t in &proxy.logs {
        if t.facility == "global" {
            out.extend(global.logs.iter().cloned());
        } else {
            out.push(t.clone());
        }
    }
    out
}
