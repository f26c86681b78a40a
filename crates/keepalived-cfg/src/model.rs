//! Types shared by every block of the model: where a statement came from, statements kept
//! raw, script commands and tracking references.

use std::fmt;

/// The file and line a model element was read from (for runtime logs and errors).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Line {}", self.file, self.line)
    }
}

/// A statement halb recognises but does not interpret, kept as written (after comments and
/// parameter substitution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement {
    pub keyword: String,
    pub args: Vec<String>,
    /// The statements of its `{ }` block, if it has one.
    pub block: Option<Vec<RawStatement>>,
    pub location: Location,
}

/// A script to run: `notify_master "/path/to_master.sh inside" [user [group]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCommand {
    /// The command as written (the first word after the keyword, quotes removed).
    pub command: String,
    /// `command` split into program and arguments with keepalived's shell-like quoting.
    pub args: Vec<String>,
    /// The user to run it as (default: keepalived's `script_user`, see `GlobalDefs`).
    pub user: Option<String>,
    pub group: Option<String>,
}

/// A reference from an instance or sync group to something it tracks: a `vrrp_script`,
/// an interface or a `vrrp_track_file`, with an optional weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRef {
    pub name: String,
    /// `weight N`: added to the priority while the tracked object is up (N > 0) or
    /// subtracted while it is down (N < 0). `None`: the tracked object going down puts the
    /// instance in FAULT (or, for a script with its own non-zero weight, that weight applies;
    /// see [`crate::VrrpScript::weight`]).
    pub weight: Option<i32>,
    /// `weight N reverse`: the weight applies in the opposite sense.
    pub reverse: bool,
    pub location: Location,
}
