//! `show stat` and the page's `;csv`: HAProxy 2.6's CSV, header `# pxname,svname,…` with the
//! `-` marker column before the module fields, one line per row, every line ending in `,`.

use crate::escape;
use crate::fields::{StatField, STATIC_FIELD_COUNT};
use crate::snapshot::{Snapshot, StatRow};
use crate::value::Value;

/// The header line, newline included.
pub fn header() -> String {
    let mut out = String::from("# ");
    for (i, f) in StatField::ALL.iter().enumerate() {
        out.push_str(f.name());
        out.push(',');
        if i + 1 == STATIC_FIELD_COUNT {
            out.push_str("-,");
        }
    }
    out.push('\n');
    out
}

/// One row, newline included.
pub fn row(out: &mut String, row: &StatRow) {
    for (i, (_, v)) in row.values().enumerate() {
        match v {
            Value::Str(s) => escape::csv(out, s),
            v => out.push_str(&v.to_string()),
        }
        out.push(',');
        if i + 1 == STATIC_FIELD_COUNT {
            out.push_str("-,");
        }
    }
    out.push('\n');
}

/// The whole body as the page's `;csv` serves it: header then rows. The CLI's `show stat`
/// is the same text followed by the blank line that ends every CLI answer (the caller adds it).
pub fn render(snap: &Snapshot) -> String {
    let mut out = header();
    for r in &snap.rows {
        row(&mut out, r);
    }
    out
}
