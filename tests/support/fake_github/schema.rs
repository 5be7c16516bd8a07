//! A small validator for the JSON-schema subset GitHub's OpenAPI 3.0 description uses.
//!
//! Why not the `jsonschema` crate: OpenAPI 3.0 schemas are not JSON Schema (`nullable`,
//! `example`, `x-*` keys), the request side of the description uses a dozen keywords, and a
//! validator we can read in one sitting is one we can trust. Keywords it does not implement are
//! reported as violations instead of being skipped, so it can never pass silently.

use serde_json::Value;

/// Keywords that only annotate and never constrain.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "format",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "discriminator",
];

/// Append to `errors` every way `value` (at JSON pointer `at`) violates `schema`.
pub fn validate(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{}: no value is allowed here", here(at)));
        }
        return;
    };
    for key in schema.keys() {
        let known = matches!(
            key.as_str(),
            "type"
                | "nullable"
                | "enum"
                | "properties"
                | "required"
                | "additionalProperties"
                | "items"
                | "maxItems"
                | "minItems"
                | "maxLength"
                | "minLength"
                | "minimum"
                | "maximum"
                | "oneOf"
                | "anyOf"
                | "allOf"
        );
        if !known && !ANNOTATIONS.contains(&key.as_str()) && !key.starts_with("x-") {
            errors.push(format!(
                "{}: schema keyword `{key}` is not supported by the fake's validator (extend tests/support/fake_github/schema.rs)",
                here(at)
            ));
        }
    }
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    if value.is_null() && nullable {
        return;
    }
    if let Some(t) = schema.get("type")
        && !type_matches(t, value)
    {
        errors.push(format!("{}: expected {}, got {}", here(at), t, kind(value)));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!(
            "{}: {} is not one of {}",
            here(at),
            value,
            Value::Array(allowed.clone())
        ));
    }
    match value {
        Value::Object(map) => {
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        errors.push(format!(
                            "{}: required property `{name}` is missing",
                            here(at)
                        ));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (name, v) in map {
                let child = format!("{at}/{}", escape(name));
                match props.and_then(|p| p.get(name)) {
                    Some(s) => validate(s, v, &child, errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{}: property `{name}` is not allowed", here(at)))
                        }
                        Some(s @ Value::Object(_)) => validate(s, v, &child, errors),
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!(
                    "{}: {} items, more than maxItems {max}",
                    here(at),
                    items.len()
                ));
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                errors.push(format!(
                    "{}: {} items, fewer than minItems {min}",
                    here(at),
                    items.len()
                ));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(item_schema, item, &format!("{at}/{i}"), errors);
                }
            }
        }
        Value::String(s) => {
            let chars = s.chars().count() as u64;
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && chars > max
            {
                errors.push(format!(
                    "{}: {chars} characters, more than maxLength {max}",
                    here(at)
                ));
            }
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && chars < min
            {
                errors.push(format!(
                    "{}: {chars} characters, fewer than minLength {min}",
                    here(at)
                ));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                errors.push(format!("{}: {x} is below minimum {min}", here(at)));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                errors.push(format!("{}: {x} is above maximum {max}", here(at)));
            }
        }
        _ => {}
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(s, value, at, errors);
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let results: Vec<Vec<String>> = any.iter().map(|s| errors_of(s, value, at)).collect();
        if !results.iter().any(Vec::is_empty) {
            errors.push(format!(
                "{}: matches none of anyOf: {}",
                here(at),
                summarize(&results)
            ));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let results: Vec<Vec<String>> = one.iter().map(|s| errors_of(s, value, at)).collect();
        let matching = results.iter().filter(|r| r.is_empty()).count();
        if matching != 1 {
            errors.push(format!(
                "{}: matches {matching} of oneOf (exactly 1 required): {}",
                here(at),
                summarize(&results)
            ));
        }
    }
}

/// The errors of validating `value` against `schema`, as a fresh list.
pub fn errors_of(schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut errors = Vec::new();
    validate(schema, value, at, &mut errors);
    errors
}

fn summarize(results: &[Vec<String>]) -> String {
    results
        .iter()
        .enumerate()
        .map(|(i, r)| format!("[{i}] {}", r.join("; ")))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn type_matches(t: &Value, value: &Value) -> bool {
    match t {
        Value::String(name) => is_type(name, value),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .any(|n| is_type(n, value)),
        _ => true,
    }
}

fn is_type(name: &str, value: &Value) -> bool {
    match name {
        "string" => value.is_string(),
        "integer" => match value {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn here(at: &str) -> &str {
    if at.is_empty() { "(body)" } else { at }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_keywords() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 3},
                "level": {"type": "string", "enum": ["a", "b"]},
                "items": {"type": "array", "maxItems": 1, "items": {"type": "integer"}},
                "maybe": {"type": "string", "nullable": true}
            },
            "anyOf": [{"required": ["level"]}, {"required": ["items"]}]
        });
        assert!(
            errors_of(
                &schema,
                &json!({"name": "ab", "level": "a", "maybe": null}),
                ""
            )
            .is_empty()
        );
        let e = errors_of(
            &schema,
            &json!({"name": "abcd", "level": "c", "items": [1, 2.5]}),
            "",
        );
        assert_eq!(e.len(), 4, "{e:?}");
        let e = errors_of(&schema, &json!({}), "");
        assert_eq!(e.len(), 2, "{e:?}");
        let e = errors_of(&json!({"pattern": "x"}), &json!("y"), "");
        assert!(e[0].contains("not supported"), "{e:?}");
    }
}
