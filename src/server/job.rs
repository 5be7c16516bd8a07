//! Running a job: retries with bounded backoff, and what a failure tells the user.
//!
//! A pull request never ends without a conclusion because of a fault: what may pass is retried
//! with bounded backoff; after the last attempt, or at once for what cannot pass by retrying
//! (a refused clone URL, a 403), the check run is completed with a failure that says what
//! failed and who must act. If even that cannot be written, the next reconciliation finds the
//! head without a completed run and evaluates it again.

use std::sync::Arc;

use super::Engine;
use super::queue::{Job, JobKind, enqueue};
use super::repos::{RepoError, SyncRequest};
use super::runs::{HeadRuns, publish};
use crate::git::Repo;
use crate::github::{
    CheckConclusion, CheckOutput, GitHubApi, GitHubAppApi, GitHubError, InstallationClient,
};
use crate::policy::Policy;

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
    fn is_transient(&self) -> bool {
        match self {
            JobError::GitHub(e) => e.is_transient(),
            JobError::Git(e) => e.transient,
            // A panic or a cancelled task is a bug; one more try costs little and a cancelled
            // task (runtime shutting down) may pass.
            JobError::Internal(_) => true,
            JobError::Evaluation(_) | JobError::TimedOut(_) => false,
        }
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
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

/// Run `job`, retrying transient failures with bounded backoff; report the final failure.
pub(crate) async fn run_with_retries(engine: &Arc<Engine>, job: Job) {
    let settings = &engine.settings;
    let installation = job.target.installation_id;
    let mut progress = Progress::default();
    for attempt in 1..=settings.attempts.max(1) {
        engine.queue.wait_installation(installation).await;
        let result = run_once(engine, &job, &mut progress).await;
        let err = match result {
            Ok(outcome) => {
                let label = match outcome {
                    Outcome::Concluded(CheckConclusion::Success) => "success",
                    Outcome::Concluded(_) => "failure",
                    Outcome::Skipped => "skipped",
                };
                if !matches!(outcome, Outcome::Skipped) {
                    engine
                        .metrics
                        .evaluation_latency
                        .observe(job.received.elapsed());
                }
                engine.metrics.evaluation(label);
                tracing::info!(repo = %job.target.repo, job = ?job.kind, cause = %job.cause, outcome = label, attempt, "job done");
                return;
            }
            Err(e) => e,
        };
        if let Some(wait) = err.retry_after() {
            engine
                .queue
                .pause_installation(installation, wait.min(settings.max_rate_limit_pause));
        }
        if err.is_transient() && attempt < settings.attempts {
            engine.metrics.job_retry();
            let wait = settings.backoff(attempt);
            tracing::warn!(repo = %job.target.repo, job = ?job.kind, attempt, error = %err, retry_in_ms = wait.as_millis() as u64, "job failed; retrying");
            tokio::time::sleep(wait).await;
            continue;
        }
        tracing::error!(repo = %job.target.repo, job = ?job.kind, attempt, error = %err, "job failed");
        engine.metrics.evaluation("error");
        report_failure(engine, &job, &progress, &err, attempt).await;
        return;
    }
}

async fn run_once(
    engine: &Arc<Engine>,
    job: &Job,
    progress: &mut Progress,
) -> Result<Outcome, JobError> {
    match &job.kind {
        JobKind::Pull {
            number,
            head_hint,
            only_if_missing,
            fresh,
        } => {
            if progress.head_sha.is_none() {
                progress.head_sha.clone_from(head_hint);
            }
            super::pull::evaluate_pull(engine, job, *number, *only_if_missing, *fresh, progress)
                .await
        }
        JobKind::Head { head_sha, .. } => {
            let client = engine.app.installation(job.target.installation_id);
            let open = client.open_pull_requests(&job.target.repo).await?;
            for pr in open.iter().filter(|p| &p.head.sha == head_sha) {
                enqueue(
                    engine,
                    Job {
                        target: job.target.clone(),
                        kind: JobKind::Pull {
                            number: pr.number,
                            head_hint: Some(head_sha.clone()),
                            only_if_missing: false,
                            fresh: job.kind.fresh(),
                        },
                        cause: job.cause.clone(),
                        received: job.received,
                    },
                );
            }
            Ok(Outcome::Skipped)
        }
        JobKind::MergeGroup(group) => {
            super::merge_group::evaluate_group(engine, job, group, progress).await
        }
    }
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

/// What a failed job tells the user on the check run: a title and who must act.
fn failure_text(err: &JobError, attempts: u32) -> (String, String) {
    let operator = |what: &str| {
        (
            format!("secarch could not finish: {what} (the App's operator must act)"),
            "Nothing is wrong with the change itself. The secarch App could not do its work because of \
             its own set-up; the error below says what to change (ask whoever runs the App). Once it is \
             fixed, use **Re-run** on this check."
                .to_string(),
        )
    };
    match err {
        JobError::Evaluation(_) => (
            "secarch could not evaluate this change".to_string(),
            "The change could not be evaluated as it is. Fix the problem below (on the base branch for the policy) and push, or use **Re-run** once it is fixed.".to_string(),
        ),
        JobError::GitHub(e) if !e.is_transient() => operator("GitHub refused a request"),
        JobError::Git(e) if !e.transient => operator("the repository could not be fetched"),
        JobError::TimedOut(_) => (
            "secarch could not finish: the evaluation took too long".to_string(),
            "The evaluation was stopped at the App's time limit. The change may be too large for the App to evaluate: run `secarch check` on it locally to see the result, and ask the App's operator to raise the limit if such changes are expected. **Re-run** tries again.".to_string(),
        ),
        JobError::Internal(_) => (
            "secarch could not finish: an internal error (use Re-run)".to_string(),
            format!(
                "secarch failed {attempts} time(s) with an internal error; this is a bug in secarch, please report it. Use **Re-run** on this check to try again."
            ),
        ),
        _ => (
            "secarch could not finish: a temporary failure (use Re-run)".to_string(),
            format!(
                "The evaluation failed {attempts} time(s) because of a temporary problem. Nothing is wrong with the change itself: use **Re-run** on this check to try again."
            ),
        ),
    }
}

/// Complete the run with a failure that says what went wrong and how to retry. The run this
/// job started is completed, never a second one created beside it: without a known run, an
/// unfinished run of ours on the head is completed, and only when there is none is a new
/// (completed) run created.
async fn report_failure(
    engine: &Arc<Engine>,
    job: &Job,
    progress: &Progress,
    err: &JobError,
    attempts: u32,
) {
    let Some(head) = progress.head_sha.clone() else {
        tracing::error!(repo = %job.target.repo, job = ?job.kind, "no head commit known; nothing to report the failure on (the next reconciliation retries)");
        return;
    };
    let name = progress
        .check_name
        .clone()
        .unwrap_or_else(default_check_name);
    let (title, what) = failure_text(err, attempts);
    let output = CheckOutput {
        title,
        summary: format!(
            "{what}\n\n```\n{}\n```\n",
            err.to_string().replace("```", "'''")
        ),
        text: None,
        annotations: Vec::new(),
    };
    let client = engine.app.installation(job.target.installation_id);
    let repo = &job.target.repo;
    // Our runs on the head: the failure goes into an unfinished one (never beside it), and an
    // unchanged failure report is not posted twice. Without the list, a new run.
    let runs = match client.check_runs_for_ref(repo, &head, &name).await {
        Ok(runs) => HeadRuns::new(runs),
        Err(e) => {
            tracing::warn!(repo = %repo, error = %e, "could not list check runs before reporting the failure");
            HeadRuns::default()
        }
    };
    let fresh = job.kind.fresh();
    let result = publish(
        &client,
        repo,
        &head,
        &name,
        &runs,
        CheckConclusion::Failure,
        output,
        fresh,
    )
    .await;
    if let Err(e) = result {
        tracing::error!(repo = %repo, error = %e, "could not report the failure on the check run (the next reconciliation retries)");
    }
}
