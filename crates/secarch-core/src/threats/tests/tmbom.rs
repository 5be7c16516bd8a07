use super::*;
use ThreatModelFormat::TmBom;

const MODEL: &str = r#"{
  "scope": {"title": "x"},
  "threats": [
    {"symbolic_name": "t-covered", "title": "Covered"},
    {"symbolic_name": "t-wont", "title": "Only a wont_do control"},
    {"symbolic_name": "t-bare", "title": "No control"}
  ],
  "controls": [
    {"symbolic_name": "c1", "threats": ["t-covered"], "status": "suggested"},
    {"symbolic_name": "c2", "threats": ["t-wont", "t-unknown"], "status": "wont_do"}
  ],
  "risks": [
    {"symbolic_name": "r1", "threats": ["t-covered", "t-bare"], "level": "medium"},
    {"symbolic_name": "r2", "threats": ["t-covered"], "level": "very_high"},
    {"symbolic_name": "r3", "threats": ["t-wont"], "level": "very_low"}
  ]
}"#;

#[test]
fn control_links_and_risk_levels() {
    let t = p(TmBom, "tm.json", MODEL).unwrap();
    assert_eq!(ids(&t), ["t-covered", "t-wont", "t-bare"]);
    assert_eq!(status(&t, "t-covered"), ThreatStatus::Mitigated);
    assert_eq!(status(&t, "t-wont"), ThreatStatus::Open);
    assert_eq!(status(&t, "t-bare"), ThreatStatus::Open);
    let sev: Vec<Option<&str>> = t.iter().map(|t| t.severity.as_deref()).collect();
    assert_eq!(sev, [Some("high"), Some("low"), Some("medium")]);
    assert_eq!((t[0].pos, t[0].title.as_str()), (Pos::new(4, 5), "Covered"));
}

#[test]
fn symbolic_names_are_required() {
    let e = p(TmBom, "tm.json", r#"{"threats": [{"title": "x"}]}"#).unwrap_err();
    assert_eq!(err_at(&e).0, Pos::new(1, 14));
    assert!(e.to_string().contains("no `symbolic_name`"));
    let e = p(TmBom, "tm.json", r#"{"controls": []}"#).unwrap_err();
    assert!(e.to_string().contains("no `threats` list"));
}
