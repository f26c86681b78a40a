//! keepalived.conf, read the way keepalived 2.2 reads it, into a typed model for halb's VRRP
//! runtime.
//!
//! Data flow: files ([`FileSource`]) → `reader` (comments, `include`, `@conditional`,
//! `$PARAM` substitution, split at braces) → `tree` (statements and `{ }` blocks) → keyword
//! tables per block (`global_defs`, `vrrp_script`, `vrrp_instance`, `vrrp_sync_group`,
//! `static_*`, `virtual_server`) → [`Config`], with keepalived's defaults applied and
//! cross-references checked. Every problem is a [`Diagnostic`] pointing at a file and line;
//! warnings come back with the config in [`Loaded`], errors refuse it ([`ConfigError`]).
//!
//! This crate does no I/O of its own beyond the [`FileSource`] it is given.

mod address;
mod config;
mod diag;
mod glob;
mod global_defs;
mod keyword;
mod model;
mod reader;
mod source;
mod static_config;
mod sync_group;
mod tree;
mod value;
mod virtual_server;
mod vrrp_instance;
mod vrrp_script;
mod words;

pub use address::{Broadcast, IpPrefix, RouteDest, VirtualAddress, VirtualRoute};
pub use config::Config;
pub use diag::{ConfigError, Diagnostic, Severity};
pub use global_defs::{GlobalDefs, ScriptUser, SmtpServer, VrrpVersion};
pub use keyword::Support;
pub use model::{Location, RawStatement, ScriptCommand, TrackRef};
pub use source::{FileSource, FsSource, MemorySource};
pub use sync_group::SyncGroup;
pub use virtual_server::{Checker, RealServer, UrlCheck, VirtualServer, VirtualServerAddr};
pub use vrrp_instance::{AuthType, Authentication, InitialState, NotifyScripts, VrrpInstance};
pub use vrrp_script::{TrackFile, VrrpScript};

use std::path::Path;

/// A configuration that loaded, with the warnings it produced (in file order).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
}

/// Settings of the parse itself (keepalived's command line).
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// keepalived's config id (`-i`), matched by `@id` conditional lines and given as
    /// `${_INSTANCE}`. keepalived defaults it to the first part of the host name; halb's
    /// binary does the same and passes it here (`None`: no `@id` line matches).
    pub config_id: Option<String>,
    /// Seed for `${_RANDOM}` (keepalived's `random_seed`); the parse is deterministic.
    pub random_seed: u64,
}

/// Reads `path` and its includes from the filesystem.
pub fn parse_file(path: &Path) -> Result<Loaded, ConfigError> {
    parse_file_with(path, &FsSource, &ParseOptions::default())
}

/// Reads `path` and its includes through `files`.
pub fn parse_file_with(
    path: &Path,
    files: &dyn FileSource,
    opts: &ParseOptions,
) -> Result<Loaded, ConfigError> {
    let display = path.to_string_lossy().into_owned();
    let mut diags = diag::Diags::default();
    let mut r = reader::Reader::new(files, &mut diags, opts);
    if let Err(reason) = r.read_main(path, &display) {
        return Err(ConfigError::Read {
            path: display,
            reason,
        });
    }
    let items = std::mem::take(&mut r.items);
    drop(r);
    finish(&items, diags)
}

/// Parses `text` as the file `name`; `include`s are read through `files`, relative to the
/// directory of `name`.
pub fn parse_str(name: &str, text: &str, files: &dyn FileSource) -> Result<Loaded, ConfigError> {
    parse_str_with(name, text, files, &ParseOptions::default())
}

/// [`parse_str`] with options.
pub fn parse_str_with(
    name: &str,
    text: &str,
    files: &dyn FileSource,
    opts: &ParseOptions,
) -> Result<Loaded, ConfigError> {
    let mut diags = diag::Diags::default();
    let mut r = reader::Reader::new(files, &mut diags, opts);
    r.read_text(Path::new(name), name.to_string(), text);
    let items = std::mem::take(&mut r.items);
    drop(r);
    finish(&items, diags)
}

fn finish(items: &[reader::Item], mut diags: diag::Diags) -> Result<Loaded, ConfigError> {
    let nodes = tree::build(items, &mut diags);
    let config = config::build(&nodes, &mut diags);
    // Instances are resolved after the other blocks; report in file order anyway.
    let order = |d: &Diagnostic| {
        let file = diags
            .files
            .iter()
            .position(|f| *f == d.file)
            .unwrap_or(usize::MAX);
        (file, d.line)
    };
    let mut list = std::mem::take(&mut diags.list);
    list.sort_by_key(order);
    diags.list = list;
    if diags.has_errors() {
        return Err(ConfigError::Invalid {
            diagnostics: diags.list,
        });
    }
    Ok(Loaded {
        config,
        diagnostics: diags.list,
    })
}

/// Every keyword table: (block, [(keyword, how halb treats it)]), for documentation.
pub fn keyword_tables() -> Vec<(&'static str, Vec<(&'static str, Support)>)> {
    config::tables()
}
