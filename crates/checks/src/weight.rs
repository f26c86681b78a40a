//! `set weight B/S N|N%` (management manual): the runtime weight change, parsed and checked
//! as HAProxy does (`server_parse_weight_change_request`), with its error texts. Pure: the
//! caller passes the server's initial weight and whether the backend's algorithm can change
//! weights at run time.

use haproxy_cfg::model::Proxy;

/// Why a weight change was refused; `Display` is HAProxy's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeightError {
    #[error("Require <weight> or <weight%>.")]
    Missing,
    #[error("Empty weight string empty or preceded by garbage")]
    NotANumber,
    #[error("Relative weight must be positive.")]
    NegativeRelative,
    #[error("Absolute weight can only be between 0 and 256 inclusive.")]
    OutOfRange,
    #[error("Trailing garbage in weight string")]
    TrailingGarbage,
    #[error("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.")]
    StaticAlgorithm,
}

impl WeightError {
    /// Whether HAProxy's CLI ends this message with a newline (two of its texts have none).
    pub fn ends_with_newline(self) -> bool {
        !matches!(self, WeightError::NotANumber | WeightError::TrailingGarbage)
    }
}

/// Whether the backend's algorithm takes weight changes at run time (HAProxy's
/// `BE_LB_PROP_DYN`): `static-rr` does not, nor do the hash algorithms unless
/// `hash-type consistent`.
pub fn dynamic_weights(p: &Proxy) -> bool {
    let consistent = p
        .hash_type
        .as_ref()
        .is_some_and(|h| h.method == "consistent");
    match p.balance.algorithm.as_str() {
        "static-rr" => false,
        "roundrobin" | "leastconn" | "first" | "random" => true,
        // source, uri, url_param, hdr(..), rdp-cookie(..), hash: map-based by default.
        _ => consistent,
    }
}

/// The new user weight `text` asks for: `N` (0..=256) or `N%` of `initial` (capped at 256).
/// `dynamic` is [`dynamic_weights`] for the server's backend.
pub fn parse_weight_change(text: &str, initial: u32, dynamic: bool) -> Result<u32, WeightError> {
    if text.is_empty() {
        return Err(WeightError::Missing);
    }
    let (value, rest) = leading_integer(text).ok_or(WeightError::NotANumber)?;
    let w = if rest == "%" {
        if value < 0 {
            return Err(WeightError::NegativeRelative);
        }
        let pct = value.min(25_600);
        (i128::from(initial) * i128::from(pct) / 100).min(256) as u32
    } else if !(0..=256).contains(&value) {
        return Err(WeightError::OutOfRange);
    } else if !rest.is_empty() {
        return Err(WeightError::TrailingGarbage);
    } else {
        value as u32
    };
    if w != 0 && w != initial && !dynamic {
        return Err(WeightError::StaticAlgorithm);
    }
    Ok(w)
}

/// `strtol(text, &end, 10)`: leading blanks, a sign, digits; `None` when no digit was read.
/// Saturates instead of overflowing, as strtol does.
fn leading_integer(text: &str) -> Option<(i64, &str)> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for b in t[..digits].bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some((if neg { -v } else { v }, &t[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_and_relative_as_haproxy() {
        // Values seen on HAProxy 2.6 with `set weight b/t ..` on a server of weight 20.
        assert_eq!(parse_weight_change("50", 20, true), Ok(50));
        assert_eq!(parse_weight_change("50%", 20, true), Ok(10));
        assert_eq!(parse_weight_change("2000%", 20, true), Ok(256));
        assert_eq!(parse_weight_change("100%", 20, true), Ok(20));
        assert_eq!(parse_weight_change("0", 20, true), Ok(0));
        assert_eq!(parse_weight_change("256", 20, true), Ok(256));
        assert_eq!(
            parse_weight_change("99999999999999999999%", 1, true),
            Ok(256)
        );
    }

    #[test]
    fn errors_have_haproxys_words() {
        let e = |t: &str| parse_weight_change(t, 20, true).unwrap_err().to_string();
        assert_eq!(
            e("300"),
            "Absolute weight can only be between 0 and 256 inclusive."
        );
        assert_eq!(
            e("-1"),
            "Absolute weight can only be between 0 and 256 inclusive."
        );
        assert_eq!(e("abc"), "Empty weight string empty or preceded by garbage");
        assert_eq!(e(""), "Require <weight> or <weight%>.");
        assert_eq!(e("-5%"), "Relative weight must be positive.");
        assert_eq!(e("5x"), "Trailing garbage in weight string");
        assert_eq!(e("5%%"), "Trailing garbage in weight string");
        assert!(!WeightError::NotANumber.ends_with_newline());
        assert!(WeightError::OutOfRange.ends_with_newline());
    }

    #[test]
    fn static_algorithms_take_only_zero_and_initial() {
        assert_eq!(
            parse_weight_change("5", 1, false),
            Err(WeightError::StaticAlgorithm)
        );
        assert_eq!(parse_weight_change("0", 1, false), Ok(0));
        assert_eq!(parse_weight_change("100%", 1, false), Ok(1));
        assert_eq!(parse_weight_change("1", 1, false), Ok(1));
    }

    #[test]
    fn which_algorithms_are_dynamic() {
        let cfg = haproxy_cfg::parse_str(
            "t.cfg",
            "backend rr\n server a 127.0.0.1:1\nbackend st\n balance static-rr\n server a 127.0.0.1:1\nbackend src\n balance source\n server a 127.0.0.1:1\nbackend srcc\n balance source\n hash-type consistent\n server a 127.0.0.1:1\nbackend lc\n balance leastconn\n server a 127.0.0.1:1\n",
        )
        .expect("parses")
        .config;
        let dynamic: Vec<bool> = cfg.proxies.iter().map(dynamic_weights).collect();
        assert_eq!(dynamic, vec![true, false, false, true, true]);
    }
}
