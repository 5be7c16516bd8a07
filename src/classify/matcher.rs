//! Path → watch categories, with globs compiled once.
//!
//! All category globs go into one `GlobSet` (one pass per path however many
//! categories there are), the global excludes into a second and the per-category
//! excludes into a third; `is_watched` over a 100k-file tree is three set matches
//! per path.
//!
//! **Case.** Every glob matches ASCII-case-insensitively, directory and base names
//! alike. Developers check repositories out on case-insensitive file systems (macOS,
//! Windows) where `dockerfile`, `DOCKERFILE` and `Dockerfile` are the same file to
//! Docker, and teams write `Auth/`, `Security/` or `Tests/` (.NET, Xcode) where
//! the defaults say `auth/`, `security/`, `tests/`. One rule for every component is
//! easier to predict than "basenames only": a custom glob `deploy/Prod/**` also
//! matches `deploy/prod/x`. The cost is the odd extra match, never a miss.
//!
//! Globs match repository-relative `/` paths with `literal_separator(true)`: `*`
//! stays within one component, `**/Dockerfile` matches `Dockerfile` at the root too.

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};

use super::ClassifyError;
use crate::policy::Policy;

/// Compiled categories of one policy.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Category names in policy (alphabetical) order.
    names: Vec<String>,
    globs: GlobSet,
    /// `globs` index → category index.
    glob_category: Vec<usize>,
    category_excludes: GlobSet,
    /// `category_excludes` index → category index.
    exclude_category: Vec<usize>,
    excludes: GlobSet,
    /// Paths that never trigger: the security architecture document (updating it
    /// is the remedy, not a reason for another review).
    ignored: Vec<String>,
}

impl Matcher {
    pub fn new(policy: &Policy, ignored: Vec<String>) -> Result<Matcher, ClassifyError> {
        let mut names = Vec::new();
        let mut globs = GlobSetBuilder::new();
        let mut glob_category = Vec::new();
        let mut category_excludes = GlobSetBuilder::new();
        let mut exclude_category = Vec::new();
        for (index, (name, category)) in policy.categories.iter().enumerate() {
            names.push(name.clone());
            for g in &category.globs {
                globs.add(compile(name, g)?);
                glob_category.push(index);
            }
            for g in &category.exclude {
                category_excludes.add(compile(name, g)?);
                exclude_category.push(index);
            }
        }
        let mut excludes = GlobSetBuilder::new();
        for g in &policy.exclude {
            excludes.add(compile("exclude", g)?);
        }
        Ok(Matcher {
            names,
            globs: build("categories", globs)?,
            glob_category,
            category_excludes: build("category excludes", category_excludes)?,
            exclude_category,
            excludes: build("exclude", excludes)?,
            ignored,
        })
    }

    /// Categories of `path` after excludes, sorted by name; empty = not watched.
    pub fn categories_for(&self, path: &str) -> Vec<&str> {
        let path = normalize(path);
        if path.is_empty() || self.ignored.iter().any(|d| d == path) {
            return Vec::new();
        }
        let lower = lowercase(path);
        let candidate = Candidate::new(lower.as_ref());
        let hits = self.globs.matches_candidate(&candidate);
        if hits.is_empty() || self.excludes.is_match_candidate(&candidate) {
            return Vec::new();
        }
        let mut wanted = vec![false; self.names.len()];
        for hit in hits {
            wanted[self.glob_category[hit]] = true;
        }
        for hit in self.category_excludes.matches_candidate(&candidate) {
            wanted[self.exclude_category[hit]] = false;
        }
        // `names` is sorted (the policy keeps categories in a BTreeMap).
        self.names
            .iter()
            .zip(wanted)
            .filter_map(|(name, w)| w.then_some(name.as_str()))
            .collect()
    }

    /// True when any category watches `path`.
    pub fn is_watched(&self, path: &str) -> bool {
        // Cheap reject first: most files of a tree match no category glob at all.
        self.globs.is_match(lowercase(normalize(path)).as_ref())
            && !self.categories_for(path).is_empty()
    }
}

/// ASCII lower case, borrowing when there is nothing to change (most paths):
/// this runs once per file of a 100k-file tree when fingerprinting.
fn lowercase(path: &str) -> std::borrow::Cow<'_, str> {
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(path.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// Git paths never start with `./`; people typing a path on the command line do.
fn normalize(path: &str) -> &str {
    path.strip_prefix("./").unwrap_or(path)
}

/// Globs are lower-cased and matched against lower-cased paths rather than
/// built `case_insensitive`: globset can then use its fast literal, basename and
/// extension strategies instead of one large case-folding regex, which matters
/// when fingerprinting a 100k-file tree (measured: BENCHMARKS.md).
fn compile(category: &str, glob: &str) -> Result<globset::Glob, ClassifyError> {
    GlobBuilder::new(&glob.to_ascii_lowercase())
        .literal_separator(true)
        .build()
        .map_err(|e| ClassifyError::Glob {
            category: category.to_string(),
            glob: glob.to_string(),
            message: e.kind().to_string(),
        })
}

fn build(what: &str, builder: GlobSetBuilder) -> Result<GlobSet, ClassifyError> {
    builder.build().map_err(|e| ClassifyError::Glob {
        category: what.to_string(),
        glob: String::new(),
        message: e.to_string(),
    })
}
