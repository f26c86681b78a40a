//! The haproxy.cfg dialect: tokenizer, sections, keyword tables, typed model, diagnostics.
//!
//! Data flow: config text → [`lex`] (HAProxy's quoting, escapes, `"${ENV}"`, `#` comments) →
//! [`cond`] (`.if`/`.endif`) → the section state machine in [`parser`], which feeds each line to
//! the keyword tables in [`keywords`] → [`validate`] (names resolved, duplicates refused) → the
//! typed [`model::Config`], the contract with the runtime. Nothing here touches the network,
//! the clock or the file system: the binary reads the files and hands their text in.
//!
//! ```
//! let loaded = haproxy_cfg::parse_str("demo.cfg", "
//! defaults
//!     mode http
//!     timeout client 5s
//!     timeout connect 1s
//!     timeout server 5s
//! frontend web
//!     bind 127.0.0.1:8080
//!     default_backend app
//! backend app
//!     server a1 127.0.0.1:9001
//! ").unwrap();
//! assert_eq!(loaded.config.proxies.len(), 2);
//! ```

pub mod cond;
pub mod diag;
pub mod keywords;
pub mod lex;
pub mod model;
pub mod parser;
pub mod validate;
pub mod values;

use std::sync::Arc;

pub use diag::{ConfigErrors, Diagnostic, Location, Severity};
pub use keywords::{Keyword, Scope, Support};
pub use lex::{Env, ProcessEnv};
pub use model::Config;
pub use parser::ConfigParser;

/// A configuration that loaded, with the warnings and notices it produced.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, in order (HAProxy exports them as `HAPROXY_CFGFILES`).
    pub files: Vec<Arc<str>>,
}

/// Parses one configuration text, with environment variables from the process.
pub fn parse_str(name: &str, text: &str) -> Result<Loaded, ConfigErrors> {
    parse_str_with_env(name, text, &ProcessEnv)
}

/// Parses one configuration text with the given environment.
pub fn parse_str_with_env(name: &str, text: &str, env: &dyn Env) -> Result<Loaded, ConfigErrors> {
    let mut p = ConfigParser::new(env);
    p.add_file(name, text);
    p.finish()
}
