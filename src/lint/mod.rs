//! Lint rules SA001–SA081 over the document model and the threat registry.

use serde::Serialize;

use crate::policy::Severity;

/// One lint finding. JSON field names are a public contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
}
