//! docs/compat-haproxy.md is generated from the keyword tables; this fails when it is stale.
//! Regenerate with `HALB_BLESS=1 cargo test -p haproxy-cfg --test docs`.

#[test]
fn compatibility_page_matches_the_keyword_tables() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/compat-haproxy.md");
    let want = haproxy_cfg::keywords::compat_markdown();
    if std::env::var("HALB_BLESS").is_ok() {
        std::fs::write(&path, &want).expect("write docs page");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run HALB_BLESS=1 cargo test -p haproxy-cfg --test docs",
        path.display()
    );
}
