//! Running jobs: one worker per queued key, each job retried with bounded backoff, and what a
//! failure tells the user.
//!
//! A pull request never ends without a conclusion because of a fault: what may pass is retried
//! with bounded backoff; after the last attempt, or at once for what cannot pass by retrying
//! (a refused clone URL, a 403), the check run is completed with a failure that says what
//! failed and who must act. If even that cannot be written, the next reconciliation finds the
//! head without a completed run and evaluates it again.

use std::sync::Arc;

use super::engine::Engine;
use super::inputs::{JobError, Outcome, Progress, default_check_name};
use super::queue::{Job, JobKey, JobKind};
use super::runs::{HeadRuns, publish};
use crate::github::{CheckConclusion, CheckOutput, GitHubApi, GitHubAppApi};

/// Add a job to the queue; start a worker for its key unless one already drives it.
pub(crate) fn enqueue(engine: &Arc<Engine>, job: Job) {
    if let Some(key) = engine.queue.offer(job) {
        let engine = Arc::clone(engine);
        tokio::spawn(async move { drive(engine, key).await });
    }
}

/// Run the key's jobs one after another until none is left.
async fn drive(engine: Arc<Engine>, key: JobKey) {
    loop {
        let permit = engine.queue.permit().await;
        let Some(job) = engine.queue.take_next(&key) else {
            return;
        };
        run_with_retries(&engine, job).await;
        drop(permit);
        if engine.queue.finished(&key) {
            return;
        }
    }
}

/// Run `job`, retrying transient failures with bounded backoff; report the final failure.
async fn run_with_retries(engine: &Arc<Engine>, job: Job) {
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
