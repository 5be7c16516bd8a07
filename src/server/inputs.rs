//! What every job gathers before the core runs, and how an attempt fails: an installation
//! token for git, the synced repository (on the blocking pool, under the job's time limit), the
//! policy facts the App needs besides the report, and [`JobError`].
//!
//! Shared by the pull-request and merge-queue jobs (`pull.rs`, `merge_group.rs`) and by the
//! worker that retries them (`job.rs`); it imports none of them, so `server/` has no cycles.

use std::sync::Arc;

use super::engine::Engine;
use super::repos::{RepoError, SyncRequest};
use crate::git::Repo;
use crate::github::{CheckConclusion, GitHubError, InstallationClient};
use crate::policy::Policy;
use crate::verdict::SignoffState;

/// Why a job attempt failed.
#[derive(Debug)]
pub(crate) enum JobError {
    GitHub(GitHubError),
    /// The repository could not be synced or opened; [`RepoError::transient`] tells whether
    /// retrying can help.
    Git(RepoError),
    /// The change cannot be evaluated as it is (invalid policy, broken repository state): the
    /// check run says so; retrying will not help.
    Evaluation(String),
    /// A blocking task panicked or was cancelled.
    Internal(String),
    /// Sync and evaluation took longer than the job's time limit (`--evaluation-timeout`): the
    /// work is abandoned; trying again would take as long.
    TimedOut(std::time::Duration),
}

impl From<GitHubError> for JobError {
    fn from(e: GitHubError) -> Self {
        JobError::GitHub(e)
    }
}

impl JobError {
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            JobError::GitHub(e) => e.is_transient(),
            JobError::Git(e) => e.transient,
            // A panic or a cancelled task is a bug; one more try costs little and a cancelled
            // task (runtime shutting down) may pass.
            JobError::Internal(_) => true,
            JobError::Evaluation(_) | JobError::TimedOut(_) => false,
        }
    }

    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            JobError::GitHub(GitHubError::RateLimited { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::GitHub(e) => write!(f, "{e}"),
            JobError::Git(e) => write!(f, "could not get the repository: {e}"),
            JobError::Evaluation(e) => write!(f, "{e}"),
            JobError::Internal(e) => write!(f, "internal error: {e}"),
            JobError::TimedOut(limit) => write!(
                f,
                "fetching and evaluating the pull request did not finish within {} s (SECARCH_EVALUATION_TIMEOUT / --evaluation-timeout)",
                limit.as_secs()
            ),
        }
    }
}

/// What a job attempt learned, so a final failure can still be reported on the right head.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub head_sha: Option<String>,
    pub check_name: Option<String>,
}

/// What a finished job did (metrics label).
pub(crate) enum Outcome {
    Concluded(CheckConclusion),
    Skipped,
}

/// The check name used when the policy cannot be read.
pub(crate) fn default_check_name() -> String {
    Policy::embedded_default().check_name().to_string()
}

/// Run `work` on the synced repository on the blocking pool.
pub(crate) async fn with_repo<T: Send + 'static>(
    engine: &Arc<Engine>,
    request: SyncRequest,
    work: impl FnOnce(&Repo) -> T + Send + 'static,
) -> Result<T, JobError> {
    let repos = Arc::clone(&engine.repos);
    let limit = engine.settings.evaluation_timeout;
    let task = tokio::task::spawn_blocking(move || {
        let mut work = Some(work);
        let mut out = None;
        repos.with_repo(&request, &mut |repo| {
            if let Some(w) = work.take() {
                out = Some(w(repo));
            }
        })?;
        out.ok_or_else(|| {
            RepoError::transient("the repository provider did not run the evaluation")
        })
    });
    // A blocking task cannot be stopped: on time-out it is left to finish on its own (its
    // result is dropped) while the job reports and frees its slot.
    let Ok(joined) = tokio::time::timeout(limit, task).await else {
        return Err(JobError::TimedOut(limit));
    };
    match joined {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(JobError::Git(e)),
        Err(e) => Err(JobError::Internal(e.to_string())),
    }
}

/// The token for git over https (none needed for local remotes).
pub(crate) async fn git_token(
    client: &InstallationClient,
    clone_url: &str,
) -> Result<Option<secrecy::SecretString>, JobError> {
    if clone_url.starts_with("https://") || clone_url.starts_with("http://") {
        Ok(Some(client.git_token().await?))
    } else {
        Ok(None)
    }
}

/// The policy facts the App needs besides the report: who is asked to review.
pub(crate) struct PolicyInfo {
    pub check_name: String,
    pub users: Vec<String>,
    /// `org/team-slug`.
    pub teams: Vec<String>,
    pub required: u32,
}

impl PolicyInfo {
    pub(crate) fn of(policy: &Policy) -> Self {
        PolicyInfo {
            check_name: policy.check_name().to_string(),
            users: policy.signoff.reviewers.users.clone(),
            teams: policy
                .signoff
                .reviewers
                .teams
                .iter()
                .map(|t| t.value.clone())
                .collect(),
            required: policy.signoff.required,
        }
    }

    /// The sign-off state before any sign-off is read. The sign-off logic (comments and
    /// reviews, bound to the fingerprint) fills `valid` and `rejected`.
    pub fn signoff_state(&self) -> SignoffState {
        SignoffState {
            valid: Vec::new(),
            required: self.required,
            rejected: Vec::new(),
            eligible: self
                .users
                .iter()
                .map(|u| format!("@{u}"))
                .chain(self.teams.iter().map(|t| format!("@{t}")))
                .collect(),
            blockers: Vec::new(),
        }
    }
}
