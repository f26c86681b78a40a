//! The weight argument of `set weight` and `set server ... weight` (management manual 9.3).
//!
//! `N` is an absolute weight 0..=256; `N%` is relative to the server's initial weight
//! (the `weight` of its `server` line) and capped at 256. Parsing and its error texts
//! are here; applying the weight is the [`RuntimeTarget`](crate::RuntimeTarget)'s job.

/// A parsed weight request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightSpec {
    /// `N`: this weight, 0..=256.
    Absolute(u32),
    /// `N%`: this percentage of the initial weight (already capped at 25600, as HAProxy does).
    Relative(u32),
}

impl WeightSpec {
    /// The weight to apply to a server whose initial weight is `initial`.
    pub fn resolve(self, initial: u32) -> u32 {
        match self {
            WeightSpec::Absolute(w) => w,
            WeightSpec::Relative(pct) => {
                (u64::from(initial) * u64::from(pct) / 100).min(256) as u32
            }
        }
    }
}

/// Why a weight argument was refused; `Display` is HAProxy's exact text, trailing newline
/// included where HAProxy prints one (two of its messages have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeightError {
    #[error("Require <weight> or <weight%>.\n")]
    Missing,
    #[error("Empty weight string empty or preceded by garbage")]
    NoDigits,
    #[error("Relative weight must be positive.\n")]
    NegativeRelative,
    #[error("Absolute weight can only be between 0 and 256 inclusive.\n")]
    OutOfRange,
    #[error("Trailing garbage in weight string")]
    TrailingGarbage,
}

/// Parses `N` or `N%` with C `strtol` semantics (optional sign, leading blanks).
pub fn parse_weight(s: &str) -> Result<WeightSpec, WeightError> {
    if s.is_empty() {
        return Err(WeightError::Missing);
    }
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let ndigits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if ndigits == 0 {
        return Err(WeightError::NoDigits);
    }
    let magnitude = rest[..ndigits].bytes().fold(0i64, |v, b| {
        v.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    let w = if neg { -magnitude } else { magnitude };
    let end = &rest[ndigits..];
    if end == "%" {
        if w < 0 {
            return Err(WeightError::NegativeRelative);
        }
        return Ok(WeightSpec::Relative(w.min(25600) as u32));
    }
    if !(0..=256).contains(&w) {
        return Err(WeightError::OutOfRange);
    }
    if !end.is_empty() {
        return Err(WeightError::TrailingGarbage);
    }
    Ok(WeightSpec::Absolute(w as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_and_relative_weights() {
        assert_eq!(parse_weight("20"), Ok(WeightSpec::Absolute(20)));
        assert_eq!(parse_weight("0"), Ok(WeightSpec::Absolute(0)));
        assert_eq!(parse_weight("256"), Ok(WeightSpec::Absolute(256)));
        assert_eq!(parse_weight("50%"), Ok(WeightSpec::Relative(50)));
        assert_eq!(parse_weight("99999999%"), Ok(WeightSpec::Relative(25600)));
    }

    #[test]
    fn relative_weight_is_capped_at_256() {
        assert_eq!(WeightSpec::Relative(50).resolve(10), 5);
        assert_eq!(WeightSpec::Relative(1000).resolve(10), 100);
        assert_eq!(WeightSpec::Relative(25600).resolve(100), 256);
        assert_eq!(WeightSpec::Absolute(7).resolve(100), 7);
    }

    // Texts compared with HAProxy 2.6's answers to the same arguments.
    #[test]
    fn errors_have_haproxy_texts() {
        assert_eq!(
            parse_weight("").unwrap_err().to_string(),
            "Require <weight> or <weight%>.\n"
        );
        assert_eq!(
            parse_weight("abc").unwrap_err().to_string(),
            "Empty weight string empty or preceded by garbage"
        );
        assert_eq!(
            parse_weight("-5%").unwrap_err(),
            WeightError::NegativeRelative
        );
        assert_eq!(
            parse_weight("300").unwrap_err().to_string(),
            "Absolute weight can only be between 0 and 256 inclusive.\n"
        );
        assert_eq!(parse_weight("-1").unwrap_err(), WeightError::OutOfRange);
        assert_eq!(
            parse_weight("10x").unwrap_err().to_string(),
            "Trailing garbage in weight string"
        );
        // Out of range is reported before trailing garbage, as HAProxy does.
        assert_eq!(parse_weight("300x").unwrap_err(), WeightError::OutOfRange);
        assert_eq!(
            parse_weight("99999999999999999999999").unwrap_err(),
            WeightError::OutOfRange
        );
    }
}
