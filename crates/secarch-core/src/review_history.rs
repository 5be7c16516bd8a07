//! The git-backed [`ReviewHistory`] for the review rules (SA052, SA053, SA055).
//!
//! Lives outside `lint` (which knows no git) and outside `git` (which knows no
//! documents): it is the one place that reads the document's history as
//! documents.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::git::Repo;
use crate::lint::{HistoryCommit, ReviewHistory};
use crate::model::{Review, parse_document_bytes};

/// Versions of the document examined when looking for the commit that added a
/// review entry; older entries are reported as "added before the horizon".
const DOCUMENT_VERSIONS: usize = 500;
/// Commits examined after the last review.
const COMMITS: usize = 5_000;

/// Review history read from a repository, as seen from one head commit.
pub struct GitReviewHistory<'r> {
    repo: &'r Repo,
    head: String,
    /// Which paths the review rules care about (watched files and threat
    /// models); commits report only these, so a large commit's relevant paths
    /// are never cut off by the per-commit path cap.
    relevant: Box<dyn Fn(&str) -> bool + 'r>,
    /// Parsed review keys per document blob, so each version is parsed once.
    parsed: RefCell<HashMap<String, Vec<crate::model::ReviewKey>>>,
}

impl<'r> GitReviewHistory<'r> {
    pub fn new(
        repo: &'r Repo,
        head: &str,
        relevant: impl Fn(&str) -> bool + 'r,
    ) -> GitReviewHistory<'r> {
        GitReviewHistory {
            repo,
            head: head.to_string(),
            relevant: Box::new(relevant),
            parsed: RefCell::new(HashMap::new()),
        }
    }

    fn contains(
        &self,
        path: &str,
        blob: &str,
        key: &crate::model::ReviewKey,
    ) -> Result<bool, String> {
        if let Some(keys) = self.parsed.borrow().get(blob) {
            return Ok(keys.contains(key));
        }
        let bytes = self.repo.read_blob(blob).map_err(|e| e.to_string())?;
        let keys: Vec<_> = parse_document_bytes(path, &bytes)
            .document
            .reviews
            .iter()
            .map(Review::key)
            .collect();
        let hit = keys.contains(key);
        self.parsed.borrow_mut().insert(blob.to_string(), keys);
        Ok(hit)
    }
}

impl ReviewHistory for GitReviewHistory<'_> {
    fn review_added_in(
        &self,
        document_path: &str,
        review: &Review,
    ) -> Result<Option<String>, String> {
        let key = review.key();
        let versions = self
            .repo
            .file_history(&self.head, document_path, DOCUMENT_VERSIONS)
            .map_err(|e| e.to_string())?;
        // Newest first: the run of versions containing the entry ends at the
        // oldest one that still has it.
        let mut added = None;
        let mut run_ended = false;
        for v in &versions {
            let Some(blob) = &v.blob else {
                run_ended = true;
                break;
            };
            if self.contains(document_path, blob, &key)? {
                added = Some(v.commit.clone());
            } else {
                run_ended = true;
                break;
            }
        }
        // In a shallow clone the oldest version we can see may only be where the history was
        // cut: the entry may be older, and every commit after it unseen. Say so instead of
        // reporting a clean history.
        if let Some(commit) = &added
            && !run_ended
            && self.repo.shallow_boundary().contains(commit)
        {
            return Err(format!(
                "this clone is shallow: its history stops at {}, so the commit that added the last review cannot be found (run `git fetch --unshallow`)",
                commit.get(..12).unwrap_or(commit)
            ));
        }
        Ok(added)
    }

    fn commits_between(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<HistoryCommit>, String> {
        let head = until.unwrap_or(&self.head);
        let mut touches = self
            .repo
            .commits_touching(since.unwrap_or(""), head, &*self.relevant, COMMITS)
            .map_err(|e| e.to_string())?;
        touches.reverse();
        Ok(touches
            .into_iter()
            .map(|t| HistoryCommit {
                id: t.commit,
                author_name: t.author_name,
                author_email: t.author_email,
                paths: t.paths,
            })
            .collect())
    }
}
