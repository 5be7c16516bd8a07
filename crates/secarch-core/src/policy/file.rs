//! The repository policy file, `.github/secarch.yml`, exactly as written.
//!
//! Every key is optional and unknown keys are rejected (a typo in a gate's
//! configuration must not silently weaken the gate). Values that later need a
//! source position in an error message (globs, rule ids) are `Spanned`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// The policy file's top level. The keys are a public contract (see the README).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub document: Option<Spanned<String>>,
    #[serde(default)]
    pub threat_models: Vec<Spanned<ThreatModelRef>>,
    #[serde(default)]
    pub watch: WatchFile,
    #[serde(default)]
    pub check: CheckFile,
    #[serde(default)]
    pub signoff: SignoffFile,
    #[serde(default)]
    pub lint: LintFile,
}

/// One threat-model source: where threat ids come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatModelRef {
    pub format: ThreatModelFormat,
    pub path: String,
    /// Prefix for qualified references (`otm:T-01`); defaults to the format's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl ThreatModelRef {
    /// The namespace used in `mitigates` references.
    pub fn effective_namespace(&self) -> String {
        self.namespace
            .clone()
            .unwrap_or_else(|| self.format.as_str().to_string())
    }
}

/// Threat-model formats secarch reads natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatModelFormat {
    /// `threats:` list in secarch's own YAML (`threat-model.yaml`).
    Native,
    /// Open Threat Model, JSON or YAML.
    Otm,
    /// Threagile model YAML (and its `risks.json` output beside it).
    Threagile,
    /// OWASP Threat Dragon v1 or v2 JSON.
    ThreatDragon,
    /// OWASP Threat Model Library (TM-BOM) JSON.
    TmBom,
}

impl ThreatModelFormat {
    pub const ALL: [ThreatModelFormat; 5] = [
        ThreatModelFormat::Native,
        ThreatModelFormat::Otm,
        ThreatModelFormat::Threagile,
        ThreatModelFormat::ThreatDragon,
        ThreatModelFormat::TmBom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ThreatModelFormat::Native => "native",
            ThreatModelFormat::Otm => "otm",
            ThreatModelFormat::Threagile => "threagile",
            ThreatModelFormat::ThreatDragon => "threat-dragon",
            ThreatModelFormat::TmBom => "tm-bom",
        }
    }
}

/// `watch:` — which changed paths trigger a review.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchFile {
    /// Keep the embedded default categories (default `true`); `false` replaces them
    /// with the categories named under `include`.
    pub use_defaults: Option<bool>,
    /// Globs added to a category (a new name creates a category).
    #[serde(default)]
    pub include: BTreeMap<String, Vec<Spanned<String>>>,
    /// Paths that never trigger, in any category.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Extra dependency names whose addition triggers `dependencies`, per ecosystem
    /// (`cargo`, `npm`, `pypi`, `go`, `maven`, `nuget`, `rubygems`).
    #[serde(default)]
    pub dependencies: BTreeMap<String, Vec<String>>,
}

/// `check:` — the check run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    pub name: Option<String>,
}

/// `signoff:` — who may sign off, and how many are needed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignoffFile {
    #[serde(default)]
    pub reviewers: ReviewersFile,
    pub min_permission: Option<Permission>,
    pub required: Option<u32>,
    pub accept_reviews: Option<bool>,
    pub no_change_rationale_min: Option<u32>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReviewersFile {
    #[serde(default)]
    pub users: Vec<String>,
    /// `org/team-slug`
    #[serde(default)]
    pub teams: Vec<Spanned<String>>,
}

/// Repository permission levels, lowest first (GitHub's `role_name` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// `lint:` — which rules, at which severity.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintFile {
    #[serde(default)]
    pub profiles: Vec<Spanned<String>>,
    #[serde(default)]
    pub severity: BTreeMap<String, Spanned<Severity>>,
    pub max_review_age_days: Option<u32>,
    /// Warnings become errors.
    pub strict: Option<bool>,
    /// SA032: threats at or above this severity must be mitigated or accepted.
    pub severity_threshold: Option<String>,
}

/// Severity of a lint finding. Ordered: `Notice < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Notice,
    Warning,
    Error,
}
