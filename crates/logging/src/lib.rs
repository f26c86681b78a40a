//! `logging` — HAProxy's logs for halb (configuration manual 8).
//!
//! Data flow: at config load the proxy calls [`format_for_proxy`] (which line, compiled once)
//! and builds a [`LogSink`] per proxy from its `log` targets. When a session or request ends it
//! fills a [`LogRecord`] from borrowed data, renders it with [`CompiledFormat::render`] into a
//! reused buffer, and hands the bytes to [`LogSink::send`], which frames them per target
//! ([`SyslogFraming`]) and sends without ever blocking.
//!
//! Everything outside `driver` is pure: no I/O, no clock (times come in as [`LogTime`]).

pub mod captures;
pub mod format;
pub mod policy;
pub mod record;
pub mod syslog;
pub mod termination;
pub mod time;

#[cfg(feature = "driver")]
pub mod driver;

pub use captures::{CapturePlan, CaptureSlot};
pub use format::{
    format_for_proxy, CompiledFormat, LogFormat, LogFormatError, LogMoment, ProxyLogFormat,
    CLF_LOG_FORMAT, DEFAULT_LOG_FORMAT, HTTP_LOG_FORMAT, TCP_LOG_FORMAT,
};
pub use policy::access_level;
pub use record::{LogRecord, Timers};
pub use syslog::{
    facility_code, proxy_targets, FramingError, Level, SyslogFraming, SyslogIdentity,
    DEFAULT_MAX_LEN,
};
pub use termination::{
    ClientCookie, ServerCookie, SessionPhase, TerminationCause, TerminationState,
};
pub use time::{CivilTime, LogTime};

#[cfg(feature = "driver")]
pub use driver::{clock::now, sink::LogSink, sink::SinkError, sink::TargetStats};
