//! Policy: which changes trigger a review, where the document and threat models
//! live, who signs off, which lint rules apply.
//!
//! The effective policy is the embedded default (`config/default-policy.yml`)
//! merged with the repository's `.github/secarch.yml` **read from the base
//! commit** — a pull request must not be able to weaken the policy that gates it.

mod defaults;
mod file;
mod parse;

use std::collections::BTreeMap;

use serde::Serialize;

pub use defaults::{Defaults, default_policy_yaml};
pub use file::{
    Permission, PolicyFile, ReviewersFile, Severity, ThreatModelFormat, ThreatModelRef, json_schema,
};
pub use parse::{PolicyError, parse_policy, validate_policy_text};

/// Where a repository keeps its policy.
pub const POLICY_PATH: &str = ".github/secarch.yml";

/// The default check-run name.
pub const DEFAULT_CHECK_NAME: &str = "security-architecture";

/// The effective policy every front-end works from.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// The security architecture document; `None` = discover by name.
    pub document: Option<String>,
    /// Candidate names tried in order when `document` is `None`.
    pub document_names: Vec<String>,
    pub threat_models: Vec<ThreatModelRef>,
    /// Category name → what triggers it (ordered by name for stable output).
    pub categories: BTreeMap<String, Category>,
    /// Global exclusions: a path matching one never triggers.
    pub exclude: Vec<String>,
    /// Ecosystem → dependency names whose addition triggers `dependencies`.
    pub dependency_watchlist: BTreeMap<String, Vec<String>>,
    pub check: CheckConfig,
    pub signoff: SignoffConfig,
    pub lint: LintConfig,
}

/// One watch category.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Category {
    pub description: String,
    pub globs: Vec<String>,
    /// Paths excluded from this category only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckConfig {
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignoffConfig {
    pub reviewers: ReviewersFile,
    pub min_permission: Option<Permission>,
    pub required: u32,
    pub accept_reviews: bool,
    pub no_change_rationale_min: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintConfig {
    pub profiles: Vec<String>,
    /// Rule id → severity override.
    pub severity: BTreeMap<String, Severity>,
    pub max_review_age_days: u32,
    pub strict: bool,
    /// Lowest threat severity SA032 requires to be handled (`high` by default).
    pub severity_threshold: String,
}

impl Policy {
    /// The embedded default policy alone (no repository policy file).
    pub fn embedded_default() -> Policy {
        parse_policy(None).expect("the embedded default policy is valid (tested)")
    }

    /// The check-run name.
    pub fn check_name(&self) -> &str {
        &self.check.name
    }
}

#[cfg(test)]
mod tests;
