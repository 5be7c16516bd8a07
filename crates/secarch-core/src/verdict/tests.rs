use super::*;
use crate::classify::Signal;
use crate::git::ChangeKind;

fn trig(cat: &str, path: &str) -> Trigger {
    Trigger {
        category: cat.to_string(),
        path: path.to_string(),
        old_path: None,
        change: ChangeKind::Modified,
        signals: vec![Signal {
            kind: "expose-added".into(),
            message: "new EXPOSE 8443".into(),
            line: Some(3),
        }],
    }
}

fn doc(exists: bool, content_changed: bool, reviews: &[(&str, Option<&str>)]) -> DocumentState {
    DocumentState {
        path: Some("docs/security/security-architecture.md".into()),
        exists,
        deleted: false,
        changed: content_changed || !reviews.is_empty(),
        content_changed,
        reviews_added: reviews
            .iter()
            .map(|(o, r)| AddedReview {
                reviewer: "Dana Ortiz".into(),
                role: "security-architect".into(),
                outcome: o.to_string(),
                rationale: r.map(str::to_string),
            })
            .collect(),
    }
}

fn input<'a>(t: &'a [Trigger], d: &'a DocumentState) -> VerdictInput<'a> {
    VerdictInput {
        triggers: t,
        document: d,
        findings: None,
        signoffs: None,
        check_name: "security-architecture",
    }
}

#[test]
fn nothing_triggered_is_success() {
    let d = doc(false, false, &[]);
    let v = decide(&input(&[], &d));
    assert_eq!(v.conclusion, Conclusion::Success);
    assert!(!v.triggered);
    assert!(v.next_steps().is_empty());
}

#[test]
fn triggered_without_update_fails_and_says_what_to_do() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, false, &[]);
    let v = decide(&input(&t, &d));
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(v.title.contains("document not updated"), "{}", v.title);
    assert!(v.title.contains("1 file in container"), "{}", v.title);
    let steps = v.next_steps();
    assert_eq!(steps.len(), 2);
    assert!(steps[0].contains("Update docs/security/security-architecture.md"));
    assert!(steps[1].contains("reviews:"));
}

#[test]
fn update_plus_review_record_passes() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, true, &[("approved", None)]);
    let v = decide(&input(&t, &d));
    assert_eq!(v.conclusion, Conclusion::Success, "{v:?}");
    assert!(v.title.starts_with("Security architecture reviewed"));
}

#[test]
fn update_without_review_fails_on_review() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, true, &[]);
    let v = decide(&input(&t, &d));
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(v.title.contains("review missing"), "{}", v.title);
}

#[test]
fn no_change_review_needs_rationale() {
    let t = [trig("api", "openapi.yaml")];
    let ok = doc(
        true,
        false,
        &[("no-change", Some("only a description changed"))],
    );
    assert_eq!(decide(&input(&t, &ok)).conclusion, Conclusion::Success);
    let bare = doc(true, false, &[("no-change", None)]);
    assert_eq!(decide(&input(&t, &bare)).conclusion, Conclusion::Failure);
}

#[test]
fn rejected_review_fails() {
    let t = [trig("api", "openapi.yaml")];
    let d = doc(true, true, &[("rejected", None)]);
    let v = decide(&input(&t, &d));
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(v.reasons.iter().any(|r| r.message.contains("rejected")));
}

#[test]
fn missing_document_fails_first_with_init_hint() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(false, false, &[]);
    let v = decide(&input(&t, &d));
    assert!(v.title.contains("document missing"), "{}", v.title);
    assert!(v.next_steps()[0].contains("secarch init"));
}

#[test]
fn lint_errors_fail_even_when_reviewed() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, true, &[("approved", None)]);
    let findings = vec![Finding {
        rule: "SA022".into(),
        severity: Severity::Error,
        message: "boundary without control".into(),
        path: "docs/security/security-architecture.md".into(),
        line: 12,
        column: 5,
    }];
    let mut i = input(&t, &d);
    i.findings = Some(&findings);
    let v = decide(&i);
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(v.title.contains("lint errors"), "{}", v.title);
    let warn = vec![Finding {
        severity: Severity::Warning,
        ..findings[0].clone()
    }];
    i.findings = Some(&warn);
    assert_eq!(decide(&i).conclusion, Conclusion::Success);
}

#[test]
fn signoffs_replace_review_records_in_github_mode() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, true, &[]);
    let s = SignoffState {
        valid: vec![],
        required: 1,
        rejected: vec![],
        eligible: vec!["@dana-ortiz".into()],
        blockers: vec![],
    };
    let mut i = input(&t, &d);
    i.signoffs = Some(&s);
    let v = decide(&i);
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(
        v.next_steps()
            .iter()
            .any(|s| s.contains("@dana-ortiz") && s.contains("/secarch approve"))
    );
    let mut s = s.clone();
    s.valid.push(ValidSignoff {
        login: "dana-ortiz".into(),
        via: "comment".into(),
        no_change_rationale: None,
        commit: "3f2a9c1".into(),
        fingerprint: "sha256:00".into(),
    });
    let mut i = input(&t, &d);
    i.signoffs = Some(&s);
    assert_eq!(decide(&i).conclusion, Conclusion::Success);

    // A standing request for changes fails the review however many sign-offs there are.
    s.blockers.push(RejectedSignoff {
        login: "erin".into(),
        reason: "requested changes".into(),
    });
    let mut i = input(&t, &d);
    i.signoffs = Some(&s);
    let v = decide(&i);
    assert_eq!(v.conclusion, Conclusion::Failure);
    let reviewed = v
        .reasons
        .iter()
        .find(|r| r.requirement == Requirement::Reviewed)
        .expect("reviewed reason");
    assert!(!reviewed.met);
    assert!(
        reviewed.message.contains("@erin requested changes"),
        "{}",
        reviewed.message
    );
    assert!(
        reviewed
            .action
            .as_deref()
            .is_some_and(|a| a.contains("/secarch revoke"))
    );
}

#[test]
fn no_change_signoff_satisfies_update() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, false, &[]);
    let s = SignoffState {
        valid: vec![ValidSignoff {
            login: "dana".into(),
            via: "comment".into(),
            no_change_rationale: Some("port is internal only, no new exposure".into()),
            commit: String::new(),
            fingerprint: String::new(),
        }],
        required: 1,
        rejected: vec![],
        eligible: vec![],
        blockers: vec![],
    };
    let mut i = input(&t, &d);
    i.signoffs = Some(&s);
    assert_eq!(decide(&i).conclusion, Conclusion::Success);
}

#[test]
fn report_serialises_triggers_and_document() {
    let t = vec![
        trig("container", "Dockerfile"),
        trig("api", "api/openapi.yaml"),
    ];
    let d = doc(true, false, &[]);
    let v = decide(&input(&t, &d));
    let r = CheckReport::new(
        v,
        "a".repeat(40),
        "b".repeat(40),
        "sha256:00".into(),
        "security-architecture".into(),
        "embedded default".into(),
        t,
        d,
        vec![],
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["conclusion"], "failure");
    assert_eq!(json["triggers"][0]["category"], "container");
    assert_eq!(json["triggers"][0]["change"], "modified");
    assert_eq!(json["triggers"][0]["old_path"], serde_json::Value::Null);
    assert_eq!(json["document"]["changed"], false);
}

#[test]
fn a_deleted_document_fails_even_when_nothing_else_triggered() {
    let mut d = doc(false, true, &[]);
    d.deleted = true;
    for triggers in [vec![], vec![trig("container", "Dockerfile")]] {
        let v = decide(&input(&triggers, &d));
        assert_eq!(v.conclusion, Conclusion::Failure, "{v:?}");
        assert!(v.title.contains("document deleted"), "{}", v.title);
        let updated = v
            .reasons
            .iter()
            .find(|r| r.requirement == Requirement::DocumentUpdated)
            .unwrap();
        assert!(
            !updated.met,
            "a deleted document is never 'updated': {updated:?}"
        );
        assert!(
            v.next_steps()[0].starts_with("Restore "),
            "{:?}",
            v.next_steps()
        );
    }
}

#[test]
fn review_history_errors_alone_point_to_the_review_step() {
    let t = [trig("container", "Dockerfile")];
    let d = doc(true, true, &[]);
    let sa052 = Finding {
        rule: "SA052".into(),
        severity: Severity::Error,
        message: "the system architecture changed since the last review".into(),
        path: "docs/security/security-architecture.md".into(),
        line: 80,
        column: 5,
    };
    let findings = vec![sa052.clone()];
    let mut i = input(&t, &d);
    i.findings = Some(&findings);
    let v = decide(&i);
    assert_eq!(v.conclusion, Conclusion::Failure);
    assert!(v.title.contains("review missing"), "{}", v.title);
    let steps = v.next_steps();
    assert!(
        steps.iter().all(|s| !s.starts_with("Fix the lint errors")),
        "{steps:?}"
    );
    assert!(steps[0].contains("reviews:"), "{steps:?}");
    let lint = v
        .reasons
        .iter()
        .find(|r| r.requirement == Requirement::LintClean)
        .unwrap();
    assert!(
        lint.message.contains("the new review record fixes them"),
        "{}",
        lint.message
    );

    // With another lint error beside it, fixing the errors comes first again.
    let both = vec![
        sa052,
        Finding {
            rule: "SA022".into(),
            message: "boundary without control".into(),
            ..findings[0].clone()
        },
    ];
    i.findings = Some(&both);
    let v = decide(&i);
    assert!(
        v.next_steps()[0].starts_with("Fix the lint errors"),
        "{:?}",
        v.next_steps()
    );
}
