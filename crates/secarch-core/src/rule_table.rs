//! The lint rule table: ids, default severities and profiles.
//!
//! The ids are a public contract (`document-format.md`); the policy validates
//! `lint.severity` keys against this table and the linter takes its defaults
//! from it, so both agree by construction.

use crate::policy::Severity;

/// A rule's static description.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    /// `None` = always on; `Some("fda")` = only with that profile.
    pub profile: Option<&'static str>,
    pub title: &'static str,
}

/// Profiles a policy may name.
pub const PROFILES: &[&str] = &["iec81001-5-1", "fda"];

const fn rule(id: &'static str, severity: Severity, title: &'static str) -> RuleInfo {
    RuleInfo {
        id,
        severity,
        profile: None,
        title,
    }
}

use Severity::{Error as E, Notice as N, Warning as W};

/// Every rule, in id order.
pub const RULES: &[RuleInfo] = &[
    rule("SA001", E, "a security architecture document exists"),
    rule(
        "SA002",
        E,
        "the front matter parses and has no unknown fields",
    ),
    rule("SA003", E, "required body headings are present"),
    rule("SA004", E, "ids are unique"),
    rule("SA005", E, "every reference resolves"),
    rule("SA006", E, "no placeholder (TODO, TBD, FIXME) is left"),
    rule("SA010", E, "at least two applicable defense layers"),
    rule(
        "SA011",
        E,
        "every applicable layer has at least one control",
    ),
    rule("SA012", E, "a non-applicable layer gives a rationale"),
    rule(
        "SA013",
        W,
        "network, application, data, authentication and endpoint layers are declared",
    ),
    rule("SA014", E, "every control names its layer"),
    rule(
        "SA015",
        W,
        "every control names at least one technical security requirement",
    ),
    rule("SA020", E, "at least one architecture diagram"),
    rule(
        "SA021",
        E,
        "at least two trust zones and one trust boundary",
    ),
    rule(
        "SA022",
        E,
        "every trust boundary has a control enforced at it",
    ),
    rule("SA023", W, "every zone and boundary appears in a diagram"),
    rule("SA024", E, "a referenced diagram file exists"),
    rule(
        "SA025",
        E,
        "a flow between zones crosses a declared boundary",
    ),
    rule("SA030", E, "every control mitigates at least one threat"),
    rule("SA031", E, "every mitigates reference resolves"),
    rule(
        "SA032",
        W,
        "every threat at or above the threshold is mitigated or accepted",
    ),
    rule("SA033", E, "every configured threat model exists and loads"),
    rule(
        "SA040",
        E,
        "every control has a safety/performance impact assessment",
    ),
    rule(
        "SA041",
        E,
        "a control affecting clinical function states clinical risk and mitigation",
    ),
    rule(
        "SA042",
        W,
        "a control of a clinically disruptive kind has a substantive assessment",
    ),
    rule("SA050", E, "at least one review record"),
    rule(
        "SA052",
        E,
        "the system architecture changed since the last review",
    ),
    rule("SA053", E, "the threat model changed since the last review"),
    rule("SA054", W, "the last review is not too old"),
    rule(
        "SA055",
        W,
        "the last review is independent and security-qualified",
    ),
    rule(
        "SA060",
        E,
        "internal segregation: a boundary between internal zones",
    ),
    rule("SA061", W, "controls are not all at the perimeter"),
    rule("SA070", N, "the file name is one auditors look for"),
    RuleInfo {
        id: "SA080",
        severity: E,
        profile: Some("fda"),
        title: "diagrams cover the FDA premarket views",
    },
    RuleInfo {
        id: "SA081",
        severity: W,
        profile: Some("fda"),
        title: "controls cover the FDA control categories",
    },
];

/// Look a rule up by id.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// Rules that a new review record satisfies by itself ("changed since the last review"): the
/// check's steps send people to the review, not to "fix the lint errors".
pub fn fixed_by_new_review(id: &str) -> bool {
    matches!(id, "SA052" | "SA053")
}
