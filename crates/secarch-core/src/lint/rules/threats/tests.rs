use crate::lint::ThreatModelFailure;
use crate::lint::testkit::*;
use crate::policy::{ThreatModelFormat, ThreatModelRef};
use crate::threats::ThreatStatus;

#[test]
fn sa030_fires_for_a_control_that_mitigates_nothing() {
    let doc = clean_doc().replace("mitigates: [otm:T-3]", "mitigates: []");
    let mut k = Kit::new();
    k.policy
        .lint
        .severity
        .insert("SA032".into(), crate::policy::Severity::Off);
    let r = k.lint(&doc);
    let f = only(&r, "SA030");
    assert_eq!(
        (f.line, f.column),
        (line_of(&doc, "id: SC-03"), col_of(&doc, "SC-03"))
    );
    assert!(f.message.starts_with("control SC-03 mitigates no threat"));
}

#[test]
fn sa030_negative_every_control_traces() {
    assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA030"));
}

#[test]
fn sa031_fires_for_unknown_ids_with_a_suggestion() {
    let doc = clean_doc().replace(
        "mitigates: [otm:T-3]",
        "mitigates: [otm:T-3, otm:T-33, stride:X]",
    );
    let r = Kit::new().lint(&doc);
    assert_eq!(
        messages(&r, "SA031"),
        [
            "control SC-03: threat otm:T-33 is not in any threat model; did you mean otm:T-3? correct the reference or add the threat to the model (loaded namespaces: otm)",
            "control SC-03: threat stride:X is not in any threat model; correct the reference or add the threat to the model (loaded namespaces: otm)",
        ]
    );
    let f = r.findings.iter().find(|f| f.rule == "SA031").unwrap();
    assert_eq!(
        (f.line, f.column),
        (line_of(&doc, "otm:T-33"), col_of(&doc, "otm:T-33"))
    );
}

#[test]
fn sa031_fires_for_an_ambiguous_bare_id() {
    let mut k = Kit::new();
    k.registry
        .insert("stride", [threat("T-2", "low", ThreatStatus::Accepted)]);
    let r = k.lint(CLEAN_DOC);
    assert_eq!(
        messages(&r, "SA031"),
        [
            "control SC-02: threat T-2 exists in several threat models (otm, stride); qualify it, e.g. otm:T-2"
        ]
    );
}

#[test]
fn sa031_negative_failed_model_and_native_threats() {
    let doc = clean_doc()
        .replace("mitigates: [otm:T-3]", "mitigates: [otm:T-3, tm2:T-9, native:N-1, N-2]")
        .replace("reviews:\n", "threats:\n  - {id: N-1, title: Replay, severity: high, status: open}\n  - {id: N-2, title: Flood, severity: low}\nreviews:\n");
    let mut k = Kit::new();
    k.failures.push(ThreatModelFailure {
        path: "tm2.yaml".into(),
        namespace: "tm2".into(),
        reason: "file not found".into(),
        line: 0,
        column: 0,
    });
    let r = k.lint(&doc);
    assert!(!has(&r, "SA031"), "{:#?}", r.findings);
    assert!(!has(&r, "SA032"), "{:#?}", r.findings);
    assert!(has(&r, "SA033"));
}

#[test]
fn sa032_fires_for_untraced_threats_at_or_above_threshold() {
    let mut k = Kit::new();
    k.registry.insert(
        "otm",
        [
            threat("T-6", "critical", ThreatStatus::Open),
            threat("T-7", "high", ThreatStatus::Mitigated),
            threat("T-8", "medium", ThreatStatus::Open),
            threat("T-9", "high", ThreatStatus::Accepted),
            threat("T-10", "critical", ThreatStatus::NotApplicable),
        ],
    );
    let r = k.lint(CLEAN_DOC);
    assert_eq!(
        messages(&r, "SA032"),
        [
            "critical threat otm:T-6 \"threat T-6\" is not mitigated by any control; add otm:T-6 to the mitigates of the control that handles it, or accept it in the threat model",
            "high threat otm:T-7 \"threat T-7\" is not mitigated by any control (the model marks it mitigated, but no control in the document traces to it); add otm:T-7 to the mitigates of the control that handles it, or accept it in the threat model",
        ]
    );
    let f = r.findings.iter().find(|f| f.rule == "SA032").unwrap();
    assert_eq!(
        (f.path.as_str(), f.line, f.column),
        ("threat-model/gw.otm.yaml", 10, 5)
    );
    assert_eq!(f.severity, crate::policy::Severity::Warning);
}

#[test]
fn sa032_negative_threshold_and_unknown_severity() {
    let mut k = Kit::new();
    k.policy.lint.severity_threshold = "critical".into();
    let mut t = threat("T-11", "high", ThreatStatus::Open);
    k.registry.insert("otm", [t.clone()]);
    t.id = "T-12".into();
    t.severity = None;
    k.registry.insert("otm", [t]);
    assert!(!has(&k.lint(CLEAN_DOC), "SA032"));
}

#[test]
fn sa033_points_at_the_declaring_entry() {
    let mut k = Kit::new();
    k.failures.push(ThreatModelFailure {
        path: "threat-model/gw.otm.yaml".into(),
        namespace: "otm".into(),
        reason: "line 3: not an OTM file (no otmVersion)".into(),
        line: 0,
        column: 0,
    });
    k.policy.threat_models.push(ThreatModelRef {
        format: ThreatModelFormat::Threagile,
        path: "threagile.yaml".into(),
        namespace: None,
    });
    k.failures.push(ThreatModelFailure {
        path: "threagile.yaml".into(),
        namespace: "threagile".into(),
        reason: "file not found; check the path under threat_models".into(),
        line: 0,
        column: 0,
    });
    let r = k.lint(CLEAN_DOC);
    let got: Vec<(&str, u32, &str)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "SA033")
        .map(|f| (f.path.as_str(), f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                ".github/secarch.yml",
                0,
                "threat model threagile.yaml (namespace threagile) could not be loaded: file not found; check the path under threat_models; its threats cannot be traced until it loads"
            ),
            (
                DOC_PATH,
                line_of(CLEAN_DOC, "{format: otm"),
                "threat model threat-model/gw.otm.yaml (namespace otm) could not be loaded: line 3: not an OTM file (no otmVersion); its threats cannot be traced until it loads"
            ),
        ]
    );
}

#[test]
fn sa033_reported_even_without_a_document() {
    let mut k = Kit::new();
    k.failures.push(ThreatModelFailure {
        path: "x.otm.yaml".into(),
        namespace: "otm".into(),
        reason: "file not found".into(),
        line: 0,
        column: 0,
    });
    let r = k.lint_source(&crate::source::MemorySource::default(), None);
    assert_eq!(rules_of(&r), ["SA001", "SA033"]);
}

#[test]
fn sa033_negative_when_everything_loads() {
    assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA033"));
}

#[test]
fn sa033_points_into_the_model_when_the_position_is_known() {
    let mut k = Kit::new();
    k.failures.push(ThreatModelFailure {
        path: "./threat-model/gw.otm.yaml".into(),
        namespace: "otm".into(),
        reason: "threat-model/gw.otm.yaml:7:3: syntax error".into(),
        line: 7,
        column: 3,
    });
    let r = k.lint(CLEAN_DOC);
    let got: Vec<(&str, u32, u32)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "SA033")
        .map(|f| (f.path.as_str(), f.line, f.column))
        .collect();
    assert_eq!(got, [("threat-model/gw.otm.yaml", 7, 3)]);
}
