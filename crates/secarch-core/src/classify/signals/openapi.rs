//! OpenAPI 3 / Swagger 2 (YAML or JSON): new operations, removed security
//! requirements (at the root or on an operation), new and removed security schemes.

use std::collections::{BTreeSet, HashMap};

use super::signal;
use super::{read_json, read_yaml};
use crate::classify::Signal;
use crate::syntax::Node;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn signals(path: &str, base: Option<&str>, head: &str) -> Vec<Signal> {
    let parse = |t: &str| {
        if path.to_ascii_lowercase().ends_with(".json") {
            read_json(t)
        } else {
            read_yaml(t)
        }
    };
    let Some(head) = parse(head).filter(is_api_description) else {
        return Vec::new();
    };
    let base = base.and_then(parse).filter(is_api_description);
    let mut out = Vec::new();

    let head_ops = operations(&head);
    let base_ops = base.as_ref().map(operations).unwrap_or_default();
    let head_root = has_security(head.get("security"));
    let base_root = base.as_ref().map(|b| has_security(b.get("security")));

    if base_root == Some(true) && !head_root {
        let line = base
            .as_ref()
            .and_then(|b| b.entry("security"))
            .map(|e| e.key.line);
        out.push(signal(
            "security-removed",
            "root security requirement removed",
            line,
        ));
    }
    let head_schemes = schemes(&head);
    // "(no security requirement)" only means something in a description that
    // models security at all (GitHub's, for one, documents auth elsewhere).
    let models_security =
        head_root || !head_schemes.is_empty() || head_ops.iter().any(|o| o.security == Some(true));
    // Base operations by (method, path): one lookup per head operation, not a
    // scan of the base (quadratic for a description with thousands of paths).
    let mut by_route: HashMap<(&str, &str), &Operation> = HashMap::new();
    for b in &base_ops {
        by_route.entry((&b.method, &b.path)).or_insert(b);
    }
    for op in &head_ops {
        let secured = op.secured(head_root);
        match by_route.get(&(op.method.as_str(), op.path.as_str())) {
            None => out.push(signal(
                "operation-added",
                if secured || !models_security {
                    format!(
                        "new operation {} {}",
                        op.method.to_ascii_uppercase(),
                        op.path
                    )
                } else {
                    format!(
                        "new operation {} {} (no security requirement)",
                        op.method.to_ascii_uppercase(),
                        op.path
                    )
                },
                Some(op.line),
            )),
            Some(b) => {
                // Root removal was reported once above; here only per-operation loss.
                let was = b.secured(base_root.unwrap_or(false));
                if was && !secured && (op.security.is_some() || base_root != Some(true)) {
                    out.push(signal(
                        "security-removed",
                        format!(
                            "{} {} no longer requires authentication",
                            op.method.to_ascii_uppercase(),
                            op.path
                        ),
                        Some(op.line),
                    ));
                }
            }
        }
    }

    let base_schemes = base.as_ref().map(schemes).unwrap_or_default();
    let base_names: BTreeSet<&str> = base_schemes.iter().map(|(n, _, _)| n.as_str()).collect();
    let head_names: BTreeSet<&str> = head_schemes.iter().map(|(n, _, _)| n.as_str()).collect();
    for (name, kind, line) in &head_schemes {
        if !base_names.contains(name.as_str()) {
            out.push(signal(
                "security-scheme-added",
                format!("new security scheme {name} ({kind})"),
                Some(*line),
            ));
        }
    }
    for (name, kind, line) in &base_schemes {
        if !head_names.contains(name.as_str()) {
            out.push(signal(
                "security-scheme-removed",
                format!("security scheme {name} ({kind}) removed"),
                Some(*line),
            ));
        }
    }
    out
}

fn is_api_description(n: &Node) -> bool {
    n.get("openapi").is_some() || n.get("swagger").is_some() || n.get("paths").is_some()
}

struct Operation {
    method: String,
    path: String,
    /// `Some(true)` = own non-empty requirement, `Some(false)` = `security: []`.
    security: Option<bool>,
    line: u32,
}

impl Operation {
    fn secured(&self, root: bool) -> bool {
        self.security.unwrap_or(root)
    }
}

/// A requirement list with at least one entry. (`[{}]` — "optional" — counts as
/// none: an empty requirement object lets anonymous callers in.)
fn has_security(n: Option<&Node>) -> bool {
    n.is_some_and(|n| {
        !n.items().is_empty()
            && n.items()
                .iter()
                .all(|r| r.mapping().is_some_and(|m| !m.is_empty()))
    })
}

fn operations(root: &Node) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = root.get("paths") else {
        return out;
    };
    for (path, item) in paths.entries() {
        for (method, op) in item.value.entries() {
            let m = method.to_ascii_lowercase();
            if METHODS.contains(&m.as_str()) {
                out.push(Operation {
                    method: m,
                    path: path.to_string(),
                    security: op.value.get("security").map(|s| has_security(Some(s))),
                    line: op.key.line,
                });
            }
        }
    }
    out
}

/// (name, type, line) of OpenAPI 3 `components.securitySchemes` or Swagger 2
/// `securityDefinitions`.
fn schemes(root: &Node) -> Vec<(String, String, u32)> {
    let map = root
        .path(&["components", "securitySchemes"])
        .or_else(|| root.get("securityDefinitions"));
    map.map(|m| {
        m.entries()
            .map(|(name, s)| {
                let kind = s.value.get("type").and_then(Node::scalar).unwrap_or("?");
                (name.to_string(), kind.to_string(), s.key.line)
            })
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &[Signal]) -> Vec<(&str, &str, Option<u32>)> {
        s.iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect()
    }

    const BASE: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
security:
  - bearer: []
paths:
  /patients:
    get:
      responses: {'200': {description: ok}}
  /health:
    get:
      security: []
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
";

    #[test]
    fn new_operations_and_schemes() {
        let head = BASE
            .replace("  /health:", "  /patients/{id}:\n    post:\n      responses: {'200': {description: ok}}\n    delete:\n      security: []\n      responses: {}\n  /health:")
            .replace("    bearer: {type: http, scheme: bearer}", "    bearer: {type: http, scheme: bearer}\n    apiKey: {type: apiKey, in: header, name: X-Key}");
        assert_eq!(
            kinds(&signals("openapi.yaml", Some(BASE), &head)),
            vec![
                (
                    "operation-added",
                    "new operation POST /patients/{id}",
                    Some(10)
                ),
                (
                    "operation-added",
                    "new operation DELETE /patients/{id} (no security requirement)",
                    Some(12)
                ),
                (
                    "security-scheme-added",
                    "new security scheme apiKey (apiKey)",
                    Some(22)
                ),
            ]
        );
    }

    #[test]
    fn removed_security_at_root_and_operation() {
        let head = BASE.replace("security:\n  - bearer: []\n", "");
        assert_eq!(
            kinds(&signals("openapi.yaml", Some(BASE), &head)),
            vec![(
                "security-removed",
                "root security requirement removed",
                Some(3)
            )]
        );
        let head = BASE.replace(
            "    get:\n      responses",
            "    get:\n      security: []\n      responses",
        );
        assert_eq!(
            kinds(&signals("openapi.yaml", Some(BASE), &head)),
            vec![(
                "security-removed",
                "GET /patients no longer requires authentication",
                Some(7)
            )]
        );
    }

    #[test]
    fn swagger2_json_and_quiet_edits() {
        let base = r#"{"swagger": "2.0", "paths": {"/a": {"get": {}}}, "securityDefinitions": {"k": {"type": "apiKey"}}}"#;
        let head = r#"{"swagger": "2.0", "paths": {"/a": {"get": {"description": "x"}}, "/b": {"put": {}}}, "securityDefinitions": {}}"#;
        assert_eq!(
            kinds(&signals("swagger.json", Some(base), head)),
            vec![
                ("operation-added", "new operation PUT /b", Some(1)),
                (
                    "security-scheme-removed",
                    "security scheme k (apiKey) removed",
                    Some(1)
                ),
            ]
        );
        assert!(signals("swagger.json", Some(base), base).is_empty());
        assert!(signals("swagger.json", Some(base), "{not json").is_empty());
        assert!(signals("swagger.yaml", None, "a: 1\n").is_empty());
    }
}
