//! Reading files at a commit: single blobs, one path, or every file of a tree.

use std::path::Path;

use git2::{ErrorCode, ObjectType, Odb, Oid, Tree};

use super::repo::{Repo, Workers};
use super::repo_error::{GitError, ctx};
use super::tree_object;
use super::{EntryKind, entry_kind};
use crate::source::{FileSource, MAX_FILE_BYTES, is_safe_relative};

/// Blobs of one repository read from any thread, as [`Repo::read_blob`]:
/// each thread of a local pool opens its own object database once (libgit2
/// handles are not `Send`, and a shared pack would be read under one lock).
#[derive(Debug, Clone)]
pub struct SharedBlobs {
    workers: Workers,
}

impl SharedBlobs {
    pub fn read_blob(&self, id: &str) -> Result<Vec<u8>, GitError> {
        let oid = Oid::from_str(id).map_err(|_| GitError::UnknownRevision {
            rev: id.to_string(),
            shallow: false,
        })?;
        let what = format!("blob {id}");
        self.workers
            .with_odb(|odb| read_blob_in(odb, oid, &what, || self.workers.is_shallow()))
    }
}

/// The bytes of blob `oid`, refused when over [`MAX_FILE_BYTES`] (checked
/// from the object header, before anything is inflated).
fn read_blob_in(
    odb: &Odb<'_>,
    oid: Oid,
    what: &str,
    shallow: impl Fn() -> bool,
) -> Result<Vec<u8>, GitError> {
    let (size, kind) = odb.read_header(oid).map_err(|e| match e.code() {
        ErrorCode::NotFound => GitError::UnknownRevision {
            rev: oid.to_string(),
            shallow: shallow(),
        },
        _ => ctx(format!("cannot read {what}"))(e),
    })?;
    if kind != ObjectType::Blob {
        return Err(GitError::NotABlob {
            id: oid.to_string(),
            kind: kind.str().to_string(),
        });
    }
    if size as u64 > MAX_FILE_BYTES {
        return Err(GitError::TooLarge {
            what: what.to_string(),
            size: size as u64,
            max: MAX_FILE_BYTES,
        });
    }
    let obj = odb.read(oid).map_err(ctx(format!("cannot read {what}")))?;
    Ok(obj.data().to_vec())
}

impl Repo {
    /// The bytes of a blob, refused when over [`MAX_FILE_BYTES`] (checked from
    /// the object header, before anything is inflated).
    pub fn read_blob(&self, id: &str) -> Result<Vec<u8>, GitError> {
        let oid = Oid::from_str(id).map_err(|_| GitError::UnknownRevision {
            rev: id.to_string(),
            shallow: false,
        })?;
        self.read_blob_oid(oid, &format!("blob {id}"))
    }

    pub(crate) fn read_blob_oid(&self, oid: Oid, what: &str) -> Result<Vec<u8>, GitError> {
        let odb = self
            .git
            .odb()
            .map_err(ctx("cannot open the object database"))?;
        read_blob_in(&odb, oid, what, || self.git.is_shallow())
    }

    /// A reader of this repository's blobs for other threads (each reads
    /// through an object database of its own). `probe`: an object of the
    /// repository (a commit id), to confirm such a database finds its objects.
    pub fn shared_blobs(&self, probe: &str) -> SharedBlobs {
        SharedBlobs {
            workers: Workers::new(self, Oid::from_str(probe).ok()),
        }
    }

    /// The content of a regular file at a commit. `None` when the path does
    /// not exist there or is not a regular file (a directory, a symlink, a
    /// submodule), like [`FileSource::read`] on a working tree.
    /// At the empty tree ([`super::is_empty_tree`]) nothing exists.
    pub fn read_file_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        if super::is_empty_tree(commit) {
            return Ok(None);
        }
        let tree = self.commit_tree(commit)?;
        self.read_in_tree(&tree, path, commit)
    }

    fn read_in_tree(
        &self,
        tree: &Tree<'_>,
        path: &str,
        commit: &str,
    ) -> Result<Option<Vec<u8>>, GitError> {
        let path = path.strip_prefix("./").unwrap_or(path);
        if !is_safe_relative(path) {
            return Err(GitError::InvalidPath {
                path: path.to_string(),
            });
        }
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(ctx(format!("cannot look up {path} at {commit}"))(e)),
        };
        match entry_kind(entry.filemode_raw()) {
            Some(EntryKind::File | EntryKind::Executable) => self
                .read_blob_oid(entry.id(), &format!("{path} at {}", short(commit)))
                .map(Some),
            _ => Ok(None),
        }
    }

    pub(crate) fn commit_tree(&self, commit: &str) -> Result<Tree<'_>, GitError> {
        let oid = self.commit_oid(commit)?;
        self.git
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(ctx(format!("cannot read the tree of commit {commit}")))
    }

    /// `(path, blob id)` of every blob (files, executables, symlinks; not
    /// submodules) in the commit's tree whose path passes `filter`, sorted by
    /// path. Walks the tree once; used for the content fingerprint.
    pub fn tree_files(
        &self,
        commit: &str,
        filter: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<(String, String)>, GitError> {
        if super::is_empty_tree(commit) {
            return Ok(Vec::new());
        }
        let root = self.commit_tree(commit)?.id();
        let odb = self
            .git
            .odb()
            .map_err(ctx("cannot open the object database"))?;
        let mut out = Vec::new();
        // Explicit stack: tree depth comes from the repository, not from us.
        let mut stack: Vec<(Vec<u8>, Oid)> = vec![(Vec::new(), root)];
        while let Some((prefix, id)) = stack.pop() {
            let obj = tree_object::read(&odb, id, &prefix)?;
            for entry in tree_object::entries(obj.data()) {
                let entry = entry.map_err(|why| tree_object::corrupt(id, &prefix, why))?;
                let path = tree_object::join(&prefix, entry.name);
                if entry.is_tree() {
                    stack.push((path, entry.id()));
                } else if matches!(
                    entry_kind(entry.mode),
                    Some(EntryKind::File | EntryKind::Executable | EntryKind::Symlink)
                ) {
                    let path = String::from_utf8_lossy(&path);
                    if filter(&path) {
                        out.push((path.into_owned(), entry.id().to_string()));
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A [`FileSource`] reading files at `commit` (the empty tree: no files).
    pub fn commit_source(&self, commit: &str) -> Result<CommitSource<'_>, GitError> {
        if super::is_empty_tree(commit) {
            return Ok(CommitSource {
                repo: self,
                tree: None,
                commit: super::EMPTY_TREE.to_string(),
            });
        }
        let id = self.resolve_commit(commit)?;
        let tree = self.commit_tree(&id)?;
        Ok(CommitSource {
            repo: self,
            tree: Some(tree),
            commit: id,
        })
    }
}

/// Files as they are at one commit (base or head of a change, or `--rev`).
pub struct CommitSource<'r> {
    repo: &'r Repo,
    /// `None`: the empty tree.
    tree: Option<Tree<'r>>,
    commit: String,
}

impl CommitSource<'_> {
    /// The commit id (hex) this source reads.
    pub fn commit(&self) -> &str {
        &self.commit
    }
}

impl FileSource for CommitSource<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match &self.tree {
            Some(tree) => self
                .repo
                .read_in_tree(tree, path, &self.commit)
                .map_err(|e| e.to_string()),
            None => Ok(None),
        }
    }

    fn describe(&self) -> String {
        format!("commit {}", short(&self.commit))
    }
}

/// First 7 characters of a commit id, for messages.
pub(crate) fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}
