//! Lint findings for people (one `file:line:column` line each, then a summary) and as the
//! documented JSON of `secarch lint --format json`.

use serde::Serialize;

use crate::lint::{Finding, LintReport};
use crate::policy::Severity;

#[derive(Serialize)]
struct LintJson<'a> {
    document: Option<&'a str>,
    source: String,
    errors: usize,
    warnings: usize,
    notices: usize,
    findings: &'a [Finding],
}

/// `secarch lint --format json`: the findings with their counts, pretty-printed.
pub fn render_lint_json(report: &LintReport, source: &str) -> serde_json::Result<String> {
    let json = serde_json::to_string_pretty(&LintJson {
        document: report.document.as_deref(),
        source: source.to_string(),
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        notices: report.count(Severity::Notice),
        findings: &report.findings,
    })?;
    Ok(json + "\n")
}

/// `secarch lint`'s terminal output; `source` says what was read ("working tree", a revision).
pub fn render_lint_human(report: &LintReport, source: &str) -> String {
    use anstyle::AnsiColor;
    let red = AnsiColor::Red.on_default().bold();
    let yellow = AnsiColor::Yellow.on_default();
    let green = AnsiColor::Green.on_default().bold();
    let mut o = String::new();
    for f in &report.findings {
        let (word, style) = match f.severity {
            Severity::Error => ("error", red),
            Severity::Warning => ("warning", yellow),
            _ => ("notice", anstyle::Style::new()),
        };
        // Line 0 means "no position" (a missing file): print the path alone, never `:0:0`.
        let at = match (f.line, f.column) {
            (0, _) => f.path.clone(),
            (line, 0) => format!("{}:{line}", f.path),
            (line, column) => format!("{}:{line}:{column}", f.path),
        };
        o.push_str(&format!(
            "{at}: {style}{word} {}{style:#}: {}\n",
            f.rule, f.message
        ));
    }
    let doc = report.document.as_deref().unwrap_or("(no document)");
    let (e, w, n) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Notice),
    );
    if e == 0 {
        o.push_str(&format!(
            "{green}✓{green:#} {doc} ({source}): lints clean — {w} warning(s), {n} notice(s)\n"
        ));
    } else {
        o.push_str(&format!(
            "{red}✗{red:#} {doc} ({source}): {e} error(s), {w} warning(s), {n} notice(s)\n"
        ));
    }
    o
}
