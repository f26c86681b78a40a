//! The HTML stats page: HAProxy's structure and colours, the view options, the admin form,
//! and names that try to inject markup.

mod common;

use stats::admin::StatusCode;
use stats::html::{parse_page_request, render_page, PageFormat, PageOptions, PageRequest};

fn opts() -> PageOptions {
    PageOptions {
        uri: "/stats".into(),
        refresh_sec: Some(10),
        show_legends: true,
        node: Some("vm".into()),
        admin: true,
        ..Default::default()
    }
}

fn page(opts: &PageOptions, target: &str) -> String {
    let req = parse_page_request(target, &opts.uri).expect("a stats request");
    render_page(&common::snapshot(), opts, &req).body
}

/// The `class` of every `<tr>` of the proxy tables, in order.
fn row_classes(html: &str) -> Vec<String> {
    html.split("<tr class=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or("").to_string())
        .filter(|c| c != "titre")
        .collect()
}

#[test]
fn rows_are_coloured_like_haproxy() {
    let ours = page(&opts(), "/stats");
    let theirs = common::fixture("page.html");
    assert_eq!(row_classes(&ours), row_classes(&theirs));
    assert_eq!(
        row_classes(&ours),
        [
            "frontend",
            "active_up",
            "active_no_check",
            "backup_down",
            "backend",
            "frontend",
            "backend"
        ]
    );
}

#[test]
fn has_haproxy_column_groups_and_balanced_markup() {
    let html = page(&opts(), "/stats");
    for group in [
        "Queue",
        "Session rate",
        "Sessions",
        "Bytes",
        "Denied",
        "Errors",
        "Warnings",
        "Server",
    ] {
        assert!(html.contains(&format!(">{group}</th>")), "{group}");
    }
    for col in [
        "Status", "LastChk", "Wght", "Act", "Bck", "Chk", "Dwn", "Dwntme", "Thrtle",
    ] {
        assert!(html.contains(&format!("<th>{col}</th>")), "{col}");
    }
    for (open, close) in [
        ("<table", "</table>"),
        ("<tr", "</tr>"),
        ("<form", "</form>"),
        ("<u>", "</u>"),
    ] {
        assert_eq!(
            html.matches(open).count(),
            html.matches(close).count(),
            "{open}"
        );
    }
    assert!(html.contains("<td class=ac>10s UP</td>"));
    assert!(html.contains(
        " L4CON in 0ms<div class=tips>Layer4 connection problem: Connection refused</div>"
    ));
    assert!(html.contains("<title>Statistics Report for HAProxy on vm</title>"));
}

#[test]
fn latency_percentiles_are_shown_for_servers_and_backends() {
    let html = page(&opts(), "/stats");
    assert!(html.contains("Latency p50/p90/p99"));
    // s1 and the backend saw response times 1, 2, 3 ms and total times 2, 3, 4 ms.
    assert!(
        html.contains("<u>2 / 3 / 3<div class=tips>"),
        "response percentiles"
    );
    assert!(
        html.contains("<u>3 / 4 / 4<div class=tips>"),
        "total percentiles"
    );
}

#[test]
fn refresh_meta_follows_stats_refresh_and_norefresh() {
    let meta = "<meta http-equiv=\"refresh\" content=\"10\">";
    assert!(page(&opts(), "/stats").contains(meta));
    assert!(!page(&opts(), "/stats;norefresh").contains(meta));
    let no_refresh = PageOptions {
        refresh_sec: None,
        ..opts()
    };
    assert!(!page(&no_refresh, "/stats").contains("http-equiv"));
}

#[test]
fn up_hides_servers_that_are_not_up() {
    let html = page(&opts(), "/stats;up");
    assert!(html.contains("value=\"s1\""));
    assert!(html.contains("value=\"s2\""));
    assert!(!html.contains("value=\"s3\""));
    assert!(html.contains("Show all servers"));
    let csv = render_page(
        &common::snapshot(),
        &opts(),
        &parse_page_request("/stats;csv;up", "/stats").expect("stats request"),
    );
    assert_eq!(csv.content_type, "text/plain");
    assert!(!csv.body.contains("\napp,s3,"));
}

#[test]
fn scope_limits_the_proxies() {
    let scoped = PageOptions {
        scope: vec!["app".into()],
        ..opts()
    };
    let html = page(&scoped, "/stats");
    assert!(html.contains("href=\"#app\""));
    assert!(!html.contains("href=\"#web\""));
    let html = page(&opts(), "/stats?scope=ta");
    assert!(html.contains("href=\"#stats\""));
    assert!(!html.contains("href=\"#app\""));
    assert!(
        html.contains("name=\"scope\" value=\"ta\"")
            || html.contains("value=\"ta\" name=\"scope\"")
    );
}

#[test]
fn admin_form_posts_server_action_and_backend_id() {
    let html = page(&opts(), "/stats");
    assert_eq!(
        html.matches("<form method=\"post\">").count(),
        1,
        "only app has servers"
    );
    for s in ["s1", "s2", "s3"] {
        assert!(html.contains(&format!("type=\"checkbox\" name=\"s\" value=\"{s}\"")));
    }
    for action in ["ready", "drain", "maint", "dhlth", "ehlth", "shutdown"] {
        assert!(
            html.contains(&format!("<option value=\"{action}\">")),
            "{action}"
        );
    }
    assert!(html.contains("<input type=\"hidden\" name=\"b\" value=\"#3\">"));
    let read_only = PageOptions {
        admin: false,
        ..opts()
    };
    let html = page(&read_only, "/stats");
    assert!(!html.contains("<form method=\"post\">"));
    assert!(!html.contains("name=\"s\""));
}

#[test]
fn admin_result_is_announced() {
    assert!(page(&opts(), "/stats;st=DONE").contains("Action processed successfully."));
    assert!(page(&opts(), "/stats;st=ERRP").contains("class=msg_err"));
    assert!(!page(&opts(), "/stats").contains("class=msg_"));
    let req = PageRequest {
        status: Some(StatusCode::Done),
        ..Default::default()
    };
    assert_eq!(req.format, PageFormat::Html);
}

#[test]
fn hide_version_hides_version_and_process_details() {
    let hidden = PageOptions {
        hide_version: true,
        ..opts()
    };
    let html = page(&hidden, "/stats");
    assert!(!html.contains("2.6.12"));
    assert!(!html.contains("12558"));
    assert!(page(&opts(), "/stats").contains("version 2.6.12-1+deb12u4"));
}

#[test]
fn names_cannot_inject_markup() {
    let snap = common::snapshot_named(
        "<b id=inj>",
        "\"><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
    );
    let opts = PageOptions {
        node: Some("<i id=inj>node</i>".into()),
        desc: Some("<marquee>".into()),
        ..opts()
    };
    for target in ["/stats", "/stats?scope=%3Cb%20id%3Dinj%3E"] {
        let req = parse_page_request(target, "/stats").expect("stats request");
        let html = render_page(&snap, &opts, &req).body;
        for bad in ["<b id=inj>", "<script>", "<img", "<i id=inj>", "<marquee>"] {
            assert!(!html.contains(bad), "{bad} reached the page via {target}");
        }
        if target == "/stats" {
            assert!(html.contains("&lt;b id=inj&gt;"));
            assert!(html.contains("value=\"&lt;img src=x onerror=alert(1)&gt;\""));
        }
    }
}
