//! Git access with git2: open a repository, resolve the range, diff trees with
//! rename detection, read blobs at a commit, walk history.
//!
//! This is the only module that touches a repository on disk. Everything it
//! returns is plain data (`ChangeSet`, bytes), so the rest of the core is
//! testable without git.

use serde::Serialize;

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
