//! Defense in depth: SA010–SA015 (layers and the controls assigned to them).

use std::collections::HashSet;

use crate::lint::context::{Ctx, Out, filled, name};
use crate::model::LayerKind;

/// SA010: at least two applicable layers.
pub fn sa010(cx: &Ctx<'_>, out: &mut Out) {
    let applicable: Vec<&str> = cx
        .doc
        .layers
        .iter()
        .filter(|l| l.is_applicable() && !l.id.value.is_empty())
        .map(|l| l.id.value.as_str())
        .collect();
    if applicable.len() < 2 {
        let which = if applicable.is_empty() {
            String::new()
        } else {
            format!(" ({})", applicable.join(", "))
        };
        out.push(
            "SA010",
            cx.section_pos("layers"),
            format!(
                "{} applicable defense layer{}{which}; one layer is not defense in depth — declare at least two applicable layers (e.g. network and application), each with its controls",
                applicable.len(),
                if applicable.len() == 1 { "" } else { "s" }
            ),
        );
    }
}

/// SA011: every applicable layer has at least one control.
pub fn sa011(cx: &Ctx<'_>, out: &mut Out) {
    let used: HashSet<&str> = cx
        .doc
        .controls
        .iter()
        .filter_map(|c| c.layer.as_ref().map(|l| l.value.as_str()))
        .collect();
    for l in &cx.doc.layers {
        if l.is_applicable() && !l.id.value.is_empty() && !used.contains(l.id.value.as_str()) {
            let kind = l
                .kind
                .as_ref()
                .map(|k| format!(" ({})", k.value.as_str()))
                .unwrap_or_default();
            out.push(
                "SA011",
                l.id.pos,
                format!(
                    "layer {}{kind} has no security control; add a control with layer: {}, or mark the layer applicable: false with a rationale",
                    l.id.value, l.id.value
                ),
            );
        }
    }
}

/// SA012: a non-applicable layer says why.
pub fn sa012(cx: &Ctx<'_>, out: &mut Out) {
    for l in &cx.doc.layers {
        if let Some(a) = &l.applicable
            && !a.value
            && !filled(&l.rationale)
        {
            out.push(
                "SA012",
                a.pos,
                format!(
                    "layer {} is marked not applicable without a rationale; add rationale: \"why this layer does not apply to the system\"",
                    name(&l.id)
                ),
            );
        }
    }
}

/// SA013: the five core layer kinds are each declared.
pub fn sa013(cx: &Ctx<'_>, out: &mut Out) {
    let declared: HashSet<LayerKind> = cx
        .doc
        .layers
        .iter()
        .filter_map(|l| l.kind.as_ref().map(|k| k.value))
        .collect();
    for kind in LayerKind::CORE {
        if !declared.contains(&kind) {
            out.push(
                "SA013",
                cx.section_pos("layers"),
                format!(
                    "no {k} layer is declared; add a layer with kind: {k} (or declare it applicable: false with a rationale)",
                    k = kind.as_str()
                ),
            );
        }
    }
}

/// SA014: every control names its layer.
pub fn sa014(cx: &Ctx<'_>, out: &mut Out) {
    let ids: Vec<&str> = cx
        .doc
        .layers
        .iter()
        .map(|l| l.id.value.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    for c in &cx.doc.controls {
        if !filled(&c.layer) {
            let pos = c.layer.as_ref().map_or(c.id.pos, |l| l.pos);
            out.push(
                "SA014",
                pos,
                format!(
                    "control {} names no defense layer; add layer: <{}>",
                    name(&c.id),
                    if ids.is_empty() {
                        "a layer id".to_string()
                    } else {
                        ids.join(" | ")
                    }
                ),
            );
        }
    }
}

/// SA015: every control names a technical security requirement.
pub fn sa015(cx: &Ctx<'_>, out: &mut Out) {
    for c in &cx.doc.controls {
        if c.requirements.iter().all(|r| r.value.trim().is_empty()) {
            out.push(
                "SA015",
                c.id.pos,
                format!(
                    "control {} names no technical security requirement; add requirements: [<requirement id, e.g. SRS-SEC-12>]",
                    name(&c.id)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testkit::*;

    #[test]
    fn sa010_fires_with_one_applicable_layer() {
        let mut doc = clean_doc();
        for l in [
            "L-APP, kind: application",
            "L-DATA, kind: data",
            "L-AUTH, kind: authentication",
            "L-END, kind: endpoint",
        ] {
            doc = doc.replace(
                &format!("{{id: {l}}}"),
                &format!("{{id: {l}, applicable: false, rationale: \"x\"}}"),
            );
        }
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA010");
        assert_eq!(f.line, line_of(&doc, "layers:"));
        assert!(
            f.message.starts_with(
                "1 applicable defense layer (L-NET); one layer is not defense in depth"
            ),
            "{}",
            f.message
        );
    }

    #[test]
    fn sa010_negative_two_layers_suffice() {
        let mut doc = clean_doc();
        for l in [
            "L-DATA, kind: data",
            "L-AUTH, kind: authentication",
            "L-END, kind: endpoint",
        ] {
            doc = doc.replace(
                &format!("{{id: {l}}}"),
                &format!("{{id: {l}, applicable: false, rationale: \"x\"}}"),
            );
        }
        assert!(!has(&Kit::new().lint(&doc), "SA010"));
    }

    #[test]
    fn sa011_fires_for_a_layer_without_controls() {
        let doc = clean_doc().replace("layer: L-DATA,", "layer: L-APP,");
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA011");
        assert_eq!(
            (f.line, f.column),
            (line_of(&doc, "{id: L-DATA"), col_of(&doc, "L-DATA, kind"))
        );
        assert_eq!(
            f.message,
            "layer L-DATA (data) has no security control; add a control with layer: L-DATA, or mark the layer applicable: false with a rationale"
        );
    }

    #[test]
    fn sa011_negative_non_applicable_layer_needs_no_control() {
        // L-PHY has no control and is not applicable.
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA011"));
    }

    #[test]
    fn sa012_fires_without_rationale() {
        let doc = clean_doc().replace(", rationale: \"sealed enclosure, no service ports\"", "");
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA012");
        assert_eq!(f.column, col_of(&doc, "false}"));
        assert!(
            f.message
                .contains("layer L-PHY is marked not applicable without a rationale")
        );
    }

    #[test]
    fn sa012_negative_blank_rationale_counts_as_missing_but_text_does_not() {
        let blank = clean_doc().replace("\"sealed enclosure, no service ports\"", "\"  \"");
        assert!(has(&Kit::new().lint(&blank), "SA012"));
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA012"));
    }

    #[test]
    fn sa013_fires_per_missing_core_kind() {
        let doc = clean_doc()
            .replace("  - {id: L-END, kind: endpoint}\n", "")
            .replace("layer: L-END,", "layer: L-APP,");
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA013"),
            [
                "no endpoint layer is declared; add a layer with kind: endpoint (or declare it applicable: false with a rationale)"
            ]
        );
        assert_eq!(only(&r, "SA013").severity, crate::policy::Severity::Warning);
    }

    #[test]
    fn sa013_negative_non_applicable_core_layer_counts_as_declared() {
        let doc = clean_doc()
            .replace(
                "{id: L-END, kind: endpoint}",
                "{id: L-END, kind: endpoint, applicable: false, rationale: \"no endpoint\"}",
            )
            .replace("layer: L-END,", "layer: L-APP,");
        let r = Kit::new().lint(&doc);
        assert!(!has(&r, "SA013"), "{:?}", r.findings);
        assert!(!has(&r, "SA011"));
    }

    #[test]
    fn sa014_fires_for_a_control_without_layer() {
        let doc = clean_doc().replace(" layer: L-END,", "");
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA014");
        assert_eq!(f.line, line_of(&doc, "id: SC-05"));
        assert!(
            f.message
                .starts_with("control SC-05 names no defense layer; add layer: <L-NET | L-APP"),
            "{}",
            f.message
        );
    }

    #[test]
    fn sa014_negative_when_every_control_has_a_layer() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA014"));
    }

    #[test]
    fn sa015_fires_for_a_control_without_requirements() {
        let doc = clean_doc()
            .replace("requirements: [SRS-SEC-3], ", "")
            .replace("requirements: [SRS-SEC-4]", "requirements: []");
        let r = Kit::new().lint(&doc);
        let ids: Vec<u32> = r
            .findings
            .iter()
            .filter(|f| f.rule == "SA015")
            .map(|f| f.line)
            .collect();
        assert_eq!(
            ids,
            [line_of(&doc, "id: SC-03"), line_of(&doc, "id: SC-04")]
        );
    }

    #[test]
    fn sa015_negative_with_requirements() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA015"));
    }
}
