//! `show stat json` and the page's `;json`: an array of rows, each an array of field objects
//! `{"objType","proxyId","id","field":{"pos","name"},"processNum","tags":{…},"value":{…}}`
//! (HAProxy 2.6's layout; strings are properly escaped, which HAProxy does not do).

use crate::escape;
use crate::snapshot::{Snapshot, StatRow};
use crate::value::{Tags, Value};

/// The largest integer JSON readers keep exact (RFC 7159 section 6); HAProxy drops larger.
const JSON_INT_MAX: u64 = (1 << 53) - 1;

pub(crate) fn tags(out: &mut String, t: Tags) {
    out.push_str(&format!(
        "\"tags\":{{\"origin\":\"{}\",\"nature\":\"{}\",\"scope\":\"{}\"}}",
        t.origin_name(),
        t.nature_name(),
        t.scope_name()
    ));
}

pub(crate) fn value(out: &mut String, v: &Value) {
    match v {
        Value::Empty => {}
        Value::Str(s) => {
            out.push_str(",\"value\":{\"type\":\"str\",\"value\":\"");
            escape::json(out, s);
            out.push_str("\"}");
        }
        v => {
            let n = match v {
                Value::U64(n) if *n > JSON_INT_MAX => JSON_INT_MAX.to_string(),
                v => v.to_string(),
            };
            out.push_str(&format!(
                ",\"value\":{{\"type\":\"{}\",\"value\":{n}}}",
                v.type_name().unwrap_or("u64")
            ));
        }
    }
}

/// One row as a JSON array.
pub fn row(out: &mut String, row: &StatRow) {
    out.push('[');
    let mut first = true;
    for (f, v) in row.values() {
        if v.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&format!(
            "{{\"objType\":\"{}\",\"proxyId\":{},\"id\":{},\"field\":{{\"pos\":{},\"name\":\"{}\"}},\"processNum\":1,",
            row.obj.json_name(),
            row.iid(),
            row.sid(),
            f as usize,
            f.name()
        ));
        tags(out, row.tags(f));
        value(out, v);
        out.push('}');
    }
    out.push(']');
}

/// The whole body, newline-terminated (the CLI adds its closing blank line).
pub fn render(snap: &Snapshot) -> String {
    let mut out = String::from("[");
    for (i, r) in snap.rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        row(&mut out, r);
    }
    out.push_str("]\n");
    out
}
