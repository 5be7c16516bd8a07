//! The JSON Schemas `secarch schema` prints agree with what the parsers accept.

mod common;

use secarch::commands::{DOCUMENT_SCHEMA, INIT_FILES, POLICY_SCHEMA};
use secarch::policy::parse_policy;

fn validator(text: &str) -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("yaml")
}

fn front_matter(doc: &str) -> &str {
    let rest = doc.strip_prefix("---\n").expect("front matter");
    &rest[..rest.find("\n---\n").expect("end")]
}

const README_POLICY: &str = r#"
document: docs/security/security-architecture.md
threat_models:
  - {format: otm, path: threat-model/gateway.otm.yaml, namespace: otm}
watch:
  use_defaults: true
  include: {container: ["deploy/**/*.nomad"]}
  exclude: ["**/examples/**"]
  dependencies: {npm: ["my-http-lib"]}
check:
  name: security-architecture
signoff:
  reviewers:
    users: [dana-ortiz]
    teams: [acme/security-architects]
  min_permission: maintain
  required: 1
  accept_reviews: true
  no_change_rationale_min: 20
lint:
  profiles: [iec81001-5-1]
  severity: {SA054: error}
  max_review_age_days: 365
  strict: false
  severity_threshold: high
"#;

#[test]
fn policy_schema_accepts_what_the_parser_accepts() {
    let v = validator(POLICY_SCHEMA);
    assert!(v.is_valid(&yaml(README_POLICY)));
    parse_policy(Some(("p.yml", README_POLICY))).expect("parser accepts the README policy");
    let init_policy = INIT_FILES[1].1;
    assert!(v.is_valid(&yaml(init_policy)));
    parse_policy(Some(("p.yml", init_policy))).expect("parser accepts the init policy");
}

#[test]
fn policy_schema_rejects_what_the_parser_rejects() {
    let v = validator(POLICY_SCHEMA);
    for bad in [
        "signof: {required: 1}\n",
        "lint: {profiles: [hipaa]}\n",
        "signoff: {min_permission: owner}\n",
        "threat_models: [{format: visio, path: a}]\n",
    ] {
        assert!(!v.is_valid(&yaml(bad)), "schema accepted {bad}");
        assert!(
            parse_policy(Some(("p.yml", bad))).is_err(),
            "parser accepted {bad}"
        );
    }
}

#[test]
fn document_schema_accepts_the_documents_we_ship() {
    let v = validator(DOCUMENT_SCHEMA);
    let docs = [
        common::good_document(),
        INIT_FILES[0].1.to_string(),
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs/security/security-architecture.md"),
        )
        .unwrap(),
    ];
    for d in &docs {
        let fm = yaml(front_matter(d));
        let errors: Vec<String> = v
            .iter_errors(&fm)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let typo = yaml("schema: secarch/v1\ncontrol: []\n");
    assert!(!v.is_valid(&typo));
}
