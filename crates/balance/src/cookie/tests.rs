use super::*;

const NOW: u64 = 1_700_000_000;

fn servers() -> Vec<CookieServer<'static>> {
    vec![
        CookieServer {
            cookie: Some("s1"),
            up: true,
        },
        CookieServer {
            cookie: Some("s2"),
            up: false,
        },
        CookieServer {
            cookie: None,
            up: true,
        },
    ]
}

fn scan(cfg: &CookieConfig, header: &str, persist: bool) -> (RequestCookie, HeaderEdit, String) {
    let mut st = RequestCookie::default();
    let mut out = Vec::new();
    let srv = servers();
    let e = cfg.scan_request_header(
        header.as_bytes(),
        &|i| srv.get(i).copied(),
        persist,
        NOW,
        &mut st,
        &mut out,
    );
    (st, e, String::from_utf8(out).unwrap())
}

fn ctx(cookie: Option<&'static str>, direct: bool, req: RequestCookie) -> ResponseContext<'static> {
    ResponseContext {
        has_server: true,
        server_cookie: cookie,
        direct,
        is_post: false,
        cacheable: true,
        request: req,
    }
}

fn insert(cfg: &CookieConfig, c: &ResponseContext<'_>) -> Option<(String, Insertion)> {
    let mut out = Vec::new();
    let ins = cfg.insert(c, &ResponseCookies::default(), NOW, &mut out)?;
    Some((String::from_utf8(out).unwrap(), ins))
}

fn insert_indirect_nocache() -> CookieConfig {
    CookieConfig {
        indirect: true,
        nocache: true,
        ..CookieConfig::new("SERVERID", CookieMode::Insert)
    }
}

#[test]
fn first_visit_gets_a_cookie_with_its_attributes() {
    let cfg = CookieConfig {
        httponly: true,
        secure: true,
        domains: vec![".example.com".into(), "example.org".into()],
        attrs: vec!["SameSite=Lax".into()],
        ..insert_indirect_nocache()
    };
    let (st, edit, _) = scan(&cfg, "lang=fr", false);
    assert_eq!(
        (st.status, st.server, edit),
        (CookieStatus::None, None, HeaderEdit::Keep)
    );
    let (v, ins) = insert(&cfg, &ctx(Some("s1"), false, st)).unwrap();
    assert_eq!(
        v,
        "SERVERID=s1; path=/; domain=.example.com; domain=example.org; HttpOnly; Secure; SameSite=Lax"
    );
    assert!(ins.cache_private);
}

#[test]
fn nocache_only_marks_cacheable_responses() {
    let cfg = insert_indirect_nocache();
    let mut c = ctx(Some("s1"), false, RequestCookie::default());
    c.cacheable = false;
    assert!(!insert(&cfg, &c).unwrap().1.cache_private);
    let plain = CookieConfig::new("SERVERID", CookieMode::Insert);
    assert!(
        !insert(&plain, &ctx(Some("s1"), false, RequestCookie::default()))
            .unwrap()
            .1
            .cache_private
    );
}

#[test]
fn a_valid_cookie_binds_and_is_not_set_again() {
    let cfg = insert_indirect_nocache();
    let (st, _, _) = scan(&cfg, "SERVERID=s1", false);
    assert_eq!((st.status, st.server), (CookieStatus::Valid, Some(0)));
    assert_eq!(insert(&cfg, &ctx(Some("s1"), true, st)), None);
    // After a redispatch the request is no longer direct: a new cookie is set.
    assert!(insert(&cfg, &ctx(Some("s3"), false, st)).is_some());
}

#[test]
fn indirect_strips_our_cookie_before_the_server() {
    let cfg = insert_indirect_nocache();
    let (_, edit, _) = scan(&cfg, "SERVERID=s1", false);
    assert_eq!(edit, HeaderEdit::Remove);
    let (st, edit, v) = scan(&cfg, "a=1; SERVERID=s1; b=\"x;y\"", false);
    assert_eq!(st.server, Some(0));
    assert_eq!((edit, v.as_str()), (HeaderEdit::Replace, "a=1; b=\"x;y\""));
    // Without indirect the server sees the cookie.
    let direct = CookieConfig::new("SERVERID", CookieMode::Insert);
    assert_eq!(scan(&direct, "SERVERID=s1", false).1, HeaderEdit::Keep);
}

#[test]
fn a_down_server_is_ignored_unless_persist() {
    let cfg = insert_indirect_nocache();
    let (st, _, _) = scan(&cfg, "SERVERID=s2", false);
    assert_eq!((st.status, st.server), (CookieStatus::Down, None));
    let (st, _, _) = scan(&cfg, "SERVERID=s2", true);
    assert_eq!((st.status, st.server), (CookieStatus::Down, Some(1)));
}

#[test]
fn unknown_or_empty_values_are_invalid() {
    let cfg = insert_indirect_nocache();
    assert_eq!(
        scan(&cfg, "SERVERID=nope", false).0.status,
        CookieStatus::Invalid
    );
    assert_eq!(
        scan(&cfg, "SERVERID=", false).0.status,
        CookieStatus::Invalid
    );
    assert_eq!(scan(&cfg, "SERVERID=", false).0.server, None);
    // Names are case-sensitive and must match whole.
    assert_eq!(
        scan(&cfg, "serverid=s1; SERVERIDX=s1", false).0.status,
        CookieStatus::None
    );
    let (st, _, _) = scan(&cfg, "SERVERID=s1; SERVERID=nope", false);
    assert_eq!((st.status, st.server), (CookieStatus::Unused, Some(0)));
}

#[test]
fn a_server_without_cookie_clears_the_clients() {
    let cfg = CookieConfig::new("SERVERID", CookieMode::Insert);
    let (v, _) = insert(&cfg, &ctx(None, false, RequestCookie::default())).unwrap();
    assert_eq!(
        v,
        "SERVERID=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"
    );
}

#[test]
fn postonly_inserts_on_post_only() {
    let cfg = CookieConfig {
        postonly: true,
        ..CookieConfig::new("SERVERID", CookieMode::Insert)
    };
    let mut c = ctx(Some("s1"), false, RequestCookie::default());
    assert_eq!(insert(&cfg, &c), None);
    c.is_post = true;
    assert!(insert(&cfg, &c).is_some());
}

#[test]
fn insert_mode_replaces_the_servers_own_cookie_unless_preserve() {
    let cfg = CookieConfig::new("SERVERID", CookieMode::Insert);
    let c = ctx(Some("s1"), false, RequestCookie::default());
    let mut found = ResponseCookies::default();
    let mut out = Vec::new();
    assert_eq!(
        cfg.scan_set_cookie(b"SERVERID=app; path=/", &c, &mut found, &mut out),
        HeaderEdit::Remove
    );
    assert!(found.found);
    assert_eq!(
        cfg.scan_set_cookie(b"other=1", &c, &mut found, &mut out),
        HeaderEdit::Keep
    );
    let keep = CookieConfig {
        preserve: true,
        ..cfg.clone()
    };
    let mut found = ResponseCookies::default();
    assert_eq!(
        keep.scan_set_cookie(b"SERVERID=; Max-Age=0", &c, &mut found, &mut out),
        HeaderEdit::Keep
    );
    assert_eq!(keep.insert(&c, &found, NOW, &mut out), None);
}

#[test]
fn rewrite_mode_puts_the_server_cookie_in_the_servers_set_cookie() {
    let cfg = CookieConfig::new("SERVERID", CookieMode::Rewrite);
    let c = ctx(Some("s1"), false, RequestCookie::default());
    let mut out = Vec::new();
    let e = cfg.scan_set_cookie(
        b"SERVERID=anything; path=/; HttpOnly",
        &c,
        &mut ResponseCookies::default(),
        &mut out,
    );
    assert_eq!(e, HeaderEdit::Replace);
    assert_eq!(out, b"SERVERID=s1; path=/; HttpOnly");
    assert_eq!(insert(&cfg, &c), None, "rewrite mode never inserts");
    let (st, edit, _) = scan(&cfg, "SERVERID=s1", false);
    assert_eq!((st.server, edit), (Some(0), HeaderEdit::Keep));
}

#[test]
fn prefix_mode_prefixes_and_strips() {
    let cfg = CookieConfig::new("JSESSIONID", CookieMode::Prefix);
    let c = ctx(Some("s1"), false, RequestCookie::default());
    let mut out = Vec::new();
    let e = cfg.scan_set_cookie(
        b"JSESSIONID=abc123; path=/",
        &c,
        &mut ResponseCookies::default(),
        &mut out,
    );
    assert_eq!(e, HeaderEdit::Replace);
    assert_eq!(out, b"JSESSIONID=s1~abc123; path=/");
    let (st, edit, v) = scan(&cfg, "x=1; JSESSIONID=s1~abc123", false);
    assert_eq!(st.server, Some(0));
    assert_eq!(
        (edit, v.as_str()),
        (HeaderEdit::Replace, "x=1; JSESSIONID=abc123")
    );
    // A value without our prefix names nobody and is passed on untouched.
    let (st, edit, _) = scan(&cfg, "JSESSIONID=abc123", false);
    assert_eq!((st.status, edit), (CookieStatus::Invalid, HeaderEdit::Keep));
}

#[test]
fn dates_round_trip_through_base64() {
    for v in [0u32, 1, 63, 64, 425_000_000, (1 << 30) - 1] {
        let mut out = Vec::new();
        s30_to_b64(v, &mut out);
        assert_eq!(out.len(), 5);
        assert_eq!(b64_to_s30(&out), Some(v));
    }
    assert_eq!(b64_to_s30(b"AAA="), None);
    assert_eq!(b64_to_s30(b"AA*AA"), None);
}

fn dated(last: u64, first: Option<u64>) -> String {
    let mut v = b"SERVERID=s1|".to_vec();
    s30_to_b64((last >> 2) as u32, &mut v);
    if let Some(f) = first {
        v.push(b'|');
        s30_to_b64((f >> 2) as u32, &mut v);
    }
    String::from_utf8(v).unwrap()
}

#[test]
fn maxidle_expires_idle_cookies_and_refreshes_live_ones() {
    let cfg = CookieConfig {
        maxidle: 1800,
        ..insert_indirect_nocache()
    };
    let (st, edit, _) = scan(&cfg, &dated(NOW - 3600, None), false);
    assert_eq!(
        (st.status, st.server, edit),
        (CookieStatus::Expired, None, HeaderEdit::Remove)
    );
    let (st, _, _) = scan(&cfg, &dated(NOW - 60, None), false);
    assert_eq!((st.status, st.server), (CookieStatus::Valid, Some(0)));
    // Still direct, but the last-seen date is refreshed.
    let (v, _) = insert(&cfg, &ctx(Some("s1"), true, st)).unwrap();
    let mut want = b"SERVERID=s1|".to_vec();
    s30_to_b64(((NOW + 3) >> 2) as u32, &mut want);
    want.extend_from_slice(b"; path=/");
    assert_eq!(v.as_bytes(), &want[..]);
    // A date more than a day in the future is not trusted.
    assert_eq!(
        scan(&cfg, &dated(NOW + 200_000, None), false).0.status,
        CookieStatus::Expired
    );
    // No date at all: accepted (and a date will be set).
    assert_eq!(
        scan(&cfg, "SERVERID=s1", false).0.status,
        CookieStatus::Valid
    );
}

#[test]
fn maxlife_keeps_the_first_date() {
    let cfg = CookieConfig {
        maxlife: 8 * 3600,
        ..insert_indirect_nocache()
    };
    let first = NOW - 3600;
    let (st, _, _) = scan(&cfg, &dated(NOW - 10, Some(first)), false);
    assert_eq!(st.status, CookieStatus::Valid);
    assert_eq!(u64::from(st.first_date), first & !3);
    let (v, _) = insert(&cfg, &ctx(Some("s1"), true, st)).unwrap();
    let mut tail = Vec::new();
    s30_to_b64((first >> 2) as u32, &mut tail);
    assert!(
        v.contains(&format!("|{}; path=/", String::from_utf8(tail).unwrap())),
        "{v}"
    );
    let (st, _, _) = scan(&cfg, &dated(NOW - 10, Some(NOW - 9 * 3600)), false);
    assert_eq!((st.status, st.server), (CookieStatus::Old, None));
}

#[test]
fn cacheability_follows_haproxy() {
    assert!(response_cacheable(b"GET", 200, None, []));
    assert!(!response_cacheable(b"POST", 200, None, []));
    assert!(!response_cacheable(b"GET", 302, None, []));
    assert!(!response_cacheable(b"GET", 200, Some(b"no-cache"), []));
    assert!(!response_cacheable(
        b"GET",
        200,
        None,
        [&b"max-age=60, private"[..]]
    ));
    assert!(response_cacheable(
        b"GET",
        200,
        None,
        [&b"no-cache"[..], &b"public"[..]]
    ));
}
