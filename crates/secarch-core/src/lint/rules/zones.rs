//! Trust zones and boundaries: SA021, SA022, SA025, SA060, SA061.

use std::collections::HashSet;

use crate::lint::context::{Ctx, Out, name};

/// SA021: at least two trust zones and one trust boundary.
pub fn sa021(cx: &Ctx<'_>, out: &mut Out) {
    let zones = cx.doc.zones.len();
    let boundaries = cx.doc.boundaries.len();
    if zones < 2 {
        out.push(
            "SA021",
            cx.section_pos("zones"),
            format!(
                "{zones} trust zone{} declared; declare at least two (e.g. {{id: internet, trust: untrusted, external: true}} and {{id: backend, trust: trusted}})",
                if zones == 1 { " is" } else { "s are" }
            ),
        );
    }
    if boundaries == 0 {
        out.push(
            "SA021",
            cx.section_pos("boundaries"),
            "no trust boundary is declared; declare the boundaries between zones, e.g. boundaries: [{id: B-EDGE, between: [internet, backend]}]",
        );
    }
}

/// SA022: every trust boundary has a control enforced at it.
pub fn sa022(cx: &Ctx<'_>, out: &mut Out) {
    let enforced: HashSet<&str> = cx
        .doc
        .controls
        .iter()
        .flat_map(|c| c.boundaries.iter().map(|b| b.value.as_str()))
        .collect();
    for b in &cx.doc.boundaries {
        if !b.id.value.is_empty() && !enforced.contains(b.id.value.as_str()) {
            out.push(
                "SA022",
                b.id.pos,
                format!(
                    "trust boundary {id} ({}) has no security control enforced at it; add a control with boundaries: [{id}].",
                    cx.boundary_zones(b),
                    id = b.id.value
                ),
            );
        }
    }
}

/// SA025: a flow between components in different zones crosses a declared boundary.
pub fn sa025(cx: &Ctx<'_>, out: &mut Out) {
    for f in &cx.doc.flows {
        let zone_of = |end: &Option<crate::model::Text>| {
            let c = cx.components.get(end.as_ref()?.value.as_str())?;
            c.zone.as_ref().map(|z| z.value.as_str())
        };
        let (Some(from), Some(to)) = (zone_of(&f.from), zone_of(&f.to)) else {
            continue; // unresolved ends are SA005's
        };
        if from == to {
            continue;
        }
        let declared = cx.doc.boundaries.iter().any(|b| {
            let z: Vec<&str> = b.between.iter().map(|z| z.value.as_str()).collect();
            z == [from, to] || z == [to, from]
        });
        if !declared {
            let ends = |e: &Option<crate::model::Text>| {
                e.as_ref().map_or("?", |t| t.value.as_str()).to_string()
            };
            out.push(
                "SA025",
                f.id.pos,
                format!(
                    "flow {} ({} → {}) crosses from zone {from} to zone {to}, but no trust boundary is declared between them; add a boundary {{id: B-…, between: [{from}, {to}]}} and the controls enforced at it",
                    name(&f.id),
                    ends(&f.from),
                    ends(&f.to)
                ),
            );
        }
    }
}

/// SA060: at least one boundary between two internal (non-external) zones.
pub fn sa060(cx: &Ctx<'_>, out: &mut Out) {
    let internal = |z: &str| cx.zones.get(z).is_some_and(|z| !z.is_external());
    let segregated = cx
        .doc
        .boundaries
        .iter()
        .any(|b| b.between.len() == 2 && b.between.iter().all(|z| internal(&z.value)));
    if !segregated && !cx.doc.boundaries.is_empty() {
        out.push(
            "SA060",
            cx.section_pos("boundaries"),
            "no trust boundary separates two internal zones: every boundary touches an external zone, so the perimeter is the only line of defense; segregate the inside (e.g. application and records zones) and declare that boundary with its controls",
        );
    }
}

/// SA061: the controls are not all at perimeter boundaries.
pub fn sa061(cx: &Ctx<'_>, out: &mut Out) {
    let controls = &cx.doc.controls;
    if controls.is_empty() {
        return;
    }
    let at_perimeter_only = |c: &crate::model::Control| {
        !c.boundaries.is_empty()
            && c.boundaries.iter().all(|b| {
                cx.boundaries
                    .get(b.value.as_str())
                    .is_some_and(|b| cx.is_perimeter(b))
            })
    };
    if controls.iter().all(at_perimeter_only) {
        out.push(
            "SA061",
            cx.section_pos("controls"),
            format!(
                "all {} controls sit at perimeter boundaries (next to an external zone); add controls inside — at internal boundaries or without a boundary (endpoint hardening, encryption at rest) — so one breached perimeter does not expose everything",
                controls.len()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testkit::*;

    #[test]
    fn sa021_fires_with_one_zone_and_no_boundary() {
        let doc = clean_doc()
            .replace("  - {id: lan, trust: semi-trusted, external: true}\n", "")
            .replace("  - {id: gateway, trust: trusted}\n", "");
        let doc = doc.replace("boundaries:\n  - {id: B-EDGE, between: [lan, gateway]}\n  - {id: B-DATA, between: [gateway, records]}\n", "boundaries: []\n");
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA021"),
            [
                "1 trust zone is declared; declare at least two (e.g. {id: internet, trust: untrusted, external: true} and {id: backend, trust: trusted})",
                "no trust boundary is declared; declare the boundaries between zones, e.g. boundaries: [{id: B-EDGE, between: [internet, backend]}]",
            ]
        );
    }

    #[test]
    fn sa021_negative_two_zones_one_boundary() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA021"));
    }

    #[test]
    fn sa022_fires_for_a_boundary_without_control() {
        let doc = clean_doc()
            .replace(
                "boundaries: [B-DATA], mitigates: [otm:T-3]",
                "mitigates: [otm:T-3]",
            )
            .replace(
                "boundaries: [B-DATA], mitigates: [otm:T-4]",
                "mitigates: [otm:T-4]",
            );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA022");
        assert_eq!(
            f.message,
            "trust boundary B-DATA (gateway ↔ records) has no security control enforced at it; add a control with boundaries: [B-DATA]."
        );
        assert_eq!(
            (f.line, f.column),
            (
                line_of(&doc, "{id: B-DATA"),
                col_of(&doc, "B-DATA, between")
            )
        );
    }

    #[test]
    fn sa022_negative_every_boundary_enforced() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA022"));
    }

    #[test]
    fn sa025_fires_for_a_flow_across_an_undeclared_boundary() {
        let doc = clean_doc().replace(
            "  - {id: F2, from: gw, to: db, protocol: \"PostgreSQL over TLS\"}\n",
            "  - {id: F2, from: gw, to: db, protocol: \"PostgreSQL over TLS\"}\n  - {id: F3, from: pump, to: db, protocol: \"HL7\"}\n",
        );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA025");
        assert_eq!(f.line, line_of(&doc, "id: F3"));
        assert!(f.message.starts_with("flow F3 (pump → db) crosses from zone lan to zone records, but no trust boundary is declared between them; add a boundary {id: B-…, between: [lan, records]}"), "{}", f.message);
    }

    #[test]
    fn sa025_negative_same_zone_or_declared_either_direction() {
        let doc = clean_doc()
            .replace("between: [lan, gateway]", "between: [gateway, lan]")
            .replace("components: [", "components: [{id: gw2, zone: gateway}, ")
            .replace(
                "  - {id: F2,",
                "  - {id: F9, from: gw, to: gw2}\n  - {id: F2,",
            );
        assert!(!has(&Kit::new().lint(&doc), "SA025"));
    }

    #[test]
    fn sa060_fires_when_every_boundary_touches_an_external_zone() {
        let doc = clean_doc().replace(
            "{id: records, trust: restricted}",
            "{id: records, trust: restricted, external: true}",
        );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA060");
        assert_eq!(f.line, line_eq(&doc, "boundaries:"));
        assert!(
            f.message
                .starts_with("no trust boundary separates two internal zones")
        );
    }

    #[test]
    fn sa060_negative_with_internal_segregation() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA060"));
    }

    #[test]
    fn sa061_fires_when_all_controls_are_at_the_perimeter() {
        let doc = clean_doc()
            .replace(
                "boundaries: [B-DATA], mitigates",
                "boundaries: [B-EDGE], mitigates",
            )
            .replace(
                "layer: L-END, mitigates",
                "layer: L-END, boundaries: [B-EDGE], mitigates",
            )
            .replace("between: [gateway, records]", "between: [lan, records]");
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA061");
        assert_eq!(f.line, line_eq(&doc, "controls:"));
        assert!(
            f.message
                .starts_with("all 5 controls sit at perimeter boundaries")
        );
    }

    #[test]
    fn sa061_negative_one_control_inside_is_enough() {
        let doc = clean_doc().replace(
            "boundaries: [B-DATA], mitigates",
            "boundaries: [B-EDGE], mitigates",
        );
        // SC-05 (secure boot) has no boundary: it is an inside control.
        assert!(!has(&Kit::new().lint(&doc), "SA061"));
    }
}
