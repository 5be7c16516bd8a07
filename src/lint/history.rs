//! The git facts the review rules need (SA052, SA053, SA055), behind a small
//! trait so the rules are tested with a fake and the git layer stays outside
//! the linter.
//!
//! The review record never carries a commit id (nobody types SHAs): the commit
//! that *added* a review entry is found by walking the document's history.

use crate::model::Review;

/// One commit, with what the review rules ask of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCommit {
    /// Full hex id.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Repository-relative paths the commit changed (old and new path of a rename).
    pub paths: Vec<String>,
}

/// Read-only git history for the review rules.
pub trait ReviewHistory {
    /// The commit that added `review` to the document at `document_path`: walking
    /// the document's history back from head, the oldest version of the unbroken
    /// run of versions that contain the entry (compared with [`Review::key`]).
    /// `Ok(None)` when the entry is not committed yet (a working-tree edit).
    fn review_added_in(
        &self,
        document_path: &str,
        review: &Review,
    ) -> Result<Option<String>, String>;

    /// Commits after `since` (exclusive; `None` = from the first commit) up to
    /// `until` (inclusive; `None` = head), oldest first.
    fn commits_between(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<HistoryCommit>, String>;
}

/// A scripted history for tests: commits oldest first, and which commit added
/// which review (by reviewer name).
#[cfg(test)]
#[derive(Debug, Default, Clone)]
pub struct FakeHistory {
    pub commits: Vec<HistoryCommit>,
    pub added: Vec<(String, String)>,
    pub fail: Option<String>,
}

#[cfg(test)]
impl FakeHistory {
    pub fn commit(mut self, id: &str, author: &str, paths: &[&str]) -> FakeHistory {
        self.commits.push(HistoryCommit {
            id: id.to_string(),
            author_name: author.to_string(),
            author_email: format!("{}@example.org", author.to_lowercase().replace(' ', ".")),
            paths: paths.iter().map(|p| p.to_string()).collect(),
        });
        self
    }

    pub fn review_added(mut self, reviewer: &str, commit: &str) -> FakeHistory {
        self.added.push((reviewer.to_string(), commit.to_string()));
        self
    }
}

#[cfg(test)]
impl ReviewHistory for FakeHistory {
    fn review_added_in(&self, _doc: &str, review: &Review) -> Result<Option<String>, String> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        let who = review.reviewer.as_ref().map(|r| r.value.as_str());
        Ok(self
            .added
            .iter()
            .find(|(r, _)| Some(r.as_str()) == who)
            .map(|(_, c)| c.clone()))
    }

    fn commits_between(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<HistoryCommit>, String> {
        let start = match since {
            None => 0,
            Some(s) => match self.commits.iter().position(|c| c.id == s) {
                Some(i) => i + 1,
                None => return Err(format!("unknown commit {s}")),
            },
        };
        let end = match until {
            None => self.commits.len(),
            Some(u) => match self.commits.iter().position(|c| c.id == u) {
                Some(i) => i + 1,
                None => return Err(format!("unknown commit {u}")),
            },
        };
        Ok(self.commits.get(start..end).unwrap_or_default().to_vec())
    }
}
