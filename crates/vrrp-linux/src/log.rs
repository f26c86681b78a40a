//! Where the daemon's log lines go: the console (keepalived's `-l`), syslog (`-S`, unless
//! `-G`), or both, in keepalived's format so existing log watchers keep matching.
//!
//! One process-wide sink set once at start; lines are written whole with one `write` so
//! they do not interleave with script output on a shared terminal.

use std::ffi::CString;
use std::io::Write;
use std::sync::OnceLock;

/// Where lines go and how much detail (`-D`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub console: bool,
    /// `Some(facility)` (the LOG_* constant) to send to syslog.
    pub syslog: Option<libc::c_int>,
    pub detail: bool,
}

static TARGET: OnceLock<LogTarget> = OnceLock::new();
static IDENT: OnceLock<CString> = OnceLock::new();

/// Sets the sink; later calls are ignored (the first one wins).
pub fn init(target: LogTarget) {
    if let Some(facility) = target.syslog {
        let ident = IDENT.get_or_init(|| CString::new("Keepalived_vrrp").unwrap_or_default());
        // SAFETY: `ident` lives in a static for the rest of the process, as openlog requires.
        unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY, facility) };
    }
    let _ = TARGET.set(target);
}

/// The syslog facility for keepalived's `-S N` (0..=7 → local0..local7).
pub fn local_facility(n: u8) -> Option<libc::c_int> {
    (n <= 7).then(|| libc::LOG_LOCAL0 + (libc::c_int::from(n) << 3))
}

fn target() -> &'static LogTarget {
    TARGET.get_or_init(|| LogTarget {
        console: true,
        syslog: None,
        detail: false,
    })
}

/// True when `-D` asked for detailed lines.
pub fn detail_enabled() -> bool {
    target().detail
}

/// keepalived's console prefix: `Mon Nov 23 12:07:44 2026: `.
fn timestamp() -> String {
    // SAFETY: time/localtime_r/strftime write only into the locals passed to them.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        let mut buf = [0u8; 64];
        let fmt = c"%a %b %d %H:%M:%S %Y";
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn emit(priority: libc::c_int, line: &str) {
    let t = target();
    if t.console {
        let text = format!("{}: {}\n", timestamp(), line);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    if t.syslog.is_some() {
        if let Ok(c) = CString::new(line.replace('\0', " ")) {
            // SAFETY: "%s" with a valid NUL-terminated string.
            unsafe { libc::syslog(priority, c"%s".as_ptr(), c.as_ptr()) };
        }
    }
}

/// A normal line.
pub fn info(line: &str) {
    emit(libc::LOG_INFO, line);
}

/// A line keepalived prints only with `-D`.
pub fn detail(line: &str) {
    if target().detail {
        emit(libc::LOG_INFO, line);
    }
}

/// A warning or error line.
pub fn warn(line: &str) {
    emit(libc::LOG_WARNING, line);
}
