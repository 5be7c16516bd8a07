//! The verdict: a pure function from triggers, document state, lint findings and
//! sign-offs to a conclusion with reasons and next steps.
//!
//! Every front-end (CLI, Action, App) gathers these inputs and calls [`decide`];
//! nothing about *whether* a change may merge is decided anywhere else.

mod report;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::Trigger;
use crate::lint::Finding;
use crate::policy::Severity;
use crate::rule_table::fixed_by_new_review;

pub use report::{CheckReport, RangeSize};

/// The check's outcome. Serialised as GitHub check-run conclusions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// Nothing needed, or everything needed is done.
    Success,
    /// Action is needed before merging.
    Failure,
}

impl Conclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
        }
    }

    /// Process exit code of `secarch check`: 0 nothing needed, 1 action needed.
    pub fn exit_code(self) -> i32 {
        match self {
            Conclusion::Success => 0,
            Conclusion::Failure => 1,
        }
    }
}

/// A review record added to the document in the change (git-native review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedReview {
    pub reviewer: String,
    pub role: String,
    /// approved | approved-with-actions | no-change | rejected
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

/// What the change did to the security architecture document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocumentState {
    /// The document's path (configured or discovered); `None` when there is none.
    pub path: Option<String>,
    /// The document exists at head.
    pub exists: bool,
    /// The document existed at the base and the change deleted it (or moved it away from the
    /// configured path): never "updated", always a failure.
    pub deleted: bool,
    /// The file changed in the range at all.
    pub changed: bool,
    /// The file changed outside its review log (prose, diagrams, controls, …).
    pub content_changed: bool,
    /// Review records present at head and not at base.
    pub reviews_added: Vec<AddedReview>,
}

/// Sign-offs collected by a GitHub front-end (absent in the git-native check).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignoffState {
    /// Valid sign-offs bound to the current fingerprint.
    pub valid: Vec<ValidSignoff>,
    /// How many distinct valid sign-offs the policy requires.
    pub required: u32,
    /// Sign-offs that do not count, with the reason (stale, author, not authorized, edited).
    pub rejected: Vec<RejectedSignoff>,
    /// Who may sign off (for the "what to do" text), e.g. `@dana-ortiz`, `@acme/security-architects`.
    pub eligible: Vec<String>,
    /// Requests for changes by people who may sign off: the change is not reviewed while one
    /// stands, however many sign-offs there are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<RejectedSignoff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidSignoff {
    pub login: String,
    /// `comment` or `review`.
    pub via: String,
    /// Set for `/secarch approve no-change: <rationale>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_change_rationale: Option<String>,
    /// The commit whose content was signed off, and its fingerprint (equal to the head's, or the
    /// sign-off would not be valid).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commit: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedSignoff {
    pub login: String,
    pub reason: String,
}

/// Everything `decide` looks at.
#[derive(Debug, Clone, Copy)]
pub struct VerdictInput<'a> {
    pub triggers: &'a [Trigger],
    pub document: &'a DocumentState,
    /// Lint findings of the document at head (`None` when lint did not run).
    pub findings: Option<&'a [Finding]>,
    /// `None` in the git-native check: a new review record in the document is the review.
    pub signoffs: Option<&'a SignoffState>,
    /// The name of the check (for messages).
    pub check_name: &'a str,
}

/// Which condition of the rule a reason belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    DocumentExists,
    LintClean,
    DocumentUpdated,
    Reviewed,
}

/// One unmet (or met) condition, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub requirement: Requirement,
    pub met: bool,
    pub message: String,
    /// What to do next when not met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The decision, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub conclusion: Conclusion,
    pub triggered: bool,
    /// One line, e.g. `Security architecture review needed: 2 files in container, api`.
    pub title: String,
    /// Conditions checked, in order; empty when nothing triggered.
    pub reasons: Vec<Reason>,
    /// Trigger counts per category.
    pub categories: BTreeMap<String, usize>,
}

impl Verdict {
    /// The actions still needed, in order.
    pub fn next_steps(&self) -> Vec<&str> {
        self.reasons
            .iter()
            .filter(|r| !r.met)
            .filter_map(|r| r.action.as_deref())
            .collect()
    }
}

/// Decide whether the change may merge.
pub fn decide(input: &VerdictInput<'_>) -> Verdict {
    let mut categories: BTreeMap<String, usize> = BTreeMap::new();
    for t in input.triggers {
        *categories.entry(t.category.clone()).or_default() += 1;
    }
    if input.triggers.is_empty() && !input.document.deleted {
        return Verdict {
            conclusion: Conclusion::Success,
            triggered: false,
            title: "No security-architecture review needed: no watched file changed".to_string(),
            reasons: Vec::new(),
            categories,
        };
    }

    let doc = input.document;
    let doc_name = doc
        .path
        .clone()
        .unwrap_or_else(|| "docs/security/security-architecture.md".to_string());
    let mut reasons = Vec::new();

    // 1. The document exists and lints clean.
    if doc.deleted {
        reasons.push(Reason {
            requirement: Requirement::DocumentExists,
            met: false,
            message: format!("{doc_name} was deleted in this change"),
            action: Some(format!(
                "Restore {doc_name} (revert its deletion): the security architecture must stay documented. If it moved, set `document:` in .github/secarch.yml to the new path."
            )),
        });
    } else if !doc.exists {
        reasons.push(Reason {
            requirement: Requirement::DocumentExists,
            met: false,
            message: format!("no security architecture document found (looked for {doc_name})"),
            action: Some(format!(
                "Create {doc_name}: run `secarch init`, fill in the placeholders, and set `document:` in .github/secarch.yml if it lives elsewhere."
            )),
        });
    } else {
        reasons.push(Reason {
            requirement: Requirement::DocumentExists,
            met: true,
            message: format!("{doc_name} exists"),
            action: None,
        });
        if let Some(findings) = input.findings {
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let warnings = findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count();
            // SA052/SA053 say "changed since the last review": the review record asked for
            // below fixes them, so asking to "fix the lint errors" first would send people
            // the wrong way.
            let only_review_rules = errors > 0
                && findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .all(|f| fixed_by_new_review(&f.rule));
            reasons.push(Reason {
                requirement: Requirement::LintClean,
                met: errors == 0,
                message: if errors == 0 {
                    format!("{doc_name} lints clean ({warnings} warning(s))")
                } else if only_review_rules {
                    format!(
                        "{doc_name} has {errors} lint error(s), all of them \"changed since the last review\" (SA052/SA053): the new review record fixes them"
                    )
                } else {
                    format!("{doc_name} has {errors} lint error(s) and {warnings} warning(s)")
                },
                action: (errors > 0 && !only_review_rules).then(|| {
                    "Fix the lint errors in the findings (run `secarch lint` locally to see them with file:line).".to_string()
                }),
            });
        }
    }

    // 2. The document was updated — or a reviewer said no change is needed.
    let no_change_review = doc.reviews_added.iter().find(|r| {
        r.outcome == "no-change" && r.rationale.as_deref().is_some_and(|s| !s.trim().is_empty())
    });
    let no_change_signoff = input
        .signoffs
        .and_then(|s| s.valid.iter().find(|v| v.no_change_rationale.is_some()));
    let updated = doc.content_changed && doc.exists;
    let what = if input.triggers.is_empty() {
        format!("{doc_name} deleted")
    } else {
        trigger_summary(input.triggers, &categories)
    };
    reasons.push(Reason {
        requirement: Requirement::DocumentUpdated,
        met: updated || no_change_review.is_some() || no_change_signoff.is_some(),
        message: if doc.deleted {
            format!("{doc_name} was deleted, not updated")
        } else if updated {
            format!("{doc_name} was updated in this change")
        } else if let Some(r) = no_change_review {
            format!("{} recorded that no document change is needed", r.reviewer)
        } else if let Some(s) = no_change_signoff {
            format!("@{} signed off that no document change is needed", s.login)
        } else {
            format!("{doc_name} was not updated although {what} changed")
        },
        action: Some(match input.signoffs {
            Some(_) => format!(
                "Update {doc_name} to describe the change (layers, zones, boundaries, controls, threats), or have an authorized reviewer comment `/secarch approve no-change: <rationale>`."
            ),
            None => format!(
                "Update {doc_name} to describe the change (layers, zones, boundaries, controls, threats), or add a review record with `outcome: no-change` and a `rationale`."
            ),
        }),
    });

    // 3. The change was reviewed.
    match input.signoffs {
        None => {
            let approving: Vec<&AddedReview> = doc
                .reviews_added
                .iter()
                .filter(|r| r.outcome != "rejected")
                .collect();
            let rejected = doc.reviews_added.iter().find(|r| r.outcome == "rejected");
            let met = !approving.is_empty() && rejected.is_none();
            reasons.push(Reason {
                requirement: Requirement::Reviewed,
                met,
                message: if let Some(r) = rejected {
                    format!("{} ({}) rejected the change in the review log", r.reviewer, r.role)
                } else if let Some(r) = approving.first() {
                    format!("reviewed by {} ({}): {}", r.reviewer, r.role, r.outcome)
                } else {
                    "no new review record in the document".to_string()
                },
                action: Some(format!(
                    "Have a security reviewer add an entry to `reviews:` in {doc_name} (reviewer, role, date, outcome, scope)."
                )),
            });
        }
        Some(s) => {
            let have = s.valid.len() as u32;
            let blocked = !s.blockers.is_empty();
            let met = have >= s.required && !blocked;
            let who = if s.eligible.is_empty() {
                "an authorized reviewer".to_string()
            } else {
                s.eligible.join(", ")
            };
            let blocking = s
                .blockers
                .iter()
                .map(|b| format!("@{}", b.login))
                .collect::<Vec<_>>()
                .join(", ");
            reasons.push(Reason {
                requirement: Requirement::Reviewed,
                met,
                message: if blocked {
                    format!(
                        "{blocking} requested changes ({have} of {} required sign-off(s))",
                        s.required
                    )
                } else if met {
                    format!(
                        "signed off by {}",
                        s.valid
                            .iter()
                            .map(|v| format!("@{}", v.login))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    format!("{have} of {} required sign-off(s)", s.required)
                },
                action: Some(if blocked {
                    format!(
                        "{blocking}: once the requested changes are made, approve the pull request or comment `/secarch approve` (or `/secarch revoke`); a dismissed review no longer blocks."
                    )
                } else {
                    format!(
                        "{who}: review the change and comment `/secarch approve` (or approve the pull request)."
                    )
                }),
            });
        }
    }

    let met_all = reasons.iter().all(|r| r.met);
    let title = if met_all {
        format!("Security architecture reviewed: {what}")
    } else {
        // The first unmet condition someone has to act on (SA052-only lint errors are fixed by
        // the review step, so they do not name the failure).
        let first = reasons
            .iter()
            .find(|r| !r.met && r.action.is_some())
            .or_else(|| reasons.iter().find(|r| !r.met))
            .map(|r| match r.requirement {
                Requirement::DocumentExists if doc.deleted => "document deleted",
                Requirement::DocumentExists => "document missing",
                Requirement::LintClean => "document has lint errors",
                Requirement::DocumentUpdated => "document not updated",
                Requirement::Reviewed => "review missing",
            })
            .unwrap_or("action needed");
        format!("Security architecture review needed ({first}): {what}")
    };
    Verdict {
        conclusion: if met_all {
            Conclusion::Success
        } else {
            Conclusion::Failure
        },
        triggered: true,
        title,
        reasons,
        categories,
    }
}

fn trigger_summary(triggers: &[Trigger], categories: &BTreeMap<String, usize>) -> String {
    let files = triggers
        .iter()
        .map(|t| t.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let names: Vec<&str> = categories.keys().map(String::as_str).collect();
    format!(
        "{files} file{} in {}",
        if files == 1 { "" } else { "s" },
        names.join(", ")
    )
}

#[cfg(test)]
mod tests;
