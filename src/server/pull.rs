//! Evaluating one pull request, top-down:
//!
//! ```text
//! inputs   the pull request (open? which base and head?), an installation token
//! core     one mirror sync; the policy read once at the base; evaluate (one diff thread)
//! render   the check run's conclusion, title, summary and annotations
//! publish  one completed run, unless the newest already shows the outcome; review requests
//! ```
//!
//! Reconciliation asks only for heads without a completed run of ours: it looks before it
//! fetches anything.

use std::sync::Arc;

use super::engine::Engine;
use super::inputs::{JobError, Outcome, PolicyInfo, Progress, git_token, with_repo};
use super::queue::Job;
use super::repos::SyncRequest;
use super::reviewers::request_reviews;
use super::runs::{HeadRuns, conclusion_of, finish_superseded, publish};
use crate::evaluate::{EvalOptions, PolicySource, Range, evaluate_with, load_policy};
use crate::github::{GitHubApi, GitHubAppApi};
use crate::render::{check_output, conclusion, needs_review};
use crate::verdict::{CheckReport, SignoffState};

/// What the core gave back for a pull request.
struct Evaluated {
    policy: PolicyInfo,
    signoffs: SignoffState,
    report: CheckReport,
}

/// The core's part, on the blocking pool with the synced repository: the base policy, read
/// once, then the evaluation with it, on one diff thread (jobs already run side by side).
fn evaluate_at_base(repo: &crate::git::Repo, range: &Range) -> Result<Evaluated, JobError> {
    let eval = |e: crate::evaluate::EvalError| JobError::Evaluation(e.to_string());
    let (policy, label) =
        load_policy(repo, &range.base, &PolicySource::BaseCommit).map_err(eval)?;
    let info = PolicyInfo::of(&policy);
    let signoffs = info.signoff_state();
    let source = PolicySource::Loaded {
        policy: Box::new(policy),
        label,
    };
    let report = evaluate_with(
        repo,
        range,
        &source,
        Some(&signoffs),
        EvalOptions { threads: 1 },
    )
    .map_err(eval)?;
    Ok(Evaluated {
        policy: info,
        signoffs,
        report,
    })
}

pub(crate) async fn evaluate_pull(
    engine: &Arc<Engine>,
    job: &Job,
    number: u64,
    only_if_missing: bool,
    fresh: bool,
    progress: &mut Progress,
) -> Result<Outcome, JobError> {
    // 1. Inputs.
    let repo = &job.target.repo;
    let client = engine.app.installation(job.target.installation_id);
    let pr = client.pull_request(repo, number).await?;
    if pr.state != "open" {
        return Ok(Outcome::Skipped);
    }
    let (base, head) = (pr.base.sha.clone(), pr.head.sha.clone());
    progress.head_sha = Some(head.clone());
    if only_if_missing {
        // Every run of ours on the head, whatever its name: no fetch needed to learn the
        // check's name from the policy.
        let runs = HeadRuns::new(client.check_runs_for_ref(repo, &head, "").await?);
        if let Some(newest) = runs.newest().filter(|r| r.status == "completed") {
            finish_superseded(&client, repo, &runs, Some(newest.id), conclusion_of(newest)).await;
            return Ok(Outcome::Skipped);
        }
    }
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

    // 2. Core.
    let range = Range {
        base,
        head: head.clone(),
    };
    let evaluated = with_repo(engine, request, move |r| evaluate_at_base(r, &range)).await??;
    let Evaluated {
        policy,
        signoffs,
        report,
    } = evaluated;
    progress.check_name = Some(policy.check_name.clone());

    // 3. Render.
    let concl = conclusion(&report);
    let output = check_output(&report, &signoffs);

    // 4. Publish.
    let runs = HeadRuns::new(
        client
            .check_runs_for_ref(repo, &head, &policy.check_name)
            .await?,
    );
    publish(
        &client,
        repo,
        &head,
        &policy.check_name,
        &runs,
        concl,
        output,
        fresh,
    )
    .await?;
    if needs_review(&report)
        && let Err(e) = request_reviews(&client, repo, &pr, &policy).await
    {
        // The conclusion is already out; a failed review request must not re-run the job.
        tracing::warn!(repo = %repo, pr = number, error = %e, "could not request reviews");
    }
    Ok(Outcome::Concluded(concl))
}
