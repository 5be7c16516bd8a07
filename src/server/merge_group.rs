//! Merge queue: a group passes when every pull request in it passed our check on its own head.
//!
//! The group's commit is not evaluated again: what was reviewed is each pull request's own
//! change, and the queue only combines already-approved changes. The pull request numbers come
//! from the group's ref (`refs/heads/gh-readonly-queue/<base>/pr-<N>-<sha>`).

use std::fmt::Write;
use std::sync::Arc;

use super::engine::Engine;
use super::events::{MergeGroup, merge_group_pulls};
use super::inputs::{
    JobError, Outcome, PolicyInfo, Progress, default_check_name, git_token, with_repo,
};
use super::queue::Job;
use super::repos::SyncRequest;
use super::runs::{HeadRuns, publish};
use crate::evaluate::{PolicySource, load_policy};
use crate::github::{CheckConclusion, CheckOutput, GitHubApi, GitHubAppApi};

pub(crate) async fn evaluate_group(
    engine: &Arc<Engine>,
    job: &Job,
    group: &MergeGroup,
    progress: &mut Progress,
) -> Result<Outcome, JobError> {
    let repo = &job.target.repo;
    let client = engine.app.installation(job.target.installation_id);
    progress.head_sha = Some(group.head_sha.clone());
    let base_branch = group
        .base_ref
        .strip_prefix("refs/heads/")
        .unwrap_or(&group.base_ref)
        .to_string();
    let request = SyncRequest {
        repo_full_name: repo.to_string(),
        clone_url: job.target.clone_url.clone(),
        token: git_token(&client, &job.target.clone_url).await?,
        fetch_refspecs: vec![format!(
            "+refs/heads/{base_branch}:refs/heads/{base_branch}"
        )],
        want_shas: vec![group.base_sha.clone()],
    };
    let base = group.base_sha.clone();
    // The check's name is the base policy's; when it cannot be read, the default name is what
    // branch protection most likely requires, and the PRs' own runs tell the rest.
    let name = match with_repo(engine, request, move |r| {
        load_policy(r, &base, &PolicySource::BaseCommit).map(|(p, _)| PolicyInfo::of(&p).check_name)
    })
    .await
    {
        Ok(Ok(name)) => name,
        Ok(Err(e)) => {
            tracing::warn!(repo = %repo, error = %e, "merge group: policy unreadable; using the default check name");
            default_check_name()
        }
        Err(e) => return Err(e),
    };
    progress.check_name = Some(name.clone());

    let numbers = merge_group_pulls(&group.head_ref);
    let mut lines = String::new();
    let mut all_passed = !numbers.is_empty();
    if numbers.is_empty() {
        let _ = writeln!(
            lines,
            "- no pull request number found in the merge group ref `{}`",
            group.head_ref.replace('`', "'")
        );
    }
    for n in &numbers {
        let pr = client.pull_request(repo, *n).await?;
        // The newest run decides: an older success does not outweigh a newer failure.
        let runs = HeadRuns::new(client.check_runs_for_ref(repo, &pr.head.sha, &name).await?);
        let newest = runs.newest();
        let passed = newest
            .is_some_and(|r| r.status == "completed" && r.conclusion.as_deref() == Some("success"));
        all_passed &= passed;
        let state = newest
            .map(|r| r.conclusion.clone().unwrap_or_else(|| r.status.clone()))
            .unwrap_or_else(|| "no run".into());
        let _ = writeln!(
            lines,
            "- {} #{n} at `{}`: `{name}` {state}",
            if passed { "✅" } else { "❌" },
            pr.head.sha.get(..12).unwrap_or(&pr.head.sha),
        );
    }
    let conclusion = if all_passed {
        CheckConclusion::Success
    } else {
        CheckConclusion::Failure
    };
    let title = if all_passed {
        format!("Every pull request in the merge group passed `{name}`")
    } else {
        format!("A pull request in the merge group has not passed `{name}`")
    };
    let summary = format!(
        "A merge group passes when every pull request in it passed `{name}` on its own head.\n\n{lines}{}",
        if all_passed {
            ""
        } else {
            "\nGet the failing pull request's check green (update the document, sign off), then queue it again.\n"
        }
    );
    let output = CheckOutput {
        title,
        summary,
        text: None,
        annotations: Vec::new(),
    };
    let runs = HeadRuns::new(
        client
            .check_runs_for_ref(repo, &group.head_sha, &name)
            .await?,
    );
    publish(
        &client,
        repo,
        &group.head_sha,
        &name,
        &runs,
        conclusion,
        output,
        false,
    )
    .await?;
    Ok(Outcome::Concluded(conclusion))
}
