//! Reading repository files from somewhere: the working tree or a commit.
//!
//! Lint and the threat-model adapters read through this trait so the same code
//! lints the working tree (`secarch lint`), a revision (`--rev`), and the base
//! and head of a pull request.

use std::path::{Path, PathBuf};

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
pub struct WorkTree {
    root: PathBuf,
}

impl WorkTree {
    pub fn new(root: impl Into<PathBuf>) -> WorkTree {
        WorkTree { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
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
        let full = self.root.join(path);
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
