//! Helpers of the tests in this folder: the repository root and tree comparison of the
//! pinned-spec tests, the scripted HTTP server of the runtime tests ([`mock`]), a scripted
//! Keap for REST Hooks ([`scripted_keap`]) and a log-capturing subscriber ([`log_capture`]).
//! (The golden-file suite is the generator's own test, `generator/tests/golden.rs`.)

pub mod log_capture;
pub mod mock;
pub mod scripted_keap;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The folder of real Keap specs (`../shared/keap-specs` beside the repository, or
/// `$KEAPGEN_SPECS`).
pub fn specs_dir() -> PathBuf {
    match std::env::var_os("KEAPGEN_SPECS") {
        Some(d) => PathBuf::from(d),
        None => root().join("../shared/keap-specs"),
    }
}

/// Whether goldens should be rewritten instead of compared (`KEAPGEN_BLESS=1`).
pub fn blessing() -> bool {
    std::env::var("KEAPGEN_BLESS").is_ok_and(|v| v == "1")
}

/// Fails with readable diffs when the generated tree differs from `dir`.
pub fn assert_tree(files: &keapgen::Files, dir: &Path, fix: &str) {
    let diffs = keapgen::output::diff_tree(files, dir);
    assert!(diffs.is_empty(), "{}\n{} differs in {} file(s); {fix}", diffs.concat(), dir.display(), diffs.len());
}
