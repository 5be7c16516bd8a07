//! SARIF 2.1.0 output, accepted by GitHub code scanning and other SARIF viewers.
//! Built with `serde_json::json!` against the OASIS schema (validated in tests).

use serde_json::{Value, json};

use crate::lint::Finding;
use crate::policy::Severity;
use crate::rule_table::RULES;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice | Severity::Off => "note",
    }
}

/// Render findings as one SARIF 2.1.0 log with a single run.
pub fn render_sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"profile": r.profile.unwrap_or("iec81001-5-1")},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut physical = json!({
                "artifactLocation": {"uri": uri(&f.path), "uriBaseId": "%SRCROOT%"},
            });
            if f.line > 0 {
                let mut region = json!({"startLine": f.line});
                if f.column > 0 {
                    region["startColumn"] = json!(f.column);
                }
                physical["region"] = region;
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": physical}],
            });
            if let Some(i) = RULES.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secarch",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/secarch/secarch",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
            "results": results,
        }],
    })
}

/// A repository-relative path as a relative URI reference (percent-encode what
/// a URI cannot carry).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, sev: Severity, line: u32) -> Finding {
        Finding {
            rule: rule.into(),
            severity: sev,
            message: format!("{rule} message"),
            path: "docs/security/security architecture.md".into(),
            line,
            column: 3,
        }
    }

    #[test]
    fn levels_regions_and_rule_index() {
        let v = render_sarif(&[
            finding("SA022", Severity::Error, 12),
            finding("SA054", Severity::Warning, 0),
        ]);
        let results = &v["runs"][0]["results"];
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            12
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "docs/security/security%20architecture.md"
        );
        let idx = results[0]["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(v["runs"][0]["tool"]["driver"]["rules"][idx]["id"], "SA022");
        assert_eq!(results[1]["level"], "warning");
        assert!(
            results[1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    fn strip_language_patterns(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("pattern")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.ends_with("]?$"))
                {
                    m.remove("pattern");
                }
                m.values_mut().for_each(strip_language_patterns);
            }
            Value::Array(a) => a.iter_mut().for_each(strip_language_patterns),
            _ => {}
        }
    }

    /// The output validates against the OASIS SARIF 2.1.0 schema (shared fixture).
    #[test]
    fn valid_against_sarif_schema() {
        let Some(dir) = crate::testing::skip_without_fixtures("valid_against_sarif_schema") else {
            return;
        };
        let mut schema: Value = serde_json::from_slice(
            &std::fs::read(dir.join("sarif/sarif-2.1.0-rtm.5.json")).unwrap(),
        )
        .unwrap();
        // The schema's `language` patterns have a stray `]` that a strict regex
        // engine rejects when the schema itself is checked; secarch never emits
        // `language`, so drop those patterns.
        strip_language_patterns(&mut schema);
        let validator = jsonschema::validator_for(&schema).unwrap();
        let findings = vec![
            Finding {
                rule: "SA031".into(),
                severity: Severity::Error,
                message: "unresolved".into(),
                path: "docs/security/security-architecture.md".into(),
                line: 40,
                column: 7,
            },
            Finding {
                rule: "SA070".into(),
                severity: Severity::Notice,
                message: "name".into(),
                path: "docs/x.md".into(),
                line: 0,
                column: 0,
            },
        ];
        for doc in [render_sarif(&findings), render_sarif(&[])] {
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        // The validator can fail: a result without a message is rejected.
        let mut bad = render_sarif(&findings);
        bad["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("message");
        assert!(!validator.is_valid(&bad));
    }
}
