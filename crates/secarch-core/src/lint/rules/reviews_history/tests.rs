use crate::lint::testkit::*;

/// Ann builds the gateway, Dana reviews it (commit r1), then Bob changes things.
fn history_after(paths: &[&str]) -> FakeHistory {
    FakeHistory::default()
        .commit(
            "a1a1a1a1a1a1",
            "Ann Lee",
            &["src/main.rs", "deploy/Dockerfile"],
        )
        .commit("r1r1r1r1r1r1", "Dana Ortiz", &[DOC_PATH])
        .commit("b1b1b1b1b1b1", "Bob Stone", paths)
        .review_added("Dana Ortiz", "r1r1r1r1r1r1")
}

fn kit(h: FakeHistory) -> Kit {
    let mut k = Kit::new();
    k.history = Some(h);
    k
}

#[test]
fn sa052_fires_when_watched_files_changed_after_the_review() {
    let h = history_after(&["deploy/Dockerfile", "src/lib.rs", "api/openapi.yaml"]);
    let r = kit(h).lint(CLEAN_DOC);
    let f = only(&r, "SA052");
    assert_eq!(f.line, line_of(CLEAN_DOC, "Dana Ortiz"));
    assert_eq!(
        f.message,
        "the system architecture changed since the last review (Dana Ortiz, 2026-10-02, added in r1r1r1r): api/openapi.yaml (api, b1b1b1b), deploy/Dockerfile (container, b1b1b1b); review the change and add a new review record"
    );
    assert!(!has(&r, "SA053"));
}

#[test]
fn sa052_lists_at_most_five_paths() {
    let paths: Vec<String> = (0..8).map(|i| format!("svc{i}/Dockerfile")).collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let r = kit(history_after(&refs)).lint(CLEAN_DOC);
    assert!(
        only(&r, "SA052")
            .message
            .contains("svc4/Dockerfile (container, b1b1b1b), and 3 more;")
    );
}

#[test]
fn sa052_negative_unwatched_changes_the_document_and_earlier_commits() {
    // deploy/Dockerfile changed before the review (a1); after it only code, docs, examples.
    let h = history_after(&[
        "src/lib.rs",
        DOC_PATH,
        "examples/demo/Dockerfile",
        "README.md",
    ]);
    let r = kit(h).lint(CLEAN_DOC);
    assert!(!has(&r, "SA052"), "{:#?}", r.findings);
    assert!(!has(&r, "SA053"));
}

#[test]
fn sa052_negative_without_history_or_uncommitted_review() {
    assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA052"));
    let mut h = history_after(&["deploy/Dockerfile"]);
    h.added.clear(); // the review is a working-tree edit: nothing can be after it
    assert!(!has(&kit(h).lint(CLEAN_DOC), "SA052"));
}

#[test]
fn sa052_and_sa053_report_unreadable_history() {
    let mut h = history_after(&[]);
    h.fail = Some("object not found (shallow clone?)".into());
    let r = kit(h).lint(CLEAN_DOC);
    for rule in ["SA052", "SA053", "SA055"] {
        let f = only(&r, rule);
        assert!(
            f.message.contains("could not read git history"),
            "{}",
            f.message
        );
        assert!(f.message.contains("fetch-depth: 0"), "{}", f.message);
    }
}

#[test]
fn sa053_fires_when_a_threat_model_changed_after_the_review() {
    let h = history_after(&["threat-model/gw.otm.yaml", "models/extra.otm.json"]);
    let r = kit(h).lint(CLEAN_DOC);
    assert_eq!(
        messages(&r, "SA053"),
        [
            "the threat model changed since the last review (Dana Ortiz, 2026-10-02, added in r1r1r1r): models/extra.otm.json (threat model, b1b1b1b), threat-model/gw.otm.yaml (threat model, b1b1b1b); review the change and add a new review record"
        ]
    );
    assert!(
        !has(&r, "SA052"),
        "threat models are not architecture changes"
    );
}

#[test]
fn sa053_negative_configured_model_under_an_excluded_folder_still_counts_only_when_changed() {
    let mut k = kit(history_after(&["examples/x/threat-model.yaml"]));
    // an excluded path that is not a configured model does not count
    assert!(!has(&k.lint(CLEAN_DOC), "SA053"));
    // ... but a configured one does
    k.policy.threat_models.push(crate::policy::ThreatModelRef {
        format: crate::policy::ThreatModelFormat::Native,
        path: "examples/x/threat-model.yaml".into(),
        namespace: None,
    });
    assert!(has(&k.lint(CLEAN_DOC), "SA053"));
}

#[test]
fn sa055_fires_for_a_role_that_is_not_security_qualified() {
    let doc = clean_doc().replace("role: security-architect", "role: developer");
    let r = Kit::new().lint(&doc);
    let f = only(&r, "SA055");
    assert_eq!(f.column, col_of(&doc, "developer"));
    assert!(f.message.starts_with("the last review (Dana Ortiz, 2026-10-02) was done in role \"developer\", which is not security-qualified"));
}

#[test]
fn sa055_fires_when_the_reviewer_authored_the_reviewed_change() {
    let h = FakeHistory::default()
        .commit("a1a1a1a1a1a1", "Ann Lee", &["src/main.rs"])
        .commit("d1d1d1d1d1d1", "dana ortiz", &["deploy/Dockerfile"])
        .commit("r1r1r1r1r1r1", "Dana Ortiz", &[DOC_PATH])
        .review_added("Dana Ortiz", "r1r1r1r1r1r1");
    let r = kit(h).lint(CLEAN_DOC);
    let f = only(&r, "SA055");
    assert_eq!(f.column, col_of(CLEAN_DOC, "\"Dana Ortiz\""));
    assert_eq!(
        f.message,
        "the last review is not independent: its reviewer Dana Ortiz authored commit d1d1d1d of the reviewed change; have someone who did not write the change review it"
    );
}

#[test]
fn sa055_range_starts_after_the_previous_review_and_matches_emails() {
    let doc = clean_doc().replace(
        "reviews:\n",
        "reviews:\n  - {reviewer: \"Lee Park\", role: ciso, date: 2026-01-10, outcome: approved}\n",
    );
    let h = FakeHistory::default()
        .commit("d0d0d0d0d0d0", "Dana Ortiz", &["deploy/Dockerfile"])
        .commit("p1p1p1p1p1p1", "Lee Park", &[DOC_PATH])
        .commit("b1b1b1b1b1b1", "Bob Stone", &["api/openapi.yaml"])
        .commit("r1r1r1r1r1r1", "Dana Ortiz", &[DOC_PATH])
        .review_added("Lee Park", "p1p1p1p1p1p1")
        .review_added("Dana Ortiz", "r1r1r1r1r1r1");
    // Dana's own commit d0 was reviewed by Lee, not by Dana: independent.
    assert!(!has(&kit(h.clone()).lint(&doc), "SA055"));
    // an author matched by e-mail inside the range
    let mut h2 = h;
    h2.commits[2].author_name = "D. O.".into();
    h2.commits[2].author_email = "dana.ortiz@hospital.example".into();
    assert!(has(&kit(h2).lint(&doc), "SA055"));
}

#[test]
fn sa055_negative_security_reviewer_who_only_edited_the_document() {
    let r = kit(history_after(&["src/lib.rs"])).lint(CLEAN_DOC);
    assert!(!has(&r, "SA055"), "{:#?}", r.findings);
}
