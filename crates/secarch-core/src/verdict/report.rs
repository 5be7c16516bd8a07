//! `CheckReport`: everything one evaluation found, in the shape of the JSON
//! output (a documented, stable contract — see README "JSON output").

use serde::Serialize;

use super::{Conclusion, DocumentState, Reason, Verdict};
use crate::classify::Trigger;
use crate::lint::Finding;
use crate::semdiff::SemanticDiff;

/// The result of `secarch check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// `success` or `failure`.
    pub conclusion: Conclusion,
    pub title: String,
    /// The merge-base the change is compared against (commit id).
    pub base: String,
    /// The head commit id.
    pub head: String,
    /// How big the range is: commits from the merge-base to head, files changed.
    pub range: RangeSize,
    /// Content fingerprint of the head commit (sign-offs bind to it).
    pub fingerprint: String,
    /// The check run's name from the policy.
    pub check_name: String,
    /// Where the effective policy came from.
    pub policy: String,
    pub triggers: Vec<Trigger>,
    pub document: DocumentState,
    /// Lint findings of the document at head.
    pub findings: Vec<Finding>,
    /// Conditions checked and whether each is met.
    pub reasons: Vec<Reason>,
    /// What to do next, in order (empty on success).
    pub next_steps: Vec<String>,
    /// What changed in the security architecture between base and head.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_diff: Option<SemanticDiff>,
    /// Notes for people that do not change the conclusion (e.g. lint skipped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The size of the checked range, so an empty or unexpected range is visible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RangeSize {
    /// Commits reachable from head and not from the merge-base (counted up to
    /// [`RangeSize::MAX_COUNTED`]).
    pub commits: usize,
    /// Files added, modified, deleted or renamed between the merge-base and head.
    pub files: usize,
}

impl RangeSize {
    /// Commits counted at most; a longer range shows this number.
    pub const MAX_COUNTED: usize = 100_000;
}

impl CheckReport {
    /// Assemble the report from the verdict and its inputs.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        verdict: Verdict,
        base: String,
        head: String,
        fingerprint: String,
        check_name: String,
        policy: String,
        triggers: Vec<Trigger>,
        document: DocumentState,
        findings: Vec<Finding>,
    ) -> CheckReport {
        let next_steps = verdict
            .next_steps()
            .into_iter()
            .map(str::to_string)
            .collect();
        CheckReport {
            conclusion: verdict.conclusion,
            title: verdict.title,
            base,
            head,
            range: RangeSize::default(),
            fingerprint,
            check_name,
            policy,
            triggers,
            document,
            findings,
            reasons: verdict.reasons,
            next_steps,
            semantic_diff: None,
            notes: Vec::new(),
        }
    }
}
