//! Real documents lint clean: the infusion-gateway example (with its OTM threat
//! model) under the default and the `fda` profiles, and secarch's own document.

use secarch::lint::{LintInput, LintReport, lint};
use secarch::model::Date;
use secarch::policy::{Policy, Severity};
use secarch::position::Pos;
use secarch::source::{FileSource, WorkTree};
use secarch::threats::{Threat, ThreatRegistry, ThreatStatus};

/// A minimal OTM reader for this test only (the real adapters live in
/// `secarch::threats`): threat ids, names, a severity from `risk.impact`, and
/// the state given where components and dataflows reference the threat.
fn read_otm(src: &dyn FileSource, path: &str) -> Vec<Threat> {
    let bytes = src.read(path).expect("readable").expect("present");
    let text = String::from_utf8(bytes).expect("utf-8");
    let v: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    let mut states = std::collections::BTreeMap::new();
    for list in ["components", "dataflows"] {
        for element in v[list].as_array().into_iter().flatten() {
            for t in element["threats"].as_array().into_iter().flatten() {
                if let (Some(id), Some(state)) = (t["threat"].as_str(), t["state"].as_str()) {
                    states.insert(id.to_string(), state.to_string());
                }
            }
        }
    }
    v["threats"]
        .as_array()
        .expect("threats list")
        .iter()
        .map(|t| {
            let id = t["id"].as_str().expect("threat id").to_string();
            let impact = t["risk"]["impact"].as_f64().unwrap_or(0.0);
            let severity = match impact {
                i if i >= 90.0 => "critical",
                i if i >= 70.0 => "high",
                i if i >= 40.0 => "medium",
                _ => "low",
            };
            Threat {
                title: t["name"].as_str().unwrap_or_default().to_string(),
                severity: Some(severity.to_string()),
                status: match states.get(&id).map(String::as_str) {
                    Some("mitigated") => ThreatStatus::Mitigated,
                    Some("accepted") => ThreatStatus::Accepted,
                    Some("not-applicable") => ThreatStatus::NotApplicable,
                    Some(_) => ThreatStatus::Open,
                    None => ThreatStatus::Unknown,
                },
                id,
                path: path.to_string(),
                pos: Pos::UNKNOWN,
            }
        })
        .collect()
}

fn lint_example(policy: &Policy) -> LintReport {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/infusion-gateway");
    let src = WorkTree::new(root);
    let mut registry = ThreatRegistry::default();
    registry.insert("otm", read_otm(&src, "threat-model/gateway.otm.yaml"));
    assert_eq!(registry.len(), 14);
    let input = LintInput {
        policy,
        document_path: None,
        source: &src,
        registry: &registry,
        load_failures: &[],
        history: None,
        today: Date::new(2026, 11, 1).expect("valid date"),
        strict: true,
    };
    lint(&input)
}

#[test]
fn infusion_gateway_example_lints_clean() {
    let r = lint_example(&Policy::embedded_default());
    assert_eq!(
        r.document.as_deref(),
        Some("docs/security/security-architecture.md")
    );
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
}

#[test]
fn infusion_gateway_example_lints_clean_under_the_fda_profile() {
    let mut policy = Policy::embedded_default();
    policy.lint.profiles.push("fda".to_string());
    let r = lint_example(&policy);
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
}

#[test]
fn the_example_fails_when_a_threat_loses_its_control() {
    // Guard against a linter that passes everything: drop one trace and the
    // untraced critical threat must be reported in the threat model.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/infusion-gateway");
    let doc_path = "docs/security/security-architecture.md";
    let text = std::fs::read_to_string(format!("{root}/{doc_path}")).expect("example document");
    let edited = text.replace("mitigates: [otm:T-MALICIOUS-UPDATE]", "mitigates: []");
    assert_ne!(edited, text);
    let otm = std::fs::read(format!("{root}/threat-model/gateway.otm.yaml")).expect("otm");
    let src = secarch::source::MemorySource::default()
        .with(doc_path, edited)
        .with("threat-model/gateway.otm.yaml", otm);
    let mut registry = ThreatRegistry::default();
    registry.insert("otm", read_otm(&src, "threat-model/gateway.otm.yaml"));
    let policy = Policy::embedded_default();
    let input = LintInput {
        policy: &policy,
        document_path: Some(doc_path),
        source: &src,
        registry: &registry,
        load_failures: &[],
        history: None,
        today: Date::new(2026, 11, 1).expect("valid date"),
        strict: false,
    };
    let r = lint(&input);
    let rules: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("SA030", doc_path),
            ("SA032", "threat-model/gateway.otm.yaml")
        ]
    );
}

#[test]
fn secarchs_own_document_has_no_lint_errors() {
    let src = WorkTree::new(env!("CARGO_MANIFEST_DIR"));
    let policy = Policy::embedded_default();
    let registry = ThreatRegistry::default();
    let input = LintInput {
        policy: &policy,
        document_path: None,
        source: &src,
        registry: &registry,
        load_failures: &[],
        history: None,
        today: Date::today_utc(),
        strict: false,
    };
    let r = lint(&input);
    assert_eq!(
        r.document.as_deref(),
        Some("docs/security/security-architecture.md")
    );
    let errors: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
