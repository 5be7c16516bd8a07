#![no_main]
//! Fuzz the security architecture document parser (front matter and body) and
//! the linter over whatever it parsed.
//!
//! Invariants: no panic; every finding names a rule from `secarch::rule_table::RULES`
//! and its severity is not `off`; findings come out sorted by path, line,
//! column, rule, message, without duplicates.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secarch::lint::{LintInput, lint_parsed};
use secarch::model::{Date, parse_document_bytes};
use secarch::policy::{Policy, Severity};
use secarch::source::MemorySource;
use secarch::threats::ThreatRegistry;

const PATH: &str = "docs/security/security-architecture.md";

fuzz_target!(|data: &[u8]| {
    let parsed = parse_document_bytes(PATH, data);
    assert_eq!(parsed.document.path, PATH);

    // Parsed once: the policy is not under test here.
    static POLICY: OnceLock<Policy> = OnceLock::new();
    let policy = POLICY.get_or_init(Policy::embedded_default);
    let source = MemorySource::default().with(PATH, data);
    let registry = ThreatRegistry::default();
    let Some(today) = Date::new(2026, 6, 15) else {
        return;
    };
    let input = LintInput {
        policy,
        document_path: Some(PATH),
        source: &source,
        registry: &registry,
        load_failures: &[],
        history: None,
        today,
        strict: false,
    };
    let report = lint_parsed(&input, &parsed);

    for f in &report.findings {
        assert!(
            secarch::rule_table::RULES.iter().any(|r| r.id == f.rule),
            "unknown rule id {}",
            f.rule
        );
        assert_ne!(f.severity, Severity::Off, "{} reported while off", f.rule);
    }
    for w in report.findings.windows(2) {
        let key = |f: &secarch::lint::Finding| {
            (
                f.path.clone(),
                f.line,
                f.column,
                f.rule.clone(),
                f.message.clone(),
            )
        };
        assert!(
            key(&w[0]) < key(&w[1]),
            "findings not sorted/deduplicated: {:?} then {:?}",
            w[0],
            w[1]
        );
    }
});
