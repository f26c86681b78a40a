//! The preprocessor: turns files into a flat list of pieces (`{`, `}`, or a line of text),
//! each with the file and line it came from. It does what keepalived's `read_line` does before
//! any keyword is looked at: comments, `include` (with globs, relative to the including
//! file's directory), conditional lines (`@id` / `@^id`), parameter definitions
//! (`$NAME=value`, multiline with trailing `\`) and substitution (`$NAME`, `${NAME}`), and the
//! split at braces. The block structure is built from these pieces by `tree`.

use crate::diag::{Diags, Loc};
use crate::glob;
use crate::source::FileSource;
use crate::words::{decomment, split_braces, Piece};
use crate::ParseOptions;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// One piece of configuration text with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub loc: Loc,
    pub piece: Piece,
}

/// keepalived nests includes until it runs out of file descriptors; halb stops here.
const MAX_INCLUDE_DEPTH: usize = 32;
/// Bounds the work a recursive or self-referencing parameter can cause.
const MAX_SUBSTITUTIONS_PER_LINE: usize = 1000;
/// Bounds what one line may expand to through multiline parameters.
const MAX_EXPANDED_LINES: usize = 100_000;
/// Bounds how many files includes may read in total.
const MAX_FILES_READ: usize = 1_000;
/// Bounds the total output (multiline parameters can multiply text).
const MAX_ITEMS: usize = 1_000_000;
/// Bounds the text parameter substitution may create in all: the line and item counts above
/// alone still let lines of up to 1 MiB multiply into gigabytes.
const MAX_EXPANDED_BYTES: usize = 32 << 20;

#[derive(Debug, Clone)]
struct Definition {
    name: String,
    /// The value, one entry per line (one entry unless the definition is multiline).
    lines: Vec<String>,
    multiline: bool,
}

pub(crate) struct Reader<'a> {
    files: &'a dyn FileSource,
    diags: &'a mut Diags,
    opts: &'a ParseOptions,
    defs: Vec<Definition>,
    stack: Vec<PathBuf>,
    rng: u64,
    pub items: Vec<Item>,
    overflow_reported: bool,
    /// Bytes created by parameter substitution so far (see [`MAX_EXPANDED_BYTES`]).
    expanded_bytes: usize,
}

/// Which include keyword was used: plain `include` tolerates missing files (keepalived
/// "retained for backward compatibility, since it does not produce config errors"), the
/// `includer`/`includea`/… variants make a missing file an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IncludeKind {
    Lenient,
    Strict,
}

impl<'a> Reader<'a> {
    pub fn new(files: &'a dyn FileSource, diags: &'a mut Diags, opts: &'a ParseOptions) -> Self {
        Reader {
            files,
            diags,
            opts,
            defs: Vec::new(),
            stack: Vec::new(),
            rng: opts.random_seed | 1,
            items: Vec::new(),
            overflow_reported: false,
            expanded_bytes: 0,
        }
    }

    /// Reads the main file. `Err` is the I/O reason when it cannot be read at all.
    pub fn read_main(&mut self, path: &Path, display: &str) -> Result<(), String> {
        let text = self.files.read(path).map_err(|e| e.to_string())?;
        self.read_text(path, display.to_string(), &text);
        Ok(())
    }

    /// Reads `text` as if it were the content of `path`.
    pub fn read_text(&mut self, path: &Path, display: String, text: &str) {
        let file = self.diags.add_file(display);
        self.stack.push(path.to_path_buf());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.read_lines(file, &dir, text);
        self.stack.pop();
    }

    fn read_lines(&mut self, file: u32, dir: &Path, text: &str) {
        // The definition a trailing `\` is continuing, if any.
        let mut collecting: Option<usize> = None;
        for (index, raw) in text.split('\n').enumerate() {
            let loc = Loc {
                file,
                line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            };
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() {
                // keepalived: an empty line ends a multiline definition.
                collecting = None;
                continue;
            }
            let d = decomment(raw);
            if let Some(def) = collecting {
                if !d.text.is_empty() {
                    if let Some(def) = self.defs.get_mut(def) {
                        def.lines.push(d.text.clone());
                    }
                }
                if !d.continued {
                    collecting = None;
                }
                continue;
            }
            if d.text.is_empty() {
                continue;
            }
            collecting = self.process_line(d.text, d.continued, loc, dir);
        }
    }

    /// Processes one logical line; returns the index of a multiline definition it started.
    fn process_line(
        &mut self,
        text: String,
        continued: bool,
        loc: Loc,
        dir: &Path,
    ) -> Option<usize> {
        let mut queue: VecDeque<String> = VecDeque::from([text]);
        let mut first = true;
        let mut started = None;
        let mut budget = MAX_EXPANDED_LINES;
        while let Some(mut line) = queue.pop_front() {
            budget -= 1;
            if budget == 0 || queue.len() > MAX_EXPANDED_LINES {
                self.diags.error(
                    loc,
                    format!("parameter expansion produces more than {MAX_EXPANDED_LINES} lines"),
                );
                return started;
            }
            let is_first = std::mem::replace(&mut first, false);
            let mut passes = 0;
            loop {
                passes += 1;
                if passes > 64 {
                    self.diags
                        .error(loc, "parameter substitution does not terminate".to_string());
                    line.clear();
                    break;
                }
                match self.conditional(&line) {
                    Some(rest) => line = rest,
                    None => {
                        line.clear();
                        break;
                    }
                }
                if line.starts_with('$') {
                    if let Some(index) = self.define(&line, is_first && continued) {
                        if self.defs.get(index).is_some_and(|d| d.multiline) && is_first {
                            started = Some(index);
                        }
                        line.clear();
                        break;
                    }
                }
                if line.starts_with("~SEQ") || line.starts_with("~LST") {
                    self.diags.error(
                        loc,
                        format!(
                            "'{}' sequence blocks are not supported yet by halb",
                            &line[..4]
                        ),
                    );
                    line.clear();
                    break;
                }
                if !line.contains('$') {
                    break;
                }
                match self.substitute(&line, loc, dir) {
                    Some((new_line, extra)) => {
                        // In order, ahead of what an outer expansion left pending.
                        for l in extra.into_iter().rev() {
                            queue.push_front(l);
                        }
                        line = decomment(&new_line).text;
                        if !(line.starts_with('@') || line.contains('$')) {
                            break;
                        }
                    }
                    None => break,
                }
            }
            if line.is_empty() {
                continue;
            }
            if is_first && continued && started.is_none() {
                self.diags.warn(
                    loc,
                    "line continuation '\\' is only supported in $NAME= definitions; '\\' ignored",
                );
            }
            if let Some((kind, pattern)) = include_directive(&line) {
                self.include(kind, pattern, loc, dir);
                continue;
            }
            self.emit(loc, &line);
        }
        started
    }

    fn emit(&mut self, loc: Loc, line: &str) {
        for piece in split_braces(line) {
            if self.items.len() >= MAX_ITEMS {
                if !self.overflow_reported {
                    self.overflow_reported = true;
                    self.diags.error(
                        loc,
                        format!("configuration expands to more than {MAX_ITEMS} lines"),
                    );
                }
                return;
            }
            self.items.push(Item { loc, piece });
        }
    }

    /// `@id rest` / `@^id rest`: returns the rest when the line applies to this config id,
    /// `None` when it does not. Lines not starting with `@` are returned unchanged.
    fn conditional(&self, line: &str) -> Option<String> {
        let Some(after) = line.strip_prefix('@') else {
            return Some(line.to_string());
        };
        let (negate, after) = match after.strip_prefix('^') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let end = after.find([' ', '\t'])?;
        let id = &after[..end];
        let matches = self.opts.config_id.as_deref() == Some(id);
        if matches != negate {
            Some(after[end..].trim_start_matches([' ', '\t']).to_string())
        } else {
            None
        }
    }

    /// `$NAME=value`: stores the definition and returns its index, or `None` when the line
    /// is not a definition.
    fn define(&mut self, line: &str, continued: bool) -> Option<usize> {
        let body = line.strip_prefix('$')?;
        let name_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        let name = &body[..name_len];
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let rest = body[name_len..].trim_start_matches([' ', '\t']);
        let value = rest.strip_prefix('=')?.trim_start_matches([' ', '\t']);
        let def = Definition {
            name: name.to_string(),
            lines: if value.is_empty() && continued {
                Vec::new()
            } else {
                vec![value.to_string()]
            },
            multiline: continued,
        };
        match self.defs.iter().position(|d| d.name == name) {
            Some(i) => {
                self.defs[i] = def;
                Some(i)
            }
            None => {
                self.defs.push(def);
                Some(self.defs.len() - 1)
            }
        }
    }

    /// Replaces parameters in `line` as keepalived's `replace_param` does. Returns `None` when
    /// nothing was replaced, otherwise the new line and, for a multiline parameter, the lines
    /// that follow it.
    fn substitute(&mut self, line: &str, loc: Loc, dir: &Path) -> Option<(String, Vec<String>)> {
        let mut buf = line.to_string();
        let mut pos = 0;
        let mut replaced = 0usize;
        let mut extra: Vec<String> = Vec::new();
        while let Some(off) = buf[pos..].find('$') {
            let at = pos + off;
            let Some(reference) = parse_reference(&buf[at..]) else {
                pos = at + 1;
                continue;
            };
            let at_end = at + reference.len == buf.len();
            match self.lookup(&reference, at_end, dir) {
                Some(value) => {
                    replaced += 1;
                    if replaced > MAX_SUBSTITUTIONS_PER_LINE {
                        self.diags.error(
                            loc,
                            format!(
                                "parameter substitution does not terminate (more than {MAX_SUBSTITUTIONS_PER_LINE} replacements)"
                            ),
                        );
                        return Some((String::new(), Vec::new()));
                    }
                    let created: usize = value.iter().map(String::len).sum();
                    self.expanded_bytes = self.expanded_bytes.saturating_add(created);
                    if self.expanded_bytes > MAX_EXPANDED_BYTES {
                        if !self.overflow_reported {
                            self.overflow_reported = true;
                            self.diags.error(
                                loc,
                                format!(
                                    "parameter expansion creates more than {} MiB of text",
                                    MAX_EXPANDED_BYTES >> 20
                                ),
                            );
                        }
                        return Some((String::new(), Vec::new()));
                    }
                    let mut lines = value.into_iter();
                    let first = lines.next().unwrap_or_default();
                    let rest: Vec<String> = lines.collect();
                    if !rest.is_empty() {
                        // A multiline value: the lines after its first come after this line,
                        // before any lines still pending from an outer expansion.
                        extra.splice(0..0, rest);
                    }
                    buf.replace_range(at..at + reference.len, &first);
                    // Rescan from the same place: replacement is recursive.
                    pos = at;
                    if buf.len() > 1 << 20 {
                        self.diags
                            .error(loc, "parameter substitution makes the line too long");
                        return Some((String::new(), Vec::new()));
                    }
                }
                None => {
                    if !inside_quotes(&buf, at) {
                        self.diags.warn(
                            loc,
                            format!(
                                "parameter '{}' is not defined - left unchanged",
                                &buf[at..at + reference.len]
                            ),
                        );
                    }
                    pos = at + 1;
                }
            }
        }
        if replaced == 0 {
            None
        } else {
            Some((buf, extra))
        }
    }

    fn lookup(&mut self, r: &Reference, at_end: bool, dir: &Path) -> Option<Vec<String>> {
        if let Some(def) = self.defs.iter().find(|d| d.name == r.name) {
            if def.multiline && !at_end {
                return None;
            }
            if r.params.is_some() {
                return None;
            }
            return Some(if def.lines.is_empty() {
                vec![String::new()]
            } else {
                def.lines.clone()
            });
        }
        let value = match r.name.as_str() {
            "_PWD" => {
                let d = dir.to_string_lossy().into_owned();
                if d.is_empty() {
                    ".".to_string()
                } else {
                    d
                }
            }
            "_INSTANCE" => self.opts.config_id.clone().unwrap_or_default(),
            "_HASH" => "#".to_string(),
            "_BANG" => "!".to_string(),
            "_RANDOM" => {
                let mut bounds = r
                    .params
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(|p| p.parse::<u64>().unwrap_or(0));
                let min = bounds.next().unwrap_or(0);
                let max = bounds.next().unwrap_or(32767).max(min);
                // xorshift64: deterministic from ParseOptions::random_seed (pure crate).
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                let span = max - min + 1;
                (min + self.rng % span.max(1)).to_string()
            }
            _ => return None,
        };
        if r.params.is_some() && r.name != "_RANDOM" {
            return None;
        }
        Some(vec![value])
    }

    fn include(&mut self, kind: IncludeKind, pattern: &str, loc: Loc, dir: &Path) {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.diags.error(
                loc,
                format!("includes nested more than {MAX_INCLUDE_DEPTH} deep at '{pattern}'"),
            );
            return;
        }
        let full = if pattern.starts_with('/') || dir.as_os_str().is_empty() {
            pattern.to_string()
        } else {
            format!("{}/{}", dir.to_string_lossy(), pattern)
        };
        let paths = glob::expand(&full, self.files);
        if paths.is_empty() {
            self.missing_include(kind, pattern, loc);
            return;
        }
        for path in paths {
            if self.stack.iter().any(|p| same_file(p, &path)) {
                let mut chain: Vec<String> = self
                    .stack
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                chain.push(path.to_string_lossy().into_owned());
                self.diags.error(
                    loc,
                    format!("include cycle: {} - not included again", chain.join(" -> ")),
                );
                continue;
            }
            if self.diags.files.len() >= MAX_FILES_READ {
                self.diags.error(
                    loc,
                    format!("more than {MAX_FILES_READ} configuration files included"),
                );
                return;
            }
            match self.files.read(&path) {
                Ok(text) => {
                    let display = path.to_string_lossy().into_owned();
                    self.read_text(&path, display, &text);
                }
                Err(e) => {
                    let msg = if e.kind() == std::io::ErrorKind::NotFound {
                        format!("Config files missing '{}'.", path.to_string_lossy())
                    } else {
                        format!("cannot read '{}': {e}", path.to_string_lossy())
                    };
                    match kind {
                        IncludeKind::Lenient => self.diags.warn(loc, msg),
                        IncludeKind::Strict => self.diags.error(loc, msg),
                    }
                }
            }
        }
    }

    fn missing_include(&mut self, kind: IncludeKind, pattern: &str, loc: Loc) {
        let msg = format!("Config files missing '{pattern}'.");
        match kind {
            IncludeKind::Lenient => self.diags.warn(loc, msg),
            IncludeKind::Strict => self.diags.error(loc, msg),
        }
    }
}

/// `include FILE` and its variants `includer`, `includem`, `includew`, `includeb`,
/// `includea`.
fn include_directive(line: &str) -> Option<(IncludeKind, &str)> {
    let rest = line.strip_prefix("include")?;
    let (kind, rest) = match rest.chars().next()? {
        ' ' | '\t' => (IncludeKind::Lenient, rest),
        c if "rmwba".contains(c) => {
            let r = &rest[1..];
            if !r.starts_with([' ', '\t']) {
                return None;
            }
            (IncludeKind::Strict, r)
        }
        _ => return None,
    };
    let pattern = rest.trim_matches([' ', '\t']);
    if pattern.is_empty() {
        return None;
    }
    Some((kind, pattern))
}

fn same_file(a: &Path, b: &Path) -> bool {
    crate::source::normalize(a) == crate::source::normalize(b)
}

/// A parameter reference found at a `$`.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    name: String,
    /// `${_RANDOM 1 10}`: the numbers after the name.
    params: Option<String>,
    /// Length of the reference text, `$` included.
    len: usize,
}

/// Parses `$NAME` (followed by blank, `,`, `)` or end) or `${NAME}` / `${NAME 1 2}`.
fn parse_reference(s: &str) -> Option<Reference> {
    let body = s.strip_prefix('$')?;
    let braces = body.starts_with('{');
    let name_start = if braces { 1 } else { 0 };
    let name_part = &body[name_start..];
    if !name_part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let name_len = name_part
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name_part.len());
    let name = name_part[..name_len].to_string();
    let after = &name_part[name_len..];
    if braces {
        let close = after.find('}')?;
        let params = after[..close].trim();
        if !after[..close]
            .chars()
            .all(|c| c == ' ' || c.is_ascii_digit())
            || after[..close].ends_with(' ')
        {
            return None;
        }
        let len = 1 + 1 + name_len + close + 1;
        Some(Reference {
            name,
            params: (!params.is_empty()).then(|| params.to_string()),
            len,
        })
    } else {
        match after.chars().next() {
            None | Some(' ') | Some('\t') | Some(',') | Some(')') => Some(Reference {
                name,
                params: None,
                len: 1 + name_len,
            }),
            _ => None,
        }
    }
}

fn inside_quotes(line: &str, at: usize) -> bool {
    line[..at].matches('"').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    fn run(files: &MemorySource, main: &str, opts: ParseOptions) -> (Vec<Item>, Diags) {
        let mut diags = Diags::default();
        let items = {
            let mut r = Reader::new(files, &mut diags, &opts);
            r.read_main(Path::new(main), main).expect("main file");
            r.items
        };
        (items, diags)
    }

    fn texts(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match &i.piece {
                Piece::Open => "{".to_string(),
                Piece::Close => "}".to_string(),
                Piece::Text(t) => t.clone(),
            })
            .collect()
    }

    #[test]
    fn parameters_substitute_recursively_at_use_time() {
        let files = MemorySource::new().with(
            "k.conf",
            "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n",
        );
        let (items, diags) = run(&files, "k.conf", ParseOptions::default());
        assert_eq!(texts(&items), vec!["10.2.0.100/32", "10.2.10.100/32"]);
        assert!(diags.list.is_empty(), "{:?}", diags.list);
        assert_eq!(items[1].loc.line, 5);
    }

    #[test]
    fn multiline_parameter_expands_to_lines() {
        let files = MemorySource::new().with(
            "k.conf",
            "$INST= \\\nvrrp_instance VI_${NUM} { \\\n  virtual_router_id ${NUM} \\\n}\n\n$NUM=1\n$INST\n$NUM=2\n$INST\n",
        );
        let (items, diags) = run(&files, "k.conf", ParseOptions::default());
        assert_eq!(
            texts(&items),
            vec![
                "vrrp_instance VI_1",
                "{",
                "virtual_router_id 1",
                "}",
                "vrrp_instance VI_2",
                "{",
                "virtual_router_id 2",
                "}"
            ]
        );
        assert!(diags.list.is_empty(), "{:?}", diags.list);
    }

    #[test]
    fn conditional_lines_follow_config_id() {
        let files = MemorySource::new().with("k.conf", "@main a 1\n@backup b 2\n@^main c 3\n");
        let opts = ParseOptions {
            config_id: Some("main".into()),
            ..ParseOptions::default()
        };
        let (items, _) = run(&files, "k.conf", opts);
        assert_eq!(texts(&items), vec!["a 1"]);
        let (items, _) = run(&files, "k.conf", ParseOptions::default());
        assert_eq!(texts(&items), vec!["c 3"]);
    }

    #[test]
    fn undefined_parameter_is_left_and_warned_with_line() {
        let files = MemorySource::new().with("k.conf", "a\npriority $PRIO\nscript \"kill $PID\"\n");
        let (items, diags) = run(&files, "k.conf", ParseOptions::default());
        assert_eq!(texts(&items)[1], "priority $PRIO");
        assert_eq!(diags.list.len(), 1);
        assert_eq!(diags.list[0].line, 2);
        assert!(diags.list[0].message.contains("'$PRIO' is not defined"));
    }

    #[test]
    fn include_is_relative_to_including_file() {
        let files = MemorySource::new()
            .with("/etc/k/main.conf", "a\ninclude conf.d/*.conf\nb\n")
            .with("/etc/k/conf.d/1.conf", "one\n")
            .with("/etc/k/conf.d/2.conf", "two\ninclude ../sub/x\n")
            .with("/etc/k/sub/x", "x\n");
        let (items, diags) = run(&files, "/etc/k/main.conf", ParseOptions::default());
        assert_eq!(texts(&items), vec!["a", "one", "two", "x", "b"]);
        assert!(diags.list.is_empty());
        assert_eq!(diags.file_name(items[3].loc), "/etc/k/conf.d/../sub/x");
    }

    #[test]
    fn include_cycle_is_an_error_at_the_include_line() {
        let files = MemorySource::new()
            .with("/k/a.conf", "x\ninclude b.conf\n")
            .with("/k/b.conf", "include a.conf\n");
        let (_, diags) = run(&files, "/k/a.conf", ParseOptions::default());
        assert_eq!(diags.list.len(), 1);
        let d = &diags.list[0];
        assert_eq!((d.file.as_str(), d.line), ("/k/b.conf", 1));
        assert!(d.message.starts_with("include cycle"), "{}", d.message);
    }

    #[test]
    fn missing_include_warns_and_strict_variant_errors() {
        let files =
            MemorySource::new().with("/k/a.conf", "include nope.conf\nincluder nope2.conf\n");
        let (_, diags) = run(&files, "/k/a.conf", ParseOptions::default());
        assert_eq!(diags.list.len(), 2);
        assert_eq!(diags.list[0].severity, crate::Severity::Warning);
        assert_eq!(diags.list[1].severity, crate::Severity::Error);
        assert_eq!(diags.list[1].line, 2);
    }

    #[test]
    fn self_referencing_parameter_stops() {
        let files = MemorySource::new().with("k.conf", "$A=x${A}\nv ${A}\n");
        let (_, diags) = run(&files, "k.conf", ParseOptions::default());
        assert!(diags.has_errors());
    }

    #[test]
    fn reference_forms() {
        assert_eq!(parse_reference("$A b").map(|r| r.len), Some(2));
        assert_eq!(parse_reference("${A}x").map(|r| r.len), Some(4));
        assert_eq!(parse_reference("$Ax").map(|r| r.len), Some(3));
        assert!(parse_reference("$A.x").is_none());
        assert!(parse_reference("$1").is_none());
        let r = parse_reference("${_RANDOM 1 5}").expect("random");
        assert_eq!(r.params.as_deref(), Some("1 5"));
    }
}
