//! Whole-linter behaviour: clean document, SA002 pass-through, severities,
//! ordering, and which rules run when the front matter cannot be read.

use crate::lint::testkit::*;
use crate::lint::{LintInput, lint_parsed};
use crate::model::parse_document;
use crate::policy::Severity;
use crate::source::MemorySource;

#[test]
fn the_clean_document_is_clean() {
    let r = Kit::new().lint(CLEAN_DOC);
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
    assert_eq!(r.document.as_deref(), Some(DOC_PATH));
    assert!(!r.has_errors());
}

#[test]
fn sa002_typos_are_findings_and_other_rules_still_run() {
    let doc = clean_doc()
        .replace("    mitigates: [otm:T-1]", "    mitigate: [otm:T-1]")
        .replace(
            "{id: B-DATA, between: [gateway, records]}",
            "{id: B-DATA, betwen: [gateway, records]}",
        );
    let r = Kit::new().lint(&doc);
    let sa002: Vec<(u32, &str)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "SA002")
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        sa002,
        [
            (
                line_of(&doc, "betwen"),
                "boundary B-DATA has no `between`; name the two zones it separates, e.g. between: [gateway, records]"
            ),
            (
                line_of(&doc, "betwen"),
                "unknown field `betwen` in boundary B-DATA; did you mean `between`?"
            ),
            (
                line_of(&doc, "mitigate:"),
                "unknown field `mitigate` in control SC-01; did you mean `mitigates`?"
            ),
        ]
    );
    // SC-01 now mitigates nothing: SA030 still runs, and T-1 is untraced (SA032).
    assert!(has(&r, "SA030"));
    assert!(has(&r, "SA032"));
}

#[test]
fn unreadable_front_matter_runs_only_body_rules() {
    let doc = clean_doc().replace("layers:\n", "layers: [\n");
    let r = Kit::new().lint(&doc);
    assert_eq!(rules_of(&r), ["SA002"], "{:#?}", r.findings);
    let doc = "# Notes\n";
    let r = Kit::new().lint(doc);
    assert_eq!(rules_of(&r).iter().filter(|x| **x == "SA003").count(), 7);
    assert_eq!(rules_of(&r)[0], "SA002");
}

#[test]
fn findings_are_sorted_by_path_line_column_rule() {
    let mut k = Kit::new();
    k.registry.insert(
        "otm",
        [threat(
            "T-9",
            "critical",
            crate::threats::ThreatStatus::Open,
        )],
    );
    let doc = clean_doc()
        .replace("requirements: [SRS-SEC-3], ", "")
        .replace("mitigates: [otm:T-3]", "mitigates: []")
        .replace(
            "{id: L-NET, kind: network}",
            "{id: L-NET, kind: network, extra: 1}",
        );
    let r = k.lint(&doc);
    let keys: Vec<(String, u32, u32, String)> = r
        .findings
        .iter()
        .map(|f| (f.path.clone(), f.line, f.column, f.rule.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(rules_of(&r), ["SA002", "SA015", "SA030", "SA032", "SA032"]);
    assert_eq!(r.findings[3].path, "threat-model/gw.otm.yaml");
}

#[test]
fn severity_overrides_off_and_strict() {
    let doc = clean_doc().replace("requirements: [SRS-SEC-3], ", "");
    let mut k = Kit::new();
    assert_eq!(only(&k.lint(&doc), "SA015").severity, Severity::Warning);
    k.strict = true;
    assert_eq!(only(&k.lint(&doc), "SA015").severity, Severity::Error);
    k.policy
        .lint
        .severity
        .insert("SA015".into(), Severity::Notice);
    assert_eq!(only(&k.lint(&doc), "SA015").severity, Severity::Notice);
    k.policy.lint.severity.insert("SA015".into(), Severity::Off);
    let r = k.lint(&doc);
    assert!(!has(&r, "SA015"));
    assert_eq!(r.count(Severity::Error), 0);
}

#[test]
fn lint_parsed_matches_lint() {
    let k = Kit::new();
    let doc = clean_doc().replace("requirements: [SRS-SEC-3], ", "");
    let parsed = parse_document(DOC_PATH, &doc);
    let src = MemorySource::default().with(DOC_PATH, doc.as_str());
    let input = LintInput {
        policy: &k.policy,
        document_path: None,
        source: &src,
        registry: &k.registry,
        load_failures: &[],
        history: None,
        today: k.today,
        strict: false,
    };
    assert_eq!(lint_parsed(&input, &parsed), k.lint(&doc));
}

#[test]
fn invalid_utf8_document_is_sa002() {
    let k = Kit::new();
    let mut bytes = CLEAN_DOC.as_bytes().to_vec();
    bytes.extend([0xff, 0xfe]);
    let src = MemorySource::default().with(DOC_PATH, bytes);
    let r = k.lint_source(&src, Some(DOC_PATH));
    let f = only(&r, "SA002");
    assert!(f.message.contains("UTF-8"));
    assert_eq!(
        f.line,
        u32::try_from(CLEAN_DOC.lines().count() + 1).unwrap()
    );
}

mod no_panic {
    use crate::lint::testkit::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Deleting or duplicating arbitrary line ranges of a real document never panics the linter.
        #[test]
        fn mangled_documents_never_panic(start in 0usize..120, len in 0usize..20, dup in any::<bool>()) {
            let lines: Vec<&str> = CLEAN_DOC.lines().collect();
            let start = start.min(lines.len());
            let end = (start + len).min(lines.len());
            let mut out: Vec<&str> = lines[..start].to_vec();
            if dup {
                out.extend(&lines[start..end]);
                out.extend(&lines[start..end]);
            }
            out.extend(&lines[end..]);
            let _ = Kit::new().lint(&out.join("\n"));
        }

        #[test]
        fn arbitrary_values_never_panic(value in "[ -~]{0,12}") {
            let quoted = format!("{value:?}");
            for needle in ["L-NET", "gateway", "B-EDGE", "otm:T-1", "2026-10-02", "approved", "true", "#global-system-view"] {
                let _ = Kit::new().lint(&CLEAN_DOC.replacen(needle, &quoted, 1));
            }
        }
    }
}
