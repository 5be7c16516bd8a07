use super::*;
use crate::threats::{NativeThreat, parse_native_threats};
use ThreatModelFormat::Native;

const MODEL: &str = "\
# our threats
threats:
  - id: T-01
    title: Spoofed pump
    severity: High
    status: mitigated
  - {id: T-02, title: Tampered firmware, severity: critical, status: accepted}
  - id: T-03
    status: not-applicable
    owner: someone      # unknown keys are ignored
  - id: T-04
    status: not_applicable
  - id: 5
";

#[test]
fn statuses_severities_and_positions() {
    let t = p(Native, "threat-model.yaml", MODEL).unwrap();
    assert_eq!(ids(&t), ["T-01", "T-02", "T-03", "T-04", "5"]);
    let statuses: Vec<ThreatStatus> = t.iter().map(|t| t.status).collect();
    assert_eq!(
        statuses,
        [
            ThreatStatus::Mitigated,
            ThreatStatus::Accepted,
            ThreatStatus::NotApplicable,
            ThreatStatus::NotApplicable,
            ThreatStatus::Open, // no status: open
        ]
    );
    assert_eq!(t[0].severity.as_deref(), Some("high"));
    assert_eq!(t[1].severity.as_deref(), Some("critical"));
    assert_eq!(t[2].severity, None);
    assert_eq!(t[0].title, "Spoofed pump");
    assert_eq!(t[0].pos, Pos::new(3, 5));
    assert_eq!(t[1].pos, Pos::new(7, 5));
    assert_eq!(t[4].pos, Pos::new(13, 5));
    assert_eq!(t[0].path, "threat-model.yaml");
}

#[test]
fn a_misspelt_status_is_an_error_at_its_line() {
    let e = p(
        Native,
        "tm.yaml",
        "threats:\n  - id: T-1\n    status: mitgated\n",
    )
    .unwrap_err();
    let (pos, msg) = err_at(&e);
    assert_eq!(pos, Pos::new(3, 13));
    assert!(
        msg.contains("status `mitgated` is not one of open, accepted, mitigated, not-applicable"),
        "{msg}"
    );
    let e = p(
        Native,
        "tm.yaml",
        "threats:\n  - id: T-1\n    severity: urgent\n",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("severity `urgent` is not one of info, low, medium, high, critical")
    );
}

#[test]
fn ids_are_required_and_unique() {
    let e = p(
        Native,
        "tm.yaml",
        "threats:\n  - id: T-1\n  - title: no id\n",
    )
    .unwrap_err();
    let (pos, msg) = err_at(&e);
    assert_eq!(pos.line, 3);
    assert!(msg.contains("has no `id`"), "{msg}");
    let e = p(Native, "tm.yaml", "threats:\n  - id: T-1\n  - id: T-1\n").unwrap_err();
    let (pos, msg) = err_at(&e);
    assert_eq!(pos.line, 3);
    assert!(msg.contains("`T-1` is already used at line 2"), "{msg}");
}

#[test]
fn wrong_shapes_are_explained() {
    let e = p(Native, "tm.yaml", "risks: []\n").unwrap_err();
    assert!(e.to_string().contains("no `threats:` list"), "{e}");
    let e = p(Native, "tm.yaml", "threats: T-1\n").unwrap_err();
    assert!(e.to_string().contains("`threats:` is a string"), "{e}");
    let e = p(Native, "tm.yaml", "threats:\n  - T-1\n").unwrap_err();
    assert!(e.to_string().contains("a threat is a string"), "{e}");
    // An empty list is a valid (if empty) model; so is `threats:` with nothing.
    assert!(p(Native, "tm.yaml", "threats: []\n").unwrap().is_empty());
    assert!(p(Native, "tm.yaml", "threats:\n").unwrap().is_empty());
}

#[test]
fn front_matter_threats_with_a_line_offset() {
    // The front matter starts on line 2 of the document (after `---`).
    let fm = "schema: secarch/v1\nthreats:\n  - {id: T-9, severity: low}\n";
    let t = parse_native_threats("docs/sad.md", fm, 2).unwrap();
    assert_eq!((t[0].id.as_str(), t[0].pos), ("T-9", Pos::new(4, 5)));
    assert_eq!(t[0].path, "docs/sad.md");
    assert!(
        parse_native_threats("docs/sad.md", "schema: secarch/v1\n", 2)
            .unwrap()
            .is_empty()
    );
    let e = parse_native_threats("docs/sad.md", "a: [\n", 2).unwrap_err();
    assert!(matches!(e, LoadError::Syntax { line: 2, .. }), "{e:?}");
}

#[test]
fn native_threat_struct_for_other_deserializers() {
    #[derive(serde::Deserialize)]
    struct Fm {
        threats: Vec<NativeThreat>,
    }
    let fm: Fm =
        serde_saphyr::from_str("threats:\n  - id: 7\n    status: Accepted\n    extra: 1\n")
            .unwrap();
    let t = fm.threats[0].to_threat("x.md").unwrap();
    assert_eq!(
        (t.id.as_str(), t.status, t.pos),
        ("7", ThreatStatus::Accepted, Pos::new(2, 9))
    );
    let fm: Fm = serde_saphyr::from_str("threats:\n  - id: T\n    status: done\n").unwrap();
    assert!(fm.threats[0].to_threat("x.md").is_err());
}

#[test]
fn yaml_tags_and_odd_scalars_do_not_break_parsing() {
    let t = p(
        Native,
        "tm.yaml",
        "threats:\n  - id: !custom T-1\n  - id: !!str 2\n  - id: T-3\n    title: !!binary aGVsbG8=\n",
    );
    // Tags are dropped; `!!binary` decodes to its bytes.
    let t = t.unwrap();
    assert_eq!(ids(&t), ["T-1", "2", "T-3"]);
    assert_eq!(t[2].title, "hello");
}
