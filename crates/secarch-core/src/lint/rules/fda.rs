//! Profile `fda` (FDA premarket cybersecurity guidance): SA080 (architecture
//! views) and SA081 (control categories).
//!
//! The schema has no category field on controls, so SA081 recognises a
//! category from words in the control's title (and the layer kind): a stem
//! matches the start of a word, `=word` a whole word, and a phrase with a space
//! a run of words.

use std::collections::HashSet;

use crate::lint::context::{Ctx, Out};
use crate::model::LayerKind;

/// The views the FDA guidance asks architecture diagrams to cover.
pub const FDA_VIEWS: [&str; 4] = [
    "global-system",
    "multi-patient-harm",
    "updatability",
    "security-use-case",
];

/// FDA control categories, the title words that indicate each, and an example.
pub const FDA_CATEGORIES: &[(&str, &[&str], &str)] = &[
    (
        "authentication",
        &[
            "authenticat",
            "mfa",
            "=2fa",
            "login",
            "credential",
            "password",
            "=mtls",
            "=mutual",
            "certificate",
            "identity",
            "=sso",
            "oauth",
            "oidc",
            "=saml",
            "passkey",
            "=fido",
        ],
        "Mutual TLS device authentication",
    ),
    (
        "authorization",
        &[
            "authoriz",
            "rbac",
            "abac",
            "=role",
            "=roles",
            "permission",
            "access control",
            "privilege",
            "=acl",
            "=acls",
        ],
        "Role-based access control for clinicians",
    ),
    (
        "cryptography",
        &[
            "crypt",
            "=tls",
            "=mtls",
            "=dtls",
            "cipher",
            "=key",
            "=keys",
            "hsm",
            "=tpm",
            "signature",
            "signed",
            "signing",
            "=hash",
            "hashing",
            "hmac",
            "=pki",
        ],
        "TLS 1.3 with approved cipher suites",
    ),
    (
        "integrity",
        &[
            "integrity",
            "signature",
            "signed",
            "signing",
            "hmac",
            "checksum",
            "tamper",
            "secure boot",
            "validat",
            "=hash",
        ],
        "Signed firmware verified by secure boot",
    ),
    (
        "confidentiality",
        &[
            "confidential",
            "encrypt",
            "privacy",
            "mask",
            "pseudonym",
            "anonymi",
            "=secret",
            "=secrets",
            "data protection",
        ],
        "Encryption of patient data at rest",
    ),
    (
        "logging",
        &[
            "=log",
            "=logs",
            "logging",
            "audit",
            "monitor",
            "siem",
            "alert",
            "event log",
        ],
        "Tamper-evident audit log of security events",
    ),
    (
        "resiliency",
        &[
            "resilien",
            "availab",
            "rate limit",
            "throttl",
            "backup",
            "redundan",
            "failover",
            "=dos",
            "=ddos",
            "watchdog",
            "recover",
            "fail safe",
            "quota",
            "circuit breaker",
            "degraded",
        ],
        "Rate limiting with a safe degraded mode",
    ),
    (
        "updatability",
        &[
            "update", "patch", "=ota", "firmware", "upgrade", "rollback", "=sbom",
        ],
        "Signed over-the-air updates with rollback",
    ),
];

/// SA080: the diagrams cover the FDA views.
pub fn sa080(cx: &Ctx<'_>, out: &mut Out) {
    let views: HashSet<String> = cx
        .doc
        .diagrams
        .iter()
        .filter_map(|d| d.view.as_ref())
        .map(|v| normalize_view(&v.value))
        .collect();
    for view in FDA_VIEWS {
        if !views.contains(view) {
            out.push(
                "SA080",
                cx.section_pos("diagrams"),
                format!(
                    "no diagram covers the FDA \"{view}\" view; add a Mermaid diagram under its own heading and list it under diagrams: with view: {view}"
                ),
            );
        }
    }
}

fn normalize_view(view: &str) -> String {
    let v: String = view
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '_' || c == ' ' { '-' } else { c })
        .collect();
    v.strip_suffix('s')
        .filter(|s| s.ends_with("use-case"))
        .map_or(v.clone(), str::to_string)
}

/// The FDA categories a control title (and layer kind) indicates.
pub fn categories_of(title: &str, kind: Option<LayerKind>) -> Vec<&'static str> {
    let lowered = title.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let padded = format!(" {} ", words.join(" "));
    let mut found: Vec<&'static str> = FDA_CATEGORIES
        .iter()
        .filter(|(_, stems, _)| {
            stems.iter().any(|s| {
                if s.contains(' ') {
                    padded.contains(&format!(" {s}"))
                } else if let Some(exact) = s.strip_prefix('=') {
                    words.contains(&exact)
                } else {
                    words.iter().any(|w| w.starts_with(s))
                }
            })
        })
        .map(|(c, _, _)| *c)
        .collect();
    let by_kind = match kind {
        Some(LayerKind::Authentication) => Some("authentication"),
        Some(LayerKind::Monitoring) => Some("logging"),
        _ => None,
    };
    if let Some(c) = by_kind
        && !found.contains(&c)
    {
        found.push(c);
    }
    found
}

/// SA081: the controls cover the FDA control categories.
pub fn sa081(cx: &Ctx<'_>, out: &mut Out) {
    let mut covered: HashSet<&str> = HashSet::new();
    for c in &cx.doc.controls {
        let kind = c
            .layer
            .as_ref()
            .and_then(|l| cx.layers.get(l.value.as_str()))
            .and_then(|l| l.kind.as_ref().map(|k| k.value));
        let title = c.title.as_ref().map_or("", |t| t.value.as_str());
        covered.extend(categories_of(title, kind));
    }
    for (category, stems, example) in FDA_CATEGORIES {
        if !covered.contains(category) {
            let words: Vec<&str> = stems
                .iter()
                .take(4)
                .map(|s| s.trim_start_matches('='))
                .collect();
            out.push(
                "SA081",
                cx.section_pos("controls"),
                format!(
                    "no control covers the FDA control category \"{category}\" (no control title mentions {}…); add one, e.g. \"{example}\"",
                    words.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::testkit::*;

    fn fda() -> Kit {
        let mut k = Kit::new();
        k.policy.lint.profiles.push("fda".into());
        k
    }

    #[test]
    fn categories_from_titles() {
        assert_eq!(
            categories_of("Mutual TLS between pump and gateway", None),
            ["authentication", "cryptography"]
        );
        assert_eq!(
            categories_of("Audit log of logins", None),
            ["authentication", "logging"]
        );
        assert_eq!(
            categories_of("Signed OTA updates", None),
            ["cryptography", "integrity", "updatability"]
        );
        assert_eq!(
            categories_of("Least-privilege database roles", None),
            ["authorization"]
        );
        assert_eq!(categories_of("Catalogue", None), Vec::<&str>::new());
        assert_eq!(
            categories_of("Hardware token", Some(LayerKind::Authentication)),
            ["authentication"]
        );
    }

    #[test]
    fn sa080_fires_per_missing_view_only_with_the_profile() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA080"));
        let r = fda().lint(CLEAN_DOC);
        assert_eq!(
            messages(&r, "SA080"),
            [
                "no diagram covers the FDA \"multi-patient-harm\" view; add a Mermaid diagram under its own heading and list it under diagrams: with view: multi-patient-harm",
                "no diagram covers the FDA \"security-use-case\" view; add a Mermaid diagram under its own heading and list it under diagrams: with view: security-use-case",
                "no diagram covers the FDA \"updatability\" view; add a Mermaid diagram under its own heading and list it under diagrams: with view: updatability",
            ]
        );
        assert!(
            r.findings
                .iter()
                .filter(|f| f.rule == "SA080")
                .all(|f| f.line == line_eq(CLEAN_DOC, "diagrams:"))
        );
    }

    #[test]
    fn sa080_negative_all_views_present() {
        let doc = clean_doc().replace(
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n",
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n  - {id: D-2, view: Multi_Patient_Harm, ref: \"#global-system-view\"}\n  - {id: D-3, view: updatability, ref: \"#global-system-view\"}\n  - {id: D-4, view: security-use-cases, ref: \"#global-system-view\"}\n",
        );
        assert!(!has(&fda().lint(&doc), "SA080"));
    }

    #[test]
    fn sa081_fires_for_uncovered_categories() {
        let r = fda().lint(CLEAN_DOC);
        let got: Vec<&str> = messages(&r, "SA081");
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(
            got[0].starts_with("no control covers the FDA control category \"confidentiality\""),
            "{}",
            got[0]
        );
        assert!(got[1].contains("\"logging\""));
        assert!(got[2].contains("\"resiliency\""));
        assert!(
            got[3].contains("\"updatability\"")
                && got[3].ends_with("e.g. \"Signed over-the-air updates with rollback\"")
        );
        assert!(
            r.findings
                .iter()
                .filter(|f| f.rule == "SA081")
                .all(|f| f.severity == crate::policy::Severity::Warning)
        );
    }

    #[test]
    fn sa081_negative_all_categories_covered() {
        let doc = clean_doc()
            .replace(
                "Least-privilege database roles",
                "Least-privilege roles; encrypted columns; audit log",
            )
            .replace(
                "Secure boot of the gateway",
                "Secure boot, watchdog recovery and signed updates",
            );
        let r = fda().lint(&doc);
        assert!(!has(&r, "SA081"), "{:#?}", messages(&r, "SA081"));
    }
}
