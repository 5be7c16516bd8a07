//! Normalising the models' own words for severity and status.

use super::ThreatStatus;

/// Map a model's severity word to `info | low | medium | high | critical`;
/// `None` for words that carry no severity (`TBA`, empty) or that we do not know.
///
/// Threagile's `elevated` (between medium and high) and TM-BOM's `very_high`
/// (between high and critical) round to `high`, so a severity threshold of
/// `high` still flags them.
pub(crate) fn severity(raw: &str) -> Option<String> {
    let w = raw.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let s = match w.as_str() {
        "info" | "informational" | "information" | "note" | "none" => "info",
        "low" | "very-low" => "low",
        "medium" | "moderate" => "medium",
        "high" | "elevated" | "very-high" => "high",
        "critical" => "critical",
        _ => return None,
    };
    Some(s.to_string())
}

/// How unhandled a status is: aggregating several instances of one threat keeps
/// the worst (any open instance leaves the threat open).
fn rank(s: ThreatStatus) -> u8 {
    match s {
        ThreatStatus::Open => 4,
        ThreatStatus::Unknown => 3,
        ThreatStatus::Accepted => 2,
        ThreatStatus::Mitigated => 1,
        ThreatStatus::NotApplicable => 0,
    }
}

/// The less handled of two statuses.
pub(crate) fn worst(a: ThreatStatus, b: ThreatStatus) -> ThreatStatus {
    if rank(b) > rank(a) { b } else { a }
}

/// Severity order, for keeping the highest of several.
pub(crate) fn severity_rank(s: &str) -> u8 {
    match s {
        "info" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "critical" => 5,
        _ => 0,
    }
}

/// The higher of two normalised severities.
pub(crate) fn max_severity(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if severity_rank(&b) > severity_rank(&a) {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

/// Drop HTML tags from a title (Threagile writes `<b>Risk</b> at <b>Asset</b>`).
pub(crate) fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalise a status word for comparison: lower case, `_`/space → `-`.
pub(crate) fn word(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

/// Common spellings of "not applicable".
pub(crate) fn is_not_applicable(w: &str) -> bool {
    matches!(w, "not-applicable" | "notapplicable" | "na" | "n/a")
}
