//! Runtime configuration: newly added binds to all interfaces (`0.0.0.0`, `[::]`,
//! `http://*:80`), debug switched on, hosts filtering off, management endpoints
//! exposed.
//!
//! Every supported format is first flattened into `(key, value, line)` entries:
//! JSON (`appsettings*.json`, keys joined with `:` as ASP.NET does) and YAML
//! (`application*.yml`, joined with `.` as Spring does) through the tree parser;
//! `.properties`, `.env` and `Procfile` are `key=value` / `key: value` line
//! formats by definition; `settings.py` is Python, for which we have no parser —
//! Django settings are module-level `NAME = value` assignments, which is all we read.

use std::collections::BTreeSet;

use super::{basename, signal};
use super::{read_json, read_yaml};
use crate::classify::Signal;
use crate::classify::text::line_number;
use crate::syntax::{Node, Value};

struct Entry {
    key: String,
    value: String,
    line: u32,
}

pub fn signals(path: &str, base: Option<&str>, head: &str) -> Vec<Signal> {
    let Some(head) = entries(path, head) else {
        return Vec::new();
    };
    let base: BTreeSet<(&'static str, String, String)> = base
        .and_then(|b| entries(path, b))
        .unwrap_or_default()
        .iter()
        .flat_map(findings)
        .map(|(kind, e)| (kind, e.key.clone(), e.value.clone()))
        .collect();
    head.iter()
        .flat_map(findings)
        .filter(|(kind, e)| !base.contains(&(*kind, e.key.clone(), e.value.clone())))
        .map(|(kind, e)| {
            let what = match kind {
                "bind-all-interfaces" => "binds all interfaces",
                "debug-enabled" => "debug enabled",
                "allowed-hosts-any" => "any host allowed",
                _ => "management endpoints exposed",
            };
            signal(
                kind,
                format!("{what}: {} = {}", e.key, e.value),
                Some(e.line),
            )
        })
        .collect()
}

fn findings(e: &Entry) -> Vec<(&'static str, &Entry)> {
    let mut out = Vec::new();
    let v = e.value.to_ascii_lowercase();
    if v.contains("0.0.0.0") || v.contains("[::]") || v.contains("://*:") || v.contains("://+:") {
        out.push(("bind-all-interfaces", e));
    }
    let last = e
        .key
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(&e.key)
        .to_ascii_uppercase();
    let truthy = matches!(v.trim_matches(['"', '\'']), "true" | "1" | "yes" | "on");
    if (last == "DEBUG" || last.ends_with("_DEBUG")) && truthy {
        out.push(("debug-enabled", e));
    }
    if matches!(last.as_str(), "ALLOWED_HOSTS" | "ALLOWEDHOSTS") && v.contains('*') {
        out.push(("allowed-hosts-any", e));
    }
    if e.key.to_ascii_lowercase().ends_with("exposure.include") && v.contains('*') {
        out.push(("management-endpoints-exposed", e));
    }
    out
}

fn entries(path: &str, text: &str) -> Option<Vec<Entry>> {
    let base = basename(path).to_ascii_lowercase();
    let mut out = Vec::new();
    if base.ends_with(".json") {
        let root = read_json(text)?;
        flatten(&root, "", ':', &mut out, root.pos.line);
    } else if base.ends_with(".yml") || base.ends_with(".yaml") {
        let root = read_yaml(text)?;
        flatten(&root, "", '.', &mut out, root.pos.line);
    } else {
        let python = base.ends_with(".py");
        for (index, line) in text.lines().enumerate() {
            if python && line.starts_with(char::is_whitespace) {
                continue; // only module-level assignments
            }
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with('!') {
                continue;
            }
            let t = t.strip_prefix("export ").unwrap_or(t);
            let split = if python || base.ends_with(".properties") || base.contains(".env") {
                t.split_once('=').or_else(|| t.split_once(':'))
            } else {
                t.split_once(':').or_else(|| t.split_once('='))
            };
            if let Some((k, v)) = split {
                out.push(Entry {
                    key: k.trim().to_string(),
                    value: v.trim().to_string(),
                    line: line_number(index),
                });
            }
        }
    }
    Some(out)
}

/// `line`: where the node's entry starts (its key's line; the root's own).
fn flatten(n: &Node, prefix: &str, sep: char, out: &mut Vec<Entry>, line: u32) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}{sep}{k}")
        }
    };
    match &n.value {
        Value::Map(_) => {
            for (k, e) in n.entries() {
                flatten(&e.value, &join(k), sep, out, e.key.line);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, &join(&i.to_string()), sep, out, v.pos.line);
            }
        }
        Value::Scalar(_) => {
            if let Some(value) = n.scalar() {
                out.push(Entry {
                    key: prefix.to_string(),
                    value: value.to_string(),
                    line,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(s: Vec<Signal>) -> Vec<(String, Option<u32>)> {
        s.into_iter()
            .map(|s| (format!("{}: {}", s.kind, s.message), s.line))
            .collect()
    }

    #[test]
    fn appsettings_json() {
        let base = "{\n  \"Logging\": {\"LogLevel\": {\"Default\": \"Information\"}},\n  \"AllowedHosts\": \"*\"\n}\n";
        let head = "{\n  \"Logging\": {\"LogLevel\": {\"Default\": \"Debug\"}},\n  \"AllowedHosts\": \"*\",\n  \"Kestrel\": {\"Endpoints\": {\"Http\": {\"Url\": \"http://0.0.0.0:5000\"}}}\n}\n";
        assert_eq!(
            msgs(signals("src/appsettings.json", Some(base), head)),
            vec![("bind-all-interfaces: binds all interfaces: Kestrel:Endpoints:Http:Url = http://0.0.0.0:5000".to_string(), Some(4))]
        );
    }

    #[test]
    fn spring_yaml_properties_django_env_procfile() {
        let head = "server:\n  address: 0.0.0.0\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: \"*\"\n";
        assert_eq!(
            msgs(signals("application.yml", None, head)),
            vec![
                ("bind-all-interfaces: binds all interfaces: server.address = 0.0.0.0".to_string(), Some(2)),
                ("management-endpoints-exposed: management endpoints exposed: management.endpoints.web.exposure.include = *".to_string(), Some(7)),
            ]
        );
        assert_eq!(
            msgs(signals(
                "application-prod.properties",
                Some("debug=false\n"),
                "debug=true\n"
            )),
            vec![(
                "debug-enabled: debug enabled: debug = true".to_string(),
                Some(1)
            )]
        );
        let base = "DEBUG = False\nALLOWED_HOSTS = ['example.org']\n";
        let head = "DEBUG = True\nALLOWED_HOSTS = ['*']\ndef f():\n    DEBUG = True\n";
        assert_eq!(
            msgs(signals("app/settings.py", Some(base), head)),
            vec![
                (
                    "debug-enabled: debug enabled: DEBUG = True".to_string(),
                    Some(1)
                ),
                (
                    "allowed-hosts-any: any host allowed: ALLOWED_HOSTS = ['*']".to_string(),
                    Some(2)
                ),
            ]
        );
        assert_eq!(
            msgs(signals(
                ".env.example",
                Some("PORT=1\n"),
                "PORT=1\nexport FLASK_DEBUG=1\n"
            )),
            vec![(
                "debug-enabled: debug enabled: FLASK_DEBUG = 1".to_string(),
                Some(2)
            )]
        );
        assert_eq!(
            msgs(signals(
                "Procfile",
                Some("web: node server.js\n"),
                "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"
            ))
            .len(),
            1
        );
    }

    #[test]
    fn unchanged_facts_are_quiet() {
        let t = "DEBUG = True\n";
        assert!(signals("settings.py", Some(t), "# note\nDEBUG = True\n").is_empty());
        assert!(signals("appsettings.json", None, "{ nope").is_empty());
    }
}
