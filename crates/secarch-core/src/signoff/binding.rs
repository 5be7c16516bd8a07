//! Content binding: a sign-off means the content that was reviewed, not a point in time.
//!
//! Each sign-off is bound to the [fingerprint](crate::fingerprint) of one commit: the commit
//! an `/secarch approve <sha>` names, the head when a plain `/secarch approve` was processed,
//! or an approving review's `commit_id`. It counts while the current head has the same
//! fingerprint, so a push of unrelated files or a rebase that leaves the reviewed content as it
//! was keeps it, and any change to a watched file, a threat model or the document (outside its
//! review log) invalidates it. Push times never enter: they say nothing about content.
//!
//! A [`ContentPrint`] keeps the `(path, id)` entries next to the fingerprint so that an
//! invalidated sign-off can name the files that broke it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::classify::Classifier;
use crate::fingerprint::{canonical_document, fingerprint};
use crate::git::{GitError, Repo};

/// The reviewed content at one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentPrint {
    /// The full commit id.
    pub commit: String,
    /// [`crate::fingerprint::fingerprint`] of the entries (what the check report shows).
    pub fingerprint: String,
    /// Path → blob id of each watched file; the document's path → `doc:<hash of its text
    /// without the review log>`.
    pub entries: BTreeMap<String, String>,
}

impl ContentPrint {
    /// The print of `commit` from its watched `(path, blob id)` files and the document
    /// (`(path, bytes)`), exactly as the check computes the head's fingerprint.
    pub fn new(
        commit: &str,
        files: &[(String, String)],
        document: Option<(&str, &[u8])>,
    ) -> ContentPrint {
        let mut entries: BTreeMap<String, String> = files.iter().cloned().collect();
        if let Some((path, bytes)) = document {
            let canon = canonical_document(&String::from_utf8_lossy(bytes));
            entries.insert(
                path.to_string(),
                format!("doc:{}", hex::encode(Sha256::digest(canon))),
            );
        }
        ContentPrint {
            commit: commit.to_string(),
            fingerprint: fingerprint(files, document),
            entries,
        }
    }

    /// The print of `commit` in `repo`: the files `classifier` watches (compiled from the
    /// policy read at the base, as the check does) and `document`, the document's path as the
    /// check found it.
    pub fn at(
        repo: &Repo,
        classifier: &Classifier,
        document: Option<&str>,
        commit: &str,
    ) -> Result<ContentPrint, GitError> {
        let id = repo.resolve_commit(commit)?;
        let files = repo.tree_files(&id, &|p| classifier.is_watched(p))?;
        let doc = match document {
            Some(path) => repo.read_file_at(&id, path)?.map(|b| (path, b)),
            None => None,
        };
        Ok(ContentPrint::new(
            &id,
            &files,
            doc.as_ref().map(|(p, b)| (*p, b.as_slice())),
        ))
    }

    /// The paths whose reviewed content differs between `self` and `other` (added, removed
    /// or changed), sorted.
    pub fn changed_paths(&self, other: &ContentPrint) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries
            .iter()
            .filter(|(p, id)| other.entries.get(*p) != Some(id))
            .map(|(p, _)| p.clone())
            .chain(
                other
                    .entries
                    .keys()
                    .filter(|p| !self.entries.contains_key(*p))
                    .cloned(),
            )
            .collect();
        out.sort();
        out
    }
}

/// Why `/secarch approve <sha>` names no commit of the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitError {
    NotInPull { prefix: String },
    Ambiguous { prefix: String, count: usize },
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommitError::NotInPull { prefix } => write!(
                f,
                "{prefix} is not a commit of this pull request; name one of its commits, or comment `/secarch approve` to approve the head"
            ),
            CommitError::Ambiguous { prefix, count } => write!(
                f,
                "{prefix} matches {count} commits of this pull request; give more characters of the SHA"
            ),
        }
    }
}

/// The commit of the pull request (`commits`, full ids) that `prefix` names.
pub fn resolve_commit(prefix: &str, commits: &[String]) -> Result<String, CommitError> {
    let prefix = prefix.to_ascii_lowercase();
    let mut found: Vec<&String> = commits
        .iter()
        .filter(|c| c.to_ascii_lowercase().starts_with(&prefix))
        .collect();
    found.sort();
    found.dedup();
    match found[..] {
        [one] => Ok(one.clone()),
        [] => Err(CommitError::NotInPull { prefix }),
        _ => Err(CommitError::Ambiguous {
            prefix,
            count: found.len(),
        }),
    }
}

/// Prints of commits, looked up by the tally (each commit at most once).
pub trait PrintSource {
    /// The print of `commit`, `None` when it cannot be read (a commit force-pushed away and
    /// collected, say): a sign-off bound to it no longer counts.
    fn print(&self, commit: &str) -> Option<ContentPrint>;
}

impl PrintSource for BTreeMap<String, ContentPrint> {
    fn print(&self, commit: &str) -> Option<ContentPrint> {
        self.get(commit).cloned()
    }
}

/// Prints read from a local repository (the App's mirror, the Action's checkout).
pub struct RepoPrints<'a> {
    pub repo: &'a Repo,
    /// Compiled from the policy at the base, with the document as the check found it.
    pub classifier: &'a Classifier,
    pub document: Option<&'a str>,
}

impl PrintSource for RepoPrints<'_> {
    fn print(&self, commit: &str) -> Option<ContentPrint> {
        ContentPrint::at(self.repo, self.classifier, self.document, commit).ok()
    }
}

#[cfg(test)]
#[path = "binding_tests.rs"]
mod tests;
