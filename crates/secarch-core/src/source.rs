//! Reading repository files from somewhere: the working tree or a commit.
//!
//! Lint and the threat-model adapters read through this trait so the same code
//! lints the working tree (`secarch lint`), a revision (`--rev`), and the base
//! and head of a pull request.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest file read through a source (threat models and documents are small;
/// a bigger file is almost certainly not what the policy meant).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Read-only access to repository files by repository-relative path (`/` separators).
pub trait FileSource {
    /// `Ok(None)` when the path does not exist (or is not a regular file).
    /// `Err` carries a message for people (too large, unreadable, …).
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String>;

    /// Whether a file exists at `path`.
    fn exists(&self, path: &str) -> bool {
        matches!(self.read(path), Ok(Some(_)))
    }

    /// Human description, e.g. `working tree` or `commit 1a2b3c4`.
    fn describe(&self) -> String;
}

/// Files in a directory on disk (the working tree).
///
/// Only files inside the root are read: a path that resolves elsewhere through
/// a symbolic link (the file itself or a directory on the way) is refused with
/// an error, so a repository cannot make `secarch lint` read `/etc/passwd` or a
/// user's keys and quote them in findings. A commit source has the same
/// property by construction: it never follows links at all.
pub struct WorkTree {
    root: PathBuf,
    /// The root with every link resolved, computed once: what a resolved path
    /// must stay under.
    resolved_root: OnceLock<Result<PathBuf, String>>,
}

impl WorkTree {
    pub fn new(root: impl Into<PathBuf>) -> WorkTree {
        WorkTree {
            root: root.into(),
            resolved_root: OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolved_root(&self) -> Result<&Path, String> {
        self.resolved_root
            .get_or_init(|| {
                std::fs::canonicalize(&self.root).map_err(|e| {
                    format!(
                        "cannot read the directory {} ({e}); pass an existing directory with --repo",
                        self.root.display()
                    )
                })
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// Where `path` (already checked to be relative and without `..`) really
    /// is, when it exists and stays inside the root; `Ok(None)` when it does
    /// not exist (a dangling link included).
    fn resolve(&self, path: &str) -> Result<Option<PathBuf>, String> {
        let resolved = match std::fs::canonicalize(self.root.join(path)) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{path}: {e}")),
        };
        if resolved.starts_with(self.resolved_root()?) {
            Ok(Some(resolved))
        } else {
            Err(format!(
                "{path} resolves outside the repository through a symbolic link, and secarch reads only files \
                 inside it; replace the link with the file itself, or point the link at a file in the repository"
            ))
        }
    }
}

/// Reject paths that would escape the root.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path.split('/').all(|c| c != ".." && !c.is_empty())
}

impl FileSource for WorkTree {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let path = path.strip_prefix("./").unwrap_or(path);
        if !is_safe_relative(path) {
            return Err(format!(
                "{path:?} is not a repository-relative path; use '/' separators and no '..'"
            ));
        }
        // Read the resolved path, not the joined one: a link swapped between
        // the check and the read would otherwise be followed after all.
        let Some(full) = self.resolve(path)? else {
            return Ok(None);
        };
        let meta = match std::fs::metadata(&full) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{path}: {e}")),
        };
        if !meta.is_file() {
            return Ok(None);
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{path} is {} bytes; files over {MAX_FILE_BYTES} bytes are not read",
                meta.len()
            ));
        }
        std::fs::read(&full)
            .map(Some)
            .map_err(|e| format!("{path}: {e}"))
    }

    fn describe(&self) -> String {
        "working tree".to_string()
    }
}

/// In-memory files, for tests and fuzzing.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl MemorySource {
    pub fn with(mut self, path: &str, content: impl Into<Vec<u8>>) -> MemorySource {
        self.files.insert(path.to_string(), content.into());
        self
    }
}

impl FileSource for MemorySource {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.files.get(path).cloned())
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_only_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("secret"), "root:x:0:0").unwrap();
        std::fs::write(root.path().join("a.md"), "inside").unwrap();
        symlink("a.md", root.path().join("same.md")).unwrap();
        symlink(elsewhere.path().join("secret"), root.path().join("out.md")).unwrap();
        symlink(elsewhere.path(), root.path().join("dir")).unwrap();
        symlink("nowhere", root.path().join("dangling.md")).unwrap();
        let src = WorkTree::new(root.path());
        assert_eq!(src.read("same.md").unwrap().unwrap(), b"inside");
        for path in ["out.md", "dir/secret"] {
            let e = src.read(path).unwrap_err();
            assert!(
                e.contains("outside the repository") && !e.contains("root:x"),
                "{e}"
            );
            assert!(!src.exists(path));
        }
        assert_eq!(src.read("dangling.md").unwrap(), None);
        assert_eq!(src.read("missing.md").unwrap(), None);
        // The root itself may be reached through a link.
        let via = elsewhere.path().join("via");
        symlink(root.path(), &via).unwrap();
        assert_eq!(
            WorkTree::new(&via).read("a.md").unwrap().unwrap(),
            b"inside"
        );
    }
}
