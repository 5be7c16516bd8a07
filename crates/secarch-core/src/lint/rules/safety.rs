//! Safety and performance impact of controls: SA040–SA042.

use crate::lint::context::{Ctx, Out, filled, name};

/// Fewer words than this is a thin assessment (SA042).
pub const THIN_ASSESSMENT_WORDS: usize = 8;

/// Control kinds that often disturb clinical work: a phrase in the control's
/// title (lowercase words joined by single spaces, padded with spaces) and
/// the kind it indicates.
const DISRUPTIVE: &[(&str, &str)] = &[
    ("timeout", "timeout"),
    (" time out", "timeout"),
    ("idle ", "timeout"),
    ("lockout", "lockout"),
    (" lock out", "lockout"),
    ("account lock", "lockout"),
    ("session expir", "session expiry"),
    ("session lifetime", "session expiry"),
    ("logout", "session expiry"),
    (" log out", "session expiry"),
    ("logoff", "session expiry"),
    ("encrypt", "encryption latency"),
    (" tls ", "encryption latency"),
    (" mtls ", "encryption latency"),
    (" dtls ", "encryption latency"),
    (" vpn ", "encryption latency"),
    (" rate limit", "rate limit"),
    ("throttl", "rate limit"),
    ("forced update", "forced update"),
    ("force update", "forced update"),
    ("mandatory update", "forced update"),
    ("automatic update", "forced update"),
    (" auto update", "forced update"),
    ("reboot", "forced reboot"),
    (" restart", "forced reboot"),
    ("certificate expir", "certificate expiry"),
    (" cert expir", "certificate expiry"),
    ("certificate rotation", "certificate expiry"),
    ("certificate renewal", "certificate expiry"),
];

/// SA040: every control has a safety/performance impact assessment.
pub fn sa040(cx: &Ctx<'_>, out: &mut Out) {
    for c in &cx.doc.controls {
        let Some(s) = &c.safety_impact else {
            out.push(
                "SA040",
                c.id.pos,
                format!(
                    "control {} has no safety/performance impact assessment; add safety_impact: {{affects_clinical_function: true|false, assessment: \"effect on clinical function and performance\"}}",
                    name(&c.id)
                ),
            );
            continue;
        };
        let mut missing = Vec::new();
        if s.affects_clinical_function.is_none() {
            missing.push("affects_clinical_function: true|false");
        }
        if !filled(&s.assessment) {
            missing.push("assessment: \"…\"");
        }
        if !missing.is_empty() {
            out.push(
                "SA040",
                s.pos,
                format!(
                    "control {}: the safety impact is incomplete; add {}",
                    name(&c.id),
                    missing.join(" and ")
                ),
            );
        }
    }
}

/// SA041: a control that affects clinical function states the clinical risk and its mitigation.
pub fn sa041(cx: &Ctx<'_>, out: &mut Out) {
    for c in &cx.doc.controls {
        let Some(s) = &c.safety_impact else { continue };
        let Some(flag) = s.affects_clinical_function.as_ref().filter(|f| f.value) else {
            continue;
        };
        let mut missing = Vec::new();
        if !filled(&s.clinical_risk) {
            missing.push("clinical_risk: \"what could go wrong for the patient\"");
        }
        if !filled(&s.mitigation) {
            missing.push("mitigation: \"how that risk is controlled\"");
        }
        if !missing.is_empty() {
            out.push(
                "SA041",
                flag.pos,
                format!(
                    "control {} affects clinical function; add {}",
                    name(&c.id),
                    missing.join(" and ")
                ),
            );
        }
    }
}

/// The disruptive kind a control title indicates, if any.
pub fn disruptive_kind(title: &str) -> Option<&'static str> {
    let words: Vec<String> = title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let padded = format!(" {} ", words.join(" "));
    DISRUPTIVE
        .iter()
        .find(|(p, _)| padded.contains(p))
        .map(|(_, k)| *k)
}

/// SA042: a clinically disruptive kind of control claims no clinical effect
/// with a thin assessment.
pub fn sa042(cx: &Ctx<'_>, out: &mut Out) {
    for c in &cx.doc.controls {
        let (Some(s), Some(title)) = (&c.safety_impact, &c.title) else {
            continue;
        };
        let Some(flag) = s.affects_clinical_function.as_ref().filter(|f| !f.value) else {
            continue;
        };
        let Some(kind) = disruptive_kind(&title.value) else {
            continue;
        };
        let assessment = s.assessment.as_ref().map_or("", |a| a.value.trim());
        let words = assessment.split_whitespace().count();
        if words >= THIN_ASSESSMENT_WORDS {
            continue;
        }
        let pos = s.assessment.as_ref().map_or(flag.pos, |a| a.pos);
        out.push(
            "SA042",
            pos,
            format!(
                "control {} \"{}\" is a kind of control that often disturbs clinical work ({kind}), yet claims no clinical effect with a {words}-word assessment; explain which clinical workflows and timings it touches and why they are safe (at least {THIN_ASSESSMENT_WORDS} words), or set affects_clinical_function: true",
                name(&c.id),
                title.value
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::disruptive_kind;
    use crate::lint::testkit::*;

    #[test]
    fn disruptive_kinds_from_titles() {
        assert_eq!(
            disruptive_kind("Session time-out after 15 minutes"),
            Some("timeout")
        );
        assert_eq!(
            disruptive_kind("Account lock-out after 5 failures"),
            Some("lockout")
        );
        assert_eq!(
            disruptive_kind("mTLS on every link"),
            Some("encryption latency")
        );
        assert_eq!(
            disruptive_kind("Rate-limiting of the API"),
            Some("rate limit")
        );
        assert_eq!(
            disruptive_kind("Forced update on boot"),
            Some("forced update")
        );
        assert_eq!(
            disruptive_kind("Certificate expiry monitoring"),
            Some("certificate expiry")
        );
        assert_eq!(disruptive_kind("Secure boot"), None);
        assert_eq!(disruptive_kind("Least-privilege database roles"), None);
    }

    #[test]
    fn sa040_fires_for_missing_and_incomplete_assessments() {
        let doc = clean_doc()
            .replace(", safety_impact: {affects_clinical_function: false, assessment: \"validation takes microseconds and rejects only malformed messages\"}", "")
            .replace("{affects_clinical_function: false, assessment: \"roles are checked at connection time only, no runtime cost\"}", "{assessment: \"  \"}");
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA040"),
            [
                "control SC-02 has no safety/performance impact assessment; add safety_impact: {affects_clinical_function: true|false, assessment: \"effect on clinical function and performance\"}",
                "control SC-03: the safety impact is incomplete; add affects_clinical_function: true|false and assessment: \"…\"",
            ]
        );
        let f = r.findings.iter().find(|f| f.rule == "SA040").unwrap();
        assert_eq!(f.line, line_of(&doc, "id: SC-02"));
    }

    #[test]
    fn sa040_negative_complete_assessments() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA040"));
    }

    #[test]
    fn sa041_fires_without_clinical_risk_and_mitigation() {
        let doc = clean_doc()
            .replace("      clinical_risk: \"delayed alarm forwarding\"\n", "")
            .replace(
                "      mitigation: \"session resumption; alarms bypass the batch queue\"\n",
                "",
            );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA041");
        assert_eq!(
            (f.line, f.column),
            (line_of(&doc, "affects_clinical_function: true"), 34)
        );
        assert_eq!(
            f.message,
            "control SC-01 affects clinical function; add clinical_risk: \"what could go wrong for the patient\" and mitigation: \"how that risk is controlled\""
        );
    }

    #[test]
    fn sa041_negative_no_clinical_effect_needs_no_risk() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA041"));
    }

    #[test]
    fn sa042_fires_for_a_timeout_with_a_thin_assessment() {
        let doc = clean_doc()
            .replace(
                "title: \"OAuth client credentials for the gateway\"",
                "title: \"Session timeout for clinician logins\"",
            )
            .replace(
                "tokens are refreshed in the background before they expire",
                "no impact",
            );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA042");
        assert_eq!(f.column, col_of(&doc, "\"no impact\""));
        assert!(f.message.starts_with("control SC-04 \"Session timeout for clinician logins\" is a kind of control that often disturbs clinical work (timeout), yet claims no clinical effect with a 2-word assessment"), "{}", f.message);
    }

    #[test]
    fn sa042_negative_substantive_assessment_or_declared_effect() {
        let doc = clean_doc().replace(
            "title: \"OAuth client credentials for the gateway\"",
            "title: \"Session timeout for clinician logins\"",
        );
        // the assessment has 9 words
        assert!(!has(&Kit::new().lint(&doc), "SA042"));
        // SC-01 (mutual TLS) declares a clinical effect: not SA042's business
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA042"));
    }
}
