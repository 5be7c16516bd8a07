//! SA004 (ids unique) and SA005 (references resolve).

use std::collections::HashMap;

use crate::lint::context::{Ctx, Out, name};
use crate::model::{Text, closest};

/// SA004: ids are unique across layers, zones, components, flows, boundaries,
/// controls (and diagrams).
pub fn sa004(cx: &Ctx<'_>, out: &mut Out) {
    let d = cx.doc;
    let all = d
        .layers
        .iter()
        .map(|x| ("layer", &x.id))
        .chain(d.zones.iter().map(|x| ("zone", &x.id)))
        .chain(d.components.iter().map(|x| ("component", &x.id)))
        .chain(d.flows.iter().map(|x| ("flow", &x.id)))
        .chain(d.boundaries.iter().map(|x| ("boundary", &x.id)))
        .chain(d.controls.iter().map(|x| ("control", &x.id)))
        .chain(d.diagrams.iter().map(|x| ("diagram", &x.id)));
    let mut seen: HashMap<&str, (&str, &Text)> = HashMap::new();
    for (kind, id) in all {
        if id.value.is_empty() {
            continue;
        }
        match seen.get(id.value.as_str()) {
            None => {
                seen.insert(&id.value, (kind, id));
            }
            Some((first_kind, first)) => out.push(
                "SA004",
                id.pos,
                format!(
                    "id {} of this {kind} is already used by the {first_kind} on line {}; ids must be unique across layers, zones, components, flows, boundaries, controls and diagrams — rename one",
                    id.value, first.pos.line
                ),
            ),
        }
    }
}

/// SA005: every reference (layer, zone, boundary, component, diagram) resolves.
pub fn sa005(cx: &Ctx<'_>, out: &mut Out) {
    let d = cx.doc;
    for c in &d.controls {
        let who = format!("control {}", name(&c.id));
        if let Some(l) = &c.layer {
            check(out, &who, "layer", "layers", l, cx.layers.keys().copied());
        }
        for b in &c.boundaries {
            check(
                out,
                &who,
                "boundary",
                "boundaries",
                b,
                cx.boundaries.keys().copied(),
            );
        }
    }
    for c in &d.components {
        if let Some(z) = &c.zone {
            check(
                out,
                &format!("component {}", name(&c.id)),
                "zone",
                "zones",
                z,
                cx.zones.keys().copied(),
            );
        }
    }
    for f in &d.flows {
        let who = format!("flow {}", name(&f.id));
        for end in [&f.from, &f.to].into_iter().flatten() {
            check(
                out,
                &who,
                "component",
                "components",
                end,
                cx.components.keys().copied(),
            );
        }
    }
    for b in &d.boundaries {
        for z in &b.between {
            check(
                out,
                &format!("boundary {}", name(&b.id)),
                "zone",
                "zones",
                z,
                cx.zones.keys().copied(),
            );
        }
    }
    for g in &d.diagrams {
        let Some(r) = &g.reference else { continue };
        let Some(anchor) = r.value.strip_prefix('#') else {
            continue;
        };
        let body = &d.body;
        match body.heading_by_anchor(anchor) {
            None => {
                let hint = closest(anchor, body.headings.iter().map(|h| h.anchor.as_str()))
                    .map(|a| format!("did you mean \"#{a}\"? "))
                    .unwrap_or_default();
                out.push(
                    "SA005",
                    r.pos,
                    format!(
                        "diagram {} points at \"{}\", but no heading has that anchor; {hint}point ref at a heading's anchor (lowercase, spaces as -) or a diagram file",
                        name(&g.id),
                        r.value
                    ),
                );
            }
            Some(i) if body.mermaid_in_section(i).next().is_none() => out.push(
                "SA005",
                r.pos,
                format!(
                    "diagram {} points at heading \"{}\" (line {}), which has no ```mermaid block under it; add the diagram there or point ref at a diagram file",
                    name(&g.id),
                    body.headings[i].text,
                    body.headings[i].line
                ),
            ),
            Some(_) => {}
        }
    }
}

fn check<'a>(
    out: &mut Out,
    who: &str,
    kind: &str,
    section: &str,
    reference: &Text,
    known: impl Iterator<Item = &'a str>,
) {
    if reference.value.is_empty() {
        return;
    }
    let candidates: Vec<&str> = known.collect();
    if candidates.contains(&reference.value.as_str()) {
        return;
    }
    let hint = closest(&reference.value, candidates.iter().copied())
        .map(|c| format!("did you mean {c}? "))
        .unwrap_or_default();
    out.push(
        "SA005",
        reference.pos,
        format!(
            "{who} names {kind} {}, which is not declared; {hint}declare it under `{section}:` or correct the reference",
            reference.value
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::testkit::*;

    #[test]
    fn sa004_fires_on_duplicates_across_kinds() {
        let doc = clean_doc()
            .replace("{id: gw, zone: gateway}", "{id: gateway, zone: gateway}")
            .replace("from: pump, to: gw,", "from: pump, to: gateway,");
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA004");
        assert_eq!(f.line, line_of(&doc, "components: ["));
        assert_eq!(f.column, col_of(&doc, "gateway, zone: gateway"));
        assert!(
            f.message
                .starts_with("id gateway of this component is already used by the zone on line 15"),
            "{}",
            f.message
        );
    }

    #[test]
    fn sa004_negative_same_text_in_references_is_fine() {
        // `gateway` is a zone id and appears in many references: not a duplicate.
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA004"));
    }

    #[test]
    fn sa005_fires_for_each_kind_of_dangling_reference() {
        let doc = clean_doc()
            .replace("    layer: L-NET", "    layer: L-NTE")
            .replace("{id: db, zone: records}", "{id: db, zone: vault}")
            .replace("from: gw, to: db", "from: gw, to: dbx")
            .replace("between: [gateway, records]", "between: [gateway, recrods]")
            .replace(
                "boundaries: [B-DATA], mitigates: [otm:T-4]",
                "boundaries: [B-DTA], mitigates: [otm:T-4]",
            )
            .replace("ref: \"#global-system-view\"", "ref: \"#global-view\"");
        let r = Kit::new().lint(&doc);
        let msgs = messages(&r, "SA005");
        assert_eq!(
            msgs,
            [
                "component db names zone vault, which is not declared; declare it under `zones:` or correct the reference",
                "flow F2 names component dbx, which is not declared; did you mean db? declare it under `components:` or correct the reference",
                "boundary B-DATA names zone recrods, which is not declared; did you mean records? declare it under `zones:` or correct the reference",
                "control SC-01 names layer L-NTE, which is not declared; did you mean L-NET? declare it under `layers:` or correct the reference",
                "control SC-04 names boundary B-DTA, which is not declared; did you mean B-DATA? declare it under `boundaries:` or correct the reference",
                "diagram D-1 points at \"#global-view\", but no heading has that anchor; did you mean \"#global-system-view\"? point ref at a heading's anchor (lowercase, spaces as -) or a diagram file",
            ]
        );
        let layer = r
            .findings
            .iter()
            .find(|f| f.message.contains("L-NTE"))
            .unwrap();
        assert_eq!(
            (layer.line, layer.column),
            (line_of(&doc, "layer: L-NTE"), 12)
        );
    }

    #[test]
    fn sa005_fires_for_a_heading_without_a_diagram() {
        let doc = clean_doc().replace("ref: \"#global-system-view\"", "ref: \"#scope\"");
        let r = Kit::new().lint(&doc);
        assert!(
            only(&r, "SA005")
                .message
                .contains("has no ```mermaid block under it")
        );
    }

    #[test]
    fn sa005_negative_diagram_in_a_subsection_counts() {
        let doc = clean_doc().replace("ref: \"#global-system-view\"", "ref: \"#diagrams\"");
        assert!(!has(&Kit::new().lint(&doc), "SA005"));
    }
}
