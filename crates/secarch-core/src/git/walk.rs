//! History walks: versions of one file, commits touching watched paths, and
//! who wrote a commit (for the "authors may not approve" rule and the audit
//! report).

use std::path::Path;

use git2::{Commit, ErrorCode, Oid, Sort, Tree};
use serde::Serialize;

use super::listing::NoFiles;
use super::repo::Repo;
use super::repo_error::{GitError, ctx};
use super::{EntryKind, entry_kind};
use crate::source::is_safe_relative;

/// Most commits `file_history` looks at, whatever the limit: keeps a walk
/// over a huge history for a file that rarely changes bounded.
pub const MAX_HISTORY_COMMITS: usize = 200_000;
/// Most matching paths listed per [`CommitTouch`] (all are counted).
pub const MAX_TOUCH_PATHS: usize = 100;

/// One version of a file: the commit that gave it this content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVersion {
    pub commit: String,
    /// The blob at that commit; `None` when the commit deleted the file.
    pub blob: Option<String>,
    /// Committer time, unix seconds.
    pub time: i64,
    pub author_name: String,
    pub author_email: String,
    pub committer_email: String,
    pub summary: String,
}

/// A commit that changed at least one path of interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitTouch {
    pub commit: String,
    /// Committer time, unix seconds.
    pub time: i64,
    pub author_name: String,
    pub author_email: String,
    pub summary: String,
    /// Matching paths, sorted, at most [`MAX_TOUCH_PATHS`].
    pub paths: Vec<String>,
    /// How many paths matched (may exceed `paths.len()`).
    pub path_count: usize,
}

/// Who made a commit and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub committer_name: String,
    pub committer_email: String,
    /// Committer time, unix seconds.
    pub time: i64,
    pub summary: String,
    /// Emails from `Co-authored-by:` lines, in order, without duplicates.
    pub co_author_emails: Vec<String>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Repo {
    /// Versions of `path` reachable from `head` along first parents, newest
    /// first, at most `limit`: each entry is a commit where the file's content
    /// differs from the commit's first parent (added, changed, or deleted —
    /// `blob: None`). Only regular files count; a symlink or directory at the
    /// path counts as absent.
    pub fn file_history(
        &self,
        head: &str,
        path: &str,
        limit: usize,
    ) -> Result<Vec<FileVersion>, GitError> {
        let path = path.strip_prefix("./").unwrap_or(path);
        if !is_safe_relative(path) {
            return Err(GitError::InvalidPath {
                path: path.to_string(),
            });
        }
        let mut out = Vec::new();
        let mut commit = self.find_commit(self.commit_oid(head)?)?;
        let mut here = self.blob_in(&self.tree_of(&commit)?, path)?;
        for _ in 0..MAX_HISTORY_COMMITS {
            if out.len() >= limit {
                break;
            }
            // A shallow clone's boundary commit behaves as a root.
            let parent = commit.parent(0).ok();
            let before = match &parent {
                Some(p) if p.tree_id() == commit.tree_id() => here,
                Some(p) => self.blob_in(&self.tree_of(p)?, path)?,
                None => None,
            };
            if before != here {
                out.push(FileVersion {
                    commit: commit.id().to_string(),
                    blob: here.map(|o| o.to_string()),
                    time: commit.time().seconds(),
                    author_name: lossy(commit.author().name_bytes()),
                    author_email: lossy(commit.author().email_bytes()),
                    committer_email: lossy(commit.committer().email_bytes()),
                    summary: lossy(commit.summary_bytes().unwrap_or_default()),
                });
            }
            match parent {
                Some(p) => {
                    commit = p;
                    here = before;
                }
                None => break,
            }
        }
        Ok(out)
    }

    /// How many commits are reachable from `head` and not from `base` (`git rev-list --count
    /// base..head`), counting at most `cap`: the size of a range, told to the user. A `base`
    /// that spells the empty tree hides nothing: every commit reachable from `head` counts.
    pub fn count_commits(&self, base: &str, head: &str, cap: usize) -> Result<usize, GitError> {
        let mut walk = self.git.revwalk().map_err(ctx("cannot walk history"))?;
        walk.push(self.commit_oid(head)?)
            .map_err(ctx(format!("cannot walk history from {head}")))?;
        if !super::is_empty_tree(base) {
            walk.hide(self.commit_oid(base)?)
                .map_err(ctx(format!("cannot walk history since {base}")))?;
        }
        let mut n = 0;
        for oid in walk.take(cap) {
            oid.map_err(ctx("cannot walk history"))?;
            n += 1;
        }
        Ok(n)
    }

    /// Commits reachable from `head` but not from `since_exclusive` (empty:
    /// the whole history) that changed at least one path passing `filter`,
    /// newest first, at most `limit`. A merge commit counts only for paths it
    /// changed relative to *every* parent (a conflict resolution or an "evil
    /// merge"); what it merely brought in is listed under the original commits.
    pub fn commits_touching(
        &self,
        since_exclusive: &str,
        head: &str,
        filter: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<CommitTouch>, GitError> {
        let mut walk = self.git.revwalk().map_err(ctx("cannot walk history"))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(ctx("cannot walk history"))?;
        walk.push(self.commit_oid(head)?)
            .map_err(ctx(format!("cannot walk history from {head}")))?;
        if !since_exclusive.is_empty() {
            walk.hide(self.commit_oid(since_exclusive)?)
                .map_err(ctx(format!("cannot walk history since {since_exclusive}")))?;
        }
        let mut out = Vec::new();
        for oid in walk {
            if out.len() >= limit {
                break;
            }
            let oid = oid.map_err(ctx("cannot walk history"))?;
            let commit = self.find_commit(oid)?;
            let mut paths = self.changed_paths(&commit, filter)?;
            if paths.is_empty() {
                continue;
            }
            let path_count = paths.len();
            paths.truncate(MAX_TOUCH_PATHS);
            out.push(CommitTouch {
                commit: oid.to_string(),
                time: commit.time().seconds(),
                author_name: lossy(commit.author().name_bytes()),
                author_email: lossy(commit.author().email_bytes()),
                summary: lossy(commit.summary_bytes().unwrap_or_default()),
                paths,
                path_count,
            });
        }
        Ok(out)
    }

    /// Author, committer and co-authors of a commit (any revision).
    pub fn commit_info(&self, commit: &str) -> Result<CommitInfo, GitError> {
        let c = self.find_commit(self.commit_oid(commit)?)?;
        Ok(CommitInfo {
            id: c.id().to_string(),
            author_name: lossy(c.author().name_bytes()),
            author_email: lossy(c.author().email_bytes()),
            committer_name: lossy(c.committer().name_bytes()),
            committer_email: lossy(c.committer().email_bytes()),
            time: c.time().seconds(),
            summary: lossy(c.summary_bytes().unwrap_or_default()),
            co_author_emails: co_author_emails(&String::from_utf8_lossy(c.message_bytes())),
        })
    }

    fn find_commit(&self, oid: Oid) -> Result<Commit<'_>, GitError> {
        self.git
            .find_commit(oid)
            .map_err(ctx(format!("cannot read commit {oid}")))
    }

    fn tree_of<'r>(&'r self, commit: &Commit<'r>) -> Result<Tree<'r>, GitError> {
        commit.tree().map_err(ctx(format!(
            "cannot read the tree of commit {}",
            commit.id()
        )))
    }

    /// The blob id of the regular file at `path`, if there is one.
    fn blob_in(&self, tree: &Tree<'_>, path: &str) -> Result<Option<Oid>, GitError> {
        match tree.get_path(Path::new(path)) {
            Ok(e) => Ok(matches!(
                entry_kind(e.filemode_raw()),
                Some(EntryKind::File | EntryKind::Executable)
            )
            .then(|| e.id())),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(ctx(format!("cannot look up {path}"))(e)),
        }
    }

    /// Sorted matching paths the commit changed (see `commits_touching`).
    fn changed_paths(
        &self,
        commit: &Commit<'_>,
        filter: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, GitError> {
        let mut result: Option<Vec<String>> = None;
        let parents: Vec<Option<Commit<'_>>> = if commit.parent_count() == 0 {
            vec![None]
        } else {
            commit.parents().map(Some).collect()
        };
        for parent in parents {
            let old = parent.as_ref().map(|p| p.tree_id());
            let done = self.traverse(old, Some(commit.tree_id()), 1, NoFiles)?;
            let modified = done.modified.iter().map(|c| c.path().to_string());
            let mut paths: Vec<String> = done
                .added
                .into_iter()
                .chain(done.deleted)
                .map(|c| c.side.path)
                .chain(modified)
                .filter(|p| filter(p))
                .collect();
            paths.sort();
            paths.dedup();
            result = Some(match result {
                None => paths,
                Some(prev) => prev
                    .into_iter()
                    .filter(|p| paths.binary_search(p).is_ok())
                    .collect(),
            });
            if result.as_ref().is_some_and(|r| r.is_empty()) {
                break;
            }
        }
        Ok(result.unwrap_or_default())
    }
}

/// Emails of `Co-authored-by:` lines anywhere in a commit message.
///
/// Deliberately looser than git's trailer parser (which only reads the last
/// paragraph): the list decides who may *not* approve a change, so finding
/// one co-author too many is the safe mistake.
pub fn co_author_emails(message: &str) -> Vec<String> {
    const KEY: &str = "co-authored-by:";
    let mut out: Vec<String> = Vec::new();
    for line in message.lines() {
        let line = line.trim();
        let Some(head) = line.get(..KEY.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(KEY) {
            continue;
        }
        let value = line[KEY.len()..].trim();
        let email = match (value.rfind('<'), value.rfind('>')) {
            (Some(l), Some(r)) if l < r => value[l + 1..r].trim(),
            _ if value.contains('@') && !value.contains(char::is_whitespace) => value,
            _ => continue,
        };
        if !email.is_empty() && !out.iter().any(|e| e.eq_ignore_ascii_case(email)) {
            out.push(email.to_string());
        }
    }
    out
}
