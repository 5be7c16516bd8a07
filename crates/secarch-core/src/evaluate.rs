//! One evaluation of a change: policy from the base, change set, classification,
//! fingerprint, document state, lint, verdict. Shared by every front-end: the CLI
//! calls it on a local repository, the App on a mirror.

use std::collections::BTreeSet;

use crate::classify::{BlobReader, Classifier, Signal, Trigger};
use crate::fingerprint::{canonical_document, fingerprint};
use crate::git::{ChangeKind, ChangeSetOptions, GitError, Repo, SharedBlobs};
use crate::lint::{
    LintInput, LintReport, ReviewHistory, ThreatModelFailure, discover_document, lint_parsed,
};
use crate::model::{Date, ParsedDocument, parse_document_bytes, review_entries_added};
use crate::policy::{POLICY_PATH, Policy, PolicyError, parse_policy};
use crate::review_history::GitReviewHistory;
use crate::semdiff::{Side as SemSide, semantic_diff};
use crate::source::FileSource;
use crate::threats::{ThreatRegistry, build_registry};
use crate::verdict::{
    AddedReview, CheckReport, DocumentState, RangeSize, SignoffState, VerdictInput, decide,
};

/// Where the policy comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// `.github/secarch.yml` at the base commit, else the embedded default.
    BaseCommit,
    /// A file given explicitly (`--policy FILE`): (display name, text).
    Explicit { name: String, text: String },
    /// A policy the caller already read (the App reads it once for the check's name and the
    /// reviewers, then evaluates with it): the policy and where it came from.
    Loaded { policy: Box<Policy>, label: String },
}

/// How an evaluation runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions {
    /// Threads for the tree diff and path matching of a large change; `0`: one per core. The
    /// App passes 1: several jobs already run at once, and threads inside each would
    /// oversubscribe the cores.
    pub threads: usize,
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
    /// The file given with `--policy` is invalid: the fix is in that file, not on a branch.
    #[error("{0}\n  fix the file given with --policy, then run again")]
    ExplicitPolicy(PolicyError),
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
    evaluate_with(repo, range, policy_source, signoffs, EvalOptions::default())
}

/// [`evaluate`] with explicit [`EvalOptions`].
pub fn evaluate_with(
    repo: &Repo,
    range: &Range,
    policy_source: &PolicySource,
    signoffs: Option<&SignoffState>,
    options: EvalOptions,
) -> Result<CheckReport, EvalError> {
    let merge_base = repo.merge_base(&range.base, &range.head)?;
    let (policy, policy_label) = load_policy(repo, &range.base, policy_source)?;

    let base_src = repo.commit_source(&merge_base)?;
    let head_src = repo.commit_source(&range.head)?;
    // The configured document, else the first of `document_names` present at
    // head (or at base, when the change deleted it).
    let document =
        discover_document(&policy, &head_src).or_else(|| discover_document(&policy, &base_src));
    let classifier = Classifier::new(&policy, document.as_deref())
        .map_err(|e| EvalError::Classify(e.to_string()))?
        .with_threads(options.threads);
    // One traversal gives both the change set and the watched files at head
    // (the fingerprint): every head tree is read once, not once for the diff
    // and again for a walk of the whole tree.
    let (changes, watched) = repo.change_set_and_files(
        &merge_base,
        &range.head,
        &ChangeSetOptions {
            threads: options.threads,
            // Only watched paths are classified: a pairing of two other
            // files changes nothing in the report.
            similarity_only_for_kept: true,
            ..ChangeSetOptions::default()
        },
        classifier.watch_filter(),
    )?;
    // The document at base and head, read and parsed once for the
    // fingerprint, the document state, lint and the semantic diff.
    let base_doc = DocAt::read(&base_src, document.as_deref());
    let head_doc = DocAt::read(&head_src, document.as_deref());
    let fp = fingerprint(&watched, document.as_deref().zip(head_doc.bytes.as_deref()));
    let mut triggers =
        classifier.classify(&changes, &RepoBlobs(repo, repo.shared_blobs(&range.head)));
    annotate_policy_change(repo, &merge_base, &range.head, &policy, &mut triggers);

    let doc_state = document_state(document.as_deref(), &base_doc, &head_doc);

    // Lint and the semantic diff only matter when something triggered (or the
    // document itself changed): an unrelated change is not held up or
    // cluttered by the document's state.
    let look = !triggers.is_empty() || doc_state.changed;
    let head_threats = match (&head_doc.parsed, look) {
        (Some(parsed), true) => Some(Threats::load(&policy, &parsed.document, &head_src)),
        _ => None,
    };
    let findings = match (&document, &head_threats) {
        (Some(d), Some(threats)) if !triggers.is_empty() => {
            let history =
                GitReviewHistory::new(repo, &range.head, |p: &str| classifier.is_watched(p));
            lint_loaded(
                &LintInput {
                    policy: &policy,
                    document_path: Some(d),
                    source: &head_src,
                    registry: &threats.registry,
                    load_failures: &threats.failures,
                    history: Some(&history),
                    today: Date::today_utc(),
                    strict: false,
                },
                head_doc.parsed.as_ref(),
            )
            .findings
        }
        _ => Vec::new(),
    };
    let semantic = match (&head_threats, &head_doc.parsed) {
        (Some(head_threats), Some(head_parsed)) => {
            let empty = crate::model::Document::default();
            let base_document = base_doc.parsed.as_ref().map_or(&empty, |p| &p.document);
            let base_threats = Threats::load(&policy, base_document, &base_src);
            let with_native = |t: &Threats, d: &crate::model::Document| {
                let mut r = t.registry.clone();
                r.insert(crate::model::NATIVE_NAMESPACE, d.native_threats());
                r
            };
            let (br, hr) = (
                with_native(&base_threats, base_document),
                with_native(head_threats, &head_parsed.document),
            );
            Some(semantic_diff(
                &SemSide {
                    document: base_document,
                    threats: &br,
                    text: &base_doc.text(),
                },
                &SemSide {
                    document: &head_parsed.document,
                    threats: &hr,
                    text: &head_doc.text(),
                },
            ))
            .filter(|d| !d.is_empty())
        }
        _ => None,
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
    report.range = RangeSize {
        commits: repo.count_commits(&report.base, &range.head, RangeSize::MAX_COUNTED)?,
        files: changes.changes.len(),
    };
    if report.range.commits == 0 && report.triggers.is_empty() && !report.document.deleted {
        report.title = format!(
            "Nothing to check: the range is empty (head {} is the merge-base)",
            short_id(&range.head)
        );
    }
    if changes.changes.len() >= DROP_LATER_MIN_CHANGES {
        drop_later((changes, classifier));
    }
    Ok(report)
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Change sets at least this large are freed on a thread of their own.
const DROP_LATER_MIN_CHANGES: usize = 4096;

/// Free `value` on a short-lived thread: a large change set is tens of
/// thousands of small strings, and freeing them (with the compiled matcher)
/// took 1–2 ms at the end of a 10k-file check that nothing waits for — the
/// CLI prints and exits, the App posts the check run. Should the thread not
/// start, `value` is freed here as usual.
fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("secarch-free".to_string())
        .spawn(move || drop(value));
}

/// The document at one commit: its bytes and, when present, its parse.
struct DocAt {
    bytes: Option<Vec<u8>>,
    parsed: Option<ParsedDocument>,
}

impl DocAt {
    fn read(source: &dyn FileSource, document: Option<&str>) -> DocAt {
        let bytes = document.and_then(|d| source.read(d).ok().flatten());
        let parsed = document
            .zip(bytes.as_deref())
            .map(|(d, b)| parse_document_bytes(d, b));
        DocAt { bytes, parsed }
    }

    fn text(&self) -> String {
        self.bytes
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
}

/// The threat models a document and its policy name, loaded once from one source.
struct Threats {
    registry: ThreatRegistry,
    failures: Vec<ThreatModelFailure>,
}

impl Threats {
    fn load(
        policy: &Policy,
        document: &crate::model::Document,
        source: &dyn FileSource,
    ) -> Threats {
        let refs = crate::lint::threat_model_refs(policy, Some(document));
        let (registry, failures) = build_registry(&refs, source);
        let failures = failures
            .into_iter()
            .map(|f| ThreatModelFailure {
                path: f.path,
                namespace: f.namespace,
                reason: f.reason,
                line: f.line,
                column: f.column,
            })
            .collect();
        Threats { registry, failures }
    }
}

/// Blobs read through the repository's own handle, or, on the classifier's
/// threads, through [`SharedBlobs`].
struct RepoBlobs<'a>(&'a Repo, SharedBlobs);

impl BlobReader for RepoBlobs<'_> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0.read_blob(id).map_err(|e| e.to_string())
    }

    fn shared(&self) -> Option<&(dyn BlobReader + Sync)> {
        Some(&self.1)
    }
}

impl BlobReader for SharedBlobs {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.read_blob(id).map_err(|e| e.to_string())
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
        PolicySource::Loaded { policy, label } => Ok(((**policy).clone(), label.clone())),
        PolicySource::Explicit { name, text } => parse_policy(Some((name, text)))
            .map(|p| (p, format!("{name} (--policy)")))
            .map_err(EvalError::ExplicitPolicy),
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

fn document_state(document: Option<&str>, base: &DocAt, head: &DocAt) -> DocumentState {
    let Some(path) = document else {
        return DocumentState::default();
    };
    let changed = base.bytes != head.bytes;
    let canon = |d: &DocAt| d.bytes.as_ref().map(|_| canonical_document(&d.text()));
    let content_changed = changed && canon(base) != canon(head);
    let reviews_added = match (&head.parsed, changed) {
        (Some(head_parsed), true) => {
            let empty = crate::model::Document::default();
            let base_document = base.parsed.as_ref().map_or(&empty, |p| &p.document);
            review_entries_added(base_document, &head_parsed.document)
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
    DocumentState {
        path: Some(path.to_string()),
        exists: head.bytes.is_some(),
        deleted: base.bytes.is_some() && head.bytes.is_none(),
        changed,
        content_changed,
        reviews_added,
    }
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
    let doc = DocAt::read(source, Some(document));
    let threats = doc
        .parsed
        .as_ref()
        .map(|p| Threats::load(policy, &p.document, source));
    let empty = ThreatRegistry::default();
    lint_loaded(
        &LintInput {
            policy,
            document_path: Some(document),
            source,
            registry: threats.as_ref().map_or(&empty, |t| &t.registry),
            load_failures: threats.as_ref().map_or(&[], |t| &t.failures),
            history,
            today,
            strict,
        },
        doc.parsed.as_ref(),
    )
}

/// Lint an already read document; `None` (missing or unreadable) lets the
/// linter report SA001/SA002 itself from `input.source`.
fn lint_loaded(input: &LintInput<'_>, parsed: Option<&ParsedDocument>) -> LintReport {
    match parsed {
        Some(parsed) => lint_parsed(input, parsed),
        None => crate::lint::lint(input),
    }
}
