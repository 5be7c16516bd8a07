//! What every rule reads (the document, indexes by id, the merged threat
//! registry) and where findings go before severities are applied.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;

use super::review_facts::HistoryCommit;
use super::severity::effective_severity;
use super::{Finding, LintInput, LintReport};
use crate::model::{Boundary, Component, Document, Layer, NATIVE_NAMESPACE, Text, Zone};
use crate::policy::Severity;
use crate::position::Pos;
use crate::threats::ThreatRegistry;

/// A finding before its severity is known.
struct Raw {
    rule: &'static str,
    message: String,
    path: String,
    pos: Pos,
}

/// Collects findings; [`Out::finish`] applies severities and sorts.
pub struct Out {
    document: String,
    raw: Vec<Raw>,
}

impl Out {
    pub fn new(document: &str) -> Out {
        Out {
            document: document.to_string(),
            raw: Vec::new(),
        }
    }

    /// A finding in the document.
    pub fn push(&mut self, rule: &'static str, pos: Pos, message: impl Into<String>) {
        let path = self.document.clone();
        self.push_in(rule, &path, pos, message);
    }

    /// A finding in another file (a threat model, the policy file).
    pub fn push_in(
        &mut self,
        rule: &'static str,
        path: &str,
        pos: Pos,
        message: impl Into<String>,
    ) {
        self.raw.push(Raw {
            rule,
            message: message.into(),
            path: path.to_string(),
            pos,
        });
    }

    pub fn finish(self, input: &LintInput<'_>) -> LintReport {
        let mut cache: HashMap<&'static str, Severity> = HashMap::new();
        let mut findings: Vec<Finding> = self
            .raw
            .into_iter()
            .filter_map(|r| {
                let severity = *cache
                    .entry(r.rule)
                    .or_insert_with(|| effective_severity(input.policy, input.strict, r.rule));
                (severity != Severity::Off).then(|| Finding {
                    rule: r.rule.to_string(),
                    severity,
                    message: r.message,
                    path: r.path,
                    line: r.pos.line,
                    column: r.pos.column,
                })
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.rule, &a.message)
                .cmp(&(&b.path, b.line, b.column, &b.rule, &b.message))
        });
        findings.dedup();
        LintReport {
            document: (!self.document.is_empty()).then_some(self.document),
            findings,
        }
    }
}

/// The document and indexes the rules share.
pub struct Ctx<'a> {
    pub input: &'a LintInput<'a>,
    pub doc: &'a Document,
    /// The configured threats plus the document's `threats:` (namespace `native`).
    pub registry: Cow<'a, ThreatRegistry>,
    pub layers: HashMap<&'a str, &'a Layer>,
    pub zones: HashMap<&'a str, &'a Zone>,
    pub components: HashMap<&'a str, &'a Component>,
    pub boundaries: HashMap<&'a str, &'a Boundary>,
    /// The commit that added the last review and the commits after it (read
    /// once from git for SA052 and SA053).
    pub after_last_review: OnceCell<AfterReview>,
}

/// `Ok(None)`: no history, no dated review, or the review is not committed yet.
pub type AfterReview = Result<Option<(String, Vec<HistoryCommit>)>, String>;

impl<'a> Ctx<'a> {
    pub fn new(input: &'a LintInput<'a>, doc: &'a Document) -> Ctx<'a> {
        let registry = if doc.threats.is_empty() {
            Cow::Borrowed(input.registry)
        } else {
            let mut merged = input.registry.clone();
            merged.insert(NATIVE_NAMESPACE, doc.native_threats());
            Cow::Owned(merged)
        };
        Ctx {
            input,
            doc,
            registry,
            layers: index(&doc.layers, |l| &l.id),
            zones: index(&doc.zones, |z| &z.id),
            components: index(&doc.components, |c| &c.id),
            boundaries: index(&doc.boundaries, |b| &b.id),
            after_last_review: OnceCell::new(),
        }
    }

    /// Whether `rule` produces findings under the policy (skip costly work otherwise).
    pub fn enabled(&self, rule: &str) -> bool {
        effective_severity(self.input.policy, self.input.strict, rule) != Severity::Off
    }

    /// Where to point a finding about a whole section (its key, else the top).
    pub fn section_pos(&self, name: &str) -> Pos {
        self.doc
            .sections
            .get(name)
            .copied()
            .unwrap_or(self.doc.front_matter_pos)
    }

    /// `"{zone a} ↔ {zone b}"` for a boundary.
    pub fn boundary_zones(&self, b: &Boundary) -> String {
        b.between
            .iter()
            .map(|z| z.value.as_str())
            .collect::<Vec<_>>()
            .join(" ↔ ")
    }

    /// Whether a boundary touches an external zone (a perimeter boundary).
    pub fn is_perimeter(&self, b: &Boundary) -> bool {
        b.between.iter().any(|z| {
            self.zones
                .get(z.value.as_str())
                .is_some_and(|z| z.is_external())
        })
    }
}

/// First item per id (duplicates are SA004's business).
fn index<'a, T>(items: &'a [T], id: impl Fn(&'a T) -> &'a Text) -> HashMap<&'a str, &'a T> {
    let mut map = HashMap::with_capacity(items.len());
    for item in items {
        let id = id(item);
        if !id.value.is_empty() {
            map.entry(id.value.as_str()).or_insert(item);
        }
    }
    map
}

/// Whether an optional text is present and not blank.
pub fn filled(t: &Option<Text>) -> bool {
    t.as_ref().is_some_and(|t| !t.value.trim().is_empty())
}

/// `item`'s id for messages (`(unnamed)` when missing).
pub fn name(id: &Text) -> &str {
    if id.value.is_empty() {
        "(without id)"
    } else {
        &id.value
    }
}
