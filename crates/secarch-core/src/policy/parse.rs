//! Parsing and validating a policy file, with `file:line:column` errors that say
//! what to write instead.

use std::collections::BTreeMap;
use std::fmt;

use globset::GlobBuilder;
use serde_saphyr::{Location, Spanned};

use super::defaults::Defaults;
use super::file::PolicyFile;
use super::{
    Category, CheckConfig, DEFAULT_CHECK_NAME, LintConfig, POLICY_PATH, Policy, SignoffConfig,
};
use crate::model::closest;
use crate::rule_table::{PROFILES, rule_info};
use crate::syntax::{LimitError, saphyr};

/// Largest policy file accepted (a policy is a few hundred lines at most).
const MAX_POLICY_BYTES: usize = 256 * 1024;

/// A policy that cannot be used, with where and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

impl PolicyError {
    fn at(file: &str, loc: Option<Location>, message: impl Into<String>) -> PolicyError {
        let loc = loc.filter(|l| l.line() > 0);
        PolicyError {
            file: file.to_string(),
            line: loc.map(|l| l.line()),
            column: loc.map(|l| l.column()),
            message: message.into(),
        }
    }
}

/// Validate a policy file's text without merging (for `secarch config validate`).
pub fn validate_policy_text(name: &str, text: &str) -> Result<Policy, PolicyError> {
    parse_policy(Some((name, text)))
}

/// Build the effective policy: the embedded defaults, plus the repository's policy
/// file when there is one (`(display name, text)`).
pub fn parse_policy(file: Option<(&str, &str)>) -> Result<Policy, PolicyError> {
    let defaults = Defaults::load().map_err(|e| {
        PolicyError::at(
            "embedded default policy",
            e.location(),
            first_line(&e.to_string()),
        )
    })?;
    let mut policy = Policy {
        document: None,
        document_names: defaults.document_names.clone(),
        threat_models: Vec::new(),
        categories: defaults.categories(),
        exclude: defaults.exclude.clone(),
        dependency_watchlist: defaults.dependency_watchlist.clone(),
        check: CheckConfig {
            name: DEFAULT_CHECK_NAME.to_string(),
        },
        signoff: SignoffConfig {
            reviewers: Default::default(),
            min_permission: None,
            required: 1,
            accept_reviews: true,
            no_change_rationale_min: 20,
        },
        lint: LintConfig {
            profiles: vec!["iec81001-5-1".to_string()],
            severity: BTreeMap::new(),
            max_review_age_days: 365,
            strict: false,
            severity_threshold: "high".to_string(),
        },
    };
    // The default globs must compile too; a broken default is a bug, caught by tests.
    if let Some((name, text)) = file {
        let parsed = parse_file(name, text)?;
        apply(&mut policy, parsed, name)?;
    }
    // The policy file is itself watched: a change to it is category `policy`.
    policy
        .categories
        .entry("policy".to_string())
        .or_insert_with(|| Category {
            description: "the secarch policy file".to_string(),
            globs: vec![POLICY_PATH.to_string()],
            exclude: Vec::new(),
        });
    // Every configured threat model is watched in category `threat-model`.
    let tm_paths: Vec<String> = policy
        .threat_models
        .iter()
        .map(|t| t.path.clone())
        .collect();
    let tm = policy
        .categories
        .entry("threat-model".to_string())
        .or_default();
    for p in tm_paths {
        if !tm.globs.contains(&p) {
            tm.globs.push(globset_escape(&p));
        }
    }
    Ok(policy)
}

fn parse_file(name: &str, text: &str) -> Result<PolicyFile, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::at(
            name,
            None,
            format!(
                "the policy file is {} bytes; the limit is {MAX_POLICY_BYTES}. A policy is a short YAML file — remove generated content.",
                text.len()
            ),
        ));
    }
    if text.trim().is_empty() {
        return Ok(PolicyFile::default());
    }
    // The shared limits of every YAML reader: a pull request that changes the
    // policy has it validated, so it is input like any other.
    serde_saphyr::from_str_with_options::<PolicyFile>(text, saphyr::options()).map_err(|e| {
        if let Some(limit) = saphyr::limit_of(&e) {
            let message = LimitError::new(limit).explain("the policy file");
            return PolicyError::at(name, e.location(), message);
        }
        let msg = first_line(&e.to_string());
        PolicyError::at(
            name,
            e.location(),
            explain_serde_error(&msg, text, e.location()),
        )
    })
}

/// serde's messages name the problem; say it in the policy's words and add what to write
/// instead where we can. `text` and `loc` find the offending key and value.
fn explain_serde_error(msg: &str, text: &str, loc: Option<Location>) -> String {
    // serde-saphyr repeats the position in front of its message; the caller reports it once.
    let msg = strip_position(msg);
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once('`')
    {
        let valid: Vec<&str> = expected
            .split_once("expected one of ")
            .or_else(|| expected.split_once("expected "))
            .map(|(_, list)| list.split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let hint = match closest(field, valid.iter().copied()) {
            Some(k) => format!("did you mean `{k}`?"),
            None if valid.is_empty() => "remove it".to_string(),
            None => format!("valid keys here: {}", valid.join(", ")),
        };
        return format!(
            "unknown field `{field}`; {hint} (the README's \"Configuration\" lists every key; `secarch config show` prints the effective policy)"
        );
    }
    if msg.starts_with("invalid u") || msg.contains("expected u32") {
        let (key, value) = key_and_value_at(text, loc);
        let minimum = if key == "required" { "≥ 1" } else { "≥ 0" };
        return format!("`{key}` must be a whole number {minimum}, got {value:?}");
    }
    if msg.contains("unknown variant") {
        return format!("{msg}.");
    }
    msg.to_string()
}

/// "error: line 2 column 13: invalid u32" → "invalid u32".
fn strip_position(msg: &str) -> &str {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    let Some(rest) = msg.strip_prefix("line ") else {
        return msg;
    };
    rest.split_once(": ").map_or(msg, |(_, m)| m)
}

/// The key and the value written at `loc`, which points at the value (`required: lots` in block
/// or flow style), for messages in the policy's words.
fn key_and_value_at(text: &str, loc: Option<Location>) -> (String, String) {
    let Some(loc) = loc else {
        return ("value".to_string(), String::new());
    };
    let line = text
        .lines()
        .nth(loc.line().saturating_sub(1) as usize)
        .unwrap_or("");
    let at = line
        .char_indices()
        .nth(loc.column().saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let (before, value) = line.split_at(at);
    let key = before
        .trim_end()
        .trim_end_matches(':')
        .rsplit(['{', ',', ' '])
        .next()
        .unwrap_or("value")
        .trim();
    let value = value
        .split([',', '}', '#'])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\'']);
    (key.to_string(), value.to_string())
}

fn first_line(s: &str) -> String {
    // serde-saphyr renders a snippet after the message; the location is reported separately.
    let line = s.lines().next().unwrap_or(s).trim();
    line.trim_end_matches('.').to_string()
}

fn apply(policy: &mut Policy, f: PolicyFile, name: &str) -> Result<(), PolicyError> {
    if let Some(doc) = f.document {
        check_repo_path(name, &doc, "document")?;
        policy.document = Some(doc.value);
    }
    for tm in f.threat_models {
        check_repo_path(
            name,
            &Spanned {
                value: tm.value.path.clone(),
                referenced: tm.referenced,
                defined: tm.defined,
            },
            "threat_models[].path",
        )?;
        policy.threat_models.push(tm.value);
    }

    if f.watch.use_defaults == Some(false) {
        policy.categories.clear();
    }
    for (category, globs) in f.watch.include {
        if !is_category_name(&category) {
            let loc = globs.first().map(|g| g.referenced);
            return Err(PolicyError::at(
                name,
                loc,
                format!(
                    "watch.include: category name {category:?} must be lower-case letters, digits and '-' (e.g. \"container\", \"my-devices\")"
                ),
            ));
        }
        let entry = policy
            .categories
            .entry(category.clone())
            .or_insert_with(|| Category {
                description: format!("repository category {category}"),
                ..Category::default()
            });
        for g in globs {
            check_glob(name, &g)?;
            entry.globs.push(g.value);
        }
    }
    for g in f.watch.exclude {
        check_glob(name, &g)?;
        policy.exclude.push(g.value);
    }
    for (eco, deps) in f.watch.dependencies {
        if !policy.dependency_watchlist.contains_key(&eco) {
            let known: Vec<&str> = policy
                .dependency_watchlist
                .keys()
                .map(String::as_str)
                .collect();
            return Err(PolicyError::at(
                name,
                None,
                format!(
                    "watch.dependencies: unknown ecosystem {eco:?}; use one of {}",
                    known.join(", ")
                ),
            ));
        }
        policy
            .dependency_watchlist
            .get_mut(&eco)
            .expect("checked above")
            .extend(deps);
    }

    if let Some(n) = f.check.name {
        if n.trim().is_empty() || n.len() > 100 {
            return Err(PolicyError::at(
                name,
                None,
                "check.name must be 1 to 100 characters (default \"security-architecture\")",
            ));
        }
        policy.check.name = n;
    }

    for t in &f.signoff.reviewers.teams {
        let ok = t
            .value
            .split_once('/')
            .is_some_and(|(o, s)| !o.is_empty() && !s.is_empty() && !s.contains('/'));
        if !ok {
            return Err(PolicyError::at(
                name,
                Some(t.referenced),
                format!(
                    "signoff.reviewers.teams: {:?} is not \"org/team-slug\" (e.g. \"acme/security-architects\")",
                    t.value
                ),
            ));
        }
    }
    policy.signoff.reviewers = f.signoff.reviewers;
    policy.signoff.min_permission = f.signoff.min_permission;
    if let Some(r) = f.signoff.required {
        if r == 0 {
            return Err(PolicyError::at(
                name,
                None,
                "signoff.required must be at least 1 (the number of distinct sign-offs needed)",
            ));
        }
        policy.signoff.required = r;
    }
    if let Some(a) = f.signoff.accept_reviews {
        policy.signoff.accept_reviews = a;
    }
    if let Some(m) = f.signoff.no_change_rationale_min {
        policy.signoff.no_change_rationale_min = m;
    }

    if !f.lint.profiles.is_empty() {
        policy.lint.profiles.clear();
        for p in f.lint.profiles {
            if !PROFILES.contains(&p.value.as_str()) {
                return Err(PolicyError::at(
                    name,
                    Some(p.referenced),
                    format!(
                        "lint.profiles: unknown profile {:?}; use one of {}",
                        p.value,
                        PROFILES.join(", ")
                    ),
                ));
            }
            policy.lint.profiles.push(p.value);
        }
    }
    for (rule, sev) in f.lint.severity {
        if rule_info(&rule).is_none() {
            return Err(PolicyError::at(
                name,
                Some(sev.referenced),
                format!(
                    "lint.severity: unknown rule id {rule:?}; rule ids are SA001…SA081 (see `secarch lint --help` or the README)"
                ),
            ));
        }
        policy.lint.severity.insert(rule, sev.value);
    }
    if let Some(d) = f.lint.max_review_age_days {
        policy.lint.max_review_age_days = d;
    }
    if let Some(s) = f.lint.strict {
        policy.lint.strict = s;
    }
    if let Some(t) = f.lint.severity_threshold {
        let t = t.to_ascii_lowercase();
        if !["info", "low", "medium", "high", "critical"].contains(&t.as_str()) {
            return Err(PolicyError::at(
                name,
                None,
                format!(
                    "lint.severity_threshold: {t:?} is not one of info, low, medium, high, critical"
                ),
            ));
        }
        policy.lint.severity_threshold = t;
    }
    Ok(())
}

fn is_category_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_glob(file: &str, g: &Spanned<String>) -> Result<(), PolicyError> {
    GlobBuilder::new(&g.value)
        .literal_separator(true)
        .build()
        .map(|_| ())
        .map_err(|e| {
            PolicyError::at(
                file,
                Some(g.referenced),
                format!(
                    "invalid glob {:?}: {}. Globs use globset syntax: `**` for any depth, `*` within a path component, `{{a,b}}` for alternatives (e.g. \"deploy/**/*.nomad\")",
                    g.value,
                    e.kind()
                ),
            )
        })
}

fn check_repo_path(file: &str, p: &Spanned<String>, key: &str) -> Result<(), PolicyError> {
    let v = &p.value;
    let bad = v.is_empty()
        || v.starts_with('/')
        || v.contains('\\')
        || v.split('/').any(|c| c == ".." || c.is_empty());
    if bad {
        return Err(PolicyError::at(
            file,
            Some(p.referenced),
            format!(
                "{key}: {v:?} must be a path relative to the repository root, with '/' separators and no '..' (e.g. \"docs/security/security-architecture.md\")"
            ),
        ));
    }
    Ok(())
}

/// Escape glob metacharacters so a configured path matches only itself.
fn globset_escape(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}
