//! Test support shared by unit and integration tests (not part of the stable API).

use std::path::PathBuf;

/// Set to `1` (CI does) to make a missing fixture a failure instead of a skip: a green run must
/// never mean that nothing was checked.
pub const REQUIRE_FIXTURES_ENV: &str = "SECARCH_REQUIRE_FIXTURES";

fn fixtures_required() -> bool {
    std::env::var_os(REQUIRE_FIXTURES_ENV).is_some_and(|v| v == "1")
}

/// The repository's top folder (this crate lives in `crates/secarch-core`).
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared fixtures directory: `$SECARCH_FIXTURES`, else `../shared/fixtures`
/// beside the repository. `None` when absent (a fresh clone elsewhere): callers
/// skip with [`skip_without_fixtures`]. CI always has them and sets
/// [`REQUIRE_FIXTURES_ENV`], so there an absent directory panics.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("SECARCH_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => repository_root().join("../shared/fixtures"),
    };
    present(dir, fixtures_required()).unwrap_or_else(|e| panic!("{e}"))
}

/// `path` when it exists; `None` when it does not and fixtures are optional; an error naming
/// the path when they are required.
fn present(path: PathBuf, required: bool) -> Result<Option<PathBuf>, String> {
    if path.exists() {
        Ok(Some(path))
    } else if required {
        Err(format!(
            "{REQUIRE_FIXTURES_ENV}=1 but {} is missing (set SECARCH_FIXTURES to the shared fixtures)",
            path.display()
        ))
    } else {
        Ok(None)
    }
}

/// One file or folder below the fixtures directory; `None` when the fixtures (or this entry)
/// are absent, a panic when [`REQUIRE_FIXTURES_ENV`] is set.
pub fn fixture(relative: &str) -> Option<PathBuf> {
    let path = fixtures_dir()?.join(relative);
    present(path, fixtures_required()).unwrap_or_else(|e| panic!("{e}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_fixture_is_a_skip_unless_required() {
        let missing = PathBuf::from("/nonexistent/secarch-fixtures");
        assert_eq!(present(missing.clone(), false), Ok(None));
        let err = present(missing, true).unwrap_err();
        assert!(err.contains("SECARCH_REQUIRE_FIXTURES=1"), "{err}");
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(present(here.clone(), true), Ok(Some(here)));
    }
}
