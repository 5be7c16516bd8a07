//! Semantic diff of the security architecture between base and head: what a
//! reviewer scoping a delta review needs — threats added, removed or changed
//! status; controls added, removed or changed; `mitigates` links; layers,
//! zones, components, flows and boundaries; and the prose as a compact unified
//! diff (`similar`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::Document;
use crate::threats::{ThreatRegistry, ThreatStatus};

/// Longest prose diff kept (characters); the check run has a 65,535 limit.
const MAX_PROSE: usize = 8_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Modified,
}

/// A threat that appeared, disappeared or changed status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatChange {
    /// `namespace:id`
    pub threat: String,
    pub title: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<ThreatStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<ThreatStatus>,
}

/// An element of the front matter (control, layer, zone, …) that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    /// `control`, `layer`, `zone`, `component`, `flow`, `boundary`, `diagram`
    pub kind: &'static str,
    pub id: String,
    pub change: Change,
    /// For modifications: the fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// A `mitigates` link added or removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LinkChange {
    pub control: String,
    pub threat: String,
    pub change: Change,
}

/// The whole semantic difference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SemanticDiff {
    pub threats: Vec<ThreatChange>,
    pub items: Vec<ItemChange>,
    pub mitigations: Vec<LinkChange>,
    /// Unified diff of the Markdown body (front matter excluded); `None` when unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
}

impl SemanticDiff {
    pub fn is_empty(&self) -> bool {
        self.threats.is_empty()
            && self.items.is_empty()
            && self.mitigations.is_empty()
            && self.prose.is_none()
    }
}

/// The two sides of the comparison.
pub struct Side<'a> {
    pub document: &'a Document,
    /// Threats from the models and the document's own list.
    pub threats: &'a ThreatRegistry,
    /// The document's full text (for the prose diff).
    pub text: &'a str,
}

/// Compare base and head.
pub fn semantic_diff(base: &Side<'_>, head: &Side<'_>) -> SemanticDiff {
    SemanticDiff {
        threats: threat_changes(base.threats, head.threats),
        items: item_changes(base.document, head.document),
        mitigations: link_changes(base.document, head.document),
        prose: prose_diff(base.text, head.text),
    }
}

fn threat_changes(base: &ThreatRegistry, head: &ThreatRegistry) -> Vec<ThreatChange> {
    let index = |r: &ThreatRegistry| -> BTreeMap<String, (String, ThreatStatus)> {
        r.iter()
            .map(|(ns, t)| (format!("{ns}:{}", t.id), (t.title.clone(), t.status)))
            .collect()
    };
    let (b, h) = (index(base), index(head));
    let mut out = Vec::new();
    for (id, (title, status)) in &h {
        match b.get(id) {
            None => out.push(ThreatChange {
                threat: id.clone(),
                title: title.clone(),
                change: Change::Added,
                from: None,
                to: Some(*status),
            }),
            Some((_, old)) if old != status => out.push(ThreatChange {
                threat: id.clone(),
                title: title.clone(),
                change: Change::Modified,
                from: Some(*old),
                to: Some(*status),
            }),
            _ => {}
        }
    }
    for (id, (title, status)) in &b {
        if !h.contains_key(id) {
            out.push(ThreatChange {
                threat: id.clone(),
                title: title.clone(),
                change: Change::Removed,
                from: Some(*status),
                to: None,
            });
        }
    }
    out.sort_by(|a, b| (a.change, &a.threat).cmp(&(b.change, &b.threat)));
    out
}

/// Serialise an element without positions, as a map field → value.
fn fields<T: Serialize>(item: &T) -> BTreeMap<String, Value> {
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(k, _)| k != "pos")
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(strip).collect()),
            other => other,
        }
    }
    match strip(serde_json::to_value(item).unwrap_or(Value::Null)) {
        Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

fn id_of(f: &BTreeMap<String, Value>) -> String {
    match f.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn compare<T: Serialize>(kind: &'static str, base: &[T], head: &[T], out: &mut Vec<ItemChange>) {
    let index = |items: &[T]| -> BTreeMap<String, BTreeMap<String, Value>> {
        items
            .iter()
            .map(fields)
            .map(|f| (id_of(&f), f))
            .filter(|(id, _)| !id.is_empty())
            .collect()
    };
    let (b, h) = (index(base), index(head));
    for (id, hf) in &h {
        match b.get(id) {
            None => out.push(ItemChange {
                kind,
                id: id.clone(),
                change: Change::Added,
                fields: Vec::new(),
            }),
            Some(bf) if bf != hf => {
                let keys: BTreeSet<&String> = bf.keys().chain(hf.keys()).collect();
                let changed = keys
                    .into_iter()
                    .filter(|k| bf.get(*k) != hf.get(*k))
                    .cloned()
                    .collect();
                out.push(ItemChange {
                    kind,
                    id: id.clone(),
                    change: Change::Modified,
                    fields: changed,
                });
            }
            _ => {}
        }
    }
    for id in b.keys() {
        if !h.contains_key(id) {
            out.push(ItemChange {
                kind,
                id: id.clone(),
                change: Change::Removed,
                fields: Vec::new(),
            });
        }
    }
}

fn item_changes(base: &Document, head: &Document) -> Vec<ItemChange> {
    let mut out = Vec::new();
    compare("layer", &base.layers, &head.layers, &mut out);
    compare("zone", &base.zones, &head.zones, &mut out);
    compare("boundary", &base.boundaries, &head.boundaries, &mut out);
    compare("component", &base.components, &head.components, &mut out);
    compare("flow", &base.flows, &head.flows, &mut out);
    compare("control", &base.controls, &head.controls, &mut out);
    compare("diagram", &base.diagrams, &head.diagrams, &mut out);
    out
}

fn links(doc: &Document) -> BTreeSet<(String, String)> {
    doc.controls
        .iter()
        .flat_map(|c| {
            c.mitigates
                .iter()
                .map(move |m| (c.id.value.clone(), m.value.clone()))
        })
        .collect()
}

fn link_changes(base: &Document, head: &Document) -> Vec<LinkChange> {
    let (b, h) = (links(base), links(head));
    let mut out: Vec<LinkChange> = h
        .difference(&b)
        .map(|(c, t)| LinkChange {
            control: c.clone(),
            threat: t.clone(),
            change: Change::Added,
        })
        .chain(b.difference(&h).map(|(c, t)| LinkChange {
            control: c.clone(),
            threat: t.clone(),
            change: Change::Removed,
        }))
        .collect();
    out.sort();
    out
}

/// The Markdown body without the front matter.
fn body(text: &str) -> &str {
    &text[crate::model::split::split(text).body_offset..]
}

fn prose_diff(base: &str, head: &str) -> Option<String> {
    let (b, h) = (body(base), body(head));
    if b == h {
        return None;
    }
    let diff = similar::TextDiff::from_lines(b, h);
    let mut text = diff
        .unified_diff()
        .context_radius(1)
        .header("base", "head")
        .to_string();
    if text.len() > MAX_PROSE {
        let mut cut = MAX_PROSE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n… (prose diff truncated)\n");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_document;

    const BASE: &str = "---\nschema: secarch/v1\nlayers:\n  - {id: L-NET, kind: network}\nzones:\n  - {id: a, trust: untrusted, external: true}\n  - {id: b, trust: trusted}\nboundaries:\n  - {id: B1, between: [a, b]}\nthreats:\n  - {id: T1, title: one, severity: high, status: open}\n  - {id: T2, title: two, severity: low, status: open}\ncontrols:\n  - {id: SC-01, title: tls, layer: L-NET, boundaries: [B1], mitigates: [T1]}\n---\n# Scope\nold words\n";

    fn side<'a>(doc: &'a Document, reg: &'a ThreatRegistry, text: &'a str) -> Side<'a> {
        Side {
            document: doc,
            threats: reg,
            text,
        }
    }

    fn reg(doc: &Document) -> ThreatRegistry {
        let mut r = ThreatRegistry::default();
        r.insert("native", doc.native_threats());
        r
    }

    #[test]
    fn detects_every_kind_of_change() {
        let head_text = BASE
            .replace("status: open}\n  - {id: T2", "status: mitigated}\n  - {id: T3, title: three, status: open}\n  - {id: T2")
            .replace("  - {id: T2, title: two, severity: low, status: open}\n", "")
            .replace("mitigates: [T1]}", "mitigates: [T1, T3]}\n  - {id: SC-02, title: waf, layer: L-NET, boundaries: [B1], mitigates: [T3]}")
            .replace("title: tls,", "title: mutual tls,")
            .replace("  - {id: b, trust: trusted}\n", "  - {id: b, trust: trusted}\n  - {id: c, trust: restricted}\n")
            .replace("old words", "new words");
        let b = parse_document("d.md", BASE).document;
        let h = parse_document("d.md", &head_text).document;
        let (rb, rh) = (reg(&b), reg(&h));
        let d = semantic_diff(&side(&b, &rb, BASE), &side(&h, &rh, &head_text));
        let t: Vec<(String, Change)> = d
            .threats
            .iter()
            .map(|t| (t.threat.clone(), t.change))
            .collect();
        assert_eq!(
            t,
            vec![
                ("native:T3".to_string(), Change::Added),
                ("native:T2".to_string(), Change::Removed),
                ("native:T1".to_string(), Change::Modified),
            ]
        );
        assert_eq!(d.threats[2].to, Some(ThreatStatus::Mitigated));
        assert!(d.items.contains(&ItemChange {
            kind: "zone",
            id: "c".into(),
            change: Change::Added,
            fields: vec![]
        }));
        assert!(d.items.contains(&ItemChange {
            kind: "control",
            id: "SC-02".into(),
            change: Change::Added,
            fields: vec![]
        }));
        let sc01 = d.items.iter().find(|i| i.id == "SC-01").unwrap();
        assert_eq!(sc01.change, Change::Modified);
        assert!(
            sc01.fields.contains(&"title".to_string())
                && sc01.fields.contains(&"mitigates".to_string()),
            "{sc01:?}"
        );
        assert_eq!(
            d.mitigations,
            vec![
                LinkChange {
                    control: "SC-01".into(),
                    threat: "T3".into(),
                    change: Change::Added
                },
                LinkChange {
                    control: "SC-02".into(),
                    threat: "T3".into(),
                    change: Change::Added
                },
            ]
        );
        let prose = d.prose.unwrap();
        assert!(
            prose.contains("-old words") && prose.contains("+new words"),
            "{prose}"
        );
        assert!(
            !prose.contains("schema:"),
            "front matter is not prose: {prose}"
        );
    }

    #[test]
    fn identical_documents_have_no_diff_even_when_moved() {
        let b = parse_document("d.md", BASE).document;
        let moved = BASE.replace(
            "schema: secarch/v1\n",
            "schema: secarch/v1\n# a comment shifts every line\n",
        );
        let h = parse_document("d.md", &moved).document;
        let (rb, rh) = (reg(&b), reg(&h));
        let d = semantic_diff(&side(&b, &rb, BASE), &side(&h, &rh, &moved));
        assert!(d.is_empty(), "{d:?}");
    }
}
