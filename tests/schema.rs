//! The JSON Schemas `secarch schema` prints agree with what the parsers accept.

mod common;

use std::path::Path;

use secarch::commands::{DOCUMENT_SCHEMA, INIT_FILES, policy_schema};
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

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The policy example in the README's "Configuration" section.
fn readme_policy() -> String {
    let readme = repo_file("README.md");
    let section = &readme[readme
        .find("## Configuration: `.github/secarch.yml`")
        .expect("README has the Configuration section")..];
    let block = &section[section.find("```yaml\n").expect("a yaml block") + 8..];
    block[..block.find("```").expect("block end")].to_string()
}

#[test]
fn the_committed_policy_schema_is_the_generated_one() {
    let committed = repo_file("config/schema/policy.schema.json");
    assert!(
        committed == policy_schema(),
        "config/schema/policy.schema.json is not what the policy types generate; regenerate it with\n\n    cargo run -- schema policy > config/schema/policy.schema.json\n"
    );
}

/// The policy files the repository ships and documents: the parser and the schema take
/// every one of them (and a few spellings of the same thing).
#[test]
fn policy_schema_accepts_what_the_parser_accepts() {
    let v = validator(&policy_schema());
    let mut good = vec![
        ("README.md", readme_policy()),
        ("config/init/secarch.yml", INIT_FILES[1].1.to_string()),
        (".github/secarch.yml", repo_file(".github/secarch.yml")),
    ];
    for (i, text) in [
        "document: ./docs/sec.md\n",
        "document: null\nthreat_models: []\n",
        "threat_models: [{format: tm-bom, path: ..model/tm.json}]\n",
        "watch: {use_defaults: false, include: {my-devices: []}}\n",
        "signoff: {required: 2, min_permission: null, no_change_rationale_min: 0}\n",
        // Quoted: read untyped (as here), serde-saphyr takes a bare `off` for YAML 1.1's
        // boolean; the typed parser and YAML 1.2 editors read it as the string.
        "lint: {profiles: [iec81001-5-1, fda], severity: {SA001: \"off\"}, severity_threshold: critical}\n",
        "check: {name: \"security architecture\"}\n",
    ]
    .into_iter()
    .enumerate()
    {
        good.push((["edge case ", &i.to_string()].concat().leak(), text.to_string()));
    }
    for (name, text) in &good {
        parse_policy(Some((name, text))).unwrap_or_else(|e| panic!("parser refused {name}: {e}"));
        let errors: Vec<String> = v
            .iter_errors(&yaml(text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "schema refused {name}: {errors:#?}\n{text}"
        );
    }
}

/// Wrong inputs of every kind — unknown key, wrong type, wrong enum value, missing required
/// key, a value out of range or of the wrong shape — are refused by both.
#[test]
fn policy_schema_rejects_what_the_parser_rejects() {
    let v = validator(&policy_schema());
    for bad in [
        // unknown keys, at every level
        "signof: {required: 1}\n",
        "watch: {includes: {}}\n",
        "signoff: {reviewers: {user: [a]}}\n",
        "threat_models: [{format: otm, path: a, ns: x}]\n",
        // wrong types
        "document: [a]\n",
        "threat_models: {format: otm, path: a}\n",
        "watch: {use_defaults: maybe}\n",
        "watch: {exclude: \"**/x\"}\n",
        "signoff: {required: one}\n",
        "signoff: {reviewers: {users: dana}}\n",
        "lint: {strict: 1}\n",
        "lint: {max_review_age_days: -1}\n",
        "check: 7\n",
        // wrong enum values
        "lint: {profiles: [hipaa]}\n",
        "signoff: {min_permission: owner}\n",
        "threat_models: [{format: visio, path: a}]\n",
        "lint: {severity: {SA054: fatal}}\n",
        "lint: {severity: {SA999: error}}\n",
        "lint: {severity_threshold: severe}\n",
        "watch: {dependencies: {cpan: [x]}}\n",
        // missing required keys
        "threat_models: [{format: otm}]\n",
        "threat_models: [{path: a.yaml}]\n",
        // out of range, wrong shape
        "signoff: {required: 0}\n",
        "check: {name: \"\"}\n",
        "check: {name: \"   \"}\n",
        "watch: {include: {My Category: [\"*.tf\"]}}\n",
        "signoff: {reviewers: {teams: [security-architects]}}\n",
        "document: /etc/security.md\n",
        "document: docs/../../x.md\n",
        "threat_models: [{format: otm, path: \"a//b.yaml\"}]\n",
        "threat_models: [{format: otm, path: \"a\\\\b.yaml\"}]\n",
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
        repo_file("docs/security/security-architecture.md"),
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
