//! The answer is never a silent "✓": the range's size is shown, an empty range says so, a
//! swapped one is an error with the fix, uncommitted watched changes are named, and deleting the
//! document fails. The real binary on real repositories.

mod common;

use common::{TestRepo, check_json, good_document, outcome, secarch};

const DOC: &str = "docs/security/security-architecture.md";

fn repo_with_feature() -> TestRepo {
    let r = TestRepo::new();
    r.write(DOC, &good_document())
        .write("Dockerfile", "FROM debian:12\nUSER app\n")
        .write("README.md", "# app\n");
    r.commit("initial");
    r.git(&["branch", "-M", "main"]);
    r.branch("feature");
    r.write("README.md", "# app\n\nMore.\n");
    r.commit("one");
    r.write("notes.txt", "x\n");
    r.commit("two");
    r
}

#[test]
fn the_output_shows_how_many_commits_and_files_were_checked() {
    let r = repo_with_feature();
    let (code, json, err) = check_json(&r, &["--base", "main"]);
    assert_eq!(code, 0, "{json} {err}");
    assert_eq!(json["range"]["commits"], 2, "{json}");
    assert_eq!(json["range"]["files"], 2, "{json}");
    let (_, human, _) = outcome(&secarch(&["check", "--base", "main"], r.path()));
    assert!(human.contains("2 commits, 2 files"), "{human}");
}

#[test]
fn an_empty_range_says_so() {
    let r = repo_with_feature();
    let (code, human, err) = outcome(&secarch(&["check", "--base", "HEAD"], r.path()));
    assert_eq!(code, 0, "{err}");
    assert!(
        human.contains("Nothing to check: the range is empty"),
        "{human}"
    );
    assert!(human.contains("0 commits, 0 files"), "{human}");
}

#[test]
fn a_swapped_range_is_an_error_with_the_fix() {
    let r = repo_with_feature();
    let (code, out, err) = outcome(&secarch(
        &["check", "--base", "feature", "--head", "main"],
        r.path(),
    ));
    assert_eq!(code, 2, "{out} {err}");
    assert!(err.contains("is an ancestor of --base feature"), "{err}");
    assert!(
        err.contains("secarch check --base main --head feature"),
        "the fix is spelled out: {err}"
    );
}

#[test]
fn uncommitted_watched_changes_are_named_not_silently_passed() {
    let r = repo_with_feature();
    r.write("Dockerfile", "FROM debian:12\nUSER root\nEXPOSE 22\n");
    r.write("README.md", "# uncommitted prose\n");
    let (code, _, err) = outcome(&secarch(&["check", "--base", "main"], r.path()));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "warning: 1 uncommitted change(s) to watched files were not checked (Dockerfile)"
        ),
        "{err}"
    );
    // A clean tree, or a head other than the working tree's, gives no warning.
    let (_, _, err) = outcome(&secarch(
        &["check", "--base", "main", "--head", "feature"],
        r.path(),
    ));
    assert!(!err.contains("uncommitted"), "{err}");
}

#[test]
fn deleting_the_document_fails_and_says_the_document_is_gone() {
    let r = repo_with_feature();
    r.remove(DOC);
    r.commit("drop the document");
    let (code, json, err) = check_json(&r, &["--base", "main"]);
    assert_eq!(code, 1, "{json} {err}");
    assert_eq!(json["conclusion"], "failure");
    assert_eq!(json["document"]["deleted"], true);
    let (_, human, _) = outcome(&secarch(&["check", "--base", "main"], r.path()));
    assert!(human.contains("was deleted in this change"), "{human}");
    assert!(
        !human.contains("was updated"),
        "never counted as updated: {human}"
    );
    assert!(human.contains("Restore"), "{human}");
}
