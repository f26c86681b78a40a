//! Conditional blocks (configuration manual 2.4): `.if`, `.elif`, `.else`, `.endif`, and the
//! expression language they take (`defined()`, `feature()`, `streq()`, `strneq()`,
//! `version_atleast()`, `version_before()`, integers, `!`, `&&`, `||`, parentheses).

use crate::lex::Env;

/// The HAProxy version whose configuration language halb speaks; `version_atleast()` and
/// `version_before()` compare against it.
pub const COMPAT_VERSION: &str = "2.6";

/// Build features `feature(NAME)` reports as present.
pub const FEATURES: &[&str] = &[
    "LINUX_SPLICE",
    "REUSEPORT",
    "TPROXY",
    "LIBCRYPT",
    "THREAD",
    "TFO",
];

/// Tracks which lines are live while `.if` blocks nest.
#[derive(Debug, Default)]
pub struct CondStack {
    frames: Vec<Frame>,
}

#[derive(Debug)]
struct Frame {
    /// Whether lines in the current branch are live.
    live: bool,
    /// Whether some branch of this block was already taken.
    taken: bool,
    /// Whether the enclosing level is live.
    parent_live: bool,
    seen_else: bool,
}

impl CondStack {
    /// Whether ordinary lines are to be parsed right now.
    pub fn live(&self) -> bool {
        self.frames.last().is_none_or(|f| f.live)
    }

    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    pub fn push_if(&mut self, cond: bool) {
        let parent_live = self.live();
        self.frames.push(Frame {
            live: parent_live && cond,
            taken: cond,
            parent_live,
            seen_else: false,
        });
    }

    /// `.elif`; `cond` is only evaluated by the caller when it can matter.
    pub fn elif(&mut self, cond: impl FnOnce() -> Result<bool, String>) -> Result<(), String> {
        let f = self
            .frames
            .last_mut()
            .ok_or("'.elif' without matching '.if'")?;
        if f.seen_else {
            return Err("'.elif' after '.else' is not permitted".into());
        }
        if f.taken || !f.parent_live {
            f.live = false;
        } else {
            let c = cond()?;
            f.live = c;
            f.taken = c;
        }
        Ok(())
    }

    pub fn else_(&mut self) -> Result<(), String> {
        let f = self
            .frames
            .last_mut()
            .ok_or("'.else' without matching '.if'")?;
        if f.seen_else {
            return Err("'.else' after '.else' is not permitted".into());
        }
        f.seen_else = true;
        f.live = f.parent_live && !f.taken;
        f.taken = true;
        Ok(())
    }

    pub fn endif(&mut self) -> Result<(), String> {
        self.frames
            .pop()
            .map(|_| ())
            .ok_or_else(|| "'.endif' without matching '.if'".to_string())
    }
}

/// Evaluates the words of a `.if`/`.elif` condition.
pub fn eval(words: &[String], env: &dyn Env) -> Result<bool, String> {
    let text = words.join(" ");
    let mut p = CondParser {
        s: text.as_bytes(),
        pos: 0,
        env,
    };
    p.skip_blanks();
    if p.at_end() {
        return Ok(false);
    }
    let v = p.or_expr()?;
    p.skip_blanks();
    if !p.at_end() {
        return Err(format!(
            "unexpected '{}' in condition '{}'",
            String::from_utf8_lossy(&p.s[p.pos..]),
            text
        ));
    }
    Ok(v)
}

struct CondParser<'a> {
    s: &'a [u8],
    pos: usize,
    env: &'a dyn Env,
}

impl CondParser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn skip_blanks(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.skip_blanks();
        if self.s[self.pos..].starts_with(tok.as_bytes()) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    // Both operands are always parsed (so syntax errors surface), then combined; evaluation has
    // no side effects, so order does not matter.
    fn or_expr(&mut self) -> Result<bool, String> {
        let mut v = self.and_expr()?;
        while self.eat("||") {
            let r = self.and_expr()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and_expr(&mut self) -> Result<bool, String> {
        let mut v = self.unary()?;
        while self.eat("&&") {
            let r = self.unary()?;
            v = v && r;
        }
        Ok(v)
    }

    fn unary(&mut self) -> Result<bool, String> {
        if self.eat("!") {
            return Ok(!self.unary()?);
        }
        if self.eat("(") {
            let v = self.or_expr()?;
            if !self.eat(")") {
                return Err("missing ')' in condition".into());
            }
            return Ok(v);
        }
        self.term()
    }

    fn term(&mut self) -> Result<bool, String> {
        self.skip_blanks();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-' || *c == b'.')
        {
            self.pos += 1;
        }
        let word = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        if word.is_empty() {
            return Err("expected a predicate or a number in condition".into());
        }
        if word.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
            return word
                .parse::<i64>()
                .map(|n| n != 0)
                .map_err(|_| format!("invalid number '{word}' in condition"));
        }
        if !self.eat("(") {
            return Err(format!(
                "unknown term '{word}' in condition (expected a predicate followed by '(')"
            ));
        }
        let close = self.s[self.pos..]
            .iter()
            .position(|&c| c == b')')
            .ok_or_else(|| format!("missing ')' after '{word}('"))?;
        let inner = String::from_utf8_lossy(&self.s[self.pos..self.pos + close]).into_owned();
        self.pos += close + 1;
        let args: Vec<&str> = if inner.is_empty() {
            Vec::new()
        } else {
            inner.split(',').map(str::trim).collect()
        };
        self.predicate(&word, &args)
    }

    fn predicate(&self, name: &str, args: &[&str]) -> Result<bool, String> {
        let want = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "'{name}' expects {n} argument(s), got {}",
                    args.len()
                ))
            }
        };
        match name {
            "defined" => {
                want(1)?;
                Ok(self.env.var(args[0]).is_some())
            }
            "feature" => {
                want(1)?;
                Ok(FEATURES.contains(&args[0]))
            }
            "streq" => {
                want(2)?;
                Ok(args[0] == args[1])
            }
            "strneq" => {
                want(2)?;
                Ok(args[0] != args[1])
            }
            "version_atleast" => {
                want(1)?;
                Ok(compare_versions(COMPAT_VERSION, args[0]) != std::cmp::Ordering::Less)
            }
            "version_before" => {
                want(1)?;
                Ok(compare_versions(COMPAT_VERSION, args[0]) == std::cmp::Ordering::Less)
            }
            _ => Err(format!(
                "unknown predicate '{name}' in condition (expected defined, feature, streq, strneq, version_atleast or version_before)"
            )),
        }
    }
}

/// Compares dotted versions; a `-dev`/`-rc` suffix sorts before the release, missing parts are 0.
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(v: &str) -> (Vec<u64>, bool) {
        let (num, pre) = match v.find('-') {
            Some(p) => (&v[..p], true),
            None => (v, false),
        };
        (
            num.split('.').map(|x| x.parse().unwrap_or(0)).collect(),
            pre,
        )
    }
    let (pa, prea) = parts(a);
    let (pb, preb) = parts(b);
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or(0);
        let y = pb.get(i).copied().unwrap_or(0);
        if x != y {
            return x.cmp(&y);
        }
    }
    // A pre-release is older than the release it precedes.
    preb.cmp(&prea)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ev(s: &str) -> Result<bool, String> {
        let mut env = HashMap::new();
        env.insert("SET".to_string(), "1".to_string());
        let words: Vec<String> = s.split(' ').map(str::to_string).collect();
        eval(&words, &env)
    }

    #[test]
    fn predicates_and_operators() {
        assert_eq!(ev("defined(SET)"), Ok(true));
        assert_eq!(ev("defined(UNSET)"), Ok(false));
        assert_eq!(ev("!defined(UNSET)"), Ok(true));
        assert_eq!(ev("streq(a,a) && strneq(a,b)"), Ok(true));
        assert_eq!(ev("0 || 1 && 0"), Ok(false));
        assert_eq!(ev("1 || 1 && 0"), Ok(true));
        assert_eq!(ev("(1 || 1) && 0"), Ok(false));
        assert_eq!(ev("version_atleast(2.4-dev19)"), Ok(true));
        assert_eq!(ev("version_before(2.6)"), Ok(false));
        assert_eq!(ev("version_before(2.7)"), Ok(true));
        assert_eq!(ev("feature(OPENSSL)"), Ok(false));
        assert_eq!(ev("feature(TPROXY)"), Ok(true));
        assert_eq!(eval(&[], &HashMap::new()), Ok(false));
        assert_eq!(eval(&["".to_string()], &HashMap::new()), Ok(false));
    }

    #[test]
    fn malformed_conditions_are_errors() {
        assert!(ev("defined(SET").is_err());
        assert!(ev("nosuch(x)").is_err());
        assert!(ev("(1").is_err());
        assert!(ev("1 1").is_err());
        assert!(ev("streq(a)").is_err());
        assert!(ev("word").is_err());
    }

    #[test]
    fn nesting() {
        let mut s = CondStack::default();
        s.push_if(false);
        assert!(!s.live());
        s.push_if(true);
        assert!(!s.live(), "a true .if inside a false one stays dead");
        s.else_().unwrap();
        assert!(!s.live());
        s.endif().unwrap();
        s.elif(|| Ok(true)).unwrap();
        assert!(s.live());
        s.else_().unwrap();
        assert!(!s.live());
        assert!(s.else_().is_err());
        assert!(s.elif(|| Ok(true)).is_err());
        s.endif().unwrap();
        assert!(s.endif().is_err());
        assert!(s.live());
    }
}
