//! `runtime-api` — HAProxy's runtime API, the `stats socket` CLI (management manual 9.2
//! and 9.3), for halb's proxy.
//!
//! Data flow: the driver (feature `driver`) accepts connections on the `stats socket`
//! addresses of the configuration → one [`CliSession`] per connection cuts the bytes into
//! commands ([`split_words`]) → [`Command::parse`] → level check → one call on the
//! [`RuntimeTarget`] the proxy implements → HAProxy's answer text back to the client.
//! Everything but the driver is pure: no I/O, no clock (except `RuntimeTarget`'s default
//! `show_errors`, which stamps the current time like HAProxy does).

mod arguments;
mod command;
mod execute;
mod keywords;
mod level;
mod memory;
pub mod render;
mod session;
mod target;
mod weight;
mod words;

#[cfg(feature = "driver")]
pub mod driver;

pub use command::{Command, ParseError};
pub use execute::{run, Reply, SessionSettings, PERMISSION_DENIED};
pub use level::Level;
pub use memory::{
    MemoryBackend, MemoryServer, MemoryTarget, ADMF_CMAINT, ADMF_FDRAIN, ADMF_FMAINT, CSV_HEADER,
};
pub use session::{CliSession, DEFAULT_MAX_LINE, PROMPT};
pub use target::{
    AdminState, CheckKind, ForcedHealth, InfoQuery, OutputFormat, ProxyKey, RuntimeError,
    RuntimeTarget, ServerRef, ServerStateRow, ServerWeight, SessionSummary, StatQuery, StatScope,
};
pub use weight::{parse_weight, WeightError, WeightSpec};
pub use words::{atoi, split_words, MAX_WORDS};

#[cfg(feature = "driver")]
pub use driver::{ListenerSpec, RuntimeServer, ServerError, ServerOptions, SocketAddrSpec};
