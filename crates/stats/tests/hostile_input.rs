//! Whatever a client sends to the stats page — request target or admin POST body — is parsed
//! without a panic, and whatever names the configuration holds render to well-formed output.

mod common;

use proptest::prelude::*;

proptest! {
    #[test]
    fn admin_post_never_panics(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = stats::admin::parse_admin_post(&body);
    }

    #[test]
    fn admin_post_of_form_like_text_never_panics(body in "[sb=&%#a-z0-9+]{0,200}") {
        if let Ok(p) = stats::admin::parse_admin_post(body.as_bytes()) {
            prop_assert!(!p.servers.is_empty());
        }
    }

    #[test]
    fn page_request_never_panics(target in "/stats[;?&=a-zA-Z%0-9]{0,80}") {
        let req = stats::html::parse_page_request(&target, "/stats");
        prop_assert!(req.is_some());
        if let Some(scope) = req.and_then(|r| r.scope) {
            prop_assert!(scope.chars().count() <= stats::page::SCOPE_MAX);
        }
    }

    #[test]
    fn any_names_keep_csv_columns_aligned(web in ".{0,12}", app in ".{0,12}", s1 in ".{0,12}") {
        let snap = common::snapshot_named(&web, &app, &s1);
        let csv = stats::csv::render(&snap);
        // Quoted cells may hold commas and newlines; a quote-aware split must find the
        // header's column count on every row.
        let columns = stats::csv::header().matches(',').count();
        let mut in_quotes = false;
        let mut commas = 0;
        for c in csv.chars().skip(stats::csv::header().len()) {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => commas += 1,
                '\n' if !in_quotes => {
                    prop_assert_eq!(commas, columns);
                    commas = 0;
                }
                _ => {}
            }
        }
    }
}
