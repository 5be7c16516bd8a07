use super::*;
use crate::policy::ThreatModelFormat;

const DOC: &str = r##"---
schema: secarch/v1
document: {id: SAD-001, title: "Security Architecture", version: 1.10, scope: "gateway"}
threat_models:
  - {format: otm, path: threat-model/gw.otm.yaml, namespace: otm}
layers:
  - {id: L-NET, kind: network}
  - {id: L-PHY, kind: physical, applicable: false, rationale: "no ports"}
zones:
  - {id: lan, trust: semi-trusted, external: true}
  - {id: gateway, trust: trusted}
components: [{id: gw, zone: gateway}]
flows: [{id: F1, from: pump, to: gw, protocol: "MQTT/TLS"}]
boundaries: [{id: B-EDGE, between: [lan, gateway]}]
controls:
  - id: SC-01
    title: Mutual TLS
    layer: L-NET
    boundaries: [B-EDGE]
    mitigates: [otm:T-1, T-2]
    requirements: [SRS-1]
    verification: [TST-1]
    safety_impact:
      affects_clinical_function: true
      assessment: "adds 40 ms"
      clinical_risk: "delayed alarm"
      mitigation: "session resumption"
      hazard_refs: [HAZ-17]
diagrams:
  - {id: D-1, view: global-system, ref: "#global-system-view"}
reviews:
  - {reviewer: "Dana Ortiz", role: security-architect, date: 2026-10-02, outcome: approved, scope: full, ref: "PR #412"}
threats:
  - {id: N-1, title: "Replay", severity: high, status: open}
---
# Scope

## Global system view

```mermaid
flowchart LR
  lan --- gateway
```
"##;

#[test]
fn reads_every_section_with_positions() {
    let p = parse_document("docs/sad.md", DOC);
    assert_eq!(p.diagnostics, vec![]);
    let d = &p.document;
    assert_eq!(d.front_matter, FrontMatterStatus::Parsed);
    assert_eq!(d.schema.as_ref().map(|s| s.value.as_str()), Some(SCHEMA));
    let meta = d.meta.as_ref().unwrap();
    assert_eq!(meta.version.as_ref().unwrap().value, "1.10");
    assert_eq!(meta.id.as_ref().unwrap().pos, Pos::new(3, 16));
    assert_eq!(d.threat_models[0].value.format, ThreatModelFormat::Otm);
    assert_eq!(d.threat_models[0].value.namespace.as_deref(), Some("otm"));
    assert_eq!(d.layers.len(), 2);
    assert_eq!(
        d.layers[1].kind.as_ref().unwrap().value,
        LayerKind::Physical
    );
    assert!(!d.layers[1].is_applicable());
    assert!(d.layers[0].is_applicable());
    assert_eq!(d.layers[0].id.pos, Pos::new(7, 10));
    assert!(d.zones[0].is_external());
    assert!(!d.zones[1].is_external());
    assert_eq!(d.flows[0].from.as_ref().unwrap().value, "pump");
    assert_eq!(d.boundaries[0].between.len(), 2);
    let c = &d.controls[0];
    assert_eq!(c.id.value, "SC-01");
    assert_eq!(c.id.pos, Pos::new(16, 9));
    assert_eq!(c.pos, Pos::new(16, 5));
    let mitigates: Vec<(&str, Pos)> = c
        .mitigates
        .iter()
        .map(|m| (m.value.as_str(), m.pos))
        .collect();
    assert_eq!(
        mitigates,
        vec![("otm:T-1", Pos::new(20, 17)), ("T-2", Pos::new(20, 26))]
    );
    let s = c.safety_impact.as_ref().unwrap();
    assert_eq!(
        s.affects_clinical_function.as_ref().map(|a| a.value),
        Some(true)
    );
    assert_eq!(s.hazard_refs[0].value, "HAZ-17");
    assert_eq!(
        d.diagrams[0].reference.as_ref().unwrap().value,
        "#global-system-view"
    );
    let r = &d.reviews[0];
    assert_eq!(
        r.date.as_ref().unwrap().value,
        Date::new(2026, 10, 2).unwrap()
    );
    assert_eq!(r.outcome.as_ref().unwrap().value, ReviewOutcome::Approved);
    assert_eq!(r.reference.as_ref().unwrap().value, "PR #412");
    assert_eq!(d.sections.get("controls"), Some(&Pos::new(15, 1)));
    assert_eq!(d.native_threats()[0].id, "N-1");
    assert_eq!(d.native_threats()[0].severity.as_deref(), Some("high"));
    assert_eq!(d.body.headings.len(), 2);
    assert_eq!(d.body.headings[1].anchor, "global-system-view");
    assert_eq!(d.body.headings[0].line, 36);
    assert_eq!(d.body.mermaid[0].line, 40);
    assert_eq!(d.body.start_line, 36);
}

#[test]
fn unknown_fields_are_typos_and_the_rest_still_loads() {
    let text = DOC
        .replace(
            "    mitigates: [otm:T-1, T-2]",
            "    mitigate: [otm:T-1, T-2]",
        )
        .replace("zones:\n", "zone:\n");
    let p = parse_document("d.md", &text);
    let msgs: Vec<(u32, u32, &str)> = p
        .diagnostics
        .iter()
        .map(|d| (d.pos.line, d.pos.column, d.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (
                9,
                1,
                "unknown field `zone` in the front matter; did you mean `zones`?"
            ),
            (
                20,
                5,
                "unknown field `mitigate` in control SC-01; did you mean `mitigates`?"
            ),
        ]
    );
    assert!(p.diagnostics.iter().all(|d| d.rule == "SA002"));
    let d = &p.document;
    assert_eq!(d.front_matter, FrontMatterStatus::Parsed);
    assert!(d.zones.is_empty());
    assert_eq!(d.controls.len(), 1);
    assert!(d.controls[0].mitigates.is_empty());
    assert_eq!(d.controls[0].requirements.len(), 1);
    assert_eq!(d.reviews.len(), 1);
}

#[test]
fn bad_values_are_reported_where_they_are() {
    let text = DOC
        .replace("kind: network", "kind: netwrok")
        .replace("date: 2026-10-02", "date: 2026-02-30")
        .replace("outcome: approved", "outcome: aproved")
        .replace("applicable: false", "applicable: nope")
        .replace("between: [lan, gateway]", "between: [lan]")
        .replace("    boundaries: [B-EDGE]", "    boundaries: B-EDGE");
    let p = parse_document("d.md", &text);
    let msgs: Vec<String> = p
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}", d.pos.line, d.pos.column, d.message))
        .collect();
    assert_eq!(
        msgs,
        vec![
            "7:23 layer L-NET: unknown kind `netwrok`; did you mean `network`?",
            "8:45 layer L-PHY: `applicable` must be true or false, not `nope`",
            "14:27 boundary B-EDGE: `between` must name exactly two zones, e.g. between: [gateway, records]; it names 1",
            "19:17 control SC-01: `boundaries` must be a list; write [B-EDGE]",
            "32:62 review date `2026-02-30` is not a date; write it as YYYY-MM-DD",
            "32:83 unknown review outcome `aproved`; did you mean `approved`?",
        ]
    );
    // the single boundary is still taken as a one-element list
    assert_eq!(p.document.controls[0].boundaries[0].value, "B-EDGE");
}

#[test]
fn missing_ids_and_duplicate_keys() {
    let text = DOC.replace(
        "  - {id: gateway, trust: trusted}",
        "  - {trust: trusted, trust: x}",
    );
    let p = parse_document("d.md", &text);
    let msgs: Vec<&str> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "a zone has `trust` twice; keep one (the first one is used)",
            "a zone has no `id`; give it a unique id",
        ]
    );
    assert_eq!(p.document.zones[1].id.value, "");
    assert_eq!(p.document.zones[1].trust.as_ref().unwrap().value, "trusted");
}

#[test]
fn threat_model_paths_must_stay_in_the_repository() {
    for bad in ["../secrets.yaml", "/etc/passwd", "a\\\\b.yaml"] {
        let text = DOC.replace(
            "path: threat-model/gw.otm.yaml",
            &format!("path: \"{bad}\""),
        );
        let p = parse_document("d.md", &text);
        assert_eq!(p.diagnostics.len(), 1, "{bad}: {:?}", p.diagnostics);
        assert!(p.diagnostics[0].message.contains("repository-relative"));
        assert_eq!(p.diagnostics[0].pos, Pos::new(5, 25));
        assert!(p.document.threat_models.is_empty());
    }
}

#[test]
fn no_front_matter_still_reads_the_body() {
    let p = parse_document("d.md", "# Scope\n\n## Diagrams\n");
    assert_eq!(p.document.front_matter, FrontMatterStatus::Missing);
    assert_eq!(p.diagnostics.len(), 1);
    assert!(p.diagnostics[0].message.contains("no front matter"));
    assert_eq!(p.document.body.headings.len(), 2);
}

#[test]
fn yaml_syntax_error_points_into_the_file() {
    let text = "---\nschema: secarch/v1\nlayers: [\n  {id: a\n---\n# Scope\n";
    let p = parse_document("d.md", text);
    assert_eq!(p.document.front_matter, FrontMatterStatus::Unreadable);
    assert_eq!(p.diagnostics.len(), 1);
    assert!(p.diagnostics[0].pos.line >= 3, "{:?}", p.diagnostics[0]);
    assert!(p.diagnostics[0].message.starts_with("YAML syntax error"));
    assert_eq!(p.document.body.headings[0].text, "Scope");
}

#[test]
fn schema_is_required_and_checked() {
    let p = parse_document("d.md", "---\nlayers: []\n---\n");
    assert_eq!(
        p.diagnostics[0].message,
        "the front matter has no `schema`; add `schema: secarch/v1` as its first line"
    );
    let p = parse_document("d.md", "---\nschema: secarch/v2\n---\n");
    assert_eq!(p.diagnostics[0].pos, Pos::new(2, 9));
    assert!(
        p.diagnostics[0]
            .message
            .starts_with("unsupported schema `secarch/v2`")
    );
}

#[test]
fn non_utf8_is_sa002_with_position() {
    let mut bytes = b"---\nschema: secarch/v1\ntitle: caf".to_vec();
    bytes.push(0xE9);
    let p = parse_document_bytes("d.md", &bytes);
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.diagnostics[0].rule, "SA002");
    assert_eq!(p.diagnostics[0].pos, Pos::new(3, 11));
    assert!(p.diagnostics[0].message.contains("UTF-8"));
}

#[test]
fn oversized_documents_are_not_read() {
    let text = "x".repeat(MAX_DOCUMENT_BYTES + 1);
    let p = parse_document("d.md", &text);
    assert_eq!(p.document.front_matter, FrontMatterStatus::Unreadable);
    assert!(p.diagnostics[0].message.contains("not read"));
}

#[test]
fn front_matter_must_be_a_mapping() {
    let p = parse_document("d.md", "---\n- a\n- b\n---\n");
    assert_eq!(p.document.front_matter, FrontMatterStatus::Unreadable);
    assert!(p.diagnostics[0].message.contains("must be a mapping"));
}

#[test]
fn review_entries_added_compares_content_not_position() {
    let base = parse_document("d.md", DOC).document;
    let head_text = DOC.replace(
        "reviews:\n",
        "reviews:\n  - {reviewer: \"Lee Park\", role: ciso, date: 2026-11-01, outcome: no-change, rationale: \"docs only\"}\n",
    );
    let head = parse_document("d.md", &head_text).document;
    let added = review_entries_added(&base, &head);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].reviewer.as_ref().unwrap().value, "Lee Park");
    assert!(review_entries_added(&head, &head).is_empty());
    assert!(review_entries_added(&head, &base).is_empty());
}

mod no_panic {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_text_never_panics(s in "(---\n)?[a-z:\\[\\]{}\\-# *&!|>'\"\n ]{0,200}(\n---\n)?[#` a-z\n]{0,60}") {
            let _ = parse_document("x.md", &s);
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_document_bytes("x.md", &b);
        }
    }
}

/// The SA002 finding of a front matter `yaml` (the body is minimal).
fn front_matter_error(yaml: &str) -> Diagnostic {
    let parsed = parse_document("doc.md", &format!("---\n{yaml}---\n# Scope\n"));
    assert_eq!(parsed.document.front_matter, FrontMatterStatus::Unreadable);
    parsed
        .diagnostics
        .into_iter()
        .next()
        .expect("an SA002 finding")
}

#[test]
fn byte_bomb_is_refused_by_bytes_not_nodes() {
    // One node per alias, so a node budget alone let this reach 6 GB and abort.
    let big = "a".repeat(2 * 1024 * 1024);
    let aliases = vec!["*big"; 3000].join(", ");
    let d = front_matter_error(&format!("x-pad: &big \"{big}\"\nx-list: [{aliases}]\n"));
    assert_eq!(d.rule, "SA002");
    assert!(
        d.message.starts_with(
            "the front matter is over a safety limit and is not read: its text grows past 32 MiB"
        ),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("write the repeated values out"),
        "{}",
        d.message
    );
    assert_eq!(d.pos.line, 3, "at the alias that crossed the limit");
    // Anchors nested in anchors: each level keeps a copy, and each copy is charged.
    let nested = format!(
        "x: {}\"{}\"{}\n",
        (0..40).map(|i| format!("&a{i} [")).collect::<String>(),
        "b".repeat(1024 * 1024),
        "]".repeat(40)
    );
    assert!(front_matter_error(&nested).message.contains("32 MiB"));
    // Many empty nodes instead of big strings.
    let list = vec!["0"; 20_000].join(",");
    let d = front_matter_error(&format!(
        "s: &s [{list}]\nl: [{}]\n",
        vec!["*s"; 3000].join(",")
    ));
    assert!(
        d.message.contains("expand to more than 100,000 values"),
        "{}",
        d.message
    );
}

#[test]
fn aliases_beyond_the_depth_limit_are_refused() {
    let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
    let d = front_matter_error(&format!(
        "a: &a {deep}\nb: {}*a{}\n",
        "[".repeat(25),
        "]".repeat(25)
    ));
    assert!(d.message.contains("deeper than 64 levels"), "{}", d.message);
    let ok = format!("a: &a {deep}\nb: [*a]\n");
    assert!(front_matter(&ok).is_ok());
}

#[test]
fn merge_keys_of_big_mappings() {
    let keys = |from: usize, to: usize| {
        (from..to)
            .map(|i| format!("k{i}: {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "base: &b {{{}}}\nother: {{<<: *b, {}}}\n",
        keys(0, 20_000),
        keys(10_000, 30_000)
    );
    let root = front_matter(&text).unwrap().unwrap();
    let other: Vec<&str> = root.at("other").entries().map(|(k, _)| k).collect();
    // Keys already present win; merged ones follow in their order.
    assert_eq!(other.len(), 30_000);
    assert_eq!(other[0], "k10000");
    assert_eq!(other[20_000], "k0");
    assert_eq!(other[29_999], "k9999");
}

/// The front matter reader on its own.
fn front_matter(text: &str) -> Result<Option<crate::syntax::Node>, crate::syntax::Error> {
    crate::syntax::yaml::Reader::default().first_document(text)
}
