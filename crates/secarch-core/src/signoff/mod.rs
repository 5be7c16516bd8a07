//! Sign-off on the pull request: reviewers approve the security-architecture review by comment
//! (`/secarch approve`) or by an approving review, and each approval means exactly the content
//! that was reviewed.
//!
//! Pure and network-free, so the App and the Action decide alike and the tests need no GitHub:
//! the front-end gathers plain data (comments, reviews, facts about the people, the commits'
//! authors, content prints from its local clone) and gets back a [`SignoffRecord`] for the
//! verdict, the check run and the answers to post.
//!
//! - [`command`]: `/secarch …` lines of a comment body, outside code, quotes and HTML comments.
//! - [`authorize`]: who may sign off (policy reviewers; never the author, a committer, a
//!   co-author or a bot).
//! - [`binding`]: the content fingerprint a sign-off is bound to, and which files broke it.
//! - [`tally`]: all comments and reviews, oldest first, folded into the state at the head.
//! - [`reply`]: the words of the answers and of `/secarch help`.

pub mod authorize;
pub mod binding;
pub mod command;
pub mod reply;
pub mod tally;

pub use authorize::{
    CommitPerson, CommitRole, Denial, Grant, Membership, PullPeople, ReviewerFacts, authorize,
};
pub use binding::{ContentPrint, PrintSource, RepoPrints, resolve_commit};
pub use command::{Approval, Command, ParsedComment, parse_comment};
pub use tally::{
    Answer, Blocker, Comment, Review, ReviewState, SignoffRecord, Source, TallyInput, tally,
};

use crate::verdict::{RejectedSignoff, SignoffState, ValidSignoff};

impl SignoffRecord {
    /// The state the verdict reads: valid sign-offs with their bound commit, invalidated ones
    /// and rejected attempts as "does not count" with the reason, requests for changes as
    /// blockers.
    pub fn verdict_state(&self) -> SignoffState {
        SignoffState {
            valid: self
                .valid
                .iter()
                .map(|s| ValidSignoff {
                    login: s.login.clone(),
                    via: match s.source {
                        Source::Comment { .. } => "comment",
                        Source::Review { .. } => "review",
                    }
                    .to_string(),
                    no_change_rationale: s.no_change_rationale.clone(),
                    commit: s.commit.clone(),
                    fingerprint: s.fingerprint.clone().unwrap_or_default(),
                })
                .collect(),
            required: self.required,
            rejected: self
                .stale
                .iter()
                .map(|s| RejectedSignoff {
                    login: s.signoff.login.clone(),
                    reason: s.reason(),
                })
                .chain(self.rejected.iter().map(|r| RejectedSignoff {
                    login: r.login.clone(),
                    reason: r.reason.to_string(),
                }))
                .collect(),
            eligible: self.eligible.clone(),
            blockers: self
                .blockers
                .iter()
                .map(|b| RejectedSignoff {
                    login: b.login.clone(),
                    reason: format!("requested changes on {}", short(&b.commit)),
                })
                .collect(),
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}
