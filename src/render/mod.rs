//! Every output format in one place: the check result for people (terminal, Markdown), the
//! history replay of `secarch log` (lines, JSON, CSV), lint
//! findings for machines (SARIF 2.1.0 for code scanning, GitHub workflow commands), and the
//! App's check-run output (title, summary, annotations). The core decides; this module only
//! writes what was decided.

mod check_run;
mod check_text;
mod lint_text;
mod log_text;
mod sarif;
mod workflow;

pub use check_run::{annotations, check_output, conclusion, needs_review};
pub use check_text::{render_human, render_markdown};
pub use lint_text::{render_lint_human, render_lint_json};
pub use log_text::{
    LOG_CSV_COLUMNS, log_csv_fields, log_date, render_log_csv_row, render_log_json_commit,
    render_log_json_end, render_log_json_start, render_log_line, render_log_summary,
};
pub use sarif::render_sarif;
pub use workflow::render_workflow_commands;
