//! Check-run requests and GitHub's limits on them.
//!
//! GitHub accepts at most 50 annotations per create/update request and at most 65,535 characters
//! in `output.summary` / `output.text`. The client posts the first 50 annotations with the
//! create/update and appends the rest with further PATCHes (GitHub appends annotations on each
//! update); long texts are cut with a visible notice instead of being rejected with a 422.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Annotations per create/update request (GitHub's `maxItems`).
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// `output.summary` / `output.text` limit (GitHub's `maxLength`).
pub const MAX_OUTPUT_CHARS: usize = 65_535;
/// Annotation `message` / `raw_details` limit (GitHub documents 64 KB).
const MAX_ANNOTATION_TEXT: usize = 64 * 1024;
/// Annotation `title` limit (GitHub documents 255 characters).
const MAX_ANNOTATION_TITLE: usize = 255;

/// Check-run status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Queued,
    InProgress,
    Completed,
}

/// Conclusion of a completed check run (`stale` is GitHub's own, not settable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    ActionRequired,
    Cancelled,
    Failure,
    Neutral,
    Success,
    Skipped,
    TimedOut,
}

/// Annotation severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLevel {
    Notice,
    Warning,
    Failure,
}

/// A line annotation (`path` relative to the repository root, lines 1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Only sent when `start_line == end_line` (GitHub rejects columns across lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    pub annotation_level: AnnotationLevel,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_details: Option<String>,
}

impl Annotation {
    /// A copy GitHub will accept: columns dropped across lines, lines ≥ 1 and ordered, texts cut.
    fn for_github(&self) -> Annotation {
        let start_line = self.start_line.max(1);
        let end_line = self.end_line.max(start_line);
        let same_line = start_line == end_line;
        Annotation {
            path: self.path.clone(),
            start_line,
            end_line,
            start_column: self.start_column.filter(|_| same_line),
            end_column: self.end_column.filter(|_| same_line),
            annotation_level: self.annotation_level,
            message: truncate_with_notice(&self.message, MAX_ANNOTATION_TEXT),
            title: self
                .title
                .as_deref()
                .map(|t| truncate_with_notice(t, MAX_ANNOTATION_TITLE)),
            raw_details: self
                .raw_details
                .as_deref()
                .map(|t| truncate_with_notice(t, MAX_ANNOTATION_TEXT)),
        }
    }
}

/// What the check run shows. `annotations` may be any length: the client batches them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutput {
    pub title: String,
    pub summary: String,
    pub text: Option<String>,
    pub annotations: Vec<Annotation>,
}

/// `POST /repos/{o}/{r}/check-runs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckRun {
    pub name: String,
    pub head_sha: String,
    pub status: Option<CheckStatus>,
    pub conclusion: Option<CheckConclusion>,
    pub details_url: Option<String>,
    pub external_id: Option<String>,
    pub started_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    pub output: Option<CheckOutput>,
}

/// `PATCH /repos/{o}/{r}/check-runs/{id}`: only the fields set are changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckRunUpdate {
    pub name: Option<String>,
    pub status: Option<CheckStatus>,
    pub conclusion: Option<CheckConclusion>,
    pub details_url: Option<String>,
    pub external_id: Option<String>,
    pub started_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    /// Note: GitHub *appends* annotations on every update; to replace a run's annotations,
    /// create a new check run instead.
    pub output: Option<CheckOutput>,
}

/// The wire form of a check-run body (create or update).
#[derive(Debug, Serialize)]
pub(crate) struct CheckRunBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CheckStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<CheckConclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<&'a str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub started_at: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputBody>,
}

/// The wire form of `output` for one request.
#[derive(Debug, Serialize)]
pub(crate) struct OutputBody {
    pub title: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// Split `output` into per-request bodies: the first carries title, summary, text and the first
/// 50 annotations; each further one repeats title and summary (GitHub requires them in every
/// `output`) with the next 50 annotations.
pub(crate) fn output_batches(output: &CheckOutput) -> Vec<OutputBody> {
    let title = truncate_with_notice(&output.title, MAX_OUTPUT_CHARS);
    let summary = truncate_with_notice(&output.summary, MAX_OUTPUT_CHARS);
    let text = output
        .text
        .as_deref()
        .map(|t| truncate_with_notice(t, MAX_OUTPUT_CHARS));
    let annotations: Vec<Annotation> = output
        .annotations
        .iter()
        .map(Annotation::for_github)
        .collect();
    let mut chunks = annotations.chunks(MAX_ANNOTATIONS_PER_REQUEST);
    let first = OutputBody {
        title: title.clone(),
        summary: summary.clone(),
        text,
        annotations: chunks.next().map(<[_]>::to_vec).unwrap_or_default(),
    };
    std::iter::once(first)
        .chain(chunks.map(|chunk| OutputBody {
            title: title.clone(),
            summary: summary.clone(),
            text: None,
            annotations: chunk.to_vec(),
        }))
        .collect()
}

/// `text` cut to at most `limit` bytes (hence also characters, whichever GitHub counts), at a
/// line break when one is near, with a notice saying how much was left out and where to find it.
pub fn truncate_with_notice(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let omitted_for = |kept: usize| text[kept..].chars().count();
    let notice = |omitted: usize| {
        format!(
            "\n\n… truncated: {omitted} more characters not shown (GitHub limits this field to {limit} characters). Run `secarch check` locally for the full report."
        )
    };
    // The notice's length depends on the number, which depends on the cut: reserve for the
    // longest number first.
    let reserve = notice(text.chars().count()).len();
    if reserve >= limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        return text[..cut].to_string();
    }
    let mut cut = limit - reserve;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    // Prefer a line break in the last 2 KB before the cut, so Markdown is not cut mid-line.
    let window_start = cut.saturating_sub(2048);
    if let Some(nl) = text[window_start..cut].rfind('\n') {
        cut = window_start + nl;
    }
    let mut out = String::with_capacity(limit);
    out.push_str(&text[..cut]);
    out.push_str(&notice(omitted_for(cut)));
    out
}

fn rfc3339_opt<S: Serializer>(value: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(t) => {
            let text = t
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(serde::ser::Error::custom)?;
            s.serialize_str(&text)
        }
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(i: u32) -> Annotation {
        Annotation {
            path: format!("f{i}"),
            start_line: i,
            end_line: i + 1,
            start_column: Some(1),
            end_column: Some(2),
            annotation_level: AnnotationLevel::Warning,
            message: "m".into(),
            title: None,
            raw_details: None,
        }
    }

    #[test]
    fn batches_of_fifty() {
        let output = CheckOutput {
            title: "t".into(),
            summary: "s".into(),
            text: Some("x".into()),
            annotations: (1..=120).map(ann).collect(),
        };
        let b = output_batches(&output);
        let sizes: Vec<usize> = b.iter().map(|o| o.annotations.len()).collect();
        assert_eq!(sizes, [50, 50, 20]);
        assert_eq!(b[0].text.as_deref(), Some("x"));
        assert!(b[1].text.is_none() && b[1].summary == "s" && b[2].title == "t");
        assert_eq!(b[2].annotations[19].path, "f120");
        // Columns are dropped on multi-line annotations.
        assert_eq!(b[0].annotations[0].start_column, None);
        let empty = output_batches(&CheckOutput::default());
        assert_eq!(empty.len(), 1);
        assert!(empty[0].annotations.is_empty());
    }

    #[test]
    fn same_line_keeps_columns_and_zero_lines_are_fixed() {
        let a = Annotation {
            start_line: 0,
            end_line: 0,
            ..ann(0)
        }
        .for_github();
        assert_eq!((a.start_line, a.end_line), (1, 1));
        assert_eq!((a.start_column, a.end_column), (Some(1), Some(2)));
    }

    #[test]
    fn truncation_fits_and_says_so() {
        let short = "abc";
        assert_eq!(truncate_with_notice(short, 10), "abc");
        let long = "line\n".repeat(20_000) + &"é".repeat(10_000);
        let cut = truncate_with_notice(&long, MAX_OUTPUT_CHARS);
        assert!(cut.len() <= MAX_OUTPUT_CHARS, "{}", cut.len());
        assert!(cut.contains("… truncated: "));
        assert!(cut.contains("Run `secarch check` locally"));
        let kept = cut.split("\n\n… truncated").next().unwrap();
        assert!(long.starts_with(kept));
        let omitted: usize = cut
            .split("truncated: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(omitted, long[kept.len()..].chars().count());
        // Tiny limits still respect the limit.
        assert!(truncate_with_notice(&"é".repeat(100), 5).len() <= 5);
    }
}
