//! Our check runs on one head commit: publishing an outcome once, and the rule that every run
//! secarch starts ends completed.
//!
//! An outcome is published after the evaluation, as one completed run whose `external_id`
//! starts with a digest of what it shows. A re-evaluation whose outcome is unchanged (a replayed
//! or repeated delivery, a reconciliation, a restart) finds that digest on the newest run and
//! posts nothing; a changed outcome gets a fresh run; "Re-run" always gets one.
//!
//! A run can still be left `in_progress` (by an older secarch that started runs before
//! evaluating, a job killed mid-way, a create whose answer was lost). Nothing remembers such a
//! run across a restart, so every publication looks at *all* of our runs on the head (not only
//! the newest) and completes the unfinished ones: one is reused for the outcome when it has no
//! annotations, the others are marked superseded with the same conclusion as the run that
//! replaced them (whichever of them GitHub shows, the verdict is the same).

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::github::{
    CheckConclusion, CheckOutput, CheckRun, CheckRunUpdate, CheckStatus, GitHubApi, GitHubError,
    InstallationClient, NewCheckRun, RepoRef, unique_run_id,
};

/// Our runs of one check on one head, newest first.
#[derive(Debug, Default)]
pub(crate) struct HeadRuns {
    runs: Vec<CheckRun>,
}

impl HeadRuns {
    pub fn new(mut runs: Vec<CheckRun>) -> Self {
        // GitHub's ids grow with creation time.
        runs.sort_by_key(|r| std::cmp::Reverse(r.id));
        HeadRuns { runs }
    }

    pub fn newest(&self) -> Option<&CheckRun> {
        self.runs.first()
    }

    /// The run a new evaluation writes into: the newest unfinished run without annotations
    /// (GitHub appends annotations on update, so an annotated run cannot be rewritten).
    pub fn reusable(&self) -> Option<&CheckRun> {
        self.runs
            .iter()
            .find(|r| !is_completed(r) && r.output.annotations_count == 0)
    }

    /// Unfinished runs other than `keep`.
    pub fn unfinished_except(&self, keep: Option<u64>) -> impl Iterator<Item = &CheckRun> {
        self.runs
            .iter()
            .filter(move |r| !is_completed(r) && Some(r.id) != keep)
    }
}

fn is_completed(run: &CheckRun) -> bool {
    run.status == "completed"
}

/// A digest of what a run shows (conclusion, title, summary, text, annotations): equal digests,
/// equal runs. 24 hex digits (96 bits).
pub(crate) fn outcome_digest(conclusion: CheckConclusion, output: &CheckOutput) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(format!("{conclusion:?}").as_bytes());
    field(output.title.as_bytes());
    field(output.summary.as_bytes());
    field(output.text.as_deref().unwrap_or("").as_bytes());
    for a in &output.annotations {
        field(serde_json::to_string(a).unwrap_or_default().as_bytes());
    }
    let full = hex::encode(h.finalize());
    full[..24].to_string()
}

/// Whether `run` was published with the outcome `digest` (`<digest>.<unique id>`).
fn shows(run: &CheckRun, digest: &str) -> bool {
    run.external_id
        .as_deref()
        .and_then(|e| e.split('.').next())
        .is_some_and(|d| d == digest)
}

/// What [`publish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Published {
    /// The newest run already shows this outcome: nothing posted.
    Unchanged(u64),
    /// The outcome is on this run (created, or an unfinished run completed with it).
    Posted(u64),
}

/// Publish `output` with `conclusion` on `head`: nothing when the newest of `runs` already shows
/// it (unless `fresh`: an explicit "Re-run" always gets a run), else into an unfinished run
/// without annotations, else into a new completed run. Every other unfinished run is completed
/// as superseded.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn publish(
    client: &InstallationClient,
    repo: &RepoRef,
    head: &str,
    name: &str,
    runs: &HeadRuns,
    conclusion: CheckConclusion,
    output: CheckOutput,
    fresh: bool,
) -> Result<Published, GitHubError> {
    let digest = outcome_digest(conclusion, &output);
    if !fresh
        && let Some(newest) = runs
            .newest()
            .filter(|r| is_completed(r) && shows(r, &digest))
    {
        finish_superseded(client, repo, runs, Some(newest.id), conclusion).await;
        return Ok(Published::Unchanged(newest.id));
    }
    let external_id = format!("{digest}.{}", unique_run_id());
    let now = OffsetDateTime::now_utc();
    let id = match runs.reusable() {
        Some(run) => {
            let update = CheckRunUpdate {
                status: Some(CheckStatus::Completed),
                conclusion: Some(conclusion),
                external_id: Some(external_id),
                completed_at: Some(now),
                output: Some(output),
                ..Default::default()
            };
            client.update_check_run(repo, run.id, &update).await?.id
        }
        None => {
            let run = NewCheckRun {
                name: name.to_string(),
                head_sha: head.to_string(),
                status: Some(CheckStatus::Completed),
                conclusion: Some(conclusion),
                details_url: None,
                external_id: Some(external_id),
                started_at: Some(now),
                completed_at: Some(now),
                output: Some(output),
            };
            client.create_check_run(repo, &run).await?.id
        }
    };
    finish_superseded(client, repo, runs, Some(id), conclusion).await;
    Ok(Published::Posted(id))
}

/// GitHub's conclusion text as ours; an unknown one counts as a failure (never as a pass).
pub(crate) fn conclusion_of(run: &CheckRun) -> CheckConclusion {
    match run.conclusion.as_deref() {
        Some("success") => CheckConclusion::Success,
        Some("neutral") => CheckConclusion::Neutral,
        Some("skipped") => CheckConclusion::Skipped,
        Some("cancelled") => CheckConclusion::Cancelled,
        Some("timed_out") => CheckConclusion::TimedOut,
        Some("action_required") => CheckConclusion::ActionRequired,
        _ => CheckConclusion::Failure,
    }
}

/// Complete every unfinished run on the head but `keep`, as superseded by `keep` (or by the
/// newest run) with `conclusion`. Failures are logged, not returned: the verdict is already
/// out, and the next reconciliation tries again.
pub(crate) async fn finish_superseded(
    client: &InstallationClient,
    repo: &RepoRef,
    runs: &HeadRuns,
    keep: Option<u64>,
    conclusion: CheckConclusion,
) {
    let by = keep.or_else(|| runs.newest().map(|r| r.id));
    for stale in runs.unfinished_except(keep) {
        let newer = by.map_or_else(
            || "a newer run of this check".to_string(),
            |id| format!("the newer run of this check (id {id})"),
        );
        let update = CheckRunUpdate {
            status: Some(CheckStatus::Completed),
            conclusion: Some(conclusion),
            completed_at: Some(OffsetDateTime::now_utc()),
            output: Some(CheckOutput {
                title: "Superseded by a newer evaluation".into(),
                summary: format!(
                    "This run was left unfinished (the evaluation was interrupted or its answer \
                     was lost). secarch evaluated the commit again: see {newer} for the result. \
                     It carries the same conclusion."
                ),
                text: None,
                annotations: Vec::new(),
            }),
            ..Default::default()
        };
        match client.update_check_run(repo, stale.id, &update).await {
            Ok(_) => {
                tracing::info!(repo = %repo, check_run = stale.id, "unfinished run completed as superseded")
            }
            Err(e) => {
                tracing::warn!(repo = %repo, check_run = stale.id, error = %e, "could not complete an unfinished run (the next reconciliation retries)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: u64, status: &str, annotations: u64) -> CheckRun {
        let mut r = CheckRun {
            id,
            status: status.into(),
            ..Default::default()
        };
        r.output.annotations_count = annotations;
        r
    }

    #[test]
    fn an_unfinished_older_run_is_found_behind_a_completed_one() {
        let runs = HeadRuns::new(vec![run(1, "in_progress", 0), run(2, "completed", 3)]);
        assert_eq!(runs.newest().map(|r| r.id), Some(2));
        let stale: Vec<u64> = runs.unfinished_except(Some(2)).map(|r| r.id).collect();
        assert_eq!(stale, [1]);
        assert!(HeadRuns::default().newest().is_none());
    }

    #[test]
    fn the_newest_unannotated_unfinished_run_is_reused() {
        let runs = HeadRuns::new(vec![
            run(3, "in_progress", 0),
            run(7, "in_progress", 2),
            run(5, "queued", 0),
            run(9, "completed", 0),
        ]);
        assert_eq!(runs.reusable().map(|r| r.id), Some(5));
        let stale: Vec<u64> = runs.unfinished_except(Some(5)).map(|r| r.id).collect();
        assert_eq!(stale, [7, 3]);
    }

    #[test]
    fn the_digest_changes_with_anything_a_run_shows() {
        let out = CheckOutput {
            title: "t".into(),
            summary: "s".into(),
            text: None,
            annotations: Vec::new(),
        };
        let d = outcome_digest(CheckConclusion::Failure, &out);
        assert_eq!(d.len(), 24);
        assert_eq!(d, outcome_digest(CheckConclusion::Failure, &out.clone()));
        assert_ne!(d, outcome_digest(CheckConclusion::Success, &out));
        let mut other = out.clone();
        other.summary.push('!');
        assert_ne!(d, outcome_digest(CheckConclusion::Failure, &other));
        // Fields are delimited: moving text between title and summary changes the digest.
        let shifted = CheckOutput {
            title: "ts".into(),
            summary: "".into(),
            ..out.clone()
        };
        assert_ne!(d, outcome_digest(CheckConclusion::Failure, &shifted));
        let mut r = run(1, "completed", 0);
        r.external_id = Some(format!("{d}.abc123"));
        assert!(shows(&r, &d));
        assert!(!shows(&r, &outcome_digest(CheckConclusion::Success, &out)));
        r.external_id = Some("something-else".into());
        assert!(!shows(&r, &d));
    }

    #[test]
    fn unknown_conclusions_never_pass() {
        let mut r = run(1, "completed", 0);
        for (text, want) in [
            (Some("success"), CheckConclusion::Success),
            (Some("stale"), CheckConclusion::Failure),
            (None, CheckConclusion::Failure),
        ] {
            r.conclusion = text.map(str::to_string);
            assert_eq!(conclusion_of(&r), want);
        }
    }
}
