//! The repository policy file, `.github/secarch.yml`, exactly as written.
//!
//! Every key is optional and unknown keys are rejected (a typo in a gate's
//! configuration must not silently weaken the gate). Values that later need a
//! source position in an error message (globs, rule ids) are `Spanned`.
//!
//! The JSON Schema `secarch schema policy` prints ([`json_schema`], committed as
//! `config/schema/policy.schema.json` for editors) is generated from these types by
//! `schemars`, so it cannot drift from what the parser reads: doc comments become its
//! descriptions, `#[schemars(...)]` attributes add what the types do not say (lengths,
//! patterns), and the value lists the parser checks against (profiles, rule ids,
//! ecosystems) are taken from the same constants the parser uses.

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// A path relative to the repository root as the parser takes it (`check_repo_path`): '/'
/// separators, not absolute, no empty, `..` or backslash-containing component.
const REPO_PATH_PATTERN: &str =
    r"^(?:\.|\.\.[^/\\]+|\.?[^/\\.][^/\\]*)(?:/(?:\.|\.\.[^/\\]+|\.?[^/\\.][^/\\]*))*$";

/// The policy file's top level. The keys are a public contract (see the README).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "secarch policy (.github/secarch.yml)",
    description = "Read from the base commit of a change. Every key is optional; unknown keys are rejected."
)]
pub struct PolicyFile {
    /// Repository-relative path of the security architecture document; else discovered by name.
    #[schemars(with = "Option<String>", regex(pattern = REPO_PATH_PATTERN))]
    pub document: Option<Spanned<String>>,
    /// Threat-model sources: where threat ids come from.
    #[serde(default)]
    #[schemars(with = "Vec<ThreatModelRef>")]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatModelRef {
    pub format: ThreatModelFormat,
    /// Repository-relative path of the threat model.
    #[schemars(regex(pattern = REPO_PATH_PATTERN))]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
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
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchFile {
    /// Keep the embedded default categories (default `true`); `false` replaces them
    /// with the categories named under `include`.
    pub use_defaults: Option<bool>,
    /// Category name -> globs added to it (a new name creates a category).
    #[serde(default)]
    #[schemars(
        with = "BTreeMap<String, Vec<String>>",
        extend("propertyNames" = {"pattern": "^[a-z0-9-]{1,64}$"})
    )]
    pub include: BTreeMap<String, Vec<Spanned<String>>>,
    /// Globs that never trigger, in any category.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Vec<Spanned<String>>,
    /// Extra dependency names whose addition triggers `dependencies`, per ecosystem
    /// (`cargo`, `npm`, `pypi`, `go`, `maven`, `nuget`, `rubygems`).
    #[serde(default)]
    #[schemars(schema_with = "ecosystem_lists")]
    pub dependencies: BTreeMap<String, Vec<String>>,
}

/// `check:` — the check run.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    /// The check run's name (default `security-architecture`).
    #[schemars(length(min = 1, max = 100), regex(pattern = r"\S"))]
    pub name: Option<String>,
}

/// `signoff:` — who may sign off, and how many are needed.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignoffFile {
    #[serde(default)]
    pub reviewers: ReviewersFile,
    /// The lowest repository permission a reviewer needs.
    pub min_permission: Option<Permission>,
    /// Distinct sign-offs needed (default 1).
    #[schemars(range(min = 1))]
    pub required: Option<u32>,
    /// An approving pull-request review counts as a sign-off (default `true`).
    pub accept_reviews: Option<bool>,
    /// Shortest rationale, in characters, of a "no architecture change" sign-off (default 20).
    pub no_change_rationale_min: Option<u32>,
}

/// Who may sign off.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewersFile {
    /// GitHub user names.
    #[serde(default)]
    pub users: Vec<String>,
    /// `org/team-slug`
    #[serde(default)]
    #[schemars(with = "Vec<String>", inner(regex(pattern = "^[^/]+/[^/]+$")))]
    pub teams: Vec<Spanned<String>>,
}

/// Repository permission levels, lowest first (GitHub's `role_name` values).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// `lint:` — which rules, at which severity.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintFile {
    /// Rule profiles to apply (`fda` adds SA080/SA081).
    #[serde(default)]
    #[schemars(schema_with = "profile_list")]
    pub profiles: Vec<Spanned<String>>,
    /// Rule id -> severity override.
    #[serde(default)]
    #[schemars(schema_with = "severity_overrides")]
    pub severity: BTreeMap<String, Spanned<Severity>>,
    /// A review older than this many days is stale (default 365).
    pub max_review_age_days: Option<u32>,
    /// Warnings become errors.
    pub strict: Option<bool>,
    /// SA032: threats at or above this severity must be mitigated or accepted (default `high`).
    /// The parser also takes these in upper case; the schema offers the canonical spelling.
    #[schemars(extend("enum" = ["info", "low", "medium", "high", "critical", null]))]
    pub severity_threshold: Option<String>,
}

/// Severity of a lint finding. Ordered: `Notice < Warning < Error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Notice,
    Warning,
    Error,
}

/// The JSON Schema of the policy file (draft-07, one self-contained tree for editors), as
/// `secarch schema policy` prints it and `config/schema/policy.schema.json` holds it.
pub fn json_schema() -> String {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<PolicyFile>();
    schema.insert(
        "$id".into(),
        "https://secarch.dev/schema/policy.schema.json".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    text
}

/// `watch.dependencies`: the ecosystems of the embedded default watchlist, the only ones the
/// parser accepts.
fn ecosystem_lists(_: &mut SchemaGenerator) -> Schema {
    let ecosystems: Vec<String> = super::Defaults::load()
        .map(|d| d.dependency_watchlist.into_keys().collect())
        .unwrap_or_default();
    json_schema!({
        "type": "object",
        "propertyNames": {"enum": ecosystems},
        "additionalProperties": {"type": "array", "items": {"type": "string"}}
    })
}

/// `lint.profiles`: the profiles the rules know.
fn profile_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {"enum": crate::rule_table::PROFILES}
    })
}

/// `lint.severity`: a known rule id -> a severity.
fn severity_overrides(generator: &mut SchemaGenerator) -> Schema {
    let ids: Vec<&str> = crate::rule_table::RULES.iter().map(|r| r.id).collect();
    json_schema!({
        "type": "object",
        "propertyNames": {"enum": ids},
        "additionalProperties": generator.subschema_for::<Severity>()
    })
}
