//! FHIR CapabilityStatement (JSON): new resource interactions and operations the
//! server declares (`rest[].resource[].interaction[].code`, `.operation[].name`,
//! and system-level `rest[].interaction`).

use std::collections::BTreeSet;

use super::read_json;
use super::signal;
use crate::classify::Signal;
use crate::syntax::Node;

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let Some(head) = read_json(head) else {
        return Vec::new();
    };
    let base: BTreeSet<String> = base
        .and_then(read_json)
        .map(|b| interactions(&b).into_iter().map(|(d, _)| d).collect())
        .unwrap_or_default();
    interactions(&head)
        .into_iter()
        .filter(|(d, _)| !base.contains(d))
        .map(|(d, line)| {
            signal(
                "fhir-interaction-added",
                format!("new FHIR interaction {d}"),
                Some(line),
            )
        })
        .collect()
}

fn interactions(root: &Node) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for rest in root.get("rest").map(Node::items).unwrap_or_default() {
        let mode = rest.get("mode").and_then(Node::as_str).unwrap_or("server");
        for i in rest.get("interaction").map(Node::items).unwrap_or_default() {
            if let Some(code) = i.get("code").and_then(Node::as_str) {
                out.push((format!("{code} (system, {mode})"), i.pos.line));
            }
        }
        for r in rest.get("resource").map(Node::items).unwrap_or_default() {
            let ty = r.get("type").and_then(Node::as_str).unwrap_or("?");
            for i in r.get("interaction").map(Node::items).unwrap_or_default() {
                if let Some(code) = i.get("code").and_then(Node::as_str) {
                    out.push((format!("{code} on {ty} ({mode})"), i.pos.line));
                }
            }
            for o in r.get("operation").map(Node::items).unwrap_or_default() {
                if let Some(name) = o.get("name").and_then(Node::as_str) {
                    out.push((format!("${name} on {ty} ({mode})"), o.pos.line));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_interaction_is_reported() {
        let base = r#"{"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": [
  {"type": "Patient", "interaction": [{"code": "read"}]}]}]}"#;
        let head = r#"{"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": [
  {"type": "Patient", "interaction": [{"code": "read"},
     {"code": "delete"}], "operation": [{"name": "everything", "definition": "x"}]}]}]}"#;
        let got: Vec<_> = signals(Some(base), head)
            .into_iter()
            .map(|s| (s.message, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "new FHIR interaction delete on Patient (server)".to_string(),
                    Some(3)
                ),
                (
                    "new FHIR interaction $everything on Patient (server)".to_string(),
                    Some(3)
                ),
            ]
        );
        assert!(signals(Some(base), base).is_empty());
    }
}
