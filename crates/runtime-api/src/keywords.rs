//! The command table and the usage text built from it: `help`, and the answer to an
//! unknown command with its "maybe one of the following" suggestions.
//!
//! The usage lines are HAProxy 2.6's own (they are part of the interface scripts grep),
//! limited to the commands halb implements. Suggestions follow HAProxy's approach:
//! commands sharing the longest run of exact leading words, then the closest ones by a
//! character-transition fingerprint of the remaining words.

/// One CLI keyword: its leading words and its usage line (`None`: not listed, like
/// `help`, `prompt` and `quit`, which close every usage text).
pub(crate) struct Keyword {
    pub words: &'static [&'static str],
    pub usage: Option<&'static str>,
}

const fn kw(words: &'static [&'static str], usage: &'static str) -> Keyword {
    Keyword {
        words,
        usage: Some(usage),
    }
}

/// Every command halb's CLI knows, matched in this order.
pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword { words: &["help"], usage: None },
    Keyword { words: &["prompt"], usage: None },
    Keyword { words: &["quit"], usage: None },
    kw(&["operator"], "operator                                : lower the level of the current CLI session to operator"),
    kw(&["user"], "user                                    : lower the level of the current CLI session to user"),
    kw(&["set", "timeout"], "set timeout [cli] <delay>               : change a timeout setting"),
    kw(&["show", "cli", "level"], "show cli level                          : display the level of the current CLI session"),
    kw(&["show", "version"], "show version                            : show version of the current process"),
    kw(&["clear", "counters"], "clear counters [all]                    : clear max statistics counters (or all counters)"),
    kw(&["show", "info"], "show info [desc|json|typed|float]*      : report information about the running process"),
    kw(&["show", "stat"], "show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server"),
    kw(&["show", "servers", "state"], "show servers state [<backend>]          : dump volatile server information (all or for a single backend)"),
    kw(&["show", "backend"], "show backend                            : list backends in the current running config"),
    kw(&["show", "errors"], "show errors [<px>] [request|response]   : report last request and/or response errors for each proxy"),
    kw(&["show", "sess"], "show sess [id]                          : report the list of current sessions or dump this exact session"),
    kw(&["shutdown", "sessions", "server"], "shutdown sessions server <bk>/<srv>     : kill sessions on a server"),
    kw(&["disable", "agent"], "disable agent                           : disable agent checks"),
    kw(&["disable", "health"], "disable health                          : disable health checks"),
    kw(&["disable", "server"], "disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)"),
    kw(&["enable", "agent"], "enable agent                            : enable agent checks"),
    kw(&["enable", "health"], "enable health                           : enable health checks"),
    kw(&["enable", "server"], "enable server  (DEPRECATED)             : enable a disabled server (use 'set server' instead)"),
    kw(&["set", "server"], "set server <bk>/<srv> [opts]            : change a server's state, weight, address or ssl"),
    kw(&["get", "weight"], "get weight <bk>/<srv>                   : report a server's current weight"),
    kw(&["set", "weight"], "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)"),
];

/// HAProxy's `CLI_PREFIX_KW_NB`: at most this many words take part in matching.
const PREFIX_WORDS: usize = 5;
/// HAProxy's `CLI_MAX_MATCHES`: at most this many suggestions.
const MAX_MATCHES: usize = 5;

const ALWAYS_LISTED: &str = "  help [<command>]                        : list matching or all commands\n  prompt                                  : toggle interactive mode with prompt\n  quit                                    : disconnect\n";

/// The keyword whose words are the leading words of `args`, if any.
pub(crate) fn find(args: &[String]) -> Option<&'static Keyword> {
    KEYWORDS
        .iter()
        .find(|k| k.words.len() <= args.len() && k.words.iter().zip(args).all(|(w, a)| w == a))
}

/// How many leading words of `args` equal those of `k`, looking at `limit` words at most.
fn leading_match(k: &Keyword, args: &[String], limit: usize) -> usize {
    k.words
        .iter()
        .zip(args)
        .take(limit)
        .take_while(|(w, a)| !a.is_empty() && *w == *a)
        .count()
}

/// The text for `help [words]` (`args` starts with `help`) or for an unknown command.
pub(crate) fn usage_message(args: &[String]) -> String {
    let (is_help, args) = match args.first() {
        Some(first) if first == "help" => (true, &args[1..]),
        _ => (false, args),
    };
    let length = KEYWORDS
        .iter()
        .map(|k| leading_match(k, args, PREFIX_WORDS))
        .max()
        .unwrap_or(0);

    let mut out = String::new();
    if is_help {
        out.push_str("The following commands are valid at this level:\n");
    } else if length == 0 && args.first().is_none_or(|a| a.is_empty()) {
        out.push_str("Unknown command. Please enter one of the following commands only:\n");
    } else {
        out.push_str("Unknown command, but maybe one of the following ones is a better match:\n");
    }

    // Keywords matching the first `length` words exactly.
    let candidates = KEYWORDS
        .iter()
        .filter(|k| k.usage.is_some() && leading_match(k, args, length) == length);

    let mut matches: Vec<(&Keyword, usize)> = Vec::new();
    if args.get(length).is_some_and(|a| !a.is_empty()) {
        for k in candidates.clone() {
            let mut typed = [0u8; 1024];
            let mut known = [0u8; 1024];
            let mut total_len = 0;
            for a in args.iter().take(PREFIX_WORDS).skip(length) {
                add_fingerprint(&mut typed, a);
                total_len += a.len();
            }
            for w in k.words.iter().take(PREFIX_WORDS).skip(length) {
                add_fingerprint(&mut known, w);
                total_len += w.len();
            }
            let dist = fingerprint_distance(&typed, &known);
            let worst = if matches.len() == MAX_MATCHES {
                matches[MAX_MATCHES - 1].1
            } else {
                usize::MAX
            };
            if dist < 5 * total_len / 2 && dist < worst {
                if matches.len() == MAX_MATCHES {
                    matches.pop();
                }
                // Stable: an equal distance goes after the ones already kept.
                let at = matches
                    .iter()
                    .position(|&(_, d)| d > dist)
                    .unwrap_or(matches.len());
                matches.insert(at, (k, dist));
            }
        }
    }

    let mut entries: Vec<&'static str> = if let Some(&(_, best)) = matches.first() {
        matches
            .iter()
            .take_while(|&&(_, d)| d <= 5 * best / 2)
            .filter_map(|(k, _)| k.usage)
            .collect()
    } else {
        candidates.filter_map(|k| k.usage).collect()
    };
    entries.sort_unstable();
    for usage in entries {
        out.push_str("  ");
        out.push_str(usage);
        out.push('\n');
    }
    out.push_str(ALWAYS_LISTED);
    out
}

/// Adds the character transitions of `word` to a 32x32 table (letters 1..=26, digits
/// 27, anything else 28, word start and end 28); row 0 marks which characters occur.
fn add_fingerprint(fp: &mut [u8; 1024], word: &str) {
    let class = |b: u8| match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => usize::from(c - b'a' + 1),
        b'0'..=b'9' => 27,
        _ => 28,
    };
    let mut from = 28;
    for b in word.bytes() {
        let to = class(b);
        fp[to] = 1;
        fp[32 * from + to] = fp[32 * from + to].wrapping_add(1);
        from = to;
    }
    fp[32 * from + 28] = fp[32 * from + 28].wrapping_add(1);
}

fn fingerprint_distance(a: &[u8; 1024], b: &[u8; 1024]) -> usize {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| usize::from(x.abs_diff(y)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn keywords_match_by_leading_words() {
        assert_eq!(
            find(&words("show stat 1 2 3")).map(|k| k.words),
            Some(&["show", "stat"][..])
        );
        assert_eq!(
            find(&words("quit now")).map(|k| k.words),
            Some(&["quit"][..])
        );
        assert!(find(&words("show")).is_none());
        assert!(find(&words("shutdown sessions")).is_none());
        assert!(find(&[]).is_none());
    }

    #[test]
    fn help_lists_every_command_sorted_then_the_fixed_three() {
        let h = usage_message(&words("help"));
        let lines: Vec<&str> = h.lines().collect();
        assert_eq!(lines[0], "The following commands are valid at this level:");
        assert_eq!(lines.len(), 1 + KEYWORDS.len() - 3 + 3);
        let listed = &lines[1..lines.len() - 3];
        let mut sorted = listed.to_vec();
        sorted.sort();
        assert_eq!(listed, sorted);
        assert!(h.ends_with("  quit                                    : disconnect\n"));
    }

    #[test]
    fn empty_command_gives_the_full_list() {
        let h = usage_message(&[]);
        assert!(
            h.starts_with("Unknown command. Please enter one of the following commands only:\n")
        );
        assert!(h.contains("  show stat [desc|json|no-maint|typed|up]*: report counters"));
    }

    // HAProxy 2.6 answers `disable srv` with exactly these three (plus the fixed lines).
    #[test]
    fn misspelled_subcommand_suggests_the_close_ones() {
        let h = usage_message(&words("disable srv"));
        assert_eq!(
            h,
            "Unknown command, but maybe one of the following ones is a better match:\n\
             \x20 disable agent                           : disable agent checks\n\
             \x20 disable health                          : disable health checks\n\
             \x20 disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)\n"
                .to_string()
                + ALWAYS_LISTED
        );
    }

    // HAProxy 2.6: `shutdown sessions` -> only `shutdown sessions server`.
    #[test]
    fn incomplete_command_lists_its_completions() {
        let h = usage_message(&words("shutdown sessions"));
        assert_eq!(
            h,
            "Unknown command, but maybe one of the following ones is a better match:\n\
             \x20 shutdown sessions server <bk>/<srv>     : kill sessions on a server\n"
                .to_string()
                + ALWAYS_LISTED
        );
    }

    #[test]
    fn help_with_words_lists_the_matching_commands() {
        let h = usage_message(&words("help show servers"));
        assert!(
            h.starts_with("The following commands are valid at this level:\n  show servers state")
        );
        assert_eq!(h.lines().count(), 1 + 1 + 3);
    }
}
