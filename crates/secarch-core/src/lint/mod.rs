//! Lint rules SA001–SA081 over the document model and the threat registry.
//!
//! [`lint`] reads the document through a [`FileSource`], parses it, runs every
//! enabled rule and returns findings sorted by path, line and rule. Each rule
//! is a small function in `rules/` with its own tests; severities come from
//! [`crate::rule_table::RULES`], overridden by `lint.severity` in the policy.

mod context;
pub mod review_facts;
mod rules;
mod severity;
mod watch;

#[cfg(test)]
mod testkit;

use serde::Serialize;

use crate::model::{Date, ParsedDocument, parse_document_bytes};
use crate::policy::{Policy, Severity, ThreatModelRef};
use crate::source::FileSource;
use crate::threats::ThreatRegistry;

pub use review_facts::{HistoryCommit, ReviewHistory};
pub use rules::SECURITY_ROLE_WORDS;
pub use severity::effective_severity;

/// One lint finding. JSON field names are a public contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    /// 1-based; `0` = the finding is about the file as a whole (or a file that
    /// does not exist), renderers put it on the first line.
    pub line: u32,
    pub column: u32,
}

/// A configured threat model that could not be read (SA033).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatModelFailure {
    pub path: String,
    pub namespace: String,
    /// For people: what went wrong and what to do.
    pub reason: String,
    /// Where in `path` the problem is, 1-based; `0` = unknown or in another
    /// file (SA033 then points at the entry that declares the model).
    pub line: u32,
    pub column: u32,
}

/// Everything a lint run looks at.
pub struct LintInput<'a> {
    pub policy: &'a Policy,
    /// The document (configured or discovered); `None` = discover it here.
    pub document_path: Option<&'a str>,
    /// Where the document, diagram files and the rest of the tree are read.
    pub source: &'a dyn FileSource,
    /// Threats from the configured models (the document's own `threats:` are
    /// added under namespace `native` by the linter).
    pub registry: &'a ThreatRegistry,
    pub load_failures: &'a [ThreatModelFailure],
    /// Git facts for SA052/SA053/SA055; `None` = those checks are skipped.
    pub history: Option<&'a dyn ReviewHistory>,
    /// "Today" for SA054 (injectable for tests).
    pub today: Date,
    /// `--strict`: warnings become errors (also `lint.strict` in the policy).
    pub strict: bool,
}

/// The outcome of a lint run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// The document linted (`None` when none was found).
    pub document: Option<String>,
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
}

impl LintReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether any finding is an error (the document does not "lint clean").
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// The document path: the configured one, else the first of
/// `policy.document_names` that exists in `source` — or is there but cannot be
/// read (too large, a link out of the repository), so that lint says why
/// instead of calling the document missing.
pub fn discover_document(policy: &Policy, source: &dyn FileSource) -> Option<String> {
    if let Some(path) = &policy.document {
        return Some(path.clone());
    }
    policy
        .document_names
        .iter()
        .find(|name| !matches!(source.read(name), Ok(None)))
        .cloned()
}

/// The threat models to load: the policy's, then the document's own (a path
/// named twice is loaded once, the policy's entry wins).
pub fn threat_model_refs(
    policy: &Policy,
    document: Option<&crate::model::Document>,
) -> Vec<ThreatModelRef> {
    let mut refs = policy.threat_models.clone();
    if let Some(doc) = document {
        for r in &doc.threat_models {
            if !refs.iter().any(|x| x.path == r.value.path) {
                refs.push(r.value.clone());
            }
        }
    }
    refs
}

/// Lint the document named by (or discovered for) `input`.
pub fn lint(input: &LintInput<'_>) -> LintReport {
    let path = match input.document_path {
        Some(p) => Some(p.to_string()),
        None => discover_document(input.policy, input.source),
    };
    let mut out = context::Out::new(path.as_deref().unwrap_or(""));
    let parsed = match &path {
        None => {
            rules::presence::sa001_missing(input.policy, &mut out);
            None
        }
        Some(p) => match input.source.read(p) {
            Ok(Some(bytes)) => Some(parse_document_bytes(p, &bytes)),
            Ok(None) => {
                rules::presence::sa001_not_found(p, input.policy, &mut out);
                None
            }
            Err(reason) => {
                out.push(
                    "SA002",
                    crate::position::Pos::UNKNOWN,
                    format!("the document could not be read: {reason}"),
                );
                None
            }
        },
    };
    match &parsed {
        Some(parsed) => rules::run(input, parsed, &mut out),
        None => rules::threats::sa033(input, None, &mut out),
    }
    out.finish(input)
}

/// Lint an already parsed document (for callers that parsed it to find the
/// threat models to load). `input.document_path` is ignored.
pub fn lint_parsed(input: &LintInput<'_>, parsed: &ParsedDocument) -> LintReport {
    let mut out = context::Out::new(&parsed.document.path);
    rules::run(input, parsed, &mut out);
    out.finish(input)
}
