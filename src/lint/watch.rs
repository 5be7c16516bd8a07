//! Which changed paths count as an architecture change (SA052) or a
//! threat-model change (SA053), from the policy's watch categories.
//!
//! Glob semantics follow the policy file: globset with `/`-aware `*`; a glob
//! `**/name` (no `/` after the leading `**/`) matches basenames
//! case-insensitively. Global and per-category exclusions apply; threat-model
//! paths named explicitly (policy or document) always count.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::policy::Policy;

/// The category holding threat-model globs.
pub const THREAT_MODEL_CATEGORY: &str = "threat-model";

/// What a changed path means for the review rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathClass<'p> {
    /// In an architecture watch category (its name).
    Architecture(&'p str),
    ThreatModel,
    Other,
}

struct Category<'p> {
    name: &'p str,
    globs: GlobSet,
    exclude: GlobSet,
}

/// Compiled watch categories.
pub struct Watch<'p> {
    categories: Vec<Category<'p>>,
    exclude: GlobSet,
    threat_model_paths: Vec<String>,
    document: String,
}

impl<'p> Watch<'p> {
    /// `threat_model_paths` are the configured models' paths; `document` is
    /// never a trigger (updating it is the remedy).
    pub fn new(policy: &'p Policy, threat_model_paths: Vec<String>, document: &str) -> Watch<'p> {
        let categories = policy
            .categories
            .iter()
            .map(|(name, c)| Category {
                name,
                globs: glob_set(&c.globs),
                exclude: glob_set(&c.exclude),
            })
            .collect();
        Watch {
            categories,
            exclude: glob_set(&policy.exclude),
            threat_model_paths,
            document: document.to_string(),
        }
    }

    pub fn classify(&self, path: &str) -> PathClass<'p> {
        if path == self.document {
            return PathClass::Other;
        }
        if self.threat_model_paths.iter().any(|p| p == path) {
            return PathClass::ThreatModel;
        }
        if self.exclude.is_match(path) {
            return PathClass::Other;
        }
        let mut hit = None;
        for c in &self.categories {
            if c.globs.is_match(path) && !c.exclude.is_match(path) {
                if c.name == THREAT_MODEL_CATEGORY {
                    return PathClass::ThreatModel;
                }
                hit = hit.or(Some(c.name));
            }
        }
        hit.map_or(PathClass::Other, PathClass::Architecture)
    }
}

/// Compile globs; an invalid one is skipped (the policy loader reports it).
fn glob_set(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let basename_only = g
            .strip_prefix("**/")
            .is_some_and(|rest| !rest.contains('/'));
        if let Ok(glob) = GlobBuilder::new(g)
            .literal_separator(true)
            .case_insensitive(basename_only)
            .build()
        {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_with_the_default_policy() {
        let p = Policy::embedded_default();
        let w = Watch::new(
            &p,
            vec!["models/gw.yaml".into()],
            "docs/security/security-architecture.md",
        );
        assert_eq!(
            w.classify("deploy/dockerfile"),
            PathClass::Architecture("container")
        );
        assert_eq!(
            w.classify("api/openapi.yaml"),
            PathClass::Architecture("api")
        );
        assert_eq!(w.classify("tm/gateway.otm.yaml"), PathClass::ThreatModel);
        assert_eq!(w.classify("models/gw.yaml"), PathClass::ThreatModel);
        assert_eq!(w.classify("src/main.rs"), PathClass::Other);
        assert_eq!(w.classify("examples/demo/Dockerfile"), PathClass::Other);
        assert_eq!(
            w.classify("docs/security/security-architecture.md"),
            PathClass::Other
        );
        assert_eq!(w.classify("docs/security/notes.md"), PathClass::Other);
    }
}
