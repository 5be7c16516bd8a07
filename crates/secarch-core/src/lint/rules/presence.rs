//! SA001 (the document exists), SA003 (required headings), SA070 (file name).

use crate::lint::context::{Ctx, Out};
use crate::policy::{POLICY_PATH, Policy};
use crate::position::Pos;

/// Body headings every document has (any order, any level).
pub const REQUIRED_HEADINGS: [&str; 7] = [
    "Scope",
    "Defense in depth",
    "Trust zones and boundaries",
    "Security controls",
    "Safety and performance impact",
    "Diagrams",
    "Review history",
];

/// Phrases auditors search file names for.
const AUDITOR_NAMES: [&str; 5] = [
    "security architecture",
    "architecture design",
    "defense in depth",
    "defence in depth",
    "security design",
];

/// SA001 when nothing was configured and no candidate name exists.
pub fn sa001_missing(policy: &Policy, out: &mut Out) {
    let first = policy
        .document_names
        .first()
        .map_or("docs/security/security-architecture.md", String::as_str);
    out.push_in(
        "SA001",
        first,
        Pos::UNKNOWN,
        format!(
            "no security architecture document found (tried {}); create {first} (`secarch init` writes a skeleton) or set `document:` in {POLICY_PATH}",
            policy.document_names.join(", ")
        ),
    );
}

/// SA001 when the configured (or given) path does not exist.
pub fn sa001_not_found(path: &str, policy: &Policy, out: &mut Out) {
    let configured = policy.document.as_deref() == Some(path);
    let fix = if configured {
        format!("create it, or correct `document:` in {POLICY_PATH}")
    } else {
        "create it (`secarch init` writes a skeleton)".to_string()
    };
    out.push(
        "SA001",
        Pos::UNKNOWN,
        format!("the security architecture document {path} does not exist; {fix}"),
    );
}

/// SA003: every required heading is present.
pub fn sa003(cx: &Ctx<'_>, out: &mut Out) {
    let present: Vec<String> = cx
        .doc
        .body
        .headings
        .iter()
        .map(|h| normalize(&h.text))
        .collect();
    let pos = Pos::new(cx.doc.body.start_line.max(1), 1);
    for required in REQUIRED_HEADINGS {
        let want = normalize(required);
        let found = present.iter().any(|h| {
            *h == want
                || h.strip_prefix(&want)
                    .is_some_and(|rest| rest.starts_with(' '))
        });
        if !found {
            out.push(
                "SA003",
                pos,
                format!(
                    "the required heading \"{required}\" is missing; add a `## {required}` section"
                ),
            );
        }
    }
}

/// Lowercase words without numbering or punctuation; `&` = and, defence = defense.
fn normalize(heading: &str) -> String {
    let lowered = heading.to_lowercase().replace('&', " and ");
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let start = words
        .iter()
        .position(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(words.len());
    words[start..]
        .iter()
        .map(|w| if *w == "defence" { "defense" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// SA070: the file name is one auditors look for.
pub fn sa070(cx: &Ctx<'_>, out: &mut Out) {
    let file = cx.doc.path.rsplit('/').next().unwrap_or(&cx.doc.path);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let words = stem
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let squashed: String = words.split(' ').collect();
    let known = AUDITOR_NAMES
        .iter()
        .any(|n| words.contains(n) || squashed.contains(&n.replace(' ', "")));
    if !known {
        out.push(
            "SA070",
            Pos::UNKNOWN,
            format!(
                "the file name {file} is not one auditors look for; rename it to e.g. security-architecture.md (names with security-architecture, architecture-design, defense-in-depth or security-design are recognised)"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::lint::testkit::*;

    #[test]
    fn sa001_fires_when_no_document_exists() {
        let k = Kit::new();
        let src = crate::source::MemorySource::default();
        let r = k.lint_source(&src, None);
        assert_eq!(rules_of(&r), ["SA001"]);
        assert_eq!(r.findings[0].path, "docs/security/security-architecture.md");
        assert!(r.findings[0].message.contains("secarch init"));
        assert_eq!(r.document, None);
    }

    #[test]
    fn sa001_fires_for_a_configured_path_that_does_not_exist() {
        let mut k = Kit::new();
        k.policy.document = Some("docs/sad.md".into());
        let src = crate::source::MemorySource::default().with(DOC_PATH, clean_doc());
        let r = k.lint_source(&src, None);
        assert_eq!(rules_of(&r), ["SA001"]);
        assert_eq!(r.findings[0].path, "docs/sad.md");
        assert!(
            r.findings[0].message.contains("correct `document:`"),
            "{}",
            r.findings[0].message
        );
    }

    #[test]
    fn sa001_negative_discovers_by_name() {
        let k = Kit::new();
        let src =
            crate::source::MemorySource::default().with("security-architecture.md", clean_doc());
        let r = k.lint_source(&src, None);
        assert_eq!(r.document.as_deref(), Some("security-architecture.md"));
        assert!(!has(&r, "SA001"), "{:?}", r.findings);
    }

    #[test]
    fn sa003_fires_per_missing_heading() {
        let doc = clean_doc()
            .replace("## Review history", "## Reviews")
            .replace("## Diagrams", "## Pictures");
        let r = Kit::new().lint(&doc);
        let msgs = messages(&r, "SA003");
        assert_eq!(
            msgs,
            [
                "the required heading \"Diagrams\" is missing; add a `## Diagrams` section",
                "the required heading \"Review history\" is missing; add a `## Review history` section",
            ]
        );
        let f = r.findings.iter().find(|f| f.rule == "SA003").unwrap();
        assert_eq!(f.line, line_of(&doc, "# Test security architecture"));
    }

    #[test]
    fn sa003_negative_accepts_numbering_case_and_suffixes() {
        assert_eq!(
            normalize("3. Trust Zones & Boundaries"),
            "trust zones and boundaries"
        );
        assert_eq!(normalize("Defence-in-depth"), "defense in depth");
        let doc = clean_doc()
            .replace("## Scope", "## 1. SCOPE")
            .replace("## Security controls", "### Security controls per layer");
        assert!(!has(&Kit::new().lint(&doc), "SA003"));
    }

    #[test]
    fn sa070_fires_for_an_unrecognised_name() {
        let k = Kit::new();
        let src = crate::source::MemorySource::default().with("docs/sad.md", clean_doc());
        let r = k.lint_source(&src, Some("docs/sad.md"));
        assert_eq!(rules_of(&r), ["SA070"]);
        assert_eq!(r.findings[0].severity, crate::policy::Severity::Notice);
    }

    #[test]
    fn sa070_negative_for_auditor_names() {
        let k = Kit::new();
        for name in [
            "docs/Security_Architecture.md",
            "docs/defense-in-depth.md",
            "SecurityDesign.md",
        ] {
            let src = crate::source::MemorySource::default().with(name, clean_doc());
            assert!(!has(&k.lint_source(&src, Some(name)), "SA070"), "{name}");
        }
    }
}
