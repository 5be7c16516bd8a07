//! `secarch check`: the git-native check of a range.

use std::path::PathBuf;

use super::{emit, fail};
use crate::evaluate::{PolicySource, Range, evaluate};
use crate::git::Repo;
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
    let head = repo.resolve_commit(&args.head).map_err(|e| e.to_string())?;
    let base_rev = match &args.base {
        Some(b) => b.clone(),
        None => repo.default_base().map_err(|e| e.to_string())?,
    };
    let base = repo.resolve_commit(&base_rev).map_err(|e| e.to_string())?;
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
    let report =
        evaluate(&repo, &Range { base, head }, &policy, None).map_err(|e| e.to_string())?;
    let out = match args.format {
        OutputFormat::Human => render_human(&report),
        OutputFormat::Markdown => render_markdown(&report),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
        }
    };
    Ok(emit(&out, report.conclusion.exit_code() as u8))
}
