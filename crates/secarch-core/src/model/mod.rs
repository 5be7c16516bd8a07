//! The security architecture document (`secarch/v1`): YAML front matter with
//! source positions, plus the Markdown body's headings and Mermaid blocks.
//!
//! [`parse_document`] never fails and never panics: it returns whatever could
//! be read plus SA002 diagnostics, so that one typo does not hide every other
//! finding.

pub mod body;
pub mod date;
pub mod document;
mod fields;
mod front_matter;
mod placeholders;
pub mod split;

use serde::Serialize;

pub use body::{Body, Heading, MermaidBlock, slug};
pub use date::Date;
pub use document::*;
pub use fields::closest;
pub use front_matter::SCHEMA;
pub use placeholders::{Placeholder, placeholders};

use crate::position::Pos;
use crate::threats::{Threat, ThreatStatus};

/// Largest document read (a 1,000-control document is well under 1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// The namespace of threats declared in the document's own `threats:` list.
pub const NATIVE_NAMESPACE: &str = "native";

/// A problem found while reading the document (always rule SA002 today).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub message: String,
    pub pos: Pos,
}

/// The document as far as it could be read, and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedDocument {
    pub document: Document,
    pub diagnostics: Vec<Diagnostic>,
}

/// Read a document from raw bytes; invalid UTF-8 is reported as SA002 with the
/// line and column of the first bad byte.
pub fn parse_document_bytes(path: &str, bytes: &[u8]) -> ParsedDocument {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_document(path, text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            let pos = Pos::new(to_u32(line), to_u32(column));
            ParsedDocument {
                document: Document {
                    path: path.to_string(),
                    front_matter: FrontMatterStatus::Unreadable,
                    ..Document::default()
                },
                diagnostics: vec![Diagnostic {
                    rule: "SA002",
                    message: format!(
                        "the document is not valid UTF-8 (byte {}); save it as UTF-8",
                        e.valid_up_to()
                    ),
                    pos,
                }],
            }
        }
    }
}

/// Read a document: the front matter (with positions) and the body.
pub fn parse_document(path: &str, text: &str) -> ParsedDocument {
    let mut doc = Document {
        path: path.to_string(),
        ..Document::default()
    };
    let mut sink = fields::Sink::default();
    if text.len() > MAX_DOCUMENT_BYTES {
        sink.error(
            Pos::new(1, 1),
            format!(
                "the document is {} bytes; documents over {MAX_DOCUMENT_BYTES} bytes are not read — move long prose or data out of it",
                text.len()
            ),
        );
        doc.front_matter = FrontMatterStatus::Unreadable;
        return ParsedDocument {
            document: doc,
            diagnostics: sink.diagnostics,
        };
    }
    let parts = split::split(text);
    let lines = body::LineIndex::new(text);
    match parts.state {
        split::FenceState::Absent => sink.error(
            Pos::new(1, 1),
            format!(
                "the document has no front matter; start the file with a `---` line, `schema: {SCHEMA}`, the structured sections, and a closing `---` line"
            ),
        ),
        split::FenceState::Unclosed => {
            doc.front_matter = FrontMatterStatus::Unreadable;
            sink.error(
                Pos::new(1, 1),
                "the front matter opened on line 1 is never closed; add a `---` line after it",
            );
        }
        split::FenceState::Closed => {
            doc.front_matter_pos = Pos::new(1, 1);
            let reader = crate::syntax::yaml::Reader {
                first_line: parts.yaml_first_line,
                ..Default::default()
            };
            doc.front_matter = match reader.first_document(parts.yaml) {
                Err(e) => {
                    let (pos, message) = yaml_error(e, parts.yaml_first_line);
                    sink.error(pos, message);
                    FrontMatterStatus::Unreadable
                }
                Ok(None) => {
                    sink.error(
                        Pos::new(1, 1),
                        format!("the front matter is empty; add `schema: {SCHEMA}` and the structured sections"),
                    );
                    FrontMatterStatus::Unreadable
                }
                Ok(Some(root)) => {
                    if front_matter::map_document(&root, &mut doc, &mut sink) {
                        FrontMatterStatus::Parsed
                    } else {
                        FrontMatterStatus::Unreadable
                    }
                }
            };
        }
    }
    let body_text = text.get(parts.body_offset..).unwrap_or("");
    doc.body = body::parse_body(body_text, parts.body_offset, &lines);
    doc.placeholders = placeholders(text);
    ParsedDocument {
        document: doc,
        diagnostics: sink.diagnostics,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Review records present at `head` and not at `base` (compared by content,
/// not position): the `check` command's "a new review record was added".
pub fn review_entries_added<'h>(base: &Document, head: &'h Document) -> Vec<&'h Review> {
    let mut remaining: Vec<ReviewKey> = base.reviews.iter().map(Review::key).collect();
    let mut added = Vec::new();
    for review in &head.reviews {
        let key = review.key();
        match remaining.iter().position(|k| *k == key) {
            Some(i) => {
                remaining.swap_remove(i);
            }
            None => added.push(review),
        }
    }
    added
}

impl Document {
    /// The front matter's `threats:` as registry threats (namespace [`NATIVE_NAMESPACE`]).
    pub fn native_threats(&self) -> Vec<Threat> {
        self.threats
            .iter()
            .filter(|t| !t.id.value.is_empty())
            .map(|t| Threat {
                id: t.id.value.clone(),
                title: t
                    .title
                    .as_ref()
                    .map(|x| x.value.clone())
                    .unwrap_or_default(),
                severity: t.severity.as_ref().map(|s| s.value.clone()),
                status: match t.status.as_ref().map(|s| s.value.as_str()) {
                    Some("mitigated") => ThreatStatus::Mitigated,
                    Some("accepted") => ThreatStatus::Accepted,
                    Some("not-applicable") => ThreatStatus::NotApplicable,
                    Some("open") => ThreatStatus::Open,
                    _ => ThreatStatus::Unknown,
                },
                path: self.path.clone(),
                pos: t.id.pos,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

/// The SA002 position and message for a front matter that cannot be read.
fn yaml_error(e: crate::syntax::Error, first_line: u32) -> (Pos, String) {
    use crate::syntax::Error;
    match e {
        Error::Syntax(pos, info) => (pos, format!("YAML syntax error: {info}")),
        Error::Limit(pos, e) => {
            let pos = if pos.is_known() {
                pos
            } else {
                Pos::new(first_line, 1)
            };
            (pos, e.explain("the front matter"))
        }
    }
}
