//! Readers for keepalived's value syntaxes: integers in a range, timers (seconds with up to
//! six decimals), booleans, and script command lines. Errors are message strings in
//! keepalived's wording; the caller adds the file, line and block.

use crate::keyword::Ctx;
use crate::model::ScriptCommand;
use crate::tree::Node;
use crate::words::{split_shell_words, ShellSplitError};
use std::time::Duration;

/// An unsigned integer in `[min, max]` (keepalived's `read_unsigned`).
pub(crate) fn uint(word: &str, min: u64, max: u64) -> Result<u64, String> {
    let v: u64 = if word.chars().all(|c| c.is_ascii_digit()) && !word.is_empty() {
        word.parse()
            .map_err(|_| format!("number '{word}' outside range [{min}, {max}]"))?
    } else {
        return Err(format!("invalid number '{word}'"));
    };
    if v < min || v > max {
        return Err(format!("number '{word}' outside range [{min}, {max}]"));
    }
    Ok(v)
}

/// A signed integer in `[min, max]`.
pub(crate) fn int(word: &str, min: i64, max: i64) -> Result<i64, String> {
    let digits = word.strip_prefix(['-', '+']).unwrap_or(word);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("invalid number '{word}'"));
    }
    let v: i64 = word
        .parse()
        .map_err(|_| format!("number '{word}' outside range [{min}, {max}]"))?;
    if v < min || v > max {
        return Err(format!("number '{word}' outside range [{min}, {max}]"));
    }
    Ok(v)
}

/// Seconds with an optional fraction (`1`, `0.1`, `2.71828`), microsecond resolution, at most
/// `max_secs`.
pub(crate) fn timer(word: &str, max_secs: u64) -> Result<Duration, String> {
    let (int_part, frac_part) = match word.split_once('.') {
        Some((i, f)) => (i, f),
        None => (word, ""),
    };
    let valid = !(int_part.is_empty() && frac_part.is_empty())
        && int_part.chars().all(|c| c.is_ascii_digit())
        && frac_part.chars().all(|c| c.is_ascii_digit())
        && frac_part.len() <= 6;
    if !valid {
        return Err(format!("invalid timer value '{word}'"));
    }
    let secs: u64 = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .map_err(|_| format!("timer value '{word}' out of range"))?
    };
    let mut micros: u32 = 0;
    for (i, c) in frac_part.chars().enumerate() {
        let d = c.to_digit(10).unwrap_or(0);
        micros += d * 10u32.pow(5 - i as u32);
    }
    if secs > max_secs || (secs == max_secs && micros > 0) {
        return Err(format!(
            "timer value '{word}' outside range [0, {max_secs}]"
        ));
    }
    Ok(Duration::from_secs(secs) + Duration::from_micros(u64::from(micros)))
}

/// keepalived's `check_true_false`.
pub(crate) fn boolean(word: &str) -> Option<bool> {
    match word {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// A flag keyword: alone it means true; an optional boolean argument can say otherwise.
pub(crate) fn flag(ctx: &mut Ctx<'_>, node: &Node) -> bool {
    match node.arg(1) {
        None => true,
        Some(w) => match boolean(w) {
            Some(b) => b,
            None => {
                ctx.error(
                    node.loc,
                    format!(
                        "invalid {} value '{w}' - expected on|off|true|false|yes|no",
                        node.keyword()
                    ),
                );
                true
            }
        },
    }
}

/// Reads an unsigned argument, reporting an error (and returning `None`) when invalid.
pub(crate) fn uint_arg(ctx: &mut Ctx<'_>, node: &Node, min: u64, max: u64) -> Option<u64> {
    let w = ctx.arg(node, 1, "value")?;
    match uint(w, min, max) {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error(node.loc, format!("{}: {e}", node.keyword()));
            None
        }
    }
}

/// Reads a signed argument, reporting an error (and returning `None`) when invalid.
pub(crate) fn int_arg(ctx: &mut Ctx<'_>, node: &Node, min: i64, max: i64) -> Option<i64> {
    let w = ctx.arg(node, 1, "value")?;
    match int(w, min, max) {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error(node.loc, format!("{}: {e}", node.keyword()));
            None
        }
    }
}

/// Reads a timer argument, reporting an error (and returning `None`) when invalid.
pub(crate) fn timer_arg(ctx: &mut Ctx<'_>, node: &Node, max_secs: u64) -> Option<Duration> {
    let w = ctx.arg(node, 1, "value")?;
    match timer(w, max_secs) {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error(node.loc, format!("{}: {e}", node.keyword()));
            None
        }
    }
}

/// A string argument.
pub(crate) fn string_arg(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    ctx.arg(node, 1, "value").map(str::to_string)
}

/// A script statement (`notify_master "/path/x arg" [user [group]]`, `script ...`), split as
/// keepalived does: the line is re-read with shell-like quoting; the first word after the
/// keyword is the command (itself split into program and arguments), the next two are the
/// optional user and group.
pub(crate) fn script_command(ctx: &mut Ctx<'_>, node: &Node) -> Option<ScriptCommand> {
    let words = match split_shell_words(&node.text) {
        Ok(w) => w,
        Err(e) => {
            // keepalived: "Unable to parse notify script" - the script is dropped.
            ctx.error(
                node.loc,
                format!(
                    "cannot parse '{}' script: {}",
                    node.keyword(),
                    shell_err(&e)
                ),
            );
            return None;
        }
    };
    let Some(command) = words.get(1) else {
        ctx.error(
            node.loc,
            format!("'{}' is missing its script", node.keyword()),
        );
        return None;
    };
    let args = match split_shell_words(command) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            ctx.error(
                node.loc,
                format!("'{}' has an empty script", node.keyword()),
            );
            return None;
        }
        Err(e) => {
            ctx.error(
                node.loc,
                format!(
                    "cannot parse '{}' script: {}",
                    node.keyword(),
                    shell_err(&e)
                ),
            );
            return None;
        }
    };
    if words.len() > 4 {
        ctx.warn(
            node.loc,
            format!(
                "'{}': extra words after the user and group are ignored (quote the script if they are its arguments)",
                node.keyword()
            ),
        );
    }
    Some(ScriptCommand {
        command: command.clone(),
        args,
        user: words.get(2).cloned(),
        group: words.get(3).cloned(),
    })
}

fn shell_err(e: &ShellSplitError) -> String {
    match e {
        ShellSplitError::MissingQuote(q) => format!("missing terminating {q}"),
        ShellSplitError::TrailingBackslash => "missing escape char at end".to_string(),
    }
}

/// The words of every line of a value block (`notification_email { a b \n c }` → a, b, c).
pub(crate) fn block_words(node: &Node) -> Vec<(crate::diag::Loc, String)> {
    let mut out = Vec::new();
    for child in node.children() {
        for w in &child.words {
            out.push((child.loc, w.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_report_keepalived_messages() {
        assert_eq!(uint("51", 1, 255), Ok(51));
        assert_eq!(
            uint("256", 1, 255),
            Err("number '256' outside range [1, 255]".to_string())
        );
        assert_eq!(uint("abc", 1, 255), Err("invalid number 'abc'".to_string()));
        assert_eq!(uint("", 1, 255), Err("invalid number ''".to_string()));
        assert_eq!(int("-10", -254, 254), Ok(-10));
        assert!(int("99999999999999999999999", -5, 5).is_err());
    }

    #[test]
    fn timers_take_fractional_seconds() {
        assert_eq!(timer("1", 255), Ok(Duration::from_secs(1)));
        assert_eq!(timer("0.1", 255), Ok(Duration::from_millis(100)));
        assert_eq!(timer("2.71828", 255), Ok(Duration::from_micros(2_718_280)));
        assert!(timer("1.2.3", 255).is_err());
        assert!(timer("-1", 255).is_err());
        assert!(timer("256", 255).is_err());
        assert!(timer(".", 255).is_err());
    }
}
