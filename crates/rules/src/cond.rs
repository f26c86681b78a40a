//! Conditions (configuration manual 7.2): `if|unless` followed by ACL names in disjunctive
//! form — implicit AND, `||`/`or`, `!` — with anonymous ACLs in `{ … }`. Compiled to a list
//! of AND-groups of ACL indexes; evaluation short-circuits.

use crate::acl::MatchBufs;
use crate::error::CompileErrorKind;
use crate::sample::Ctx;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Term {
    pub acl: u32,
    pub negate: bool,
}

/// A compiled `if`/`unless` condition.
#[derive(Debug, Clone, Default)]
pub(crate) struct Condition {
    pub unless: bool,
    /// OR of ANDs.
    pub groups: Vec<Vec<Term>>,
}

/// Resolves an ACL name, or compiles an anonymous ACL's words, to an index in the rule set.
pub(crate) trait AclResolver {
    fn named(&mut self, name: &str) -> Result<u32, CompileErrorKind>;
    fn anonymous(&mut self, words: &[String]) -> Result<u32, CompileErrorKind>;
}

impl Condition {
    /// Parses `words` (starting with `if` or `unless`); an empty slice is "always".
    pub fn parse(
        words: &[String],
        acls: &mut dyn AclResolver,
    ) -> Result<Option<Condition>, CompileErrorKind> {
        let Some((kw, rest)) = words.split_first() else {
            return Ok(None);
        };
        let unless = match kw.as_str() {
            "if" => false,
            "unless" => true,
            other => {
                return Err(CompileErrorKind::BadCondition(format!(
                    "expects 'if' or 'unless' followed by a condition but found '{other}'"
                )))
            }
        };
        if rest.is_empty() {
            return Err(CompileErrorKind::BadCondition(format!(
                "missing condition after '{kw}'"
            )));
        }
        let mut groups = vec![Vec::new()];
        let mut i = 0;
        let mut negate = false;
        while let Some(w) = rest.get(i) {
            i += 1;
            match w.as_str() {
                "||" | "or" => {
                    if negate || groups.last().is_some_and(Vec::is_empty) {
                        return Err(CompileErrorKind::BadCondition(format!(
                            "missing ACL before '{w}'"
                        )));
                    }
                    groups.push(Vec::new());
                }
                "!" => negate = !negate,
                word if word.trim_start_matches('!') == "{" => {
                    // `!{` is as common as `! {` (`redirect scheme https if !{ ssl_fc }`).
                    if (word.len() - 1) % 2 == 1 {
                        negate = !negate;
                    }
                    let close = rest[i..].iter().position(|w| w == "}").ok_or_else(|| {
                        CompileErrorKind::BadCondition("missing closing '}' in condition".into())
                    })?;
                    let acl = acls.anonymous(&rest[i..i + close])?;
                    i += close + 1;
                    push(&mut groups, acl, &mut negate);
                }
                "}" => {
                    return Err(CompileErrorKind::BadCondition(
                        "unexpected '}' in condition".into(),
                    ))
                }
                name => {
                    let mut name = name;
                    while let Some(n) = name.strip_prefix('!') {
                        negate = !negate;
                        name = n;
                    }
                    if name.is_empty() {
                        continue;
                    }
                    let acl = acls.named(name)?;
                    push(&mut groups, acl, &mut negate);
                }
            }
        }
        if negate || groups.last().is_some_and(Vec::is_empty) {
            return Err(CompileErrorKind::BadCondition(
                "condition ends with an operator".into(),
            ));
        }
        Ok(Some(Condition { unless, groups }))
    }

    /// Evaluates the condition; `acl(i)` evaluates ACL `i`.
    pub fn eval(&self, ctx: &Ctx<'_>, bufs: &mut MatchBufs, acls: &[crate::acl::Acl]) -> bool {
        let hit = self.groups.iter().any(|group| {
            group.iter().all(|t| {
                let m = acls
                    .get(t.acl as usize)
                    .is_some_and(|a| a.matches(ctx, bufs));
                m != t.negate
            })
        });
        hit != self.unless
    }
}

fn push(groups: &mut [Vec<Term>], acl: u32, negate: &mut bool) {
    if let Some(g) = groups.last_mut() {
        g.push(Term {
            acl,
            negate: *negate,
        });
    }
    *negate = false;
}
