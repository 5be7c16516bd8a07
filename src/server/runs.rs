//! Our check runs on one head commit, and the rule that every run secarch starts ends completed.
//!
//! A run can be left `in_progress` by a job killed mid-way (restart, kill -9), by a create whose
//! answer was lost, or by a completing PATCH that kept failing. Nothing remembers such a run
//! across a restart, so every evaluation and every reconciliation looks at *all* of our runs on
//! the head (not only the newest) and completes the unfinished ones: the run being written is
//! reused when it can be, the others are marked superseded with the same conclusion as the run
//! that replaced them (whichever of them GitHub shows, the verdict is the same).

use time::OffsetDateTime;

use crate::github::{
    CheckConclusion, CheckOutput, CheckRun, CheckRunUpdate, CheckStatus, GitHubApi,
    InstallationClient, RepoRef,
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
