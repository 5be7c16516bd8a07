//! `secarch log`: replay a branch's history with the policy and say, commit by
//! commit, what the check would have flagged. How a maintainer tunes a policy
//! on the repository's own history before turning the check on.
//!
//! The walk and the classification are the core's ([`crate::history::replay`]);
//! this front-end resolves the range, loads the policy once, and writes each
//! commit as it comes (a reader that goes away, `secarch log | head`, stops
//! the walk quietly).

use std::io::Write as _;
use std::path::PathBuf;

use super::fail;
use crate::classify::Classifier;
use crate::evaluate::{EvalError, PolicySource, load_policy};
use crate::git::{GitError, Repo, WalkSpec};
use crate::history::{CommitReplay, ReplayOptions, replay};
use crate::lint::discover_document;
use crate::render::{
    LOG_CSV_COLUMNS, log_csv_fields, render_log_csv_row, render_log_json_commit,
    render_log_json_end, render_log_json_start, render_log_line, render_log_summary,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
    Csv,
}

#[derive(Debug, Clone)]
pub struct LogArgs {
    pub repo: PathBuf,
    /// `A..B`, `A..` or `B` (as `git log` takes them); `None`: `HEAD`.
    pub range: Option<String>,
    /// Leave out this revision and its ancestors (`--since REV`).
    pub since: Option<String>,
    /// Replay at most this many commits (`-n`).
    pub max_count: Option<usize>,
    pub policy: Option<PathBuf>,
    pub format: LogFormat,
    /// Print only the commits that triggered (the summary still counts all).
    pub triggered_only: bool,
    /// Every non-merge commit instead of the first-parent line.
    pub every_commit: bool,
}

/// Run it; 0 replayed, 2 error.
pub fn log(args: &LogArgs) -> u8 {
    match run(args) {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

fn run(args: &LogArgs) -> Result<u8, String> {
    let repo = Repo::open(&args.repo).map_err(|e| e.to_string())?;
    if repo.has_no_commits() {
        return Err(format!(
            "the repository {} has no commits yet: there is no history to replay; commit your work first",
            args.repo.display()
        ));
    }
    let (since, head) = range(args)?;
    let head = resolve(&repo, &head.0, head.1)?;
    let since = match since {
        Some((rev, flag)) => Some(resolve(&repo, &rev, flag)?),
        None => None,
    };
    let source = match &args.policy {
        None => PolicySource::BaseCommit,
        Some(p) => PolicySource::Explicit {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read --policy {}: {e}", p.display()))?,
        },
    };
    // The policy at the head of the walk applies to every commit: one policy,
    // so the replay shows what *this* policy would have said about the past.
    let (policy, label) = load_policy(&repo, &head, &source).map_err(|e| match e {
        EvalError::Policy(e) => format!(
            "{e}\n  `secarch log` reads the policy at the head of the walk ({}); fix it there, or pass --policy FILE",
            &head[..12.min(head.len())]
        ),
        other => other.to_string(),
    })?;
    let head_files = repo.commit_source(&head).map_err(|e| e.to_string())?;
    let document = discover_document(&policy, &head_files);
    let classifier = Classifier::new(&policy, document.as_deref()).map_err(|e| e.to_string())?;
    let spec = WalkSpec {
        head,
        since,
        first_parent: !args.every_commit,
        limit: args.max_count,
    };

    let mut out = Output::new();
    match args.format {
        LogFormat::Human => {}
        LogFormat::Json => out.write(&render_log_json_start()),
        LogFormat::Csv => out.write(&render_log_csv_row(&LOG_CSV_COLUMNS.map(String::from))?),
    }
    let mut first = true;
    let mut failed: Option<String> = None;
    let summary = replay(
        &repo,
        &classifier,
        &spec,
        ReplayOptions::default(),
        &mut |record: &CommitReplay| {
            if args.triggered_only && !record.triggered {
                return out.open();
            }
            let text = match args.format {
                LogFormat::Human => Ok(render_log_line(record)),
                LogFormat::Json => render_log_json_commit(record, first),
                LogFormat::Csv => render_log_csv_row(&log_csv_fields(record)),
            };
            first = false;
            match text {
                Ok(t) => out.write(&t),
                Err(e) => failed = Some(e),
            }
            failed.is_none() && out.open()
        },
    )
    .map_err(|e: GitError| e.to_string())?;
    if let Some(e) = failed {
        return Err(e);
    }
    match args.format {
        LogFormat::Human => out.write(&render_log_summary(&summary, &label)),
        LogFormat::Json => out.write(&render_log_json_end(&summary, &label, !first)?),
        LogFormat::Csv => {}
    }
    out.finish()
}

/// `(since, head)`, each with the name of what gave it (for an error that
/// names the right thing to correct).
type Revs = (Option<(String, &'static str)>, (String, &'static str));

/// The range from the positional argument and `--since`.
fn range(args: &LogArgs) -> Result<Revs, String> {
    let (mut since, head) = match args.range.as_deref() {
        None => (None, ("HEAD".to_string(), "RANGE")),
        Some(r) if r.contains("...") => {
            return Err(format!(
                "'{r}' is a symmetric range (A...B); `secarch log` takes A..B (the commits of B that are not in A), A.. or B"
            ));
        }
        Some(r) => match r.split_once("..") {
            Some((a, b)) => (
                (!a.is_empty()).then(|| (a.to_string(), "RANGE")),
                (if b.is_empty() { "HEAD" } else { b }.to_string(), "RANGE"),
            ),
            None => (None, (r.to_string(), "RANGE")),
        },
    };
    if let Some(s) = &args.since {
        if since.is_some() {
            return Err(
                "both --since and a range A..B name where to stop; give one of them".to_string(),
            );
        }
        since = Some((s.clone(), "--since"));
    }
    Ok((since, head))
}

/// Resolve a revision; an unknown one names what gave it.
fn resolve(repo: &Repo, rev: &str, given_by: &str) -> Result<String, String> {
    repo.resolve_commit(rev).map_err(|e| match e {
        GitError::UnknownRevision { shallow, .. } => format!(
            "unknown revision '{rev}' ({given_by}): check the spelling{}",
            if shallow {
                "; this clone is shallow, `git fetch --unshallow` may bring it"
            } else {
                ", or run `git fetch` if it only exists on the remote"
            }
        ),
        other => other.to_string(),
    })
}

/// Standard output written piece by piece: a reader that went away ends the
/// output (and the walk) quietly, as `emit` does; any other write error is
/// reported once the walk stops.
struct Output {
    out: anstream::AutoStream<std::io::StdoutLock<'static>>,
    gone: bool,
    error: Option<std::io::Error>,
}

impl Output {
    fn new() -> Output {
        Output {
            out: anstream::stdout().lock(),
            gone: false,
            error: None,
        }
    }

    /// Whether more output is wanted.
    fn open(&self) -> bool {
        !self.gone && self.error.is_none()
    }

    fn write(&mut self, text: &str) {
        if !self.open() {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.failed(e);
        }
    }

    fn failed(&mut self, e: std::io::Error) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            self.gone = true;
        } else {
            self.error = Some(e);
        }
    }

    fn finish(mut self) -> Result<u8, String> {
        if self.open()
            && let Err(e) = self.out.flush()
        {
            self.failed(e);
        }
        match self.error {
            Some(e) => Err(format!("cannot write the output: {e}")),
            None => Ok(0),
        }
    }
}
