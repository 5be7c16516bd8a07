//! Tree-to-tree diff: the change set between two commits.
//!
//! Written after git's own algorithm (`diff-tree`) rather than with libgit2's
//! diff: both trees are merge-joined level by level in git's entry order and
//! identical subtrees are skipped by id, so the cost follows the size of the
//! change, not of the repository. libgit2's diff iterates every entry of both
//! trees and its rename search compares candidate pairs one by one (and caps
//! the sources tried per target, missing exact renames): on the 100k-file
//! benchmark in `BENCHMARKS.md` it took seconds where this takes about what
//! `git diff` takes. No file content is read except to score inexact renames
//! (`renames.rs`).

use std::cmp::Ordering;
use std::iter::Peekable;

use git2::{Odb, Oid};

use super::listing::NoFiles;
use super::renames::{DEFAULT_RENAME_LIMIT, Entry};
use super::repo::Repo;
use super::repo_error::{GitError, ctx};
use super::tree_object::{self, RawEntry, join};
use super::{ChangeKind, ChangeSet, EntryKind, FileChange, Side};

/// How [`Repo::change_set_with`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeSetOptions {
    /// Most files left unpaired after exact matching (deleted + added) for
    /// which every pair is considered by content similarity; above it only
    /// same-name pairs are. `0`: exact renames only.
    pub rename_limit: usize,
    /// Threads for the tree diff of a large change; `0`: one per core (at
    /// most [`MAX_THREADS`]). A small change always runs on the caller's thread.
    pub threads: usize,
    /// [`Repo::change_set_and_files`] only: search renames by content
    /// similarity only when a file its filter keeps is among the additions
    /// and deletions that exact renames left unpaired. For callers that look
    /// at no other file (`secarch check` classifies watched paths only): a
    /// pairing of two other files changes nothing they report, and the search
    /// reads every leftover blob. Other edited renames then stay a deletion
    /// plus an addition. Off by default.
    pub similarity_only_for_kept: bool,
}

impl Default for ChangeSetOptions {
    fn default() -> ChangeSetOptions {
        ChangeSetOptions {
            rename_limit: DEFAULT_RENAME_LIMIT,
            threads: 0,
            similarity_only_for_kept: false,
        }
    }
}

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
    /// then by content similarity ≥ 50 %, bounded; see [`ChangeSetOptions`]);
    /// copies are not. Sorted by path.
    pub fn change_set(&self, base: &str, head: &str) -> Result<ChangeSet, GitError> {
        self.change_set_with(base, head, &ChangeSetOptions::default())
    }

    /// [`Repo::change_set`] with explicit rename-detection limits.
    pub fn change_set_with(
        &self,
        base: &str,
        head: &str,
        opts: &ChangeSetOptions,
    ) -> Result<ChangeSet, GitError> {
        let (base_oid, head_oid, old, new) = self.range_trees(base, head)?;
        let done = self.traverse(old, Some(new), opts.threads, NoFiles)?;
        self.change_set_from(base_oid, head_oid, done, opts, None)
    }

    /// Both commits and their root trees. A `base` that spells git's empty
    /// tree ([`super::is_empty_tree`]) has no commit and no tree: everything
    /// at head is new (a root commit checked on its own).
    pub(super) fn range_trees(
        &self,
        base: &str,
        head: &str,
    ) -> Result<(Oid, Oid, Option<Oid>, Oid), GitError> {
        let head_oid = self.commit_oid(head)?;
        let tree_of = |oid: Oid, what: &str| {
            self.git
                .find_commit(oid)
                .map(|c| c.tree_id())
                .map_err(ctx(format!("cannot read {what} commit {oid}")))
        };
        if super::is_empty_tree(base) {
            let empty = Oid::from_str(super::EMPTY_TREE).map_err(ctx("the empty tree"))?;
            return Ok((empty, head_oid, None, tree_of(head_oid, "head")?));
        }
        let base_oid = self.commit_oid(base)?;
        Ok((
            base_oid,
            head_oid,
            Some(tree_of(base_oid, "base")?),
            tree_of(head_oid, "head")?,
        ))
    }
}

/// Directories still to compare: path, old tree, new tree.
pub(super) type Pair = (Vec<u8>, Option<Oid>, Option<Oid>);

/// Pending directory pairs that make a diff worth sharing between threads.
pub(super) const PARALLEL_MIN_PAIRS: usize = 64;
/// Beyond a few threads the pack reads contend rather than scale.
pub const MAX_THREADS: usize = 4;

/// `threads` as asked, `0` meaning one per core (at most [`MAX_THREADS`]).
/// The one place secarch asks how many cores it has.
pub fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS),
        n => n,
    }
}

/// A rayon pool of `thread_count(threads)` threads of its own, or `None` for
/// one thread (work then stays on the caller's thread) or when no thread can
/// be started (the caller works alone: slower, same results). Never rayon's
/// global pool: `--threads` and `EvalOptions::threads` (1 for an App job,
/// which already runs beside others) bound every fan-out.
pub fn local_pool(threads: usize) -> Option<rayon::ThreadPool> {
    local_pool_with_stack(threads, None)
}

/// [`local_pool`] whose threads have `stack` bytes of stack (`None`: rayon's
/// default).
pub fn local_pool_with_stack(threads: usize, stack: Option<usize>) -> Option<rayon::ThreadPool> {
    let threads = thread_count(threads);
    if threads < 2 {
        return None;
    }
    let mut builder = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("secarch-{i}"));
    if let Some(stack) = stack {
        builder = builder.stack_size(stack);
    }
    builder.build().ok()
}

/// What the head side holds, reported while diffing (for the fingerprint):
/// a file of the head tree (with its directory's path: the whole path is
/// built only for files the listing keeps), or an unchanged head subtree to
/// list separately.
pub(crate) enum Listed<'e> {
    File(&'e [u8], RawEntry<'e>),
    Subtree(Vec<u8>, Oid),
}

/// Compare one directory pair: file changes go to `out`, subdirectories that
/// differ to `more`, and, when `list` is given, every entry of the new side to
/// `list` (files, and unchanged subtrees the diff skips).
pub(super) fn diff_level(
    odb: &Odb<'_>,
    (prefix, old, new): Pair,
    out: &mut Vec<RawChange>,
    more: &mut dyn FnMut(Pair),
    mut list: Option<&mut dyn FnMut(Listed<'_>)>,
) -> Result<(), GitError> {
    let old_obj = old
        .map(|id| tree_object::read(odb, id, &prefix))
        .transpose()?;
    let new_obj = new
        .map(|id| tree_object::read(odb, id, &prefix))
        .transpose()?;
    let mut os = tree_object::entries(old_obj.as_ref().map_or(&[][..], |o| o.data())).peekable();
    let mut ns = tree_object::entries(new_obj.as_ref().map_or(&[][..], |o| o.data())).peekable();
    loop {
        let (o, n) = (peek(&mut os, old, &prefix)?, peek(&mut ns, new, &prefix)?);
        let ord = match (&o, &n) {
            (Some(o), Some(n)) => git_order(o.name, o.is_tree(), n.name, n.is_tree()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return Ok(()),
        };
        match (ord, o, n) {
            (Ordering::Less, Some(o), _) => {
                os.next();
                let path = join(&prefix, o.name);
                if o.is_tree() {
                    more((path, Some(o.id()), None));
                } else if let Some(e) = Entry::new(path, o.id(), o.mode) {
                    out.push(RawChange::Deleted(e));
                }
            }
            (Ordering::Greater, _, Some(n)) => {
                ns.next();
                let path = join(&prefix, n.name);
                if let Some(list) = list.as_mut()
                    && !n.is_tree()
                {
                    list(Listed::File(&prefix, n));
                }
                if n.is_tree() {
                    more((path, None, Some(n.id())));
                } else if let Some(e) = Entry::new(path, n.id(), n.mode) {
                    out.push(RawChange::Added(e));
                }
            }
            (_, Some(o), Some(n)) => {
                os.next();
                ns.next();
                if let Some(list) = list.as_mut() {
                    if n.is_tree() {
                        if o.raw_id == n.raw_id && o.mode == n.mode {
                            list(Listed::Subtree(join(&prefix, n.name), n.id()));
                        }
                    } else {
                        list(Listed::File(&prefix, n));
                    }
                }
                if o.raw_id == n.raw_id && o.mode == n.mode {
                    continue;
                }
                let path = join(&prefix, n.name);
                if o.is_tree() {
                    // Equal order implies both are trees.
                    more((path, Some(o.id()), Some(n.id())));
                    continue;
                }
                let oe = Entry::new(path.clone(), o.id(), o.mode);
                let ne = Entry::new(path, n.id(), n.mode);
                match (oe, ne) {
                    (Some(oe), Some(ne)) => out.push(RawChange::Modified(oe, ne)),
                    (Some(oe), None) => out.push(RawChange::Deleted(oe)),
                    (None, Some(ne)) => out.push(RawChange::Added(ne)),
                    (None, None) => {}
                }
            }
            _ => return Ok(()),
        }
    }
}

/// The next entry without consuming it; a malformed entry is an error.
fn peek<'a>(
    it: &mut Peekable<tree_object::Entries<'a>>,
    id: Option<Oid>,
    path: &[u8],
) -> Result<Option<RawEntry<'a>>, GitError> {
    match it.peek() {
        None => Ok(None),
        Some(Ok(e)) => Ok(Some(*e)),
        Some(Err(why)) => Err(tree_object::corrupt(
            id.unwrap_or(Oid::ZERO_SHA1),
            path,
            why,
        )),
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
