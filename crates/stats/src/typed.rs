//! `show stat typed`: one line per non-empty field,
//! `F.<iid>.<sid>.<pos>.<name>.<process>:<tags>:<type>:<value>` (management manual 9.3).

use crate::escape;
use crate::snapshot::{Snapshot, StatRow};

/// One row's lines. With `desc`, each line ends with `:"<description>"` (`show stat typed desc`).
pub fn row(out: &mut String, row: &StatRow, desc: bool) {
    for (f, v) in row.values() {
        let Some(ty) = v.type_name() else { continue };
        let [o, n, s] = row.tags(f).code();
        out.push_str(&format!(
            "{}.{}.{}.{}.{}.1:{o}{n}{s}:{ty}:{}",
            row.obj.letter(),
            row.iid(),
            row.sid(),
            f as usize,
            f.name(),
            escape::one_line(&v.to_string()),
        ));
        if desc {
            out.push_str(&format!(":\"{}\"", f.desc()));
        }
        out.push('\n');
    }
}

/// All rows' lines, one after the other (the CLI adds its closing blank line).
pub fn render(snap: &Snapshot, desc: bool) -> String {
    let mut out = String::new();
    for r in &snap.rows {
        row(&mut out, r, desc);
    }
    out
}
