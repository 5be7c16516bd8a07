//! Tree-to-tree diff: the change set between two commits.
//!
//! Written against git's own algorithm (`diff-tree`) rather than libgit2's
//! diff: both trees are merge-joined level by level in git's entry order and
//! identical subtrees are skipped by id, so the cost follows the size of the
//! change, not of the repository. libgit2's diff iterates every entry of both
//! trees and its rename search compares every candidate pair; on the
//! 100k-file benchmark (`BENCHMARKS.md`) this module is several times faster.
//! No file content is read except to score inexact renames (`renames.rs`).

use std::cmp::Ordering;

use git2::{Oid, Tree};

use super::error::{GitError, ctx};
use super::renames::{self, Entry};
use super::repo::Repo;
use super::{ChangeKind, ChangeSet, EntryKind, FileChange, Side};

const MODE_TREE: i32 = 0o040000;

/// A change before rename detection, with the path still in bytes.
#[derive(Debug)]
pub(crate) enum RawChange {
    Added(Entry),
    Deleted(Entry),
    /// Same path on both sides, content or mode differs.
    Modified(Entry, Entry),
}

impl Repo {
    /// The changes from `base` to `head` (commits or any revisions; pass the
    /// merge-base as `base` for a pull request). Renames are detected (exact,
    /// then by content similarity ≥ 50 %, bounded); copies are not. Sorted by
    /// path.
    pub fn change_set(&self, base: &str, head: &str) -> Result<ChangeSet, GitError> {
        let base_oid = self.commit_oid(base)?;
        let head_oid = self.commit_oid(head)?;
        let tree_of = |oid: Oid, what: &str| {
            self.git
                .find_commit(oid)
                .and_then(|c| c.tree())
                .map_err(ctx(format!("cannot read the tree of {what} commit {oid}")))
        };
        let old = tree_of(base_oid, "base")?;
        let new = tree_of(head_oid, "head")?;
        let raw = self.diff_trees(Some(old), Some(new))?;
        let changes = renames::detect(self, raw)?;
        let mut changes: Vec<FileChange> = changes;
        changes.sort_by(|a, b| {
            a.path()
                .cmp(b.path())
                .then_with(|| a.old_path().cmp(&b.old_path()))
        });
        Ok(ChangeSet {
            base: base_oid.to_string(),
            head: head_oid.to_string(),
            changes,
        })
    }

    /// Every changed non-tree entry between two trees (`None`: the empty
    /// tree), in no particular order.
    pub(crate) fn diff_trees(
        &self,
        old: Option<Tree<'_>>,
        new: Option<Tree<'_>>,
    ) -> Result<Vec<RawChange>, GitError> {
        let mut out = Vec::new();
        let mut stack: Vec<(Vec<u8>, Option<Tree<'_>>, Option<Tree<'_>>)> =
            vec![(Vec::new(), old, new)];
        let find = |oid: Oid, path: &[u8]| {
            self.git.find_tree(oid).map_err(|e| {
                ctx(format!(
                    "cannot read directory {}",
                    String::from_utf8_lossy(path)
                ))(e)
            })
        };
        while let Some((prefix, old, new)) = stack.pop() {
            let (olen, nlen) = (
                old.as_ref().map_or(0, |t| t.len()),
                new.as_ref().map_or(0, |t| t.len()),
            );
            let (mut i, mut j) = (0, 0);
            while i < olen || j < nlen {
                let o = old
                    .as_ref()
                    .and_then(|t| if i < olen { t.get(i) } else { None });
                let n = new
                    .as_ref()
                    .and_then(|t| if j < nlen { t.get(j) } else { None });
                let ord = match (&o, &n) {
                    (Some(o), Some(n)) => git_order(
                        o.name_bytes(),
                        o.filemode_raw() == MODE_TREE,
                        n.name_bytes(),
                        n.filemode_raw() == MODE_TREE,
                    ),
                    (Some(_), None) => Ordering::Less,
                    (None, _) => Ordering::Greater,
                };
                match ord {
                    Ordering::Less => {
                        i += 1;
                        let Some(o) = o else { continue };
                        let path = join(&prefix, o.name_bytes());
                        if o.filemode_raw() == MODE_TREE {
                            let t = find(o.id(), &path)?;
                            stack.push((path, Some(t), None));
                        } else if let Some(e) = Entry::new(path, o.id(), o.filemode_raw()) {
                            out.push(RawChange::Deleted(e));
                        }
                    }
                    Ordering::Greater => {
                        j += 1;
                        let Some(n) = n else { continue };
                        let path = join(&prefix, n.name_bytes());
                        if n.filemode_raw() == MODE_TREE {
                            let t = find(n.id(), &path)?;
                            stack.push((path, None, Some(t)));
                        } else if let Some(e) = Entry::new(path, n.id(), n.filemode_raw()) {
                            out.push(RawChange::Added(e));
                        }
                    }
                    Ordering::Equal => {
                        i += 1;
                        j += 1;
                        let (Some(o), Some(n)) = (o, n) else { continue };
                        if o.id() == n.id() && o.filemode_raw() == n.filemode_raw() {
                            continue;
                        }
                        let path = join(&prefix, n.name_bytes());
                        if o.filemode_raw() == MODE_TREE {
                            // Equal order implies both are trees.
                            let (ot, nt) = (find(o.id(), &path)?, find(n.id(), &path)?);
                            stack.push((path, Some(ot), Some(nt)));
                            continue;
                        }
                        let oe = Entry::new(path.clone(), o.id(), o.filemode_raw());
                        let ne = Entry::new(path, n.id(), n.filemode_raw());
                        match (oe, ne) {
                            (Some(oe), Some(ne)) => out.push(RawChange::Modified(oe, ne)),
                            (Some(oe), None) => out.push(RawChange::Deleted(oe)),
                            (None, Some(ne)) => out.push(RawChange::Added(ne)),
                            (None, None) => {}
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// git's tree entry order: names compared bytewise, a tree's name as if it
/// ended in `/`. A file `a` and a directory `a` are therefore different
/// entries (a file replaced by a directory is a deletion plus additions),
/// exactly as `git diff-tree` sees it.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let end = |name: &[u8], tree: bool| match name.get(common) {
        Some(&c) => c,
        None if tree => b'/',
        None => 0,
    };
    end(a, a_tree)
        .cmp(&end(b, b_tree))
        .then(a.len().cmp(&b.len()))
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(prefix.len() + 1 + name.len());
    p.extend_from_slice(prefix);
    if !prefix.is_empty() {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Turn a same-path pair into a change: a different kind of entry (file,
/// symlink, submodule) is a type change; the exec bit is a modification.
pub(crate) fn modified(old: Side, new: Side) -> FileChange {
    let class = |k: EntryKind| match k {
        EntryKind::File | EntryKind::Executable => 0,
        EntryKind::Symlink => 1,
        EntryKind::Submodule => 2,
    };
    let kind = if class(old.kind) == class(new.kind) {
        ChangeKind::Modified
    } else {
        ChangeKind::TypeChanged
    };
    FileChange {
        kind,
        old: Some(old),
        new: Some(new),
    }
}

#[cfg(test)]
mod order_tests {
    use super::git_order;
    use std::cmp::Ordering::*;

    #[test]
    fn trees_sort_as_if_followed_by_slash() {
        assert_eq!(git_order(b"a", true, b"a.c", false), Greater);
        assert_eq!(git_order(b"a", false, b"a.c", false), Less);
        assert_eq!(git_order(b"a", false, b"a", true), Less);
        assert_eq!(git_order(b"a", true, b"a", true), Equal);
        assert_eq!(git_order(b"ab", false, b"a", true), Greater);
        assert_eq!(git_order(b"a-", false, b"a", true), Less);
        assert_eq!(git_order(b"a0", false, b"a", true), Greater);
    }
}
