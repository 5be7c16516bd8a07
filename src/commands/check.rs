//! `secarch check`: the git-native check of a range.

use std::io::Write as _;
use std::path::PathBuf;

use super::{emit, fail};
use crate::classify::Classifier;
use crate::evaluate::{PolicySource, Range, evaluate, load_policy};
use crate::git::{EMPTY_TREE, GitError, Repo};
use crate::policy::Policy;
use crate::render::{render_human, render_markdown};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone)]
pub struct CheckArgs {
    pub repo: PathBuf,
    pub base: Option<String>,
    pub head: String,
    pub policy: Option<PathBuf>,
    pub format: OutputFormat,
}

/// Run the check; 0 nothing needed, 1 action needed, 2 error.
pub fn check(args: &CheckArgs) -> u8 {
    match run(args) {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

fn run(args: &CheckArgs) -> Result<u8, String> {
    let repo = Repo::open(&args.repo).map_err(|e| e.to_string())?;
    if repo.has_no_commits() {
        return Err(format!(
            "the repository {} has no commits yet: `secarch check` compares commits, so commit your work first (or run `secarch lint` on the working tree)",
            args.repo.display()
        ));
    }
    let head = resolve(&repo, &args.head, "--head")?;
    let base_rev = match &args.base {
        Some(b) => b.clone(),
        None => repo.default_base().map_err(|e| e.to_string())?,
    };
    let base = resolve(&repo, &base_rev, "--base").map_err(|e| {
        // `ROOT^` cannot resolve: say what does.
        match repo.parent_of_root(&base_rev) {
            Some(root) => format!(
                "unknown revision '{base_rev}' (--base): {} is a root commit, it has no parent. \
                 To check everything it adds, compare with git's empty tree: \
                 `secarch check --base {EMPTY_TREE} --head {}`",
                &root[..12.min(root.len())],
                args.head
            ),
            None => e,
        }
    })?;
    if args.base.is_some() && base != head {
        let merge_base = repo.merge_base(&base, &head).map_err(|e| e.to_string())?;
        if merge_base == head {
            return Err(format!(
                "--head {} is an ancestor of --base {}: there is nothing between them to check. \
                 Did you swap them? Try `secarch check --base {} --head {}`",
                args.head, base_rev, args.head, base_rev
            ));
        }
    }
    let policy = match &args.policy {
        None => PolicySource::BaseCommit,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read --policy {}: {e}", p.display()))?;
            PolicySource::Explicit {
                name: p.display().to_string(),
                text,
            }
        }
    };
    // Read once: the evaluation and the uncommitted-changes warning use the same policy.
    let (policy, label) = load_policy(&repo, &base, &policy).map_err(|e| e.to_string())?;
    if args.head == "HEAD" {
        warn_uncommitted(&repo, &policy);
    }
    let range = Range { base, head };
    let policy = PolicySource::Loaded {
        policy: Box::new(policy),
        label,
    };
    let report = evaluate(&repo, &range, &policy, None).map_err(|e| e.to_string())?;
    let out = match args.format {
        OutputFormat::Human => render_human(&report),
        OutputFormat::Markdown => render_markdown(&report),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
        }
    };
    Ok(emit(&out, report.conclusion.exit_code() as u8))
}

/// Resolve a revision given as `flag`; an unknown one names the flag to correct.
/// `--base` may also be git's empty tree (a root commit checked on its own).
fn resolve(repo: &Repo, rev: &str, flag: &str) -> Result<String, String> {
    let resolved = if flag == "--base" {
        repo.resolve_base(rev)
    } else {
        repo.resolve_commit(rev)
    };
    resolved.map_err(|e| match e {
        GitError::UnknownRevision { shallow, .. } => format!(
            "unknown revision '{rev}' ({flag}): check the spelling{}, or pass a different {flag}",
            if shallow {
                "; this clone is shallow, `git fetch --unshallow` may bring it"
            } else {
                ", run `git fetch` if it only exists on the remote"
            }
        ),
        other => other.to_string(),
    })
}

/// Most uncommitted paths looked at (a working tree full of build output must not stall the
/// check) and named in the warning.
const UNCOMMITTED_CAP: usize = 10_000;
const UNCOMMITTED_NAMED: usize = 5;

/// A check compares commits: say so when watched files have uncommitted changes, which a
/// newcomer's first try usually has.
fn warn_uncommitted(repo: &Repo, policy: &Policy) {
    let Ok(paths) = repo.uncommitted_paths(UNCOMMITTED_CAP) else {
        return;
    };
    if paths.is_empty() {
        return;
    }
    let Ok(classifier) = Classifier::new(policy, None) else {
        return;
    };
    let watched: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| classifier.is_watched(p))
        .collect();
    if watched.is_empty() {
        return;
    }
    let named = watched
        .iter()
        .take(UNCOMMITTED_NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let more = watched.len().saturating_sub(UNCOMMITTED_NAMED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let mut err = anstream::stderr();
    let style = anstyle::AnsiColor::Yellow.on_default().bold();
    let _ = writeln!(
        err,
        "{style}warning{style:#}: {} uncommitted change(s) to watched files were not checked ({named}{more}): \
         `secarch check` compares commits; commit them and run it again",
        watched.len()
    );
}
