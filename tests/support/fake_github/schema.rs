//! Validation against the schemas of GitHub's OpenAPI 3.0 description, by the `jsonschema`
//! crate (draft 4, the JSON Schema OpenAPI 3.0's Schema Object extends).
//!
//! The description is the dereferenced subset (no `$ref` left), so one difference remains to
//! translate: `nullable: true`, which is not JSON Schema, becomes `anyOf: [{type: null}, <the
//! schema without it>]` (null passes, anything else meets the schema). OpenAPI's annotation
//! keys (`example`, `discriminator`, `x-*`) are unknown keywords to JSON Schema and ignored, as
//! annotations should be; every validation keyword, `pattern` and `format` included, is checked.
//!
//! Schemas are compiled on first use and kept for the test process: a test exercises a handful
//! of the description's operations, and a response schema (a pull request) is large.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

/// An OpenAPI 3.0 schema as a JSON Schema (draft 4).
pub fn to_json_schema(openapi: &Value) -> Value {
    match openapi {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "nullable")
                .map(|(k, v)| (k.clone(), to_json_schema(v)))
                .collect();
            if map.get("nullable") == Some(&Value::Bool(true)) {
                let schema = Value::Object(std::mem::take(&mut out));
                out.insert(
                    "anyOf".into(),
                    Value::Array(vec![serde_json::json!({"type": "null"}), schema]),
                );
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Compile an OpenAPI schema. `true` (no schema) is the empty schema: draft 4 has no boolean
/// schemas.
pub fn compile(openapi: &Value) -> Result<Validator, String> {
    let schema = match openapi {
        Value::Bool(true) => serde_json::json!({}),
        other => to_json_schema(other),
    };
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("GitHub's schema does not compile: {e}"))
}

/// Every way `value` breaks the schema, as `<JSON pointer>: <problem>` (`(body)` for the root).
pub fn errors(validator: &Validator, value: &Value) -> Vec<String> {
    validator.iter_errors(value).map(|e| describe(&e)).collect()
}

/// One error; a long value is not repeated, and an `anyOf`/`oneOf` says why each branch failed.
fn describe(e: &ValidationError<'_>) -> String {
    let at = e.instance_path().to_string();
    let at = if at.is_empty() { "(body)" } else { &at };
    let mut text = if e.instance().to_string().len() > 120 {
        format!("{at}: {}", e.masked_with("the value"))
    } else {
        format!("{at}: {e}")
    };
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        e.kind()
    {
        let branches: Vec<String> = context
            .iter()
            .enumerate()
            .map(|(i, errs)| {
                let errs: Vec<String> = errs.iter().map(describe).collect();
                format!("[{i}] {}", errs.join("; "))
            })
            .collect();
        text = format!("{text} ({})", branches.join(" | "));
    }
    text
}

/// Compiled validators by name (`<operation> body`, `<operation> 200`, ...), shared by the
/// operations of one description.
#[derive(Default, Clone)]
pub struct Compiled(Arc<Mutex<HashMap<String, Arc<Validator>>>>);

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled(..)")
    }
}

impl Compiled {
    /// The problems of `value` under `schema`, compiling it under `key` the first time.
    pub fn errors_of(&self, key: &str, schema: &Value, value: &Value) -> Vec<String> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        let validator = match cached {
            Some(v) => v,
            None => match compile(schema) {
                Ok(v) => {
                    let v = Arc::new(v);
                    self.0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(key.to_string(), Arc::clone(&v));
                    v
                }
                Err(e) => return vec![format!("{key}: {e}")],
            },
        };
        errors(&validator, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openapi_keywords_and_nullable() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 3, "example": "abc"},
                "level": {"type": "string", "enum": ["a", "b"]},
                "items": {"type": "array", "maxItems": 1, "items": {"type": "integer"}},
                "maybe": {"type": "string", "nullable": true, "enum": ["x"]},
                "x-extra": {"type": "string"}
            },
            "anyOf": [{"required": ["level"]}, {"required": ["items"]}]
        });
        let v = compile(&schema).unwrap();
        assert!(errors(&v, &json!({"name": "ab", "level": "a", "maybe": null})).is_empty());
        let e = errors(
            &v,
            &json!({"name": "abcd", "level": "c", "items": [1, 2.5], "maybe": "y"}),
        );
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(e.iter().any(|e| e.starts_with("/maybe: ")), "{e:?}");
        let e = errors(&v, &json!({}));
        assert_eq!(e.len(), 2, "{e:?}");
        let e = errors(&compile(&json!({"pattern": "^x"})).unwrap(), &json!("y"));
        assert!(e[0].starts_with("(body): "), "{e:?}");
        let e = errors(
            &compile(&json!({"type": "string", "format": "date-time"})).unwrap(),
            &json!("yesterday"),
        );
        assert_eq!(e.len(), 1, "{e:?}");
    }
}
