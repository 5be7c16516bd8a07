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

/// Every enumerated field of the document schema: (top-level list, field, allowed values).
fn document_enums() -> Vec<(String, String, Vec<String>)> {
    let schema: serde_json::Value = serde_json::from_str(DOCUMENT_SCHEMA).unwrap();
    let mut out = Vec::new();
    for (list, def) in schema["properties"].as_object().unwrap() {
        let Some(props) = def["items"]["properties"].as_object() else {
            continue;
        };
        for (field, spec) in props {
            if let Some(values) = spec["enum"].as_array() {
                let values = values.iter().map(|v| v.as_str().unwrap().to_string());
                out.push((list.clone(), field.clone(), values.collect()));
            }
        }
    }
    out
}

/// The good document with `list[].field` set to `wrong` in its first entry that has the field
/// (or in a new entry when none has it).
fn with_wrong_value(doc: &str, list: &str, field: &str, wrong: &str) -> String {
    let fm = front_matter(doc);
    let start = fm
        .find(&format!("\n{list}:"))
        .map(|i| i + 1)
        .unwrap_or(fm.len());
    let end = fm[start..]
        .find("\n")
        .and_then(|first| {
            fm[start + first + 1..]
                .lines()
                .scan(start + first + 1, |at, line| {
                    let here = *at;
                    *at += line.len() + 1;
                    Some((here, line))
                })
                .find(|(_, line)| !line.starts_with(' ') && !line.starts_with('-'))
                .map(|(at, _)| at)
        })
        .unwrap_or(fm.len());
    let section = &fm[start.min(fm.len())..end];
    let key = format!("{field}: ");
    let new_fm = match section.find(&key) {
        Some(i) => {
            let at = start + i + key.len();
            let len = fm[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap();
            format!("{}{wrong}{}", &fm[..at], &fm[at + len..])
        }
        None => format!("{list}:\n  - {{{field}: {wrong}, path: model.yaml}}\n{fm}"),
    };
    doc.replacen(fm, &new_fm, 1)
}

#[test]
fn lint_refuses_every_value_the_document_schema_refuses() {
    let enums = document_enums();
    assert!(enums.len() >= 6, "{enums:?}");
    let good = common::good_document();
    for (list, field, allowed) in enums {
        let wrong = format!("{}x", allowed[0]);
        let doc = with_wrong_value(&good, &list, &field, &wrong);
        assert_ne!(doc, good, "{list}.{field} was not replaced");
        // The schema refuses it…
        let instance = yaml(front_matter(&doc));
        assert!(
            !validator(DOCUMENT_SCHEMA).is_valid(&instance),
            "the schema accepts {list}[].{field}: {wrong}"
        );
        // …and so does lint, naming the closest valid value.
        let r = common::TestRepo::new();
        r.write("docs/security/security-architecture.md", &doc);
        let out = common::secarch(&["lint", "--format", "json"], r.path());
        let (code, stdout, stderr) = common::outcome(&out);
        let json: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
        let hit =
            json["findings"].as_array().unwrap().iter().find(|f| {
                f["severity"] == "error" && f["message"].as_str().unwrap().contains(&wrong)
            });
        let Some(hit) = hit else {
            panic!("lint accepts {list}[].{field}: {wrong} (exit {code}): {json}")
        };
        let message = hit["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("did you mean `{}`", allowed[0])),
            "{list}[].{field}: {message}"
        );
    }
}
