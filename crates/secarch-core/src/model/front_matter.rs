//! Mapping the front matter's YAML tree onto the document types.
//!
//! Each section is read item by item; a bad field is reported (SA002, with its
//! position) and skipped, never aborting the rest of the document.

use super::date::Date;
use super::document::*;
use super::fields::{Fields, Sink, items, label, value_hint};
use crate::policy::{ThreatModelFormat, ThreatModelRef};
use crate::position::At;
use crate::syntax::Node;

/// The only schema this version reads.
pub const SCHEMA: &str = "secarch/v1";

pub const TOP_LEVEL: &[&str] = &[
    "schema",
    "document",
    "threat_models",
    "layers",
    "zones",
    "components",
    "flows",
    "boundaries",
    "controls",
    "diagrams",
    "reviews",
    "threats",
];

const DOCUMENT: &[&str] = &["id", "title", "version", "scope"];
const THREAT_MODEL: &[&str] = &["format", "path", "namespace"];
const LAYER: &[&str] = &["id", "kind", "applicable", "rationale"];
const ZONE: &[&str] = &["id", "trust", "external"];
const COMPONENT: &[&str] = &["id", "zone"];
const FLOW: &[&str] = &["id", "from", "to", "protocol"];
const BOUNDARY: &[&str] = &["id", "between"];
const CONTROL: &[&str] = &[
    "id",
    "title",
    "layer",
    "boundaries",
    "mitigates",
    "requirements",
    "verification",
    "safety_impact",
];
const SAFETY: &[&str] = &[
    "affects_clinical_function",
    "assessment",
    "clinical_risk",
    "mitigation",
    "hazard_refs",
];
const DIAGRAM: &[&str] = &["id", "view", "ref"];
const REVIEW: &[&str] = &[
    "reviewer",
    "role",
    "date",
    "outcome",
    "scope",
    "ref",
    "rationale",
];
const THREAT: &[&str] = &["id", "title", "severity", "status"];

/// Fill `doc` from the front matter's root node.
pub fn map_document(root: &Node, doc: &mut Document, sink: &mut Sink) -> bool {
    let Some(top) = Fields::of(root, TOP_LEVEL, "the front matter", sink) else {
        return false;
    };
    for (name, pos) in top.keys() {
        doc.sections.insert(name.to_string(), pos);
    }
    doc.schema = top.text("schema", "the front matter", sink);
    match &doc.schema {
        None => sink.error(
            doc.front_matter_pos,
            format!("the front matter has no `schema`; add `schema: {SCHEMA}` as its first line"),
        ),
        Some(s) if s.value != SCHEMA => sink.error(
            s.pos,
            format!(
                "unsupported schema `{}`; this version of secarch reads `{SCHEMA}`",
                s.value
            ),
        ),
        Some(_) => {}
    }
    if let Some(node) = top.get("document")
        && let Some(f) = Fields::of(node, DOCUMENT, "`document`", sink)
    {
        let w = "`document`";
        doc.meta = Some(DocumentMeta {
            pos: f.pos,
            id: f.text("id", w, sink),
            title: f.text("title", w, sink),
            version: f.text("version", w, sink),
            scope: f.text("scope", w, sink),
        });
    }
    doc.threat_models = section(&top, "threat_models", sink, threat_model);
    doc.layers = section(&top, "layers", sink, layer);
    doc.zones = section(&top, "zones", sink, zone);
    doc.components = section(&top, "components", sink, component);
    doc.flows = section(&top, "flows", sink, flow);
    doc.boundaries = section(&top, "boundaries", sink, boundary);
    doc.controls = section(&top, "controls", sink, control);
    doc.diagrams = section(&top, "diagrams", sink, diagram);
    doc.reviews = section(&top, "reviews", sink, review);
    doc.threats = section(&top, "threats", sink, threat);
    true
}

/// Read the list under `name`, item by item.
fn section<T>(
    top: &Fields<'_>,
    name: &str,
    sink: &mut Sink,
    read: fn(&Node, &mut Sink) -> Option<T>,
) -> Vec<T> {
    let Some(node) = top.get(name) else {
        return Vec::new();
    };
    items(node, &format!("`{name}`"), sink)
        .into_iter()
        .filter_map(|item| read(item, sink))
        .collect()
}

/// An item's `id` (reported and empty when missing).
fn id(f: &Fields<'_>, what: &str, sink: &mut Sink) -> Text {
    match f.text("id", what, sink) {
        Some(id) if !id.value.trim().is_empty() => id,
        _ => {
            sink.error(f.pos, format!("{what} has no `id`; give it a unique id"));
            At::new(String::new(), f.pos)
        }
    }
}

fn threat_model(node: &Node, sink: &mut Sink) -> Option<At<ThreatModelRef>> {
    let f = Fields::of(node, THREAT_MODEL, "a `threat_models` entry", sink)?;
    let w = "threat model";
    let path = f.text("path", w, sink);
    let format = f.text("format", w, sink);
    let namespace = f.text("namespace", w, sink).map(|n| n.value);
    let Some(path) = path else {
        sink.error(
            f.pos,
            "threat model entry has no `path`; give the model file's repository path",
        );
        return None;
    };
    if !crate::source::is_safe_relative(path.value.trim_start_matches("./")) {
        sink.error(
            path.pos,
            format!(
                "threat model path {:?} must be repository-relative, with '/' separators and no '..'",
                path.value
            ),
        );
        return None;
    }
    let names: Vec<&str> = ThreatModelFormat::ALL.iter().map(|f| f.as_str()).collect();
    let format = match format {
        None => {
            sink.error(
                f.pos,
                format!(
                    "threat model {} has no `format`; use one of: {}",
                    path.value,
                    names.join(", ")
                ),
            );
            return None;
        }
        Some(fmt) => match ThreatModelFormat::ALL
            .into_iter()
            .find(|x| x.as_str() == fmt.value)
        {
            Some(x) => x,
            None => {
                sink.error(
                    fmt.pos,
                    format!(
                        "unknown threat model format `{}`; {}",
                        fmt.value,
                        value_hint(&fmt.value, &names)
                    ),
                );
                return None;
            }
        },
    };
    Some(At::new(
        ThreatModelRef {
            format,
            path: path.value,
            namespace,
        },
        f.pos,
    ))
}

fn layer(node: &Node, sink: &mut Sink) -> Option<Layer> {
    let w = label(node, "layer");
    let f = Fields::of(node, LAYER, &w, sink)?;
    let id = id(&f, &w, sink);
    let kind = f.text("kind", &w, sink).and_then(|k| {
        let parsed = LayerKind::parse(&k.value);
        if parsed.is_none() {
            let names: Vec<&str> = LayerKind::ALL.iter().map(|k| k.as_str()).collect();
            sink.error(
                k.pos,
                format!(
                    "{w}: unknown kind `{}`; {}",
                    k.value,
                    value_hint(&k.value, &names)
                ),
            );
        }
        parsed.map(|p| At::new(p, k.pos))
    });
    if kind.is_none() && f.get("kind").is_none_or(Node::is_null) {
        sink.error(f.pos, format!("{w} has no `kind`; use network, application, data, authentication, endpoint, physical, supply-chain, monitoring or other"));
    }
    Some(Layer {
        pos: f.pos,
        kind,
        applicable: f.flag("applicable", &w, sink),
        rationale: f.text("rationale", &w, sink),
        id,
    })
}

fn zone(node: &Node, sink: &mut Sink) -> Option<Zone> {
    let w = label(node, "zone");
    let f = Fields::of(node, ZONE, &w, sink)?;
    let id = id(&f, &w, sink);
    let trust = f.text("trust", &w, sink).filter(|t| {
        let ok = ZONE_TRUST.contains(&t.value.as_str());
        if !ok {
            sink.error(
                t.pos,
                format!(
                    "{w}: unknown trust `{}`; {}",
                    t.value,
                    value_hint(&t.value, &ZONE_TRUST)
                ),
            );
        }
        ok
    });
    Some(Zone {
        pos: f.pos,
        trust,
        external: f.flag("external", &w, sink),
        id,
    })
}

fn component(node: &Node, sink: &mut Sink) -> Option<Component> {
    let w = label(node, "component");
    let f = Fields::of(node, COMPONENT, &w, sink)?;
    let id = id(&f, &w, sink);
    Some(Component {
        pos: f.pos,
        zone: f.text("zone", &w, sink),
        id,
    })
}

fn flow(node: &Node, sink: &mut Sink) -> Option<Flow> {
    let w = label(node, "flow");
    let f = Fields::of(node, FLOW, &w, sink)?;
    let id = id(&f, &w, sink);
    Some(Flow {
        pos: f.pos,
        from: f.text("from", &w, sink),
        to: f.text("to", &w, sink),
        protocol: f.text("protocol", &w, sink),
        id,
    })
}

fn boundary(node: &Node, sink: &mut Sink) -> Option<Boundary> {
    let w = label(node, "boundary");
    let f = Fields::of(node, BOUNDARY, &w, sink)?;
    let id = id(&f, &w, sink);
    let between = f.text_list("between", &w, sink);
    match f.key_pos("between") {
        None => sink.error(
            f.pos,
            format!("{w} has no `between`; name the two zones it separates, e.g. between: [gateway, records]"),
        ),
        Some(pos) if between.len() != 2 => sink.error(
            pos,
            format!("{w}: `between` must name exactly two zones, e.g. between: [gateway, records]; it names {}", between.len()),
        ),
        Some(_) => {}
    }
    Some(Boundary {
        pos: f.pos,
        between,
        id,
    })
}

fn control(node: &Node, sink: &mut Sink) -> Option<Control> {
    let w = label(node, "control");
    let f = Fields::of(node, CONTROL, &w, sink)?;
    let id = id(&f, &w, sink);
    let safety_impact = f.get("safety_impact").and_then(|n| {
        let s = Fields::of(n, SAFETY, &format!("{w}: `safety_impact`"), sink)?;
        let sw = format!("{w}: safety_impact");
        Some(SafetyImpact {
            pos: s.pos,
            affects_clinical_function: s.flag("affects_clinical_function", &sw, sink),
            assessment: s.text("assessment", &sw, sink),
            clinical_risk: s.text("clinical_risk", &sw, sink),
            mitigation: s.text("mitigation", &sw, sink),
            hazard_refs: s.text_list("hazard_refs", &sw, sink),
        })
    });
    Some(Control {
        pos: f.pos,
        title: f.text("title", &w, sink),
        layer: f.text("layer", &w, sink),
        boundaries: f.text_list("boundaries", &w, sink),
        mitigates: f.text_list("mitigates", &w, sink),
        requirements: f.text_list("requirements", &w, sink),
        verification: f.text_list("verification", &w, sink),
        safety_impact,
        id,
    })
}

fn diagram(node: &Node, sink: &mut Sink) -> Option<Diagram> {
    let w = label(node, "diagram");
    let f = Fields::of(node, DIAGRAM, &w, sink)?;
    let id = id(&f, &w, sink);
    let reference = f.text("ref", &w, sink);
    if reference.is_none() {
        sink.error(f.pos, format!("{w} has no `ref`; point it at a heading (\"#global-system-view\") or a diagram file"));
    }
    Some(Diagram {
        pos: f.pos,
        view: f.text("view", &w, sink),
        reference,
        id,
    })
}

fn review(node: &Node, sink: &mut Sink) -> Option<Review> {
    let f = Fields::of(node, REVIEW, "a review", sink)?;
    let w = "review";
    let date = f
        .text("date", w, sink)
        .and_then(|d| match Date::parse(d.value.trim()) {
            Some(date) => Some(At::new(date, d.pos)),
            None => {
                sink.error(
                    d.pos,
                    format!(
                        "review date `{}` is not a date; write it as YYYY-MM-DD",
                        d.value
                    ),
                );
                None
            }
        });
    let outcome = f
        .text("outcome", w, sink)
        .and_then(|o| match ReviewOutcome::parse(&o.value) {
            Some(x) => Some(At::new(x, o.pos)),
            None => {
                let names: Vec<&str> = ReviewOutcome::ALL.iter().map(|o| o.as_str()).collect();
                sink.error(
                    o.pos,
                    format!(
                        "unknown review outcome `{}`; {}",
                        o.value,
                        value_hint(&o.value, &names)
                    ),
                );
                None
            }
        });
    Some(Review {
        pos: f.pos,
        reviewer: f.text("reviewer", w, sink),
        role: f.text("role", w, sink),
        date,
        outcome,
        scope: f.text("scope", w, sink),
        reference: f.text("ref", w, sink),
        rationale: f.text("rationale", w, sink),
    })
}

fn threat(node: &Node, sink: &mut Sink) -> Option<NativeThreat> {
    let w = label(node, "threat");
    let f = Fields::of(node, THREAT, &w, sink)?;
    let id = id(&f, &w, sink);
    let severity = f.text("severity", &w, sink).filter(|s| {
        let ok = THREAT_SEVERITIES.contains(&s.value.as_str());
        if !ok {
            sink.error(
                s.pos,
                format!(
                    "{w}: unknown severity `{}`; {}",
                    s.value,
                    value_hint(&s.value, &THREAT_SEVERITIES)
                ),
            );
        }
        ok
    });
    let status = f.text("status", &w, sink).filter(|s| {
        let ok = THREAT_STATUSES.contains(&s.value.as_str());
        if !ok {
            sink.error(
                s.pos,
                format!(
                    "{w}: unknown status `{}`; {}",
                    s.value,
                    value_hint(&s.value, &THREAT_STATUSES)
                ),
            );
        }
        ok
    });
    Some(NativeThreat {
        pos: f.pos,
        title: f.text("title", &w, sink),
        severity,
        status,
        id,
    })
}
