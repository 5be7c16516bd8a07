//! Renderers for a `CheckReport`: terminal text and Markdown (what the check
//! run shows). JSON is the report's serde serialisation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::classify::Trigger;
use crate::policy::Severity;
use crate::semdiff::Change;
use crate::threats::ThreatStatus;
use crate::verdict::{CheckReport, Conclusion, RangeSize};

const RED: Style = AnsiColor::Red.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// "3 commits, 12 files": the size of the range, so an empty or unexpected one is visible.
fn range_words(r: &CheckReport) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let commits = if r.range.commits >= RangeSize::MAX_COUNTED {
        format!("{}+ commits", RangeSize::MAX_COUNTED)
    } else {
        plural(r.range.commits, "commit")
    };
    format!("{commits}, {}", plural(r.range.files, "file"))
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn by_category(triggers: &[Trigger]) -> BTreeMap<&str, Vec<&Trigger>> {
    let mut m: BTreeMap<&str, Vec<&Trigger>> = BTreeMap::new();
    for t in triggers {
        m.entry(t.category.as_str()).or_default().push(t);
    }
    m
}

fn trigger_line(t: &Trigger) -> String {
    match &t.old_path {
        Some(old) => format!("{old} → {} ({})", t.path, t.change.as_str()),
        None => format!("{} ({})", t.path, t.change.as_str()),
    }
}

/// Concise terminal output, grouped by category. ANSI styles are always emitted;
/// the caller writes through `anstream`, which strips them when not a terminal.
pub fn render_human(r: &CheckReport) -> String {
    let mut o = String::new();
    let (mark, style) = match r.conclusion {
        Conclusion::Success => ("✓", GREEN),
        Conclusion::Failure => ("✗", RED),
    };
    let _ = writeln!(o, "{style}{mark} {}{style:#}", r.title);
    let _ = writeln!(
        o,
        "{DIM}  {} {} → {} · {} · policy: {}{DIM:#}",
        r.check_name,
        short(&r.base),
        short(&r.head),
        range_words(r),
        r.policy
    );
    for (cat, ts) in by_category(&r.triggers) {
        let _ = writeln!(o, "\n{BOLD}{cat}{BOLD:#}");
        for t in ts {
            let _ = writeln!(o, "  {}", trigger_line(t));
            for s in &t.signals {
                match s.line {
                    Some(l) => {
                        let _ = writeln!(o, "    {YELLOW}· {} (line {l}){YELLOW:#}", s.message);
                    }
                    None => {
                        let _ = writeln!(o, "    {YELLOW}· {}{YELLOW:#}", s.message);
                    }
                }
            }
        }
    }
    if let Some(d) = &r.semantic_diff {
        let n = d.threats.len() + d.items.len() + d.mitigations.len();
        if n > 0 || d.prose.is_some() {
            let _ = writeln!(o, "\n{BOLD}architecture changes{BOLD:#}");
            for t in &d.threats {
                let _ = writeln!(o, "  threat {} {}", t.threat, change_word(t.change));
            }
            for i in &d.items {
                let _ = writeln!(o, "  {} {} {}", i.kind, i.id, change_word(i.change));
            }
            for l in &d.mitigations {
                let _ = writeln!(
                    o,
                    "  {} mitigates {}: {}",
                    l.control,
                    l.threat,
                    change_word(l.change)
                );
            }
            if d.prose.is_some() {
                let _ = writeln!(o, "  prose changed (see --format markdown)");
            }
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(o, "\n{BOLD}lint{BOLD:#}");
        for f in &r.findings {
            let sev = match f.severity {
                Severity::Error => RED,
                _ => YELLOW,
            };
            let _ = writeln!(
                o,
                "  {}:{}:{}: {sev}{} {}{sev:#}: {}",
                f.path,
                f.line,
                f.column,
                severity_word(f.severity),
                f.rule,
                f.message
            );
        }
    }
    if !r.reasons.is_empty() {
        let _ = writeln!(o);
        for reason in &r.reasons {
            let (m, s) = if reason.met {
                ("✓", GREEN)
            } else {
                ("✗", RED)
            };
            let _ = writeln!(o, "  {s}{m}{s:#} {}", reason.message);
        }
    }
    if !r.next_steps.is_empty() {
        let _ = writeln!(o, "\n{BOLD}What to do{BOLD:#}");
        for (i, s) in r.next_steps.iter().enumerate() {
            let _ = writeln!(o, "  {}. {s}", i + 1);
        }
    }
    for n in &r.notes {
        let _ = writeln!(o, "{DIM}note: {n}{DIM:#}");
    }
    o
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
        Severity::Off => "off",
    }
}

/// Escape text for a Markdown table cell or inline text.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Markdown: what the check run's summary shows.
pub fn render_markdown(r: &CheckReport) -> String {
    let mut o = String::new();
    let mark = match r.conclusion {
        Conclusion::Success => "✅",
        Conclusion::Failure => "❌",
    };
    let _ = writeln!(o, "### {mark} {}\n", md_escape(&r.title));
    if r.triggers.is_empty() {
        let _ = writeln!(
            o,
            "No file watched by the security-architecture policy changed between `{}` and `{}`.",
            short(&r.base),
            short(&r.head)
        );
        return o;
    }
    if !r.next_steps.is_empty() {
        let _ = writeln!(o, "**What to do**\n");
        for (i, s) in r.next_steps.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", i + 1, s);
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "| | condition |\n|---|---|");
    for reason in &r.reasons {
        let _ = writeln!(
            o,
            "| {} | {} |",
            if reason.met { "✅" } else { "❌" },
            md_escape(&reason.message)
        );
    }
    let _ = writeln!(
        o,
        "\n#### Changes that need a security-architecture review\n"
    );
    for (cat, ts) in by_category(&r.triggers) {
        let _ = writeln!(o, "**{}** ({})\n", md_escape(cat), ts.len());
        for t in ts {
            let _ = writeln!(o, "- `{}`", trigger_line(t).replace('`', "'"));
            for s in &t.signals {
                let line = s.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                let _ = writeln!(o, "  - {}{line}", md_escape(&s.message));
            }
        }
        let _ = writeln!(o);
    }
    if let Some(d) = &r.semantic_diff {
        let _ = writeln!(o, "#### What changed in the security architecture\n");
        for t in &d.threats {
            let status = match (t.from, t.to) {
                (Some(a), Some(b)) if a != b => {
                    format!(" ({} → {})", status_word(a), status_word(b))
                }
                (None, Some(b)) => format!(" ({})", status_word(b)),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "- threat `{}` {}{}: {}",
                t.threat.replace('`', "'"),
                change_word(t.change),
                status,
                md_escape(&t.title)
            );
        }
        for i in &d.items {
            let fields = if i.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", i.fields.join(", "))
            };
            let _ = writeln!(
                o,
                "- {} `{}` {}{}",
                i.kind,
                i.id.replace('`', "'"),
                change_word(i.change),
                md_escape(&fields)
            );
        }
        for l in &d.mitigations {
            let _ = writeln!(
                o,
                "- `{}` mitigates `{}`: link {}",
                l.control.replace('`', "'"),
                l.threat.replace('`', "'"),
                change_word(l.change)
            );
        }
        if let Some(p) = &d.prose {
            let _ = writeln!(
                o,
                "\n<details><summary>Prose changes</summary>\n\n```diff\n{}\n```\n</details>",
                p.replace("```", "'''")
            );
        }
        let _ = writeln!(o);
    }
    if !r.findings.is_empty() {
        let _ = writeln!(
            o,
            "#### Lint findings\n\n| rule | severity | where | message |\n|---|---|---|---|"
        );
        for f in &r.findings {
            let _ = writeln!(
                o,
                "| {} | {} | `{}:{}` | {} |",
                f.rule,
                severity_word(f.severity),
                f.path.replace('`', "'"),
                f.line,
                md_escape(&f.message)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "<sub>base `{}` · head `{}` ({}) · fingerprint `{}` · policy: {}</sub>",
        short(&r.base),
        short(&r.head),
        range_words(r),
        r.fingerprint.get(..19).unwrap_or(&r.fingerprint),
        md_escape(&r.policy)
    );
    for n in &r.notes {
        let _ = writeln!(o, "\n> {}", md_escape(n));
    }
    o
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Added => "added",
        Change::Removed => "removed",
        Change::Modified => "changed",
    }
}

fn status_word(s: ThreatStatus) -> &'static str {
    match s {
        ThreatStatus::Open => "open",
        ThreatStatus::Mitigated => "mitigated",
        ThreatStatus::Accepted => "accepted",
        ThreatStatus::NotApplicable => "not applicable",
        ThreatStatus::Unknown => "status unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::ChangeKind;
    use crate::verdict::{DocumentState, VerdictInput, decide};

    #[test]
    fn both_renderers_show_categories_signals_and_steps() {
        let triggers = vec![Trigger {
            category: "container".into(),
            path: "Dockerfile".into(),
            old_path: None,
            change: ChangeKind::Modified,
            signals: vec![crate::classify::Signal {
                kind: "expose-added".into(),
                message: "new EXPOSE 8443".into(),
                line: Some(3),
            }],
        }];
        let document = DocumentState {
            path: Some("docs/security/security-architecture.md".into()),
            exists: true,
            deleted: false,
            changed: false,
            content_changed: false,
            reviews_added: vec![],
        };
        let verdict = decide(&VerdictInput {
            triggers: &triggers,
            document: &document,
            findings: None,
            signoffs: None,
            check_name: "security-architecture",
        });
        let report = CheckReport::new(
            verdict,
            "a".repeat(40),
            "b".repeat(40),
            "sha256:00".into(),
            "security-architecture".into(),
            "embedded default".into(),
            triggers,
            document,
            vec![],
        );
        let md = render_markdown(&report);
        assert!(md.contains("**container** (1)"), "{md}");
        assert!(md.contains("new EXPOSE 8443 (line 3)"), "{md}");
        assert!(md.contains("What to do"), "{md}");
        let human = render_human(&report);
        assert!(human.contains("container"), "{human}");
        assert!(human.contains("What to do"), "{human}");
    }
}
