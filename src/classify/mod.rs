//! Classification: which changed paths fall into which watch category, and the
//! content signals that say *what* changed (a new EXPOSE, an added dependency).

use serde::Serialize;

use crate::git::ChangeKind;

/// A content signal: one fact worth a reviewer's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable machine name, e.g. `expose-added`, `dependency-added`, `privileged`.
    pub kind: String,
    /// One line for people, e.g. `new EXPOSE 8443`.
    pub message: String,
    /// Line in the head file (base file for removals), 1-based, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// A changed path that triggers a security-architecture review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub category: String,
    pub path: String,
    pub old_path: Option<String>,
    pub change: ChangeKind,
    pub signals: Vec<Signal>,
}
