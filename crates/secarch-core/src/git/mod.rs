//! Git access with git2: open a repository, resolve the range, diff trees with
//! rename detection, read blobs at a commit, walk history.
//!
//! This is the only module that touches a repository on disk. Everything it
//! returns is plain data (`ChangeSet`, bytes), so the rest of the core is
//! testable without git.
//!
//! - `repo.rs`: [`Repo::open`] (discovery, `safe.directory`), revisions,
//!   default base, merge-base.
//! - `diff.rs`, `tree.rs`: the tree-to-tree diff behind [`Repo::change_set`].
//! - `renames.rs`, `similarity.rs`: exact and content-similarity renames.
//! - `files.rs`: blobs, files at a commit, [`CommitSource`], `tree_files`.
//! - `walk.rs`: file history, commits touching paths, commit authorship.
//! - `commit_walk.rs`: one revwalk with each commit's changes against its
//!   first parent (`secarch log`); the empty tree as a base.
//! - `error.rs`: [`GitError`], worded for the person running secarch.

use serde::Serialize;

mod commit_walk;
mod diff;
mod files;
mod listing;
mod renames;
mod repo;
mod repo_error;
mod similarity;
#[cfg(test)]
pub(crate) mod tests;
mod tree_object;
mod walk;

pub use commit_walk::{EMPTY_TREE, RepoLocation, WalkEnd, WalkSpec, WalkedCommit, is_empty_tree};
pub use diff::{ChangeSetOptions, MAX_THREADS, local_pool, local_pool_with_stack, thread_count};
pub use files::{CommitSource, SharedBlobs};
pub use listing::{ByPath, HeadFilter};
pub use renames::{DEFAULT_RENAME_LIMIT, THRESHOLD as RENAME_THRESHOLD};
pub use repo::with_open_lock;
pub use repo::{Repo, TRUST_OWNER_ENV};
pub use repo_error::GitError;
pub(crate) use tree_object::join as join_path;
pub use walk::{
    CommitInfo, CommitTouch, FileVersion, MAX_HISTORY_COMMITS, MAX_TOUCH_PATHS, co_author_emails,
};

/// How a file changed between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Deleted,
    Modified,
    Renamed,
    Copied,
    /// File ↔ symlink ↔ submodule.
    TypeChanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Modified => "modified",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Copied => "copied",
            ChangeKind::TypeChanged => "type-changed",
        }
    }
}

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    File,
    Executable,
    Symlink,
    /// A submodule pointer (gitlink); the id is a commit in another repository.
    Submodule,
}

/// One side (base or head) of a changed path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub path: String,
    /// Blob id (or commit id for a submodule), hex.
    pub id: String,
    pub kind: EntryKind,
}

/// One changed path. For a rename both sides are present with different paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub kind: ChangeKind,
    /// `None` for an addition.
    pub old: Option<Side>,
    /// `None` for a deletion.
    pub new: Option<Side>,
}

impl FileChange {
    /// The path at head, else at base (deletions).
    pub fn path(&self) -> &str {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .map(|s| s.path.as_str())
            .unwrap_or_default()
    }

    /// The base path when it differs from `path()` (renames, copies).
    pub fn old_path(&self) -> Option<&str> {
        match (&self.old, &self.new) {
            (Some(o), Some(n)) if o.path != n.path => Some(o.path.as_str()),
            _ => None,
        }
    }
}

/// The changes between two commits.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    /// The commit the change is compared against (merge-base of base and head).
    pub base: String,
    pub head: String,
    pub changes: Vec<FileChange>,
}

impl ChangeSet {
    /// The order every change set is handed out in: by path, then old path.
    /// (path, old path) is unique in a change set (a path is added, deleted,
    /// modified or a rename target once), so any sort gives this order; the
    /// stable one is used because it merges the sorted runs the traversal
    /// hands over (per worker, per kind) in near-linear time.
    pub(crate) fn sort(&mut self) {
        self.changes.sort_by(|a, b| {
            a.path()
                .cmp(b.path())
                .then_with(|| a.old_path().cmp(&b.old_path()))
        });
    }
}

/// The kind of a tree entry from its git file mode; `None` for trees and
/// modes git does not write.
pub(crate) fn entry_kind(mode: i32) -> Option<EntryKind> {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => Some(EntryKind::Executable),
        0o100000 => Some(EntryKind::File),
        0o120000 => Some(EntryKind::Symlink),
        0o160000 => Some(EntryKind::Submodule),
        _ => None,
    }
}
