//! Every tutorial fixture and every keepalived sample configuration is accepted.

use keepalived_cfg::{parse_file, Severity};
use std::path::{Path, PathBuf};

fn files_in(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("test data dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".conf") || n.starts_with("keepalived.conf.")
        })
        .collect();
    v.sort();
    v
}

fn accept_all(dir: &str, expected: usize) {
    let files = files_in(dir);
    assert_eq!(files.len(), expected, "files in {dir}");
    for f in files {
        match parse_file(&f) {
            Ok(loaded) => {
                assert!(loaded
                    .diagnostics
                    .iter()
                    .all(|d| d.severity == Severity::Warning));
            }
            Err(e) => {
                let all: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
                panic!("{} refused: {e}\n{}", f.display(), all.join("\n"));
            }
        }
    }
}

#[test]
fn every_tutorial_fixture_is_accepted() {
    accept_all("tests/data/fixtures", 7);
}

#[test]
fn every_keepalived_sample_is_accepted() {
    accept_all("tests/data/samples", 25);
}
