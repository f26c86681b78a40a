//! The block structure: pieces from the `reader` become a tree of statements. A statement is
//! one line of words; when the next piece is `{` (on the same line or the next one) the
//! statement owns the block up to the matching `}`. Brace errors are reported here, with
//! the line of the brace that is missing its partner.

use crate::diag::{Diags, Loc};
use crate::reader::Item;
use crate::words::{split_words, Piece};

/// One statement: its words (quotes removed), the text they came from, and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub loc: Loc,
    pub words: Vec<String>,
    /// The line after comments, substitution and brace split: scripts re-split it with
    /// keepalived's shell-like quoting.
    pub text: String,
    pub block: Option<Vec<Node>>,
}

impl Node {
    pub fn keyword(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(String::as_str)
    }

    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }

    pub fn children(&self) -> &[Node] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// Builds the statement tree. Brace errors are diagnostics; the tree is always returned.
pub(crate) fn build(items: &[Item], diags: &mut Diags) -> Vec<Node> {
    let mut pos = 0;
    let (nodes, _) = block(items, &mut pos, diags, None, 0);
    nodes
}

/// Deepest block nesting read. keepalived's own configurations nest four deep at most
/// (`virtual_server` → `real_server` → `HTTP_GET` → `url`); the bound keeps hostile input
/// (thousands of `{`, or a parameter expanding to them) from exhausting the stack.
const MAX_DEPTH: u32 = 32;

/// Skips a block nested deeper than [`MAX_DEPTH`] up to its matching `}`, without recursion.
/// Returns whether the `}` was found.
fn skip_block(items: &[Item], pos: &mut usize) -> bool {
    let mut open = 1u64;
    while let Some(item) = items.get(*pos) {
        *pos += 1;
        match item.piece {
            Piece::Open => open += 1,
            Piece::Close => {
                open -= 1;
                if open == 0 {
                    return true;
                }
            }
            Piece::Text(_) => {}
        }
    }
    false
}

/// Reads statements until the `}` closing the block opened at `open` (or end of input at top
/// level). Returns the statements and whether the closing brace was found.
fn block(
    items: &[Item],
    pos: &mut usize,
    diags: &mut Diags,
    open: Option<Loc>,
    depth: u32,
) -> (Vec<Node>, bool) {
    let mut nodes: Vec<Node> = Vec::new();
    if depth > MAX_DEPTH {
        if let Some(at) = open {
            diags.error(
                at,
                format!("Blocks nested more than {MAX_DEPTH} deep - block ignored"),
            );
        }
        return (nodes, skip_block(items, pos));
    }
    while let Some(item) = items.get(*pos) {
        *pos += 1;
        match &item.piece {
            Piece::Close => {
                if open.is_some() {
                    return (nodes, true);
                }
                diags.error(item.loc, "Extra '}' found");
            }
            Piece::Open => {
                diags.error(
                    item.loc,
                    "Unexpected '{' - a block must follow a keyword; block ignored",
                );
                let _ = block(items, pos, diags, Some(item.loc), depth + 1);
            }
            Piece::Text(text) => {
                let words = match split_words(text) {
                    Ok(w) => w,
                    Err(_) => {
                        // keepalived keeps the words before the quote; acting on half a
                        // statement helps nobody, so the statement is dropped (and refused).
                        diags.error(
                            item.loc,
                            format!("Unmatched quote: '{text}' - statement ignored"),
                        );
                        Vec::new()
                    }
                };
                let mut node = Node {
                    loc: item.loc,
                    words,
                    text: text.clone(),
                    block: None,
                };
                if let Some(Item {
                    piece: Piece::Open,
                    loc: open_loc,
                }) = items.get(*pos)
                {
                    *pos += 1;
                    let (children, closed) = block(items, pos, diags, Some(*open_loc), depth + 1);
                    if !closed {
                        diags.error(
                            *open_loc,
                            format!(
                                "Missing '}}' for the block of '{}' opened here",
                                node.words.first().map(String::as_str).unwrap_or("")
                            ),
                        );
                    }
                    node.block = Some(children);
                }
                if !node.words.is_empty() {
                    nodes.push(node);
                }
            }
        }
    }
    (nodes, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(lines: &[(u32, Piece)]) -> Vec<Item> {
        lines
            .iter()
            .map(|(l, p)| Item {
                loc: Loc { file: 0, line: *l },
                piece: p.clone(),
            })
            .collect()
    }

    fn diags() -> Diags {
        let mut d = Diags::default();
        d.add_file("k.conf".into());
        d
    }

    #[test]
    fn hostile_nesting_is_bounded_not_a_stack_overflow() {
        use Piece::*;
        let mut lines = Vec::new();
        for i in 0..100_000u32 {
            lines.push((i + 1, Text("a".into())));
            lines.push((i + 1, Open));
        }
        for i in 0..100_000u32 {
            lines.push((200_000 + i, Close));
        }
        lines.push((400_000, Text("after 1".into())));
        let it = items(&lines);
        let mut d = diags();
        let nodes = build(&it, &mut d);
        // The shallow part is kept, the rest skipped up to its brace, and what follows read.
        assert_eq!(nodes.len(), 2, "{nodes:?}");
        assert_eq!(nodes[1].words, vec!["after", "1"]);
        let mut depth = 0;
        let mut n = &nodes[0];
        while let Some(c) = n.children().first() {
            depth += 1;
            n = c;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert!(d.has_errors());
    }

    #[test]
    fn brace_on_next_line_opens_the_block() {
        use Piece::*;
        let it = items(&[
            (1, Text("vrrp_instance VI_1".into())),
            (2, Open),
            (3, Text("priority 100".into())),
            (4, Close),
            (5, Text("x".into())),
        ]);
        let mut d = diags();
        let tree = build(&it, &mut d);
        assert!(d.list.is_empty());
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].children()[0].words, vec!["priority", "100"]);
    }

    #[test]
    fn unbalanced_braces_point_at_the_brace() {
        use Piece::*;
        let it = items(&[(1, Text("a".into())), (1, Open), (2, Text("b".into()))]);
        let mut d = diags();
        build(&it, &mut d);
        assert_eq!(d.list.len(), 1);
        assert_eq!(d.list[0].line, 1);
        assert!(d.list[0].message.contains("Missing '}'"));

        let it = items(&[(1, Text("a".into())), (2, Close)]);
        let mut d = diags();
        build(&it, &mut d);
        assert_eq!(d.list[0].line, 2);
        assert_eq!(d.list[0].message, "Extra '}' found");
    }
}
