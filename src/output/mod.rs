//! Machine formats for lint findings: SARIF 2.1.0 (code scanning) and GitHub
//! workflow commands (annotations in a workflow run).

mod github;
mod sarif;

pub use github::render_workflow_commands;
pub use sarif::render_sarif;
