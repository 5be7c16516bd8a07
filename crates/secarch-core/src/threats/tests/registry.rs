use super::*;
use crate::threats::{Resolution, ThreatRegistry};

fn threat(id: &str, status: ThreatStatus) -> Threat {
    Threat {
        id: id.to_string(),
        title: String::new(),
        severity: None,
        status,
        path: "m".to_string(),
        pos: Pos::new(1, 1),
    }
}

fn registry() -> ThreatRegistry {
    let mut r = ThreatRegistry::default();
    r.insert(
        "threagile",
        [
            threat("unencrypted-asset@*", ThreatStatus::Mitigated),
            threat("unencrypted-asset@db", ThreatStatus::Accepted),
            threat("missing-hardening@*", ThreatStatus::Open),
        ],
    );
    r.insert(
        "otm",
        [
            threat("T-1", ThreatStatus::Open),
            threat("T-2", ThreatStatus::Open),
        ],
    );
    r.insert("native", [threat("T-1", ThreatStatus::Mitigated)]);
    r
}

fn found(r: Resolution<'_>) -> (String, String) {
    match r {
        Resolution::Found { namespace, threat } => (namespace.to_string(), threat.id.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn exact_ids_win_over_wildcards() {
    let r = registry();
    assert_eq!(
        found(r.resolve("threagile:unencrypted-asset@db")).1,
        "unencrypted-asset@db"
    );
    assert_eq!(
        found(r.resolve("threagile:unencrypted-asset@web")).1,
        "unencrypted-asset@*"
    );
    assert_eq!(
        found(r.resolve("unencrypted-asset@web")),
        ("threagile".into(), "unencrypted-asset@*".into())
    );
    assert_eq!(
        found(r.resolve("threagile:unencrypted-asset@*")).1,
        "unencrypted-asset@*"
    );
    assert_eq!(
        r.resolve("threagile:missing-vault@web"),
        Resolution::NotFound
    );
    // A pattern in a reference does not match other patterns.
    assert_eq!(r.resolve("threagile:missing-*@web"), Resolution::NotFound);
    // Wildcards only apply inside their namespace when qualified.
    assert_eq!(r.resolve("otm:unencrypted-asset@web"), Resolution::NotFound);
}

#[test]
fn bare_ids_in_several_namespaces_are_ambiguous() {
    let r = registry();
    assert_eq!(
        r.resolve("T-1"),
        Resolution::Ambiguous(vec!["native", "otm"])
    );
    assert_eq!(found(r.resolve("otm:T-1")), ("otm".into(), "T-1".into()));
    assert_eq!(found(r.resolve("T-2")), ("otm".into(), "T-2".into()));
    assert_eq!(r.resolve("otm:T-9"), Resolution::NotFound);
    assert_eq!(r.len(), 6);
}
