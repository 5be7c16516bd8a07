//! `secarch lint`: lint the security architecture document against the threat
//! models, in the working tree or at a revision.

use std::path::{Path, PathBuf};

use super::{emit, fail};
use crate::classify::Classifier;
use crate::evaluate::lint_at;
use crate::git::Repo;
use crate::lint::{LintReport, discover_document};
use crate::model::Date;
use crate::policy::{POLICY_PATH, Policy, parse_policy};
use crate::render::{render_lint_human, render_lint_json, render_sarif, render_workflow_commands};
use crate::review_history::GitReviewHistory;
use crate::source::{FileSource, WorkTree};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone)]
pub struct LintArgs {
    pub repo: PathBuf,
    /// Lint the files at this revision instead of the working tree.
    pub rev: Option<String>,
    /// The document path (else the policy's, else discovered).
    pub document: Option<String>,
    pub policy: Option<PathBuf>,
    pub format: LintFormat,
    pub strict: bool,
}

/// Run the linter; 0 no errors, 1 errors found, 2 could not run.
pub fn lint(args: &LintArgs) -> u8 {
    match run(args) {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

fn run(args: &LintArgs) -> Result<u8, String> {
    // A repository is optional for the working tree: without one, the history
    // rules (SA052/SA053/SA055 authorship) are skipped.
    let repo = Repo::open(&args.repo).ok();
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| args.repo.clone());
    let (source, head): (Box<dyn FileSource + '_>, Option<String>) = match &args.rev {
        Some(rev) => {
            let repo = repo.as_ref().ok_or_else(|| {
                format!(
                    "--rev {rev} needs a git repository; {} is not inside one",
                    args.repo.display()
                )
            })?;
            let commit = repo.resolve_commit(rev).map_err(|e| e.to_string())?;
            (
                Box::new(repo.commit_source(&commit).map_err(|e| e.to_string())?),
                Some(commit),
            )
        }
        None => (
            Box::new(WorkTree::new(&root)),
            repo.as_ref().and_then(|r| r.resolve_commit("HEAD").ok()),
        ),
    };

    let policy = load_policy(args, source.as_ref())?;
    let document = match &args.document {
        Some(given) => Some(repository_path(&root, given)?),
        None => discover_document(&policy, source.as_ref()),
    };
    let strict = args.strict || policy.lint.strict;

    let report = match &document {
        Some(doc) => {
            let classifier = Classifier::new(&policy, Some(doc)).map_err(|e| e.to_string())?;
            let history = match (&repo, &head) {
                (Some(r), Some(h)) => Some(GitReviewHistory::new(r, h, move |p: &str| {
                    classifier.is_watched(p)
                })),
                _ => None,
            };
            lint_at(
                &policy,
                doc,
                source.as_ref(),
                history
                    .as_ref()
                    .map(|h| h as &dyn crate::lint::ReviewHistory),
                Date::today_utc(),
                strict,
            )
        }
        None => crate::lint::lint(&crate::lint::LintInput {
            policy: &policy,
            document_path: None,
            source: source.as_ref(),
            registry: &Default::default(),
            load_failures: &[],
            history: None,
            today: Date::today_utc(),
            strict,
        }),
    };
    let text = render_report(&report, args.format, &source.describe())?;
    Ok(emit(&text, if report.has_errors() { 1 } else { 0 }))
}

/// `--document` as a repository-relative path: a relative one as given, an absolute one only
/// when it lies inside the repository (a usage error otherwise, not a finding about the file).
fn repository_path(root: &Path, given: &str) -> Result<String, String> {
    let path = Path::new(given);
    if !path.is_absolute() {
        return Ok(given.to_string());
    }
    let outside = || {
        format!(
            "--document {given} is outside the repository {}: pass a path inside it, relative to its root",
            root.display()
        )
    };
    let root = std::fs::canonicalize(root).map_err(|_| outside())?;
    // The file may not exist yet (SA001 says so); its folder must be inside the repository.
    let resolved = std::fs::canonicalize(path).or_else(|_| {
        let parent = path.parent().ok_or_else(outside)?;
        let name = path.file_name().ok_or_else(outside)?;
        std::fs::canonicalize(parent)
            .map(|p| p.join(name))
            .map_err(|_| outside())
    })?;
    let relative = resolved.strip_prefix(&root).map_err(|_| outside())?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(parts.join("/"))
}

fn load_policy(args: &LintArgs, source: &dyn FileSource) -> Result<Policy, String> {
    let (name, bytes) = match &args.policy {
        Some(p) => (
            p.display().to_string(),
            Some(
                std::fs::read(p)
                    .map_err(|e| format!("cannot read --policy {}: {e}", p.display()))?,
            ),
        ),
        None => (POLICY_PATH.to_string(), source.read(POLICY_PATH)?),
    };
    match bytes {
        None => Ok(Policy::embedded_default()),
        Some(b) => {
            let text = String::from_utf8(b)
                .map_err(|_| format!("{name} is not UTF-8 text; save it as UTF-8"))?;
            parse_policy(Some((&name, &text))).map_err(|e| e.to_string())
        }
    }
}

fn render_report(report: &LintReport, format: LintFormat, source: &str) -> Result<String, String> {
    Ok(match format {
        LintFormat::Json => render_lint_json(report, source).map_err(|e| e.to_string())?,
        LintFormat::Sarif => {
            serde_json::to_string_pretty(&render_sarif(&report.findings))
                .map_err(|e| e.to_string())?
                + "\n"
        }
        LintFormat::Github => render_workflow_commands(&report.findings),
        LintFormat::Human => render_lint_human(report, source),
    })
}
