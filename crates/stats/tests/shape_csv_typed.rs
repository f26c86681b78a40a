//! The CSV and typed renderers against the output of a real HAProxy 2.6.12 (tests/data/).

mod common;

use std::collections::BTreeSet;

#[test]
fn csv_header_is_byte_equal_to_haproxy_26() {
    let ours = stats::csv::render(&common::snapshot());
    let theirs = common::fixture("show_stat.csv");
    assert_eq!(ours.lines().next(), theirs.lines().next());
    assert_eq!(
        stats::csv::header(),
        format!("{}\n", theirs.lines().next().unwrap_or(""))
    );
}

/// Which columns a row fills: the shape HAProxy gives each kind of row.
fn filled(line: &str) -> Vec<bool> {
    line.split(',').map(|c| !c.is_empty()).collect()
}

#[test]
fn csv_rows_fill_the_same_columns_as_haproxy() {
    let ours = stats::csv::render(&common::snapshot());
    let theirs = common::fixture("page.csv");
    let ours: Vec<&str> = ours.lines().skip(1).collect();
    let theirs: Vec<&str> = theirs.lines().skip(1).collect();
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(theirs.iter()) {
        let (of, tf) = (filled(o), filled(t));
        assert_eq!(
            of.len(),
            tf.len(),
            "column count\n ours: {o}\n haproxy: {t}"
        );
        let header = common::fixture("show_stat.csv");
        let names: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
        let diff: Vec<String> = of
            .iter()
            .zip(tf.iter())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, _))| {
                format!(
                    "{}({})",
                    names.get(i).unwrap_or(&"?"),
                    if *a { "ours only" } else { "haproxy only" }
                )
            })
            .collect();
        assert!(
            diff.is_empty(),
            "row {}: {diff:?}",
            &o[..o.find(',').map_or(0, |i| i + 10).min(o.len())]
        );
        // Identity columns are equal.
        assert_eq!(
            o.split(',').take(2).collect::<Vec<_>>(),
            t.split(',').take(2).collect::<Vec<_>>()
        );
    }
}

/// `(letter.iid.sid, pos, name, tags, type)` of every typed line, value left out.
fn typed_shape(text: &str) -> BTreeSet<(String, String, String, String)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let key = parts.next().unwrap_or("");
            let tags = parts.next().unwrap_or("").to_string();
            let ty = parts.next().unwrap_or("").to_string();
            let id: Vec<&str> = key.splitn(6, '.').collect();
            (id[..3.min(id.len())].join("."), id[3..].join("."), tags, ty)
        })
        .collect()
}

#[test]
fn typed_lines_have_haproxy_positions_tags_and_types() {
    let ours = typed_shape(&stats::typed::render(&common::snapshot(), false));
    let theirs = typed_shape(&common::fixture("show_stat_typed.txt"));
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "only ours: {only_ours:#?}\nonly haproxy: {only_theirs:#?}"
    );
}

#[test]
fn typed_desc_appends_the_description() {
    let text = stats::typed::render(&common::snapshot(), true);
    let first = text.lines().next().unwrap_or("");
    assert_eq!(first, "F.2.0.0.pxname.1:KNS:str:web:\"Proxy name\"");
}

#[test]
fn csv_quotes_hostile_names_and_typed_keeps_one_line() {
    let snap = common::snapshot_named("a,b", "x\"y", "line\nbreak");
    let csv = stats::csv::render(&snap);
    assert!(csv.contains("\n\"a,b\",FRONTEND,"));
    assert!(csv.contains("\n\"x\"\"y\",\"line\nbreak\","));
    let typed = stats::typed::render(&snap, false);
    assert!(
        typed.lines().all(|l| l.starts_with(['F', 'B', 'S'])),
        "{typed}"
    );
}

#[test]
fn show_info_has_haproxy_fields_in_order() {
    let info = common::snapshot().info;
    let names = |t: &str| -> Vec<String> {
        t.lines()
            .filter_map(|l| {
                l.split_once(": ")
                    .map(|(n, _)| n.to_string())
                    .or_else(|| l.strip_suffix(':').map(str::to_string))
            })
            .collect()
    };
    assert_eq!(
        names(&stats::info::render(&info)),
        names(&common::fixture("show_info.txt"))
    );
    let shape = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.splitn(3, ':').take(2).collect::<Vec<_>>().join(":"))
            .collect()
    };
    let ours = stats::info::render_typed(&info);
    let theirs = common::fixture("show_info_typed.txt");
    assert_eq!(shape(&ours), shape(&theirs));
    assert!(stats::info::render(&info).contains("Uptime: 0d 0h00m11s\n"));
}

#[test]
fn csv_config_and_state_columns_equal_haproxy_for_the_same_setup() {
    let header = common::fixture("show_stat.csv");
    let names: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
    let ours = stats::csv::render(&common::snapshot());
    let theirs = common::fixture("page.csv");
    let same = [
        "pxname",
        "svname",
        "status",
        "weight",
        "act",
        "bck",
        "pid",
        "iid",
        "sid",
        "type",
        "check_status",
        "check_desc",
        "last_chk",
        "check_rise",
        "check_fall",
        "check_health",
        "addr",
        "mode",
        "algo",
        "slim",
        "uweight",
    ];
    for (o, t) in ours.lines().skip(1).zip(theirs.lines().skip(1)) {
        let (oc, tc): (Vec<&str>, Vec<&str>) = (o.split(',').collect(), t.split(',').collect());
        for col in same {
            let i = names
                .iter()
                .position(|n| *n == col || *n == format!("# {col}"))
                .unwrap_or(0);
            assert_eq!(oc.get(i), tc.get(i), "{col} of {}/{}", tc[0], tc[1]);
        }
    }
}
