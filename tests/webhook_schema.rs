//! The webhook payloads the server parses, checked against GitHub's own webhook schemas
//! (`../shared/fixtures/github-rest-openapi/github-webhooks-subset.openapi.json`):
//!
//! - every field `src/server/events.rs` cannot do without is one GitHub always sends (required at
//!   every level of its path, with the type the parser expects), and every optional field it
//!   reads exists in the schema — so a real delivery never fails to parse for a field GitHub may
//!   leave out, and a field name typo cannot hide;
//! - octokit's example payloads and the payloads the server tests build carry what the server
//!   parses, so the tests drive the server with what GitHub really sends.
//!
//! `merge_group` is not in the subset; its parser is covered by the server tests only.

mod common;
#[path = "server_support/harness.rs"]
mod harness;
mod support;

use serde_json::Value;

/// The webhook description, or `None` (SKIP) without the fixtures.
fn description() -> Option<Value> {
    let path =
        secarch::testing::fixture("github-rest-openapi/github-webhooks-subset.openapi.json")?;
    let text = std::fs::read_to_string(path).expect("read the webhook description");
    Some(serde_json::from_str(&text).expect("webhook description is JSON"))
}

/// `#/components/schemas/X` → the schema, recursively, so the fake's validator (which does not
/// follow references) sees plain schemas.
fn deref(doc: &Value, v: &Value, depth: usize) -> Value {
    assert!(depth < 64, "reference cycle in the webhook description");
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = r
                    .strip_prefix('#')
                    .and_then(|p| doc.pointer(p))
                    .unwrap_or_else(|| panic!("unresolved reference {r}"));
                return deref(doc, target, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), deref(doc, v, depth + 1)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| deref(doc, v, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

/// The body schema of webhook `key` (e.g. `pull-request-opened`), dereferenced.
fn body_schema(doc: &Value, key: &str) -> Value {
    let schema = doc
        .pointer(&format!(
            "/x-webhooks/{key}/post/requestBody/content/application~1json/schema"
        ))
        .unwrap_or_else(|| panic!("webhook {key} is not in the description"));
    deref(doc, schema, 0)
}

/// The alternatives a schema allows at this level (`oneOf`/`anyOf` branches; `allOf` merged).
fn alternatives(schema: &Value) -> Vec<Value> {
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        let mut required = Vec::new();
        for part in all.iter().flat_map(alternatives) {
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    merged.insert(k.clone(), v.clone());
                }
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.iter().cloned());
            }
        }
        return vec![
            serde_json::json!({"type": "object", "properties": merged, "required": required}),
        ];
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            return branches.iter().flat_map(alternatives).collect();
        }
    }
    vec![schema.clone()]
}

/// Check `path` (dot-separated, `[]` = every array item) in `schema`: present in every
/// alternative, required at every level when `required`, and of type `leaf_type` at the end.
fn check_path(schema: &Value, path: &str, required: bool, leaf_type: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut level = vec![schema.clone()];
    for part in path.split('.') {
        let mut next = Vec::new();
        for s in level.iter().flat_map(alternatives) {
            let (name, array) = match part.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (part, false),
            };
            let Some(prop) = s.pointer(&format!("/properties/{name}")) else {
                // A field the parser can do without need only exist in some alternative
                // (`installation.account` is a user or an enterprise).
                if required {
                    problems.push(format!("`{path}`: `{name}` is not in the schema"));
                }
                continue;
            };
            let listed = s
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|x| x == name));
            if required && !listed {
                problems.push(format!("`{path}`: `{name}` is not required by GitHub"));
            }
            if required && prop.get("nullable") == Some(&Value::Bool(true)) {
                problems.push(format!("`{path}`: `{name}` may be null"));
            }
            if array {
                next.extend(
                    alternatives(prop)
                        .iter()
                        .filter_map(|p| p.get("items").cloned()),
                );
            } else {
                next.push(prop.clone());
            }
        }
        if next.is_empty() {
            problems.push(format!(
                "`{path}`: `{part}` is in no alternative of the schema"
            ));
        }
        level = next;
    }
    for s in level.iter().flat_map(alternatives) {
        let t = s.get("type").and_then(Value::as_str).unwrap_or("any");
        // An untyped optional field (a `oneOf` of objects) is not held to a leaf type.
        if t != leaf_type && (required || t != "any") {
            problems.push(format!("`{path}`: type {t}, the parser reads {leaf_type}"));
        }
    }
    problems
}

/// What `src/server/events.rs` reads, per event: (path, required by the parser, JSON type).
/// Keep in step with the payload structs there.
fn parsed_fields(event: &str) -> Vec<(&'static str, bool, &'static str)> {
    let repository = [
        ("repository.name", true, "string"),
        ("repository.owner.login", true, "string"),
        ("repository.clone_url", false, "string"),
        ("installation.id", false, "integer"),
    ];
    let mut fields = match event {
        "pull_request" | "pull_request_review" => vec![
            ("action", true, "string"),
            ("pull_request.number", true, "integer"),
            ("pull_request.head.sha", true, "string"),
        ],
        "check_run" => vec![
            // Optional in GitHub's schema; the parser defaults it (and then ignores the delivery).
            ("action", false, "string"),
            ("check_run.head_sha", true, "string"),
            ("check_run.pull_requests[].number", false, "integer"),
            ("check_run.pull_requests[].head.sha", false, "string"),
        ],
        "check_suite" => vec![
            ("action", true, "string"),
            ("check_suite.head_sha", true, "string"),
            ("check_suite.pull_requests[].number", false, "integer"),
            ("check_suite.pull_requests[].head.sha", false, "string"),
        ],
        "installation" => {
            return vec![
                ("action", true, "string"),
                ("installation.id", true, "integer"),
                ("installation.account.login", false, "string"),
            ];
        }
        other => panic!("no field list for {other}"),
    };
    fields.extend(repository);
    fields
}

/// The (event, action) pairs the server acts on, as webhook keys of the description.
const ACTED_ON: &[(&str, &str)] = &[
    ("pull_request", "opened"),
    ("pull_request", "synchronize"),
    ("pull_request", "reopened"),
    ("pull_request", "ready_for_review"),
    ("pull_request", "edited"),
    ("pull_request_review", "submitted"),
    ("pull_request_review", "dismissed"),
    ("check_run", "rerequested"),
    ("check_suite", "rerequested"),
    ("installation", "created"),
    ("installation", "deleted"),
    ("installation", "suspend"),
];

fn webhook_key(event: &str, action: &str) -> String {
    format!("{event}-{action}").replace('_', "-")
}

#[test]
fn every_field_the_server_needs_is_one_github_always_sends() {
    let Some(doc) = description() else {
        eprintln!("SKIP every_field_the_server_needs_is_one_github_always_sends: no fixtures");
        return;
    };
    let mut problems = Vec::new();
    for (event, action) in ACTED_ON {
        let key = webhook_key(event, action);
        let schema = body_schema(&doc, &key);
        for (path, required, ty) in parsed_fields(event) {
            for p in check_path(&schema, path, required, ty) {
                problems.push(format!("{key}: {p}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Guards the checker itself: it must notice a field GitHub does not always send.
#[test]
fn the_checker_notices_optional_missing_and_mistyped_fields() {
    let Some(doc) = description() else {
        return;
    };
    let schema = body_schema(&doc, "pull-request-opened");
    assert!(check_path(&schema, "installation.id", false, "integer").is_empty());
    assert!(
        !check_path(&schema, "installation.id", true, "integer").is_empty(),
        "optional"
    );
    assert!(
        !check_path(&schema, "pull_request.hed.sha", false, "string").is_empty(),
        "typo"
    );
    assert!(
        !check_path(&schema, "pull_request.number", true, "string").is_empty(),
        "type"
    );
}

/// The values at `path` in `payload` (`[]` = every array item).
fn values_at<'a>(payload: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut level = vec![payload];
    for part in path.split('.') {
        let (name, array) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        level = level
            .into_iter()
            .filter_map(|v| v.get(name))
            .flat_map(|v| match (array, v.as_array()) {
                (true, Some(items)) => items.iter().collect(),
                _ => vec![v],
            })
            .collect();
    }
    level
}

/// Every field the parser requires is in `payload` with the JSON type it reads.
fn parsed_fields_present(event: &str, payload: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, required, ty) in parsed_fields(event) {
        let values = values_at(payload, path);
        if required && values.is_empty() {
            problems.push(format!("`{path}` is missing"));
        }
        for v in values {
            let ok = match ty {
                "string" => v.is_string(),
                "integer" => v.is_u64(),
                _ => true,
            };
            if !ok {
                problems.push(format!("`{path}` is {v}, not {ty}"));
            }
        }
    }
    problems
}

/// Octokit's examples are older than the description (they lack fields GitHub added since, such
/// as `has_discussions`), so they are not held to the whole schema: only to what the server
/// parses.
#[test]
fn octokit_examples_carry_what_the_server_parses() {
    if description().is_none() {
        return;
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for (event, action) in ACTED_ON {
        let Some(file) = harness::fixture(event, &format!("{action}.payload.json")) else {
            continue;
        };
        for p in parsed_fields_present(event, &file) {
            problems.push(format!("octokit {event}.{action}: {p}"));
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} octokit examples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The payloads the server tests build: the server's fields, and the rest of GitHub's required
/// top level (`before`/`after` on a push), as GitHub sends them.
#[tokio::test]
async fn the_server_tests_deliver_what_github_sends() {
    let Some(doc) = description() else {
        return;
    };
    let w = harness::World::new().await;
    let head = w.branch("f", &[("README.md", "# x\n")]);
    let n = w.open_pull(&head);
    for action in ["opened", "synchronize", "reopened"] {
        let payload = w.pull_request_payload(action, n, &head);
        let mut problems = parsed_fields_present("pull_request", &payload);
        let schema = body_schema(&doc, &webhook_key("pull_request", action));
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if payload.get(name).is_none() {
                problems.push(format!("top-level `{name}` is missing"));
            }
        }
        assert!(problems.is_empty(), "{action}: {}", problems.join("\n"));
    }
}
