//! `secarch log` output: one line (human), one object (JSON) or one row (CSV)
//! per commit, then a summary. Each piece is rendered on its own so the
//! command can write commits as the walk hands them out: the first lines of a
//! long history appear at once, and memory does not grow with the history.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::classify::Trigger;
use crate::history::{CommitReplay, ReplayEnd, ReplaySummary};

const RED: Style = AnsiColor::Red.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// Paths named per triggered commit on its line; the rest are counted.
const PATHS_SHOWN: usize = 3;
/// Characters of the subject shown on a line.
const SUBJECT_SHOWN: usize = 60;

/// `YYYY-MM-DD` (UTC) of a unix time; `????-??-??` when out of range.
pub fn log_date(time: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(time)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_else(|_| "????-??-??".to_string())
}

/// RFC 3339 UTC timestamp of a unix time (JSON and CSV).
fn timestamp(time: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(time)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// Text from the repository (subjects, paths) with control characters
/// replaced: a commit message or file name carrying terminal escape
/// sequences must not repaint or rewrite the reader's terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The subject cut to a line's share, on a character boundary.
fn subject(s: &str) -> String {
    let s = printable(s.trim());
    let s = s.as_str();
    if s.chars().count() <= SUBJECT_SHOWN {
        return s.to_string();
    }
    let cut: String = s.chars().take(SUBJECT_SHOWN - 1).collect();
    format!("{cut}…")
}

/// The distinct paths of a commit's triggers, in order, each with its first
/// signal: what decided it.
fn deciding(triggers: &[Trigger]) -> Vec<String> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for t in triggers {
        let path = match &t.old_path {
            Some(old) => format!("{old} → {}", t.path),
            None => t.path.clone(),
        };
        match out.iter_mut().find(|(p, _)| *p == path) {
            Some((_, signal)) => {
                if signal.is_none() {
                    *signal = t.signals.first().map(|s| s.message.clone());
                }
            }
            None => out.push((path, t.signals.first().map(|s| s.message.clone()))),
        }
    }
    out.into_iter()
        .map(|(path, signal)| match signal {
            Some(s) => printable(&format!("{path} ({s})")),
            None => printable(&path),
        })
        .collect()
}

/// How many distinct paths triggered, as far as the record tells (a record
/// keeps its first triggers only; the rest are counted as triggers).
fn path_count(r: &CommitReplay) -> usize {
    let kept = deciding(&r.triggers).len();
    kept + r.trigger_count.saturating_sub(r.triggers.len())
}

/// One commit, one line: `id date mark subject` and, when it triggered, the
/// categories and the paths (with a signal) that decided it.
pub fn render_log_line(r: &CommitReplay) -> String {
    let mut o = String::new();
    let kind = match (r.merge, r.root) {
        (true, _) => " (merge)",
        (_, true) => " (root)",
        _ => "",
    };
    let _ = write!(
        o,
        "{YELLOW}{}{YELLOW:#} {DIM}{}{DIM:#} ",
        short(&r.commit),
        log_date(r.time)
    );
    if r.triggered {
        let _ = write!(o, "{RED}review{RED:#} ");
    } else {
        let _ = write!(o, "{GREEN}-     {GREEN:#} ");
    }
    let _ = write!(o, "{}{DIM}{kind}{DIM:#}", subject(&r.summary));
    if r.triggered {
        let paths = deciding(&r.triggers);
        let more = path_count(r).saturating_sub(PATHS_SHOWN.min(paths.len()));
        let shown: Vec<&str> = paths.iter().take(PATHS_SHOWN).map(String::as_str).collect();
        let _ = write!(
            o,
            "  {BOLD}[{}]{BOLD:#} {}",
            r.categories.join(", "),
            shown.join(", ")
        );
        if more > 0 {
            let _ = write!(o, " +{more} more");
        }
    }
    o.push('\n');
    o
}

/// The summary after the lines: how many commits, how many triggered, per
/// category, where the policy came from, and why the walk ended — a shallow
/// clone or a limit is said, never passed off as the whole history.
pub fn render_log_summary(s: &ReplaySummary, policy: &str) -> String {
    let mut o = String::new();
    let pct = |n: usize| {
        if s.commits == 0 {
            0.0
        } else {
            100.0 * n as f64 / s.commits as f64
        }
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let walk = if s.first_parent {
        "first-parent line"
    } else {
        "every non-merge commit"
    };
    let _ = writeln!(
        o,
        "\n{BOLD}{} commit{}{BOLD:#} replayed ({walk} of {}{}), {BOLD}{} triggered{BOLD:#} ({:.1} %)",
        s.commits,
        plural(s.commits),
        short(&s.head),
        s.since
            .as_deref()
            .map(|since| format!(", since {}", short(since)))
            .unwrap_or_default(),
        s.triggered,
        pct(s.triggered),
    );
    let width = s.categories.keys().map(String::len).max().unwrap_or(0);
    for (category, n) in &s.categories {
        let _ = writeln!(o, "  {category:<width$}  {n:>6} ({:.1} %)", pct(*n));
    }
    let _ = writeln!(o, "policy: {policy}");
    let _ = match s.end {
        ReplayEnd::Complete if s.since.is_some() => writeln!(
            o,
            "history: complete, down to {} (left out, with its ancestors)",
            s.since.as_deref().map(short).unwrap_or_default()
        ),
        ReplayEnd::Complete => writeln!(o, "history: complete, down to the root commit"),
        ReplayEnd::Limit => writeln!(
            o,
            "{YELLOW}history: stopped after {} commit{} (-n); older commits were not replayed{YELLOW:#}",
            s.commits,
            plural(s.commits)
        ),
        ReplayEnd::Shallow => writeln!(
            o,
            "{YELLOW}history: cut — this clone is shallow and the walk stopped at {} (its parents were not fetched, \
             so it is not counted); run `git fetch --unshallow` (or `fetch-depth: 0` with actions/checkout) to replay the rest{YELLOW:#}",
            s.shallow_boundary
                .iter()
                .map(|id| short(id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ReplayEnd::Stopped => writeln!(o, "history: stopped early"),
    };
    o
}

/// One commit in the JSON output (`commits[]`): the record plus its date.
#[derive(Serialize)]
struct JsonCommit<'a> {
    date: String,
    #[serde(flatten)]
    record: &'a CommitReplay,
}

/// The JSON summary (`summary`): the walk's counts plus where the policy came from.
#[derive(Serialize)]
struct JsonSummary<'a> {
    policy: &'a str,
    #[serde(flatten)]
    summary: &'a ReplaySummary,
}

/// The opening of the JSON document: `{"commits": [`.
pub fn render_log_json_start() -> String {
    "{\n  \"commits\": [\n".to_string()
}

/// One element of `commits[]` (on one line), with the separator before it
/// when it is not the first.
pub fn render_log_json_commit(r: &CommitReplay, first: bool) -> Result<String, String> {
    let json = serde_json::to_string(&JsonCommit {
        date: timestamp(r.time),
        record: r,
    })
    .map_err(|e| e.to_string())?;
    Ok(format!("{}    {json}", if first { "" } else { ",\n" }))
}

/// The end of `commits[]` and the `summary` object.
pub fn render_log_json_end(s: &ReplaySummary, policy: &str, any: bool) -> Result<String, String> {
    let summary = serde_json::to_string_pretty(&JsonSummary { policy, summary: s })
        .map_err(|e| e.to_string())?
        .replace('\n', "\n  ");
    Ok(format!(
        "{}  ],\n  \"summary\": {summary}\n}}\n",
        if any { "\n" } else { "" }
    ))
}

/// The CSV header row (the columns of [`render_log_csv_row`]).
pub const LOG_CSV_COLUMNS: [&str; 12] = [
    "commit",
    "date",
    "author",
    "summary",
    "triggered",
    "categories",
    "paths",
    "signals",
    "trigger_count",
    "files",
    "merge",
    "root",
];

/// A CSV row (RFC 4180 quoting; lines end in `\n`), with its line end. Lists are joined with `; `.
pub fn render_log_csv_row(fields: &[String]) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(fields).map_err(|e| e.to_string())?;
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The CSV fields of one commit.
pub fn log_csv_fields(r: &CommitReplay) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut signals: Vec<String> = Vec::new();
    for t in &r.triggers {
        if !paths.contains(&t.path) {
            paths.push(t.path.clone());
        }
        for s in &t.signals {
            let line = format!("{}: {}", t.path, s.message);
            if !signals.contains(&line) {
                signals.push(line);
            }
        }
    }
    vec![
        r.commit.clone(),
        timestamp(r.time),
        r.author.clone(),
        r.summary.clone(),
        r.triggered.to_string(),
        r.categories.join("; "),
        paths.join("; "),
        signals.join("; "),
        r.trigger_count.to_string(),
        r.files.to_string(),
        r.merge.to_string(),
        r.root.to_string(),
    ]
}
