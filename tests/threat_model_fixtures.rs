//! Every threat model in `../shared/fixtures` in the five supported formats loads
//! with the expected threats; the documented negative examples fail cleanly.
//!
//! Expected numbers were computed independently (Python over the JSON/YAML, with
//! the status rules written down in each adapter's module doc), not by running
//! this code.

use secarch::policy::{ThreatModelFormat, ThreatModelRef};
use secarch::position::Pos;
use secarch::source::WorkTree;
use secarch::testing::skip_without_fixtures;
use secarch::threats::{LoadError, Resolution, Threat, ThreatStatus, build_registry, detect, load};

use ThreatModelFormat::{Otm, Threagile, ThreatDragon, TmBom};

/// (format, path, (total, open, mitigated, accepted, not-applicable, unknown)).
/// (total, open, mitigated, accepted, not-applicable, unknown)
type Counts = (usize, usize, usize, usize, usize, usize);

const MODELS: &[(ThreatModelFormat, &str, Counts)] = &[
    (
        Otm,
        "open-threat-model/spec/EXAMPLE.json",
        (1, 1, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/spec/EXAMPLE.yaml",
        (1, 1, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/cft_example.yaml",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/manual_threat_model.yaml",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/minimal_content.yaml",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/mtmt_example.yaml",
        (43, 43, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/otm_file_example.otm.json",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        Otm,
        "open-threat-model/startleft-examples/visio_example.yaml",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/generic-cms.json",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/iot-device.json",
        (4, 3, 1, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/payment-online.json",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/three-tier-web-app.json",
        (2, 0, 2, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/v1-demo-threat-model.json",
        (14, 10, 4, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/v1-enter-the-dragon-3.json",
        (3, 1, 1, 0, 1, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/v2-new-model.json",
        (0, 0, 0, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/v2-threat-model.json",
        (14, 10, 4, 0, 0, 0),
    ),
    (
        ThreatDragon,
        "threat-dragon/models/v2-threat-model.v2.0.json",
        (14, 10, 4, 0, 0, 0),
    ),
    (
        TmBom,
        "owasp-threat-model-library/ephemeral-browser-isolation-threat-model.json",
        (11, 1, 10, 0, 0, 0),
    ),
    (
        TmBom,
        "owasp-threat-model-library/husky-ai-threat-model.json",
        (9, 0, 9, 0, 0, 0),
    ),
    (
        TmBom,
        "threat-dragon/tmbom/huskyai.tmbom.json",
        (9, 0, 9, 0, 0, 0),
    ),
    (
        Threagile,
        "threagile/example-threagile.yaml",
        (9, 4, 4, 1, 0, 0),
    ),
    (
        Threagile,
        "threagile/stub-threagile.yaml",
        (2, 2, 0, 0, 0, 0),
    ),
    (
        Threagile,
        "threagile/split-model/main.yaml",
        (9, 4, 4, 1, 0, 0),
    ),
    (
        Threagile,
        "threagile/split-model/risk-category.yaml",
        (1, 0, 0, 0, 0, 1),
    ),
];

/// Threat Dragon's own negative test models (see the fixtures README).
const NEGATIVE: &[(ThreatModelFormat, &str)] = &[
    (
        ThreatDragon,
        "threat-dragon/negative/malformed-new-model.json",
    ),
    (
        ThreatDragon,
        "threat-dragon/negative/v2-malformed-new-model.json",
    ),
];

fn reference(format: ThreatModelFormat, path: &str) -> ThreatModelRef {
    ThreatModelRef {
        format,
        path: path.to_string(),
        namespace: None,
    }
}

fn summary(threats: &[Threat]) -> Counts {
    let n = |s: ThreatStatus| threats.iter().filter(|t| t.status == s).count();
    (
        threats.len(),
        n(ThreatStatus::Open),
        n(ThreatStatus::Mitigated),
        n(ThreatStatus::Accepted),
        n(ThreatStatus::NotApplicable),
        n(ThreatStatus::Unknown),
    )
}

#[test]
fn every_fixture_model_loads_with_the_expected_threats() {
    let Some(dir) = skip_without_fixtures("every_fixture_model_loads_with_the_expected_threats")
    else {
        return;
    };
    let src = WorkTree::new(&dir);
    for (format, path, expected) in MODELS {
        let threats = load(&reference(*format, path), &src)
            .unwrap_or_else(|e| panic!("{path} should load: {e}"));
        assert_eq!(
            summary(&threats),
            *expected,
            "{path}: (total, open, mitigated, accepted, n/a, unknown)"
        );
        for t in &threats {
            assert!(t.pos.is_known(), "{path}: threat {} has no position", t.id);
            assert!(!t.id.is_empty(), "{path}: empty id");
        }
    }
}

#[test]
fn negative_examples_fail_with_a_reason() {
    let Some(dir) = skip_without_fixtures("negative_examples_fail_with_a_reason") else {
        return;
    };
    let src = WorkTree::new(&dir);
    for (format, path) in NEGATIVE {
        match load(&reference(*format, path), &src) {
            Err(e @ LoadError::Shape { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("detail.diagrams"), "{path}: {msg}");
                assert!(msg.contains("check `format:`"), "{path}: {msg}");
            }
            other => panic!("{path}: expected a shape error, got {other:?}"),
        }
    }
}

#[test]
fn positions_point_at_the_threat_nodes() {
    let Some(dir) = skip_without_fixtures("positions_point_at_the_threat_nodes") else {
        return;
    };
    let src = WorkTree::new(&dir);
    let find = |format, path: &str, id: &str| -> Threat {
        let threats = load(&reference(format, path), &src).expect("loads");
        threats
            .into_iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("{path}: no threat {id}"))
    };
    // Lines found with grep; columns are where the threat's mapping starts.
    let t = find(
        Otm,
        "open-threat-model/startleft-examples/mtmt_example.yaml",
        "55",
    );
    assert_eq!(t.pos, Pos::new(447, 5));
    assert_eq!(t.severity.as_deref(), Some("critical")); // impact 100 × likelihood 100
    let t = find(ThreatDragon, "threat-dragon/models/iot-device.json", "6");
    assert_eq!(t.pos, Pos::new(1844, 17));
    assert_eq!(
        (t.title.as_str(), t.severity.as_deref()),
        ("IoT configuration changed", Some("medium"))
    );
    let t = find(
        TmBom,
        "owasp-threat-model-library/husky-ai-threat-model.json",
        "buffer-overflow-image-processing",
    );
    assert_eq!(t.pos, Pos::new(722, 5));
    let t = find(
        Threagile,
        "threagile/example-threagile.yaml",
        "unencrypted-asset@*",
    );
    assert_eq!(
        (t.pos, t.status),
        (Pos::new(1313, 3), ThreatStatus::Mitigated)
    );
    let t = find(
        Threagile,
        "threagile/example-threagile.yaml",
        "something-strange@sql-database",
    );
    assert_eq!(t.pos, Pos::new(1263, 7));
    assert_eq!(
        (t.title.as_str(), t.severity.as_deref()),
        ("Example Individual Risk at Database", Some("critical"))
    );
    // Threats from an included file carry that file's path.
    let t = find(
        Threagile,
        "threagile/split-model/main.yaml",
        "unencrypted-asset@*",
    );
    assert_eq!(
        (t.path.as_str(), t.pos.line),
        ("threagile/split-model/risk_tracking.yaml", 26)
    );
}

#[test]
fn one_registry_over_several_models() {
    let Some(dir) = skip_without_fixtures("one_registry_over_several_models") else {
        return;
    };
    let src = WorkTree::new(&dir);
    let mut husky_again = reference(TmBom, "threat-dragon/tmbom/huskyai.tmbom.json");
    husky_again.namespace = Some("td-husky".to_string());
    let refs = vec![
        reference(Threagile, "threagile/example-threagile.yaml"),
        reference(
            TmBom,
            "owasp-threat-model-library/husky-ai-threat-model.json",
        ),
        husky_again,
        reference(
            ThreatDragon,
            "threat-dragon/negative/malformed-new-model.json",
        ),
        reference(Otm, "threat-model/missing.otm.yaml"),
    ];
    let (registry, failures) = build_registry(&refs, &src);
    assert_eq!(registry.len(), 9 + 9 + 9);
    let failed: Vec<(&str, &str)> = failures
        .iter()
        .map(|f| (f.path.as_str(), f.namespace.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "threat-dragon/negative/malformed-new-model.json",
                "threat-dragon"
            ),
            ("threat-model/missing.otm.yaml", "otm"),
        ]
    );
    assert!(
        failures[1].reason.contains("does not exist"),
        "{}",
        failures[1].reason
    );

    // A concrete risk id resolves to the wildcard entry that tracks it.
    match registry.resolve("threagile:unencrypted-asset@sql-database") {
        Resolution::Found { namespace, threat } => {
            assert_eq!(
                (namespace, threat.id.as_str()),
                ("threagile", "unencrypted-asset@*")
            );
            assert_eq!(threat.status, ThreatStatus::Mitigated);
        }
        other => panic!("{other:?}"),
    }
    // The same bare id in two namespaces must be qualified.
    assert_eq!(
        registry.resolve("model-tampering"),
        Resolution::Ambiguous(vec!["td-husky", "tm-bom"])
    );
    assert!(matches!(
        registry.resolve("td-husky:model-tampering"),
        Resolution::Found {
            namespace: "td-husky",
            ..
        }
    ));
}

#[test]
fn detect_recognises_the_fixture_models_and_nothing_else() {
    let Some(dir) = skip_without_fixtures("detect_recognises_the_fixture_models_and_nothing_else")
    else {
        return;
    };
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    for (format, path, _) in MODELS {
        let expected = if path.ends_with("risk-category.yaml") {
            None // a category definition, not a model
        } else {
            Some(*format)
        };
        assert_eq!(detect(path, &read(path)), expected, "{path}");
    }
    let not_models = [
        "threat-dragon/negative/malformed-new-model.json",
        "threat-dragon/negative/v2-malformed-new-model.json",
        "threat-dragon/schemas/threat-dragon-v2.schema.json",
        "threat-dragon/schemas/threat-model.schema.json",
        "owasp-threat-model-library/threat-model.schema.json",
        "open-threat-model/spec/otm_schema.json",
        "open-threat-model/startleft-iac-inputs/iriusrisk-cft-mapping.yaml",
        "open-threat-model/startleft-iac-inputs/multinetwork_security_groups_with_lb.json",
        "threagile/schema.json",
        "threagile/technologies.yaml",
        "threagile/split-model/risk_tracking.yaml",
        "threagile/split-model/technical_assets.yaml",
        "apache-threat-models/groovy/threat-model.yaml",
        "pytm/sample-tm-output.json",
        "pytm/threatlib-threats.json",
        "cyclonedx/tmbom-threat-dragon/tmbom-otm-example.cdx.json",
        "finos-calm/architectures/trading-system.architecture.json",
        "open-threat-model/spec/OTM-README.md",
    ];
    for path in not_models {
        assert_eq!(detect(path, &read(path)), None, "{path}");
    }
}
