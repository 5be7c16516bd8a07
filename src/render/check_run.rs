//! A [`CheckReport`] as a check run's output: title, Markdown summary with who can sign off,
//! and annotations on the exact lines.

use std::fmt::Write;

use super::render_markdown;
use crate::git::ChangeKind;
use crate::github::{Annotation, AnnotationLevel, CheckConclusion, CheckOutput};
use crate::policy::Severity;
use crate::verdict::{CheckReport, Conclusion, Requirement, SignoffState};

/// The check-run conclusion for a report.
pub fn conclusion(report: &CheckReport) -> CheckConclusion {
    match report.conclusion {
        Conclusion::Success => CheckConclusion::Success,
        Conclusion::Failure => CheckConclusion::Failure,
    }
}

/// Whether the report still waits for a review (the App then requests the configured reviewers).
pub fn needs_review(report: &CheckReport) -> bool {
    report
        .reasons
        .iter()
        .any(|r| r.requirement == Requirement::Reviewed && !r.met)
}

/// Title, summary and annotations for the check run.
pub fn check_output(report: &CheckReport, signoffs: &SignoffState) -> CheckOutput {
    let mut summary = render_markdown(report);
    if !report.triggers.is_empty() {
        let _ = writeln!(summary, "\n#### Sign-off\n");
        let who = if signoffs.eligible.is_empty() {
            "a reviewer with the permission the policy requires".to_string()
        } else {
            signoffs.eligible.join(", ")
        };
        let _ = writeln!(
            summary,
            "{} of {} required sign-off(s). Who can sign off: {who}.",
            signoffs.valid.len(),
            signoffs.required
        );
        for r in &signoffs.rejected {
            let _ = writeln!(summary, "- @{} does not count: {}", r.login, r.reason);
        }
    }
    let mut annotations = annotations(report);
    let left_out = annotations.len().saturating_sub(MAX_ANNOTATIONS);
    if left_out > 0 {
        annotations.truncate(MAX_ANNOTATIONS);
        let _ = writeln!(
            summary,
            "\n{left_out} more annotation(s) were left out (a check run shows the {MAX_ANNOTATIONS} most \
             important: errors first). Run `secarch check` locally to see every finding and signal."
        );
    }
    CheckOutput {
        title: report.title.clone(),
        summary,
        text: None,
        annotations,
    }
}

/// Most annotations one check run carries. GitHub takes 50 per request and appends the rest
/// with one PATCH per 50; a pull request touching 20,000 watched files would otherwise cost
/// 400 requests per evaluation, so the cost of one evaluation is bounded by this, whatever the
/// change. The summary says how many were left out.
pub const MAX_ANNOTATIONS: usize = crate::github::MAX_ANNOTATIONS_PER_REQUEST;

/// Lint findings on the document's lines, and trigger signals on the changed files' lines,
/// most important first (failures, then warnings, then notices; in order within a level).
pub fn annotations(report: &CheckReport) -> Vec<Annotation> {
    let mut out = all_annotations(report);
    out.sort_by_key(|a| match a.annotation_level {
        AnnotationLevel::Failure => 0,
        AnnotationLevel::Warning => 1,
        AnnotationLevel::Notice => 2,
    });
    out
}

fn all_annotations(report: &CheckReport) -> Vec<Annotation> {
    let mut out = Vec::new();
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => AnnotationLevel::Failure,
            Severity::Warning => AnnotationLevel::Warning,
            Severity::Notice | Severity::Off => AnnotationLevel::Notice,
        };
        if f.severity == Severity::Off {
            continue;
        }
        let line = f.line.max(1);
        out.push(Annotation {
            path: f.path.clone(),
            start_line: line,
            end_line: line,
            start_column: (f.line > 0 && f.column > 0).then_some(f.column),
            end_column: (f.line > 0 && f.column > 0).then_some(f.column),
            annotation_level: level,
            message: f.message.clone(),
            title: Some(f.rule.clone()),
            raw_details: None,
        });
    }
    let level = match report.conclusion {
        Conclusion::Success => AnnotationLevel::Notice,
        Conclusion::Failure => AnnotationLevel::Warning,
    };
    for t in &report.triggers {
        // A deleted file has no line to point at in the head.
        if t.change == ChangeKind::Deleted {
            continue;
        }
        let mut any = false;
        for s in &t.signals {
            let Some(line) = s.line else { continue };
            any = true;
            out.push(Annotation {
                path: t.path.clone(),
                start_line: line.max(1),
                end_line: line.max(1),
                start_column: None,
                end_column: None,
                annotation_level: level,
                message: s.message.clone(),
                title: Some(format!("security architecture: {}", t.category)),
                raw_details: None,
            });
        }
        if !any {
            let what = t
                .signals
                .first()
                .map(|s| s.message.clone())
                .unwrap_or_else(|| format!("watched file ({}) changed", t.category));
            out.push(Annotation {
                path: t.path.clone(),
                start_line: 1,
                end_line: 1,
                start_column: None,
                end_column: None,
                annotation_level: level,
                message: what,
                title: Some(format!("security architecture: {}", t.category)),
                raw_details: None,
            });
        }
    }
    out
}
