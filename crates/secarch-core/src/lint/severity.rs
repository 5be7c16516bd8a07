//! Which rules run, and at which severity.

use crate::policy::{Policy, Severity};
use crate::rule_table::rule_info;

/// The severity a rule's findings get under `policy` (`Off` = the rule does
/// not run).
///
/// Default from the rule table; `lint.severity` overrides it. A profile rule
/// (SA080/SA081, profile `fda`) runs when its profile is listed in
/// `lint.profiles` or when `lint.severity` names it explicitly (naming a rule
/// is asking for it). `strict` turns warnings into errors; notices stay notices.
pub fn effective_severity(policy: &Policy, strict: bool, rule: &str) -> Severity {
    let Some(info) = rule_info(rule) else {
        return Severity::Off;
    };
    let configured = policy.lint.severity.get(rule).copied();
    let in_profile = info
        .profile
        .is_none_or(|p| policy.lint.profiles.iter().any(|x| x == p));
    let severity = match configured {
        Some(s) => s,
        None if in_profile => info.severity,
        None => Severity::Off,
    };
    if (strict || policy.lint.strict) && severity == Severity::Warning {
        Severity::Error
    } else {
        severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_profiles_and_strict() {
        let mut p = Policy::embedded_default();
        assert_eq!(effective_severity(&p, false, "SA022"), Severity::Error);
        assert_eq!(effective_severity(&p, false, "SA054"), Severity::Warning);
        assert_eq!(effective_severity(&p, true, "SA054"), Severity::Error);
        assert_eq!(effective_severity(&p, true, "SA070"), Severity::Notice);
        assert_eq!(effective_severity(&p, false, "SA080"), Severity::Off);
        assert_eq!(effective_severity(&p, false, "SA999"), Severity::Off);
        p.lint.profiles.push("fda".to_string());
        assert_eq!(effective_severity(&p, false, "SA080"), Severity::Error);
        assert_eq!(effective_severity(&p, false, "SA081"), Severity::Warning);
        p.lint.severity.insert("SA054".to_string(), Severity::Error);
        p.lint.severity.insert("SA022".to_string(), Severity::Off);
        assert_eq!(effective_severity(&p, false, "SA054"), Severity::Error);
        assert_eq!(effective_severity(&p, true, "SA022"), Severity::Off);
        p.lint.strict = true;
        assert_eq!(effective_severity(&p, false, "SA081"), Severity::Error);
    }

    #[test]
    fn naming_a_profile_rule_enables_it() {
        let mut p = Policy::embedded_default();
        p.lint
            .severity
            .insert("SA081".to_string(), Severity::Notice);
        assert_eq!(effective_severity(&p, false, "SA081"), Severity::Notice);
    }
}
