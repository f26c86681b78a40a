//! Where configuration text comes from. The parser reads the main file and every `include`d
//! file through [`FileSource`], so tests can hand it in-memory files and the daemon hands it
//! the real filesystem ([`FsSource`]). This is the crate's only I/O edge.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Read access to configuration files and directory listings (for include globs).
pub trait FileSource {
    /// The whole text of a file. Invalid UTF-8 is the implementation's choice; [`FsSource`]
    /// replaces it with U+FFFD, as keepalived would read the bytes as they are.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// The names (not paths) of the entries of a directory, in any order.
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>>;
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsSource;

impl FileSource for FsSource {
    fn read(&self, path: &Path) -> io::Result<String> {
        let bytes = std::fs::read(path)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        Ok(names)
    }
}

/// Files held in memory, keyed by path; directories are implied by the paths.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    files: BTreeMap<PathBuf, String>,
}

impl MemorySource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file; returns `self` so calls chain.
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.insert(path, text);
        self
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.files.insert(normalize(&path.into()), text.into());
    }
}

impl FileSource for MemorySource {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file or directory"))
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for path in self.files.keys() {
            let Ok(rest) = path.strip_prefix(normalize(dir)) else {
                continue;
            };
            if let Some(first) = rest.components().next() {
                let name = first.as_os_str().to_string_lossy().into_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "No such file or directory",
            ));
        }
        Ok(names)
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), no filesystem access: how includes like
/// `../x` are compared (cycle detection) and looked up in a [`MemorySource`].
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
