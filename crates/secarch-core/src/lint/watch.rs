//! Which changed paths count as an architecture change (SA052) or a
//! threat-model change (SA053).
//!
//! The watch categories are matched by the same [`Classifier`] that decides
//! triggers, so "changed since the last review" and "this change triggers a
//! review" never disagree about a path. Threat-model paths named explicitly
//! (policy or document) always count, even under an excluded folder.

use crate::classify::Classifier;
use crate::policy::Policy;

/// The category holding threat-model globs (and the configured model paths).
pub const THREAT_MODEL_CATEGORY: &str = "threat-model";
/// The category of the policy file: a policy change is not an architecture change.
pub const POLICY_CATEGORY: &str = "policy";

/// What a changed path means for the review rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathClass {
    /// In an architecture watch category (its name).
    Architecture(String),
    ThreatModel,
    Other,
}

/// Compiled watch categories.
pub struct Watch {
    classifier: Classifier,
    threat_model_paths: Vec<String>,
}

impl Watch {
    /// `threat_model_paths` are the configured models' paths; `document` is
    /// never a trigger (updating it is the remedy).
    pub fn new(
        policy: &Policy,
        threat_model_paths: Vec<String>,
        document: &str,
    ) -> Result<Watch, String> {
        let classifier = Classifier::new(policy, Some(document)).map_err(|e| e.to_string())?;
        Ok(Watch {
            classifier,
            threat_model_paths,
        })
    }

    pub fn classify(&self, path: &str) -> PathClass {
        if self.threat_model_paths.iter().any(|p| p == path) {
            return PathClass::ThreatModel;
        }
        let categories = self.classifier.categories_for(path);
        if categories.contains(&THREAT_MODEL_CATEGORY) {
            return PathClass::ThreatModel;
        }
        categories
            .into_iter()
            .find(|c| *c != POLICY_CATEGORY)
            .map_or(PathClass::Other, |c| PathClass::Architecture(c.to_string()))
    }
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
        )
        .expect("default policy compiles");
        let arch = |c: &str| PathClass::Architecture(c.to_string());
        assert_eq!(w.classify("deploy/dockerfile"), arch("container"));
        assert_eq!(w.classify("api/openapi.yaml"), arch("api"));
        assert_eq!(w.classify("tm/gateway.otm.yaml"), PathClass::ThreatModel);
        assert_eq!(w.classify("models/gw.yaml"), PathClass::ThreatModel);
        assert_eq!(w.classify("src/main.rs"), PathClass::Other);
        assert_eq!(w.classify("examples/demo/Dockerfile"), PathClass::Other);
        assert_eq!(
            w.classify("docs/security/security-architecture.md"),
            PathClass::Other
        );
        assert_eq!(w.classify("docs/security/notes.md"), PathClass::Other);
        assert_eq!(w.classify(".github/secarch.yml"), PathClass::Other);
    }
}
