//! Escaping for the text formats: CSV cells, JSON strings, HTML text and attributes,
//! Prometheus label values. Names come from the configuration and can hold anything.

use std::fmt::Write;

/// A CSV cell: quoted (with `"` doubled) only when it holds a comma, quote or line break.
pub(crate) fn csv(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// A JSON string body (without the surrounding quotes).
pub(crate) fn json(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// HTML text or a double-quoted attribute value.
pub(crate) fn html(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

pub(crate) fn html_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    html(&mut out, s);
    out
}

/// A Prometheus label value (text exposition format 0.0.4: `\\`, `\"`, `\n`).
pub(crate) fn prom_label(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A one-line text for typed output: line breaks would start a fake record.
pub(crate) fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(s.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_format_neutralises_its_specials() {
        let mut s = String::new();
        super::csv(&mut s, "a,\"b\"");
        assert_eq!(s, "\"a,\"\"b\"\"\"");
        let mut s = String::new();
        super::json(&mut s, "q\"\\\n\u{1}");
        assert_eq!(s, "q\\\"\\\\\\n\\u0001");
        assert_eq!(
            super::html_string("<b a='x'>&"),
            "&lt;b a=&#39;x&#39;&gt;&amp;"
        );
        let mut s = String::new();
        super::prom_label(&mut s, "a\"b\\c\nd");
        assert_eq!(s, "a\\\"b\\\\c\\nd");
        assert_eq!(super::one_line("a\nb"), "a b");
    }
}
