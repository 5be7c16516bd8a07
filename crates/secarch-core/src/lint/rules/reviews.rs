//! Review records: SA050 (present and complete), SA054 (not too old), and the
//! security-qualified role list SA055 uses.

use crate::lint::context::{Ctx, Out, filled};
use crate::model::{Review, ReviewOutcome};

/// Words that make a review role security-qualified (SA055): a word of the
/// role that contains `security`, starts with `architect`, or is one of these.
/// E.g. `security-architect`, `product-security`, `CISO`, `cybersecurity lead`,
/// `software architect`, `PSIRT`.
pub const SECURITY_ROLE_WORDS: &[&str] = &[
    "ciso",
    "cso",
    "psirt",
    "infosec",
    "appsec",
    "secops",
    "devsecops",
    "pentester",
];

/// Whether a review role is security-qualified.
pub fn is_security_role(role: &str) -> bool {
    role.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| {
            w.contains("security") || w.starts_with("architect") || SECURITY_ROLE_WORDS.contains(&w)
        })
}

/// `Dana Ortiz, 2026-10-02` for messages.
pub fn describe(r: &Review) -> String {
    let who = r
        .reviewer
        .as_ref()
        .map_or("unnamed reviewer", |x| x.value.as_str());
    match &r.date {
        Some(d) => format!("{who}, {}", d.value),
        None => who.to_string(),
    }
}

/// SA050: at least one review record, each with reviewer, role, date and outcome.
pub fn sa050(cx: &Ctx<'_>, out: &mut Out) {
    if cx.doc.reviews.is_empty() {
        out.push(
            "SA050",
            cx.section_pos("reviews"),
            "the document has no review record; once a security architect has reviewed it, add reviews: [{reviewer: \"…\", role: security-architect, date: YYYY-MM-DD, outcome: approved}]",
        );
        return;
    }
    for r in &cx.doc.reviews {
        let mut missing = Vec::new();
        if !filled(&r.reviewer) {
            missing.push("reviewer");
        }
        if !filled(&r.role) {
            missing.push("role");
        }
        if r.date.is_none() {
            missing.push("date");
        }
        if r.outcome.is_none() {
            missing.push("outcome");
        }
        if !missing.is_empty() {
            out.push(
                "SA050",
                r.pos,
                format!(
                    "the review record ({}) has no {}; a review record names reviewer, role, date and outcome",
                    describe(r),
                    missing.join(", ")
                ),
            );
        }
        if let Some(o) = &r.outcome
            && o.value == ReviewOutcome::NoChange
            && !filled(&r.rationale)
        {
            out.push(
                "SA050",
                o.pos,
                format!(
                    "the review record ({}) has outcome no-change without a rationale; add rationale: \"why the architecture needs no change\"",
                    describe(r)
                ),
            );
        }
    }
}

/// SA054: the last review is not older than `lint.max_review_age_days`.
pub fn sa054(cx: &Ctx<'_>, out: &mut Out) {
    let Some(last) = cx.doc.last_review() else {
        return;
    };
    let Some(date) = &last.date else { return };
    let max = i64::from(cx.input.policy.lint.max_review_age_days);
    let age = date.value.days_until(cx.input.today);
    if age < 0 {
        out.push(
            "SA054",
            date.pos,
            format!(
                "the last review ({}) is dated in the future (today is {}); record the date the review actually happened",
                describe(last),
                cx.input.today
            ),
        );
    } else if age > max {
        out.push(
            "SA054",
            date.pos,
            format!(
                "the last review ({}) is {age} days old, more than the {max} days allowed (lint.max_review_age_days); review the architecture again and add a new review record",
                describe(last)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_security_role;
    use crate::lint::testkit::*;

    #[test]
    fn security_roles() {
        for ok in [
            "security-architect",
            "Product Security",
            "CISO",
            "cybersecurity lead",
            "software architect",
            "PSIRT member",
        ] {
            assert!(is_security_role(ok), "{ok}");
        }
        for no in [
            "developer",
            "QA",
            "product owner",
            "clinical safety officer",
            "tech lead",
        ] {
            assert!(!is_security_role(no), "{no}");
        }
    }

    #[test]
    fn sa050_fires_without_reviews() {
        let doc = clean_doc().replace(
            "  - {reviewer: \"Dana Ortiz\", role: security-architect, date: 2026-10-02, outcome: approved, scope: full, ref: \"PR #412\"}\n",
            "",
        );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA050");
        assert_eq!(f.line, line_eq(&doc, "reviews:"));
        assert!(f.message.starts_with("the document has no review record"));
    }

    #[test]
    fn sa050_fires_for_incomplete_records_and_bare_no_change() {
        let doc = clean_doc().replace(
            "reviews:\n",
            "reviews:\n  - {reviewer: \"Lee Park\", date: 2026-09-01}\n  - {reviewer: \"Ana Ruiz\", role: ciso, date: 2026-09-02, outcome: no-change}\n",
        );
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA050"),
            [
                "the review record (Lee Park, 2026-09-01) has no role, outcome; a review record names reviewer, role, date and outcome",
                "the review record (Ana Ruiz, 2026-09-02) has outcome no-change without a rationale; add rationale: \"why the architecture needs no change\"",
            ]
        );
    }

    #[test]
    fn sa050_negative_complete_record() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA050"));
    }

    #[test]
    fn sa054_fires_for_an_old_last_review() {
        let mut k = Kit::new();
        k.today = crate::model::Date::new(2027, 10, 3).unwrap();
        let r = k.lint(CLEAN_DOC);
        let f = only(&r, "SA054");
        assert_eq!(
            (f.line, f.column),
            (
                line_of(CLEAN_DOC, "Dana Ortiz"),
                col_of(CLEAN_DOC, "2026-10-02")
            )
        );
        assert_eq!(
            f.message,
            "the last review (Dana Ortiz, 2026-10-02) is 366 days old, more than the 365 days allowed (lint.max_review_age_days); review the architecture again and add a new review record"
        );
    }

    #[test]
    fn sa054_fires_for_a_future_date() {
        let mut k = Kit::new();
        k.today = crate::model::Date::new(2026, 10, 1).unwrap();
        assert!(
            only(&k.lint(CLEAN_DOC), "SA054")
                .message
                .contains("dated in the future")
        );
    }

    #[test]
    fn sa054_negative_uses_the_latest_review_and_the_configured_age() {
        let mut k = Kit::new();
        k.today = crate::model::Date::new(2027, 10, 2).unwrap();
        assert!(
            !has(&k.lint(CLEAN_DOC), "SA054"),
            "exactly 365 days is allowed"
        );
        k.today = crate::model::Date::new(2027, 12, 1).unwrap();
        k.policy.lint.max_review_age_days = 730;
        let doc = clean_doc().replace(
            "reviews:\n",
            "reviews:\n  - {reviewer: \"Old\", role: ciso, date: 2020-01-01, outcome: approved}\n",
        );
        assert!(!has(&k.lint(&doc), "SA054"));
    }
}
