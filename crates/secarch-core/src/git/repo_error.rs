//! Errors from the git layer, worded for the person running secarch: what is
//! wrong, and what to do about it.

use std::path::PathBuf;

/// Why a git operation failed.
#[derive(thiserror::Error, Debug)]
pub enum GitError {
    /// The path given to open does not exist.
    #[error("{} does not exist; pass --repo <dir> with the repository's directory", path.display())]
    NoSuchPath { path: PathBuf },

    /// Neither the path nor any parent holds a repository.
    #[error(
        "{} is not inside a git repository; run secarch in a clone of the repository or pass --repo <dir>",
        path.display()
    )]
    NotARepository { path: PathBuf },

    /// libgit2 refuses a repository owned by another user (CVE-2022-24765);
    /// the normal case inside a GitHub Action container.
    #[error(
        "refusing to open the repository at {}: it is owned by another user, and git treats that as unsafe. \
         If you trust it, run `git config --global --add safe.directory {}` or set SECARCH_TRUST_REPO_OWNER=1",
        path.display(),
        path.display()
    )]
    UnsafeOwner { path: PathBuf },

    /// A revision that does not name an object in this clone.
    #[error("unknown revision '{rev}': {}", unknown_rev_hint(*shallow))]
    UnknownRevision { rev: String, shallow: bool },

    /// A revision that names something other than a commit (a tree, a blob).
    #[error("revision '{rev}' is a {kind}, not a commit; pass a branch, tag or commit id")]
    NotACommit { rev: String, kind: String },

    /// An object id that names something other than file content.
    #[error("object {id} is a {kind}, not file content (a blob)")]
    NotABlob { id: String, kind: String },

    /// No `origin/HEAD`, `main` or `master` to compare against.
    #[error(
        "cannot tell which branch to compare against: there is no origin/HEAD, main or master; \
         pass --base <branch or commit>"
    )]
    NoDefaultBase,

    /// Two commits with unrelated histories (or a history cut by a shallow clone).
    #[error("commits {a} and {b} have no common ancestor; {}", no_ancestor_hint(*shallow))]
    NoCommonAncestor { a: String, b: String, shallow: bool },

    /// A blob over the size cap.
    #[error("{what} is {size} bytes; files over {max} bytes are not read")]
    TooLarge { what: String, size: u64, max: u64 },

    /// A path that is not repository-relative.
    #[error("{path:?} is not a repository-relative path; use '/' separators and no '..'")]
    InvalidPath { path: String },

    /// An object that does not parse.
    #[error("{what}; the repository may be damaged, run `git fsck`")]
    Corrupt { what: String },

    /// Anything else libgit2 reports (corrupt objects, I/O errors).
    #[error("{action}: {}", cause.message())]
    Git { action: String, cause: git2::Error },
}

fn unknown_rev_hint(shallow: bool) -> &'static str {
    if shallow {
        "this is a shallow clone, so the commit may simply not have been fetched; \
         run `git fetch --unshallow` (or use `fetch-depth: 0` with actions/checkout) or pass a different --base"
    } else {
        "check the spelling, run `git fetch` if it only exists on the remote, or pass a different --base"
    }
}

fn no_ancestor_hint(shallow: bool) -> &'static str {
    if shallow {
        "this is a shallow clone, so the shared history is probably cut off; \
         run `git fetch --unshallow` (or use `fetch-depth: 0` with actions/checkout)"
    } else {
        "pass a --base that shares history with the head"
    }
}

/// Attach what we were doing to a libgit2 error.
pub(crate) fn ctx(action: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let action = action.into();
    move |cause| GitError::Git { action, cause }
}
