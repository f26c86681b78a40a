//! The `errorfile`s Debian ships with haproxy 2.6 (copied from /etc/haproxy/errors) all pass
//! validation with the status their name says; a broken copy is refused, naming the file.

use http1::builtin_errors::{load_errorfile, validate_errorfile, ErrorFileError};

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/errors")
}

#[test]
fn debian_errorfiles_are_valid() {
    let mut seen = 0;
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let want: u16 = name.parse().unwrap();
        let content = load_errorfile(path.to_str().unwrap()).unwrap();
        assert_eq!(validate_errorfile(&name, &content).unwrap(), want);
        seen += 1;
    }
    assert_eq!(seen, 7);
}

#[test]
fn a_truncated_errorfile_is_refused() {
    let path = data_dir().join("503.http");
    let content = std::fs::read(&path).unwrap();
    let cut = content.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let e = validate_errorfile("503.http", &content[..cut]).unwrap_err();
    assert!(matches!(e, ErrorFileError::Incomplete { .. }));
    let mut bad = content.clone();
    bad[0] = b'X';
    let e = validate_errorfile("503.http", &bad).unwrap_err();
    assert!(matches!(e, ErrorFileError::Invalid { .. }));
    assert!(e.to_string().starts_with("'503.http'"), "{e}");
}
