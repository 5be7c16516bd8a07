use super::*;
use ThreatModelFormat::ThreatDragon;

const V2: &str = r#"{
  "version": "2.3.0",
  "summary": {"title": "Demo"},
  "detail": {
    "diagrams": [
      {
        "cells": [
          {"id": "cell-a", "data": {"type": "tm.Process", "threats": [
            {"id": "uuid-1", "number": 6, "title": "Numbered", "status": "Open", "severity": "High"},
            {"id": "uuid-2", "title": "Uuid only", "status": "Mitigated", "severity": "TBA"},
            {"title": "Nothing", "status": "NA", "severity": "Low"},
            {"title": "No status"},
            "not a threat"
          ]}},
          {"id": "cell-b", "data": {"type": "tm.Flow"}},
          {"data": {"threats": [{"status": "Not Applicable", "severity": "medium"}]}}
        ]
      },
      "not a diagram"
    ]
  }
}"#;

#[test]
fn v2_ids_statuses_severities() {
    let t = p(ThreatDragon, "td.json", V2).unwrap();
    assert_eq!(
        ids(&t),
        ["6", "uuid-2", "cell-a#3", "cell-a#4", "diagram1-cell3#1"]
    );
    let st: Vec<ThreatStatus> = t.iter().map(|t| t.status).collect();
    assert_eq!(
        st,
        [
            ThreatStatus::Open,
            ThreatStatus::Mitigated,
            ThreatStatus::NotApplicable,
            ThreatStatus::Unknown,
            ThreatStatus::NotApplicable
        ]
    );
    let sev: Vec<Option<&str>> = t.iter().map(|t| t.severity.as_deref()).collect();
    assert_eq!(sev, [Some("high"), None, Some("low"), None, Some("medium")]);
    assert_eq!(t[0].title, "Numbered");
    assert_eq!(t[0].pos, Pos::new(9, 13));
    assert_eq!(t[4].pos, Pos::new(16, 33));
}

#[test]
fn v1_threats_live_in_diagram_json() {
    let v1 = r#"{"summary": {"title": "Old"}, "detail": {"diagrams": [
  {"diagramJson": {"cells": [
    {"id": "c1", "threats": [
      {"threatId": "tid-1", "title": "A", "status": "Open", "severity": "Medium"},
      {"title": "B", "status": "Mitigated"}]}]}}]}}"#;
    let t = p(ThreatDragon, "td.json", v1).unwrap();
    assert_eq!(ids(&t), ["tid-1", "c1#2"]);
    assert_eq!(t[1].status, ThreatStatus::Mitigated);
    assert_eq!(t[0].pos, Pos::new(4, 7));
}

#[test]
fn broken_models_say_why() {
    for (text, expect) in [
        (
            r#"{"summary": {}, "details": {"diagrams": []}}"#,
            "top-level keys: summary, details",
        ),
        (
            r#"{"detail": {"diagrams": {}}}"#,
            "no `detail.diagrams` list",
        ),
        ("[]", "top-level keys: none"),
        ("", "top-level keys: none"),
    ] {
        let e = p(ThreatDragon, "td.json", text).unwrap_err();
        assert!(e.to_string().contains(expect), "{text}: {e}");
    }
    // A JSON syntax error has its line and column.
    let e = p(ThreatDragon, "td.json", "{\"detail\": {\"diagrams\": [}\n").unwrap_err();
    assert_eq!(err_at(&e).0, Pos::new(1, 26));
}
