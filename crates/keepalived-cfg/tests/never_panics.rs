//! parse_str never panics and never hangs, whatever the input.

use keepalived_cfg::{parse_str, MemorySource};
use proptest::prelude::*;

/// Fragments that reach the interesting paths (blocks, quotes, parameters, includes).
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("\"".to_string()),
        Just("\\\n".to_string()),
        Just("vrrp_instance VI_1 ".to_string()),
        Just("virtual_router_id ".to_string()),
        Just("priority ".to_string()),
        Just("advert_int 0.1".to_string()),
        Just("virtual_ipaddress ".to_string()),
        Just("10.0.0.1/24 dev eth0 ".to_string()),
        Just("track_script ".to_string()),
        Just("vrrp_script s ".to_string()),
        Just("script ".to_string()),
        Just("$A=".to_string()),
        Just("$A ".to_string()),
        Just("${A}".to_string()),
        Just("$B=\\\n".to_string()),
        Just("include x.conf".to_string()),
        Just("include *".to_string()),
        Just("@id ".to_string()),
        Just("# c".to_string()),
        Just("! c".to_string()),
        Just("~SEQ(a,1,3) ".to_string()),
        "[0-9]{1,4}".prop_map(|s| s),
        "\\PC{0,8}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn structured_input_never_panics(parts in proptest::collection::vec(fragment(), 0..60)) {
        let text: String = parts.concat();
        let files = MemorySource::new()
            .with("x.conf", text.clone())
            .with("y.conf", "include x.conf\n");
        let _ = parse_str("keepalived.conf", &text, &files);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = parse_str("keepalived.conf", &text, &MemorySource::new());
    }
}

#[test]
fn self_including_file_terminates() {
    let files = MemorySource::new().with("a.conf", "include a.conf\ninclude a.conf\n");
    let r = parse_str("a.conf", "include a.conf\n", &files);
    assert!(r.is_err());
}

#[test]
fn exponential_parameter_expansion_is_bounded() {
    let mut text = String::from("$A0=x x x x x x x x\n");
    for i in 1..30 {
        text.push_str(&format!("$A{i}=${{A{}}} ${{A{}}}\n", i - 1, i - 1));
    }
    text.push_str("router_id ${A29}\n");
    let _ = parse_str("k.conf", &text, &MemorySource::new());
}

#[test]
fn self_referencing_multiline_parameter_is_bounded() {
    let text = "$B= \\\nx \\\n$B\n\n$B\n";
    let r = parse_str("k.conf", text, &MemorySource::new());
    assert!(r.is_err());
}

/// Each line stays under the per-line limits, yet the lines multiply: a 900 KB line in a
/// 100-line parameter, used 50 times, would be 4.5 GB of text. Refused with a diagnostic
/// instead (found by the structured proptest, which grew past 11 GB).
#[test]
fn expansion_that_multiplies_long_lines_is_bounded_in_bytes() {
    let mut text = format!("$A={}\n", "x".repeat(1000));
    text.push_str(&format!("$B={}\n", "${A} ".repeat(900)));
    text.push_str("$C=\\\n");
    for _ in 0..100 {
        text.push_str("${B} \\\n");
    }
    text.push_str("x\n\n");
    for _ in 0..50 {
        text.push_str("$C\n");
    }
    let r = parse_str("k.conf", &text, &MemorySource::new());
    let err = r.expect_err("refused");
    assert!(format!("{err}").contains("MiB of text"), "{err}");
}
