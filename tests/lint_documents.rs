//! Real documents lint clean: the infusion-gateway example (with its OTM threat
//! model, read by the real adapter) under the default and the `fda` profiles,
//! and secarch's own document.

use secarch::evaluate::lint_at;
use secarch::lint::{LintInput, LintReport, lint};
use secarch::model::Date;
use secarch::policy::{Policy, Severity};
use secarch::source::{MemorySource, WorkTree};
use secarch::threats::ThreatRegistry;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/infusion-gateway");
const DOC: &str = "docs/security/security-architecture.md";
const OTM: &str = "threat-model/gateway.otm.yaml";

fn today() -> Date {
    Date::new(2026, 11, 1).expect("valid date")
}

/// Lint the example the way `secarch lint` does: its OTM model loaded by the
/// real adapter (declared in the document's `threat_models:`).
fn lint_example(policy: &Policy) -> LintReport {
    lint_at(policy, DOC, &WorkTree::new(EXAMPLE), None, today(), true)
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
    // Guard against a linter (or an adapter) that passes everything: drop one
    // trace and the untraced threat (high: likelihood 50 × impact 90) must be
    // reported in the threat model.
    let text = std::fs::read_to_string(format!("{EXAMPLE}/{DOC}")).expect("example document");
    let edited = text.replace("mitigates: [otm:T-MALFORMED-MSG]", "mitigates: []");
    assert_ne!(edited, text);
    let otm = std::fs::read(format!("{EXAMPLE}/{OTM}")).expect("otm");
    let src = MemorySource::default().with(DOC, edited).with(OTM, otm);
    let r = lint_at(&Policy::embedded_default(), DOC, &src, None, today(), false);
    let rules: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(rules, [("SA030", DOC), ("SA032", OTM)]);
    assert!(
        r.findings[1].message.contains("otm:T-MALFORMED-MSG"),
        "{}",
        r.findings[1].message
    );
    assert!(
        r.findings[1].line > 0,
        "the adapter gives the threat's position"
    );
}

#[test]
fn the_example_reports_a_broken_threat_model() {
    let text = std::fs::read_to_string(format!("{EXAMPLE}/{DOC}")).expect("example document");
    let src = MemorySource::default().with(DOC, text).with(
        OTM,
        "otmVersion: 0.2.0\nproject:\n  name: x\n  id: x\nthreats: [unclosed\n",
    );
    let r = lint_at(&Policy::embedded_default(), DOC, &src, None, today(), false);
    let sa033: Vec<(&str, u32)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "SA033")
        .map(|f| (f.path.as_str(), f.line))
        .collect();
    // The syntax error is in the model (the unclosed flow sequence opened on
    // line 5 runs into the end of the file): SA033 points there, not at the
    // document's `threat_models:` entry.
    assert_eq!(sa033.len(), 1, "{:#?}", r.findings);
    assert_eq!(sa033[0].0, OTM, "{:#?}", r.findings);
    assert!(sa033[0].1 >= 5, "{:#?}", r.findings);
    assert!(
        !r.findings.iter().any(|f| f.rule == "SA031"),
        "references into a failed model are not repeated as SA031"
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

#[test]
fn the_example_agrees_with_the_published_document_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(secarch::commands::DOCUMENT_SCHEMA).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let text = std::fs::read_to_string(format!("{EXAMPLE}/{DOC}")).expect("example document");
    let rest = text.strip_prefix("---\n").expect("front matter");
    let front_matter = &rest[..rest.find("\n---\n").expect("closing fence")];
    let value: serde_json::Value = serde_saphyr::from_str(front_matter).expect("YAML");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_threat_model_error_points_at_its_line_and_column() {
    let text = std::fs::read_to_string(format!("{EXAMPLE}/{DOC}")).expect("example document");
    // Line 3 maps a key inside a plain scalar's line: a YAML syntax error there.
    let model = "otmVersion: 0.2.0\nproject:\n  name: x: y\n  id: x\n";
    let src = MemorySource::default().with(DOC, text).with(OTM, model);
    let r = lint_at(&Policy::embedded_default(), DOC, &src, None, today(), false);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "SA033")
        .unwrap_or_else(|| panic!("no SA033: {:#?}", r.findings));
    assert_eq!((f.path.as_str(), f.line), (OTM, 3), "{f:#?}");
    assert!(f.column > 0, "{f:#?}");
}

#[test]
fn a_missing_threat_model_points_at_the_declaring_entry() {
    let text = std::fs::read_to_string(format!("{EXAMPLE}/{DOC}")).expect("example document");
    let src = MemorySource::default().with(DOC, text);
    let r = lint_at(&Policy::embedded_default(), DOC, &src, None, today(), false);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "SA033")
        .unwrap_or_else(|| panic!("no SA033: {:#?}", r.findings));
    assert_eq!((f.path.as_str(), f.line), (DOC, 9), "{f:#?}");
}
