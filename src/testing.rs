//! Test support shared by unit and integration tests (not part of the stable API).

use std::path::PathBuf;

/// The shared fixtures directory: `$SECARCH_FIXTURES`, else `../shared/fixtures`
/// beside the repository. `None` when absent (a fresh clone elsewhere): callers
/// skip with [`skip_without_fixtures`]. CI always has them.
pub fn fixtures_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SECARCH_FIXTURES") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    p.is_dir().then_some(p)
}

/// The fixtures directory, or a printed notice and `None` so the test can return early.
pub fn skip_without_fixtures(test: &str) -> Option<PathBuf> {
    let dir = fixtures_dir();
    if dir.is_none() {
        eprintln!(
            "SKIP {test}: shared fixtures not found (set SECARCH_FIXTURES or place ../shared/fixtures beside the repository)"
        );
    }
    dir
}
