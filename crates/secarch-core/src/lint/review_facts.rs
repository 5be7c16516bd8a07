//! The git facts the review rules need (SA052, SA053, SA055), behind a small
//! trait so the rules are tested with a fake and the git layer stays outside
//! the rules.
//!
//! The review record never carries a commit id (nobody types SHAs): the commit
//! that *added* a review entry is found by walking the document's history. The
//! git-backed implementation is `crate::review_history::GitReviewHistory`.

use crate::model::Review;

/// One commit, with what the review rules ask of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCommit {
    /// Full hex id.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Changed paths the rules may care about (the implementation may leave
    /// out paths no watch category matches), sorted.
    pub paths: Vec<String>,
}

/// Read-only git history for the review rules.
pub trait ReviewHistory {
    /// The commit that added `review` to the document at `document_path`: walking
    /// the document's history back from head, the oldest version of the unbroken
    /// run of versions that contain the entry (compared with [`Review::key`]).
    /// `Ok(None)` when head's version does not contain it (a working-tree edit).
    fn review_added_in(
        &self,
        document_path: &str,
        review: &Review,
    ) -> Result<Option<String>, String>;

    /// Commits after `since` (exclusive; `None` = from the first commit) up to
    /// `until` (inclusive; `None` = head), oldest first. An implementation may
    /// leave out commits that changed no watched path.
    fn commits_between(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<HistoryCommit>, String>;
}

#[cfg(test)]
mod tests;
