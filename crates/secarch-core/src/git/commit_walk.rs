//! One history walk, each commit with the changes it made: the git half of
//! `secarch log` (and of the audit report, which replays the same history).
//!
//! Each commit is compared with its **first parent** — on a branch that lands
//! pull requests by merge commits, a first-parent merge is exactly the change
//! the pull request brought in, which is what `secarch check` saw — and a root
//! commit with git's empty tree (everything in it is new). Only trees are
//! read for the diff (the project's own tree diff, `diff.rs`: the cost
//! follows the size of the change, not of the repository); blob content is
//! read only by renames scored by similarity and then only when a path the
//! caller wants is among the unpaired files.
//!
//! A shallow clone's boundary commits have no parents in the clone (libgit2
//! shows them as roots): they are reported as the place the history is cut,
//! never diffed against the empty tree as if they had created the repository.

use std::collections::HashSet;

use git2::{Oid, Sort};

use super::ChangeSet;
use super::diff::ChangeSetOptions;
use super::listing::NoFiles;
use super::repo::Repo;
use super::repo_error::{GitError, ctx};

/// git's id of the empty tree (`git hash-object -t tree /dev/null`): the base a
/// root commit is compared with, and a `--base` that means "everything up to head".
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// Whether `rev` spells the empty tree: its full id, or an abbreviation of at
/// least 7 hex digits (what people copy from `git log` output). git itself
/// knows this object without storing it; libgit2 does not resolve it by name.
pub fn is_empty_tree(rev: &str) -> bool {
    let rev = rev.trim();
    rev.len() >= 7
        && rev.len() <= EMPTY_TREE.len()
        && EMPTY_TREE.starts_with(&rev.to_ascii_lowercase())
}

/// Which commits a walk visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkSpec {
    /// Where the walk starts (any revision).
    pub head: String,
    /// Leave out this revision and everything reachable from it (`since..head`).
    pub since: Option<String>,
    /// `true`: the first-parent line of `head` (`git log --first-parent`);
    /// `false`: every commit reachable, merges left out (`git log --no-merges`).
    pub first_parent: bool,
    /// Most commits handed out.
    pub limit: Option<usize>,
}

/// A commit met on a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkedCommit {
    pub id: String,
    /// The first parent, `None` for a root commit or a shallow boundary.
    pub parent: Option<String>,
    /// How many parents the commit has (2+ = a merge).
    pub parents: usize,
    /// Author time, unix seconds (what `git log` shows as the date).
    pub time: i64,
    pub author_name: String,
    pub author_email: String,
    pub summary: String,
    /// The clone is shallow and cut here: the parents were not fetched, so
    /// what this commit changed is unknown.
    pub shallow_boundary: bool,
    tree: Oid,
    parent_tree: Option<Oid>,
}

impl WalkedCommit {
    /// A commit with no parent in the repository (not a shallow boundary).
    pub fn is_root(&self) -> bool {
        self.parents == 0 && !self.shallow_boundary
    }
}

/// Why a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// Every commit in range was visited.
    Complete,
    /// The limit was reached.
    Limit,
    /// The visitor asked to stop.
    Stopped,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Repo {
    /// Visit the commits of `spec`, newest first, until `visit` returns
    /// `false`. One revwalk; commits are read once each.
    pub fn walk_commits(
        &self,
        spec: &WalkSpec,
        visit: &mut dyn FnMut(WalkedCommit) -> Result<bool, GitError>,
    ) -> Result<WalkEnd, GitError> {
        let mut walk = self.git.revwalk().map_err(ctx("cannot walk history"))?;
        // Children before parents whatever the clocks said (commits made in
        // the same second, skewed committer clocks), newest first among
        // independent lines. The topological order costs one pass over the
        // commit headers in range before the first is handed out.
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(ctx("cannot walk history"))?;
        walk.push(self.commit_oid(&spec.head)?)
            .map_err(ctx(format!("cannot walk history from {}", spec.head)))?;
        if let Some(since) = &spec.since {
            walk.hide(self.commit_oid(since)?)
                .map_err(ctx(format!("cannot walk history since {since}")))?;
        }
        if spec.first_parent {
            walk.simplify_first_parent()
                .map_err(ctx("cannot walk history"))?;
        }
        let boundary: HashSet<Oid> = self
            .shallow_boundary()
            .iter()
            .filter_map(|id| Oid::from_str(id).ok())
            .collect();
        let mut handed = 0usize;
        for oid in walk {
            if spec.limit.is_some_and(|l| handed >= l) {
                return Ok(WalkEnd::Limit);
            }
            let oid = oid.map_err(ctx("cannot walk history"))?;
            let commit = self
                .git
                .find_commit(oid)
                .map_err(ctx(format!("cannot read commit {oid}")))?;
            let parents = commit.parent_count();
            if !spec.first_parent && parents > 1 {
                continue;
            }
            let shallow_boundary = boundary.contains(&oid);
            let (parent, parent_tree) = match (shallow_boundary, parents) {
                (true, _) | (_, 0) => (None, None),
                _ => {
                    let p = commit
                        .parent(0)
                        .map_err(ctx(format!("cannot read the parent of commit {oid}")))?;
                    (Some(p.id().to_string()), Some(p.tree_id()))
                }
            };
            let author = commit.author();
            let walked = WalkedCommit {
                id: oid.to_string(),
                parent,
                parents,
                time: author.when().seconds(),
                author_name: lossy(author.name_bytes()),
                author_email: lossy(author.email_bytes()),
                summary: lossy(commit.summary_bytes().unwrap_or_default()),
                shallow_boundary,
                tree: commit.tree_id(),
                parent_tree,
            };
            handed += 1;
            if !visit(walked)? {
                return Ok(WalkEnd::Stopped);
            }
        }
        Ok(WalkEnd::Complete)
    }

    /// What `commit` changed relative to its first parent (a root commit: to
    /// the empty tree), with renames; `wanted` as in
    /// [`ChangeSetOptions::similarity_only_for_kept`] (`None`: every file).
    /// A shallow boundary has no known parent: an empty change set.
    pub fn commit_changes(
        &self,
        commit: &WalkedCommit,
        opts: &ChangeSetOptions,
        wanted: Option<&mut dyn FnMut(&str) -> bool>,
    ) -> Result<ChangeSet, GitError> {
        let head = Oid::from_str(&commit.id).map_err(|_| GitError::UnknownRevision {
            rev: commit.id.clone(),
            shallow: false,
        })?;
        let base = match &commit.parent {
            Some(p) => Oid::from_str(p).unwrap_or(Oid::ZERO_SHA1),
            None => Oid::from_str(EMPTY_TREE).unwrap_or(Oid::ZERO_SHA1),
        };
        if commit.shallow_boundary || commit.parent_tree == Some(commit.tree) {
            return Ok(ChangeSet {
                base: base.to_string(),
                head: head.to_string(),
                changes: Vec::new(),
            });
        }
        let done = self.traverse(commit.parent_tree, Some(commit.tree), opts.threads, NoFiles)?;
        self.change_set_from(base, head, done, opts, wanted)
    }
}

/// How another thread opens the same repository: a [`Repo`] handle cannot be
/// shared between threads (libgit2's is not `Sync`), this can.
#[derive(Debug, Clone)]
pub struct RepoLocation {
    gitdir: std::path::PathBuf,
    trusted_owner: bool,
}

impl RepoLocation {
    /// A new handle on the repository, opened with the same owner trust.
    pub fn open(&self) -> Result<Repo, GitError> {
        Ok(Repo {
            git: super::repo::reopen(&self.gitdir, self.trusted_owner)?,
            trusted_owner: self.trusted_owner,
        })
    }
}

impl Repo {
    /// Where this repository is, for opening it again on another thread.
    pub fn location(&self) -> RepoLocation {
        RepoLocation {
            gitdir: self.git.path().to_path_buf(),
            trusted_owner: self.trusted_owner,
        }
    }
}
