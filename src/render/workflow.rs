//! GitHub Actions workflow commands (`::error file=…,line=…::…`): annotations in
//! a workflow run without any API token — what a pull request from a fork gets.

use crate::lint::Finding;
use crate::policy::Severity;

/// Escape a workflow-command property value (`%`, CR, LF, `:` and `,`).
fn escape_property(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Escape a workflow-command message (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// One line per finding.
pub fn render_workflow_commands(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice | Severity::Off => "notice",
        };
        let mut props = vec![format!("file={}", escape_property(&f.path))];
        if f.line > 0 {
            props.push(format!("line={}", f.line));
            if f.column > 0 {
                props.push(format!("col={}", f.column));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("secarch {}", f.rule))
        ));
        out.push_str(&format!(
            "::{cmd} {}::{}\n",
            props.join(","),
            escape_data(&format!("{} {}", f.rule, f.message))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_positions() {
        let f = Finding {
            rule: "SA022".into(),
            severity: Severity::Error,
            message: "boundary B-DATA (gateway ↔ records): add a control,\nnow 100%".into(),
            path: "docs/a,b.md".into(),
            line: 7,
            column: 5,
        };
        let s = render_workflow_commands(&[f]);
        assert_eq!(
            s,
            "::error file=docs/a%2Cb.md,line=7,col=5,title=secarch SA022::SA022 boundary B-DATA (gateway ↔ records): add a control,%0Anow 100%25\n"
        );
    }
}
