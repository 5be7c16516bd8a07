//! One evaluation of a change: policy from the base, change set, classification,
//! fingerprint, document state, lint, verdict. Shared by every front-end: the CLI
//! calls it on a local repository, the App on a mirror.

use std::collections::BTreeSet;

use crate::classify::{BlobReader, Classifier, Signal, Trigger};
use crate::fingerprint::{canonical_document, fingerprint};
use crate::git::{ChangeKind, ChangeSetOptions, GitError, Repo};
use crate::history::GitReviewHistory;
use crate::lint::{LintInput, LintReport, ReviewHistory, ThreatModelFailure, lint_parsed};
use crate::model::{Date, parse_document_bytes, review_entries_added};
use crate::policy::{POLICY_PATH, Policy, PolicyError, parse_policy};
use crate::semdiff::{SemanticDiff, Side as SemSide, semantic_diff};
use crate::source::FileSource;
use crate::threats::{ThreatRegistry, build_registry};
use crate::verdict::{AddedReview, CheckReport, DocumentState, SignoffState, VerdictInput, decide};

/// Where the policy comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// `.github/secarch.yml` at the base commit, else the embedded default.
    BaseCommit,
    /// A file given explicitly (`--policy FILE`): (display name, text).
    Explicit { name: String, text: String },
}

/// Why an evaluation could not run (exit code 2 in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(
        "{0}\n  the policy is read from the base commit; fix it on the base branch (or pass --policy FILE)"
    )]
    Policy(PolicyError),
    #[error("{0}")]
    Classify(String),
}

/// The range to evaluate, as commit ids.
#[derive(Debug, Clone)]
pub struct Range {
    /// The base revision's commit (its policy gates the change).
    pub base: String,
    pub head: String,
}

/// Evaluate `range` in `repo`. `signoffs` is `None` in the git-native check.
pub fn evaluate(
    repo: &Repo,
    range: &Range,
    policy_source: &PolicySource,
    signoffs: Option<&SignoffState>,
) -> Result<CheckReport, EvalError> {
    let merge_base = repo.merge_base(&range.base, &range.head)?;
    let (policy, policy_label) = load_policy(repo, &range.base, policy_source)?;

    let document = document_path(repo, &policy, &range.head, &merge_base)?;
    let classifier = Classifier::new(&policy, document.as_deref())
        .map_err(|e| EvalError::Classify(e.to_string()))?;
    // One traversal gives both the change set and the watched files at head
    // (the fingerprint): every head tree is read once, not once for the diff
    // and again for a walk of the whole tree.
    let (changes, watched) = repo.change_set_and_files(
        &merge_base,
        &range.head,
        &ChangeSetOptions::default(),
        &|p: &str| classifier.is_watched(p),
    )?;
    let fp = fingerprint_with(repo, &watched, &range.head, document.as_deref())?;
    let mut triggers = classifier.classify(&changes, &RepoBlobs(repo));
    annotate_policy_change(repo, &merge_base, &range.head, &policy, &mut triggers);

    let doc_state = document_state(repo, document.as_deref(), &merge_base, &range.head)?;

    // Lint only matters when something triggered: an unrelated change is not
    // held up (or cluttered) by the document's state.
    let findings = match &document {
        Some(d) if !triggers.is_empty() => {
            let source = repo.commit_source(&range.head)?;
            let history =
                GitReviewHistory::new(repo, &range.head, |p: &str| classifier.is_watched(p));
            lint_at(
                &policy,
                d,
                &source,
                Some(&history),
                Date::today_utc(),
                false,
            )
            .findings
        }
        _ => Vec::new(),
    };
    let semantic = if !triggers.is_empty() || doc_state.changed {
        document
            .as_deref()
            .map(|d| semantic_difference(repo, &policy, d, &merge_base, &range.head))
            .transpose()?
            .filter(|d| !d.is_empty())
    } else {
        None
    };
    let verdict = decide(&VerdictInput {
        triggers: &triggers,
        document: &doc_state,
        findings: Some(&findings),
        signoffs,
        check_name: policy.check_name(),
    });
    let mut report = CheckReport::new(
        verdict,
        merge_base,
        range.head.clone(),
        fp,
        policy.check_name().to_string(),
        policy_label,
        triggers,
        doc_state,
        findings,
    );
    report.semantic_diff = semantic;
    Ok(report)
}

/// Threats from the configured models and the document's own list, at one commit.
fn threats_at(
    policy: &Policy,
    doc: &crate::model::Document,
    source: &dyn FileSource,
) -> ThreatRegistry {
    let refs = crate::lint::threat_model_refs(policy, Some(doc));
    let (mut registry, _failures) = build_registry(&refs, source);
    registry.insert(crate::model::NATIVE_NAMESPACE, doc.native_threats());
    registry
}

fn semantic_difference(
    repo: &Repo,
    policy: &Policy,
    document: &str,
    base: &str,
    head: &str,
) -> Result<SemanticDiff, EvalError> {
    let read =
        |commit: &str| -> Result<(String, crate::model::Document, ThreatRegistry), EvalError> {
            let source = repo.commit_source(commit)?;
            let text = source
                .read(document)
                .ok()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let doc = parse_document_bytes(document, text.as_bytes()).document;
            let threats = threats_at(policy, &doc, &source);
            Ok((text, doc, threats))
        };
    let (bt, bd, br) = read(base)?;
    let (ht, hd, hr) = read(head)?;
    Ok(semantic_diff(
        &SemSide {
            document: &bd,
            threats: &br,
            text: &bt,
        },
        &SemSide {
            document: &hd,
            threats: &hr,
            text: &ht,
        },
    ))
}

struct RepoBlobs<'a>(&'a Repo);

impl BlobReader for RepoBlobs<'_> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0.read_blob(id).map_err(|e| e.to_string())
    }
}

/// The effective policy for a change: `.github/secarch.yml` at `base` (else the embedded
/// default), or the explicit file; with a label saying where it came from. The App reads the
/// check name and reviewers with it before evaluating.
pub fn load_policy(
    repo: &Repo,
    base: &str,
    source: &PolicySource,
) -> Result<(Policy, String), EvalError> {
    match source {
        PolicySource::Explicit { name, text } => parse_policy(Some((name, text)))
            .map(|p| (p, format!("{name} (--policy)")))
            .map_err(EvalError::Policy),
        PolicySource::BaseCommit => match repo.read_file_at(base, POLICY_PATH)? {
            None => Ok((Policy::embedded_default(), "embedded default".to_string())),
            Some(bytes) => {
                let short = base.get(..12).unwrap_or(base);
                let name = format!("{POLICY_PATH} at {short}");
                let text = String::from_utf8(bytes).map_err(|_| {
                    EvalError::Policy(PolicyError {
                        file: name.clone(),
                        line: None,
                        column: None,
                        message: "the policy file is not UTF-8 text; save it as UTF-8".into(),
                    })
                })?;
                parse_policy(Some((&name, &text)))
                    .map(|p| (p, name.clone()))
                    .map_err(EvalError::Policy)
            }
        },
    }
}

/// The configured document, else the first of `document_names` present at head
/// (or at base, when the change deleted it).
fn document_path(
    repo: &Repo,
    policy: &Policy,
    head: &str,
    base: &str,
) -> Result<Option<String>, EvalError> {
    if let Some(d) = &policy.document {
        return Ok(Some(d.clone()));
    }
    for commit in [head, base] {
        for name in &policy.document_names {
            if repo.read_file_at(commit, name)?.is_some() {
                return Ok(Some(name.clone()));
            }
        }
    }
    Ok(None)
}

fn fingerprint_with(
    repo: &Repo,
    files: &[(String, String)],
    head: &str,
    document: Option<&str>,
) -> Result<String, EvalError> {
    let doc = match document {
        Some(d) => repo.read_file_at(head, d)?.map(|b| (d, b)),
        None => None,
    };
    Ok(fingerprint(
        files,
        doc.as_ref().map(|(p, b)| (*p, b.as_slice())),
    ))
}

fn document_state(
    repo: &Repo,
    document: Option<&str>,
    base: &str,
    head: &str,
) -> Result<DocumentState, EvalError> {
    let Some(path) = document else {
        return Ok(DocumentState::default());
    };
    let at_base = repo.read_file_at(base, path)?;
    let at_head = repo.read_file_at(head, path)?;
    let changed = at_base != at_head;
    let canon = |b: &Option<Vec<u8>>| {
        b.as_ref()
            .map(|b| canonical_document(&String::from_utf8_lossy(b)))
    };
    let content_changed = changed && canon(&at_base) != canon(&at_head);
    let reviews_added = match (&at_head, changed) {
        (Some(head_bytes), true) => {
            let head_doc = parse_document_bytes(path, head_bytes).document;
            let base_doc = at_base
                .as_ref()
                .map(|b| parse_document_bytes(path, b).document)
                .unwrap_or_default();
            review_entries_added(&base_doc, &head_doc)
                .into_iter()
                .map(|r| {
                    let text = |t: &Option<crate::model::Text>| {
                        t.as_ref().map(|v| v.value.trim().to_string())
                    };
                    AddedReview {
                        reviewer: text(&r.reviewer).unwrap_or_default(),
                        role: text(&r.role).unwrap_or_default(),
                        outcome: r
                            .outcome
                            .as_ref()
                            .map(|o| o.value.as_str().to_string())
                            .unwrap_or_default(),
                        rationale: text(&r.rationale).filter(|s| !s.is_empty()),
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(DocumentState {
        path: Some(path.to_string()),
        exists: at_head.is_some(),
        changed,
        content_changed,
        reviews_added,
    })
}

/// A change to the policy file: validate the head version and show the effective
/// difference as signals on the `policy` trigger.
fn annotate_policy_change(
    repo: &Repo,
    base: &str,
    head: &str,
    base_policy: &Policy,
    triggers: &mut [Trigger],
) {
    let Some(t) = triggers
        .iter_mut()
        .find(|t| t.category == "policy" && t.path == POLICY_PATH)
    else {
        return;
    };
    if t.change == ChangeKind::Deleted {
        t.signals.push(Signal {
            kind: "policy-removed".into(),
            message:
                "the policy file is deleted: after merging, the embedded default policy applies"
                    .into(),
            line: None,
        });
        return;
    }
    let head_text = match repo.read_file_at(head, POLICY_PATH) {
        Ok(Some(b)) => String::from_utf8_lossy(&b).into_owned(),
        _ => return,
    };
    match parse_policy(Some((POLICY_PATH, &head_text))) {
        Err(e) => t.signals.push(Signal {
            kind: "policy-invalid".into(),
            message: format!(
                "the new policy is invalid and would break the check after merging: {e}"
            ),
            line: e.line.map(|l| l as u32),
        }),
        Ok(new_policy) => {
            let _ = base;
            for line in policy_difference(base_policy, &new_policy) {
                t.signals.push(Signal {
                    kind: "policy-difference".into(),
                    message: line,
                    line: None,
                });
            }
        }
    }
}

/// Lines that differ between two effective policies (`+ …` added, `- …` removed).
fn policy_difference(old: &Policy, new: &Policy) -> Vec<String> {
    let render = |p: &Policy| -> BTreeSet<String> {
        let v = serde_json::to_value(p).unwrap_or_default();
        let mut out = BTreeSet::new();
        flatten("", &v, &mut out);
        out
    };
    let (a, b) = (render(old), render(new));
    let mut lines: Vec<String> = a.difference(&b).map(|l| format!("- {l}")).collect();
    lines.extend(b.difference(&a).map(|l| format!("+ {l}")));
    const MAX: usize = 40;
    if lines.len() > MAX {
        let more = lines.len() - MAX;
        lines.truncate(MAX);
        lines.push(format!("… and {more} more policy differences"));
    }
    lines
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        serde_json::Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
            for i in items {
                out.insert(format!("{prefix}: {i}"));
            }
        }
        serde_json::Value::Array(items) => {
            for (n, i) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{n}]"), i, out);
            }
        }
        other => {
            out.insert(format!("{prefix}: {other}"));
        }
    }
}

/// Lint the document at `document` in `source` with its threat models (the
/// policy's and the document's own) loaded from the same source.
pub fn lint_at(
    policy: &Policy,
    document: &str,
    source: &dyn FileSource,
    history: Option<&dyn ReviewHistory>,
    today: Date,
    strict: bool,
) -> LintReport {
    let parsed = match source.read(document) {
        Ok(Some(bytes)) => parse_document_bytes(document, &bytes),
        // Missing or unreadable: the linter reports SA001/SA002 itself.
        _ => {
            let registry = Default::default();
            return crate::lint::lint(&LintInput {
                policy,
                document_path: Some(document),
                source,
                registry: &registry,
                load_failures: &[],
                history,
                today,
                strict,
            });
        }
    };
    let refs = crate::lint::threat_model_refs(policy, Some(&parsed.document));
    let (registry, failures) = build_registry(&refs, source);
    let failures: Vec<ThreatModelFailure> = failures
        .into_iter()
        .map(|f| ThreatModelFailure {
            path: f.path,
            namespace: f.namespace,
            reason: f.reason,
            line: f.line,
            column: f.column,
        })
        .collect();
    lint_parsed(
        &LintInput {
            policy,
            document_path: Some(document),
            source,
            registry: &registry,
            load_failures: &failures,
            history,
            today,
            strict,
        },
        &parsed,
    )
}
