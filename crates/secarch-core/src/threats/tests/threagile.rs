use std::collections::BTreeMap;

use super::*;
use crate::threats::wildcard_matches;
use ThreatModelFormat::Threagile;

fn with_files(path: &str, files: &[(&str, &str)]) -> Result<Vec<Threat>, LoadError> {
    let map: BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let main = map
        .get(path.rsplit('/').next().unwrap_or(path))
        .cloned()
        .unwrap_or_default();
    parse(Threagile, path, &main, &|rel| map.get(rel).cloned())
}

#[test]
fn wildcards_cover_one_part_each() {
    assert!(wildcard_matches(
        "unencrypted-asset@*",
        "unencrypted-asset@sql-database"
    ));
    assert!(wildcard_matches(
        "ldap-injection@*@ldap-auth-server@*",
        "ldap-injection@a@ldap-auth-server@a>b"
    ));
    assert!(!wildcard_matches(
        "ldap-injection@*@ldap-auth-server@*",
        "ldap-injection@a@other@a>b"
    ));
    assert!(!wildcard_matches("ldap-injection@*@*", "ldap-injection@a")); // too few parts
    assert!(!wildcard_matches("x@*", "x@")); // `*` is one or more characters
    assert!(wildcard_matches("x@*", "x@a@b")); // unanchored end, as in Threagile
    assert!(!wildcard_matches("asset@*", "unencrypted-asset@db")); // anchored start
    assert!(wildcard_matches("x@db-*", "x@db-1"));
    assert!(!wildcard_matches("x@db-*", "x@db-"));
    assert!(wildcard_matches("x@*-*-z", "x@a-b-c-z"));
    assert!(!wildcard_matches("x@*", "y@a"));
}

const MODEL: &str = "\
threagile_version: 1.0.0
title: t
tracking-defaults: &done
  status: mitigated
  justification: done
risk_tracking:
  untrusted-deserialization@erp-system:
    status: accepted
  unencrypted-asset@*:
    <<: *done
  missing-hardening@*:
    status: in-progress
  cross-site-scripting@web:
    status: false-positive
  missing-vault@*:
individual_risk_categories:
  Some Individual Risk Example:
    id: something-strange
    risks_identified:
      <b>Strange</b> at <b>DB</b>:
        severity: elevated
        most_relevant_technical_asset: sql-database
        most_relevant_data_asset: customer-data
      <b>Strange</b> at <b>Web</b>:
        severity: low
        most_relevant_technical_asset: web
";

#[test]
fn tracking_entries_categories_and_individual_risks() {
    let t = with_files("tm/threagile.yaml", &[("threagile.yaml", MODEL)]).unwrap();
    assert_eq!(
        ids(&t),
        [
            "something-strange@sql-database@customer-data",
            "something-strange@web",
            "something-strange",
            "untrusted-deserialization@erp-system",
            "unencrypted-asset@*",
            "missing-hardening@*",
            "cross-site-scripting@web",
            "missing-vault@*",
        ]
    );
    assert_eq!(
        status(&t, "untrusted-deserialization@erp-system"),
        ThreatStatus::Accepted
    );
    assert_eq!(status(&t, "unencrypted-asset@*"), ThreatStatus::Mitigated); // via merge key
    assert_eq!(status(&t, "missing-hardening@*"), ThreatStatus::Open);
    assert_eq!(
        status(&t, "cross-site-scripting@web"),
        ThreatStatus::NotApplicable
    );
    assert_eq!(status(&t, "missing-vault@*"), ThreatStatus::Open); // unchecked
    assert_eq!(status(&t, "something-strange"), ThreatStatus::Open);
    let r = by_id(&t, "something-strange@sql-database@customer-data");
    assert_eq!(
        (r.title.as_str(), r.severity.as_deref()),
        ("Strange at DB", Some("high"))
    );
    assert_eq!(
        (r.path.as_str(), r.pos),
        ("tm/threagile.yaml", Pos::new(20, 7))
    );
    assert_eq!(
        by_id(&t, "something-strange").title,
        "Some Individual Risk Example"
    );
    assert_eq!(by_id(&t, "unencrypted-asset@*").pos, Pos::new(9, 3));
}

#[test]
fn risks_json_beside_the_model() {
    let risks = r#"[
  {"category": "unencrypted-asset", "synthetic_id": "unencrypted-asset@sql-database",
   "severity": "elevated", "title": "<b>Unencrypted</b> asset", "risk_status": "unchecked"},
  {"category": "missing-waf", "synthetic_id": "missing-waf@web", "severity": "medium",
   "title": "No WAF", "risk_status": "accepted"},
  {"category": "missing-hardening", "synthetic_id": "missing-hardening@web", "severity": "low"},
  {"title": "no id"}
]"#;
    let t = with_files(
        "threagile.yaml",
        &[("threagile.yaml", MODEL), ("risks.json", risks)],
    )
    .unwrap();
    assert_eq!(
        &ids(&t)[..3],
        [
            "unencrypted-asset@sql-database",
            "missing-waf@web",
            "missing-hardening@web"
        ]
    );
    let r = by_id(&t, "unencrypted-asset@sql-database");
    // The model's tracking (a wildcard) wins over the status in risks.json.
    assert_eq!(
        (r.status, r.severity.as_deref()),
        (ThreatStatus::Mitigated, Some("high"))
    );
    assert_eq!(
        (r.path.as_str(), r.pos, r.title.as_str()),
        ("risks.json", Pos::new(2, 3), "Unencrypted asset")
    );
    assert_eq!(status(&t, "missing-waf@web"), ThreatStatus::Accepted); // from risks.json
    assert_eq!(status(&t, "missing-hardening@web"), ThreatStatus::Open); // in-progress wildcard
    assert_eq!(t.len(), 3 + 8);

    let e = with_files(
        "threagile.yaml",
        &[("threagile.yaml", MODEL), ("risks.json", "{}")],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("risks.json:1:1: Threagile's risks.json is a list"),
        "{e}"
    );
}

#[test]
fn many_risks_exact_tracking_before_wildcards() {
    // Thousands of risks and tracking entries (looked up, not scanned for: the
    // adapter was quadratic in them). Exact entries win over a wildcard.
    let n = 3000;
    let risks: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{{\"synthetic_id\": \"c{}@a{i}\", \"category\": \"c{}\"}}",
                i % 3,
                i % 3
            )
        })
        .collect();
    let risks = format!("[{}]", risks.join(",\n"));
    let tracking: String = (0..n)
        .step_by(2)
        .map(|i| format!("  c{}@a{i}: {{status: mitigated}}\n", i % 3))
        .collect();
    let model = format!(
        "threagile_version: 1.0.0\nrisk_tracking:\n  c1@*: {{status: accepted}}\n{tracking}"
    );
    let t = with_files(
        "threagile.yaml",
        &[("threagile.yaml", &model), ("risks.json", &risks)],
    )
    .unwrap();
    for i in [0, 1, 2, 3, 4, 5, 2998, 2999] {
        let want = match (i % 2, i % 3) {
            (0, _) => ThreatStatus::Mitigated,
            (_, 1) => ThreatStatus::Accepted,
            _ => ThreatStatus::Open,
        };
        assert_eq!(status(&t, &format!("c{}@a{i}", i % 3)), want, "risk {i}");
    }
}

#[test]
fn includes_are_followed_within_the_model_directory() {
    let main = "threagile_version: 1.0.0\nincludes:\n  - parts/tracking.yaml\n  - ./cats.yaml\n";
    let tracking =
        "includes: [more.yaml, ../../../etc/passwd]\nrisk_tracking:\n  a@*: {status: mitigated}\n";
    let tracking_ok = "includes: [more.yaml]\nrisk_tracking:\n  a@*: {status: mitigated}\n";
    let more = "risk_tracking:\n  b@x: {status: accepted}\nincludes: [tracking.yaml]\n"; // a cycle
    let cats = "custom_risk_categories:\n  - id: c1\n    title: C one\n";
    let e = with_files(
        "m/main.yaml",
        &[
            ("main.yaml", main),
            ("parts/tracking.yaml", tracking),
            ("parts/more.yaml", more),
            ("cats.yaml", cats),
        ],
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("m/parts/tracking.yaml:1:23: include `../../../etc/passwd`"),
        "{msg}"
    );
    assert!(msg.contains("no `..`"), "{msg}");

    let t = with_files(
        "m/main.yaml",
        &[
            ("main.yaml", main),
            ("parts/tracking.yaml", tracking_ok),
            ("parts/more.yaml", more),
            ("cats.yaml", cats),
        ],
    )
    .unwrap();
    assert_eq!(ids(&t), ["c1", "a@*", "b@x"]);
    assert_eq!(by_id(&t, "b@x").path, "m/parts/more.yaml");
    assert_eq!(by_id(&t, "c1").path, "m/cats.yaml");
    assert_eq!(by_id(&t, "c1").status, ThreatStatus::Unknown);

    let e = with_files("m/main.yaml", &[("main.yaml", main)]).unwrap_err();
    assert!(
        e.to_string()
            .contains("`m/parts/tracking.yaml` does not exist"),
        "{e}"
    );
}

#[test]
fn include_depth_is_bounded() {
    // a0 includes a1 includes a2 ... : every file exists, the chain is too deep.
    let files: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("a{i}.yaml"),
                format!("threagile_version: 1\nincludes: [a{}.yaml]\n", i + 1),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let e = with_files("a0.yaml", &refs).unwrap_err();
    assert!(e.to_string().contains("nested deeper than 8 levels"), "{e}");
}

#[test]
fn not_a_threagile_model() {
    let e = p(Threagile, "m.yaml", "otmVersion: 0.2.0\nthreats: []\n").unwrap_err();
    assert!(e.to_string().contains("not a Threagile model"), "{e}");
    // A standalone risk category file declares one category.
    let t = p(
        Threagile,
        "cat.yaml",
        "id: leak\ntitle: Leak\nstride: tampering\n",
    )
    .unwrap();
    assert_eq!(
        (ids(&t), t[0].status),
        (vec!["leak"], ThreatStatus::Unknown)
    );
}
