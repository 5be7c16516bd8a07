//! Running a job: retries with bounded backoff, and the pull-request evaluation itself.
//!
//! A pull request never ends without a conclusion because of a transient fault: after the last
//! attempt the check run is completed with a failure that says what failed and to use "Re-run"
//! (GitHub then sends `check_run.rerequested`). If even that cannot be written, the next
//! reconciliation finds the head without a completed run and evaluates it again.

use std::sync::Arc;

use time::OffsetDateTime;

use super::Engine;
use super::queue::{Job, JobKind, enqueue};
use super::render::{check_output, conclusion, needs_review};
use super::repos::{RepoError, SyncRequest};
use super::reviewers::request_reviews;
use super::runs::{HeadRuns, conclusion_of, finish_superseded};
use crate::evaluate::{EvalError, PolicySource, Range, evaluate, load_policy};
use crate::git::Repo;
use crate::github::{
    CheckConclusion, CheckOutput, CheckRunUpdate, CheckStatus, GitHubApi, GitHubAppApi,
    GitHubError, InstallationClient, NewCheckRun, RepoRef,
};
use crate::policy::Policy;
use crate::verdict::{CheckReport, SignoffState};

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
            JobError::Evaluation(_) => false,
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
        }
    }
}

/// What a job attempt learned, so a final failure can still be reported on the right run.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub head_sha: Option<String>,
    pub check_name: Option<String>,
    pub check_run_id: Option<u64>,
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
        } => {
            if progress.head_sha.is_none() {
                progress.head_sha.clone_from(head_hint);
            }
            evaluate_pull(engine, job, *number, *only_if_missing, progress).await
        }
        JobKind::Head { head_sha } => {
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

/// The policy facts the App needs before evaluating.
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
    let joined = tokio::task::spawn_blocking(move || {
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
    })
    .await;
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
) -> Result<Option<String>, JobError> {
    if clone_url.starts_with("https://") || clone_url.starts_with("http://") {
        Ok(Some(client.git_token().await?))
    } else {
        Ok(None)
    }
}

async fn evaluate_pull(
    engine: &Arc<Engine>,
    job: &Job,
    number: u64,
    only_if_missing: bool,
    progress: &mut Progress,
) -> Result<Outcome, JobError> {
    let repo = &job.target.repo;
    let client = engine.app.installation(job.target.installation_id);
    let pr = client.pull_request(repo, number).await?;
    if pr.state != "open" {
        return Ok(Outcome::Skipped);
    }
    let (base, head) = (pr.base.sha.clone(), pr.head.sha.clone());
    if progress.head_sha.as_deref() != Some(head.as_str()) {
        // A push since the last attempt: the run that attempt started is another head's.
        progress.check_run_id = None;
    }
    progress.head_sha = Some(head.clone());
    let request = SyncRequest {
        repo_full_name: repo.to_string(),
        clone_url: job.target.clone_url.clone(),
        token: git_token(&client, &job.target.clone_url).await?,
        fetch_refspecs: vec![
            format!("+refs/heads/{0}:refs/heads/{0}", pr.base.ref_name),
            format!("+refs/pull/{number}/head:refs/pull/{number}/head"),
        ],
        want_shas: vec![base.clone(), head.clone()],
    };

    // 1. The policy at the base: the check's name and who signs off.
    let b = base.clone();
    let policy = with_repo(engine, request.clone(), move |r| {
        load_policy(r, &b, &PolicySource::BaseCommit).map(|(p, _)| PolicyInfo::of(&p))
    })
    .await?
    .map_err(|e| JobError::Evaluation(e.to_string()))?;
    progress.check_name = Some(policy.check_name.clone());

    // 2. Our runs on this head. Reconciliation skips a head whose newest run is completed,
    //    after completing any run an interrupted evaluation left unfinished behind it.
    let runs = HeadRuns::new(
        client
            .check_runs_for_ref(repo, &head, &policy.check_name)
            .await?,
    );
    if only_if_missing && let Some(newest) = runs.newest().filter(|r| r.status == "completed") {
        finish_superseded(&client, repo, &runs, Some(newest.id), conclusion_of(newest)).await;
        return Ok(Outcome::Skipped);
    }
    // Reuse an unfinished run without annotations (GitHub appends annotations on update),
    // otherwise start a new one.
    let run_id = start_run(&client, repo, &head, &policy.check_name, &runs, progress).await?;

    // 3. Evaluate off the async threads.
    let signoffs = policy.signoff_state();
    let s = signoffs.clone();
    let range = Range {
        base,
        head: head.clone(),
    };
    let report: CheckReport = with_repo(engine, request, move |r| {
        evaluate(r, &range, &PolicySource::BaseCommit, Some(&s))
    })
    .await?
    .map_err(|e: EvalError| JobError::Evaluation(e.to_string()))?;

    // 4. Conclude, then ask for reviews.
    let concl = conclusion(&report);
    client
        .update_check_run(
            repo,
            run_id,
            &CheckRunUpdate {
                status: Some(CheckStatus::Completed),
                conclusion: Some(concl),
                completed_at: Some(OffsetDateTime::now_utc()),
                output: Some(check_output(&report, &signoffs)),
                ..Default::default()
            },
        )
        .await?;
    finish_superseded(&client, repo, &runs, Some(run_id), concl).await;
    if needs_review(&report)
        && let Err(e) = request_reviews(&client, repo, &pr, &policy).await
    {
        // The conclusion is already out; a failed review request must not re-run the job.
        tracing::warn!(repo = %repo, pr = number, error = %e, "could not request reviews");
    }
    Ok(Outcome::Concluded(concl))
}

/// Find or create our in-progress run on `head`; returns its id.
pub(crate) async fn start_run(
    client: &InstallationClient,
    repo: &RepoRef,
    head: &str,
    name: &str,
    existing: &HeadRuns,
    progress: &mut Progress,
) -> Result<u64, JobError> {
    let id = match existing.reusable() {
        Some(run) => {
            client
                .update_check_run(
                    repo,
                    run.id,
                    &CheckRunUpdate {
                        status: Some(CheckStatus::InProgress),
                        started_at: Some(OffsetDateTime::now_utc()),
                        ..Default::default()
                    },
                )
                .await?;
            run.id
        }
        None => {
            client
                .create_check_run(
                    repo,
                    &NewCheckRun {
                        name: name.to_string(),
                        head_sha: head.to_string(),
                        status: Some(CheckStatus::InProgress),
                        conclusion: None,
                        details_url: None,
                        external_id: None,
                        started_at: Some(OffsetDateTime::now_utc()),
                        completed_at: None,
                        output: None,
                    },
                )
                .await?
                .id
        }
    };
    progress.check_run_id = Some(id);
    Ok(id)
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
    let mut target = progress.check_run_id;
    let mut others = HeadRuns::default();
    if target.is_none()
        && let Ok(runs) = client.check_runs_for_ref(repo, &head, &name).await
    {
        others = HeadRuns::new(runs);
        target = others.unfinished_except(None).next().map(|r| r.id);
    }
    let result = match target {
        Some(id) => client
            .update_check_run(
                repo,
                id,
                &CheckRunUpdate {
                    status: Some(CheckStatus::Completed),
                    conclusion: Some(CheckConclusion::Failure),
                    completed_at: Some(OffsetDateTime::now_utc()),
                    output: Some(output),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        None => client
            .create_check_run(
                repo,
                &NewCheckRun {
                    name,
                    head_sha: head,
                    status: Some(CheckStatus::Completed),
                    conclusion: Some(CheckConclusion::Failure),
                    details_url: None,
                    external_id: None,
                    started_at: None,
                    completed_at: Some(OffsetDateTime::now_utc()),
                    output: Some(output),
                },
            )
            .await
            .map(drop),
    };
    match result {
        Ok(()) => finish_superseded(&client, repo, &others, target, CheckConclusion::Failure).await,
        Err(e) => {
            tracing::error!(repo = %repo, error = %e, "could not report the failure on the check run (the next reconciliation retries)")
        }
    }
}
