//! How a `script`/`notify` string from keepalived.conf becomes a process.
//!
//! keepalived splits the string into words itself (honouring quotes) and execs the first word
//! directly, with no shell: `script "killall -0 haproxy"` runs `killall`. A string that needs a
//! shell (pipes, redirections, `$`, `&&` …) would not work there; halb runs such a string with
//! `/bin/sh -c` instead of failing, which is what its author meant. A file without a `#!` line
//! is run by `/bin/sh`, as execvp does.

use std::io;
use std::process::{Child, Command, Stdio};

/// Characters that only a shell gives a meaning to.
const SHELL_META: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', ']', '{', '}', '~', '\n', '#',
];

/// A parsed script line, ready to run with extra arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptCommand {
    /// Exec `words[0]` with the other words as arguments.
    Direct(Vec<String>),
    /// Run the whole line with `/bin/sh -c`.
    Shell(String),
}

/// Splits `line` into words as keepalived does: whitespace separates, `'…'` and `"…"` group,
/// a backslash escapes the next character. `None` when the line needs a shell or is empty.
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                '\\' => {
                    cur.push(chars.next()?);
                    in_word = true;
                }
                c if c.is_whitespace() => {
                    if in_word {
                        words.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                c if SHELL_META.contains(&c) => return None,
                c => {
                    cur.push(c);
                    in_word = true;
                }
            },
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(cur);
    }
    (!words.is_empty()).then_some(words)
}

impl ScriptCommand {
    pub fn parse(line: &str) -> Option<Self> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        Some(match split_words(line) {
            Some(words) => ScriptCommand::Direct(words),
            None => ScriptCommand::Shell(line.to_owned()),
        })
    }

    /// The program that will run (for log lines and the config check).
    pub fn program(&self) -> &str {
        match self {
            ScriptCommand::Direct(w) => w.first().map(String::as_str).unwrap_or(""),
            ScriptCommand::Shell(_) => "/bin/sh",
        }
    }

    /// Starts the script with `extra` arguments appended (notify: `INSTANCE VI_1 MASTER 100`),
    /// stdio on /dev/null, in its own process group so a timeout kills its children too.
    pub fn spawn(&self, extra: &[String]) -> io::Result<Child> {
        let result = self.command(extra, false).spawn();
        match result {
            Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) => self.command(extra, true).spawn(),
            other => other,
        }
    }

    fn command(&self, extra: &[String], via_sh: bool) -> Command {
        let mut cmd = match self {
            ScriptCommand::Direct(words) if via_sh => {
                let mut c = Command::new("/bin/sh");
                c.args(words);
                c
            }
            ScriptCommand::Direct(words) => {
                let mut c = Command::new(&words[0]);
                c.args(&words[1..]);
                c
            }
            ScriptCommand::Shell(line) => {
                let mut c = Command::new("/bin/sh");
                // With extra arguments, "$@" in the line sees them, as with a script file.
                c.arg("-c").arg(line).arg("sh");
                c
            }
        };
        cmd.args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> ScriptCommand {
        ScriptCommand::Direct(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn splits_like_keepalived() {
        assert_eq!(
            ScriptCommand::parse("killall -0 haproxy"),
            Some(words(&["killall", "-0", "haproxy"]))
        );
        assert_eq!(
            ScriptCommand::parse("/etc/k/chk.sh 'a b' \"c d\" e\\ f"),
            Some(words(&["/etc/k/chk.sh", "a b", "c d", "e f"]))
        );
    }

    #[test]
    fn shell_syntax_goes_to_sh() {
        let line = "ss -Hltn 'sport = :80' | grep -q .";
        assert_eq!(
            ScriptCommand::parse(line),
            Some(ScriptCommand::Shell(line.into()))
        );
        assert_eq!(
            ScriptCommand::parse("test -f /x && exit 1"),
            Some(ScriptCommand::Shell("test -f /x && exit 1".into()))
        );
        assert_eq!(
            ScriptCommand::parse("echo 'unterminated"),
            Some(ScriptCommand::Shell("echo 'unterminated".into()))
        );
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(ScriptCommand::parse("   "), None);
    }

    #[test]
    fn runs_direct_and_shell_with_arguments() {
        let dir = std::env::temp_dir().join(format!("vl-sc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let out = dir.join("out");
        let line = format!("printf '%s,' \"$@\" > {}", out.display());
        let cmd = ScriptCommand::parse(&line).expect("parsed");
        let status = cmd
            .spawn(&["INSTANCE".into(), "VI_1".into()])
            .expect("spawn")
            .wait()
            .expect("wait");
        assert!(status.success());
        assert_eq!(
            std::fs::read_to_string(&out).expect("out"),
            "INSTANCE,VI_1,"
        );
        let falsy = ScriptCommand::parse("false").expect("parsed");
        let status = falsy.spawn(&[]).expect("spawn").wait().expect("wait");
        assert_eq!(status.code(), Some(1));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
