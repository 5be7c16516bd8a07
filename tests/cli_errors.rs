//! Errors that say what to do: no `:0:0` positions, the flag that named an unknown revision,
//! a repository without commits, and `--document` outside the repository. The real binary.

mod common;

use common::{TestRepo, good_document, outcome, secarch};

const DOC: &str = "docs/security/security-architecture.md";

#[test]
fn a_missing_document_is_reported_without_a_fake_position() {
    let r = TestRepo::new();
    r.write("README.md", "# app\n");
    r.commit("initial");
    let (code, out, err) = outcome(&secarch(&["lint"], r.path()));
    assert_eq!(code, 1, "{out} {err}");
    assert!(out.contains("SA001"), "{out}");
    assert!(!out.contains(":0:0") && !out.contains(":0:"), "{out}");
    assert!(out.contains(&format!("{DOC}: error SA001")), "{out}");
}

#[test]
fn an_unknown_head_names_the_head_flag() {
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    r.commit("initial");
    r.git(&["branch", "-M", "main"]);
    let (code, _, err) = outcome(&secarch(
        &["check", "--base", "main", "--head", "deadbeef"],
        r.path(),
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown revision 'deadbeef' (--head)"),
        "{err}"
    );
    assert!(err.contains("pass a different --head"), "{err}");
    assert!(!err.contains("--base"), "the base is fine: {err}");
    let (code, _, err) = outcome(&secarch(&["check", "--base", "nosuch"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown revision 'nosuch' (--base)"), "{err}");
}

#[test]
fn a_repository_without_commits_says_so() {
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    let (code, _, err) = outcome(&secarch(&["check"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no commits yet"), "{err}");
    assert!(!err.contains("git fetch"), "{err}");
}

#[test]
fn an_absolute_document_path_must_be_inside_the_repository() {
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    r.commit("initial");
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("security-architecture.md");
    std::fs::write(&elsewhere, good_document()).unwrap();
    let (code, out, err) = outcome(&secarch(
        &["lint", "--document", elsewhere.to_str().unwrap()],
        r.path(),
    ));
    assert_eq!(code, 2, "a usage error, not a finding: {out} {err}");
    assert!(err.contains("is outside the repository"), "{err}");
    assert!(!out.contains("SA002"), "{out}");
    // Inside the repository, an absolute path works like the relative one.
    let inside = r.path().join(DOC);
    let (code, out, err) = outcome(&secarch(
        &["lint", "--document", inside.to_str().unwrap()],
        r.path(),
    ));
    assert_eq!(code, 0, "{out} {err}");
    assert!(out.contains(DOC), "{out}");
}

#[test]
fn a_bad_policy_file_is_fixed_where_it_lives() {
    let r = TestRepo::new();
    r.write(DOC, &good_document())
        .write("my-policy.yml", "signoff:\n  required: lots\n");
    r.commit("initial");
    r.git(&["branch", "-M", "main"]);
    let (code, _, err) = outcome(&secarch(
        &["check", "--base", "main", "--policy", "my-policy.yml"],
        r.path(),
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`required` must be a whole number ≥ 1, got \"lots\""),
        "{err}"
    );
    assert!(err.contains("fix the file given with --policy"), "{err}");
    assert!(
        !err.contains("base branch"),
        "--policy is not read from a branch: {err}"
    );
    // The repository's own policy is read from the base commit: fixed on the base branch.
    r.write(".github/secarch.yml", "signoff:\n  required: lots\n");
    r.commit("bad policy");
    let (code, _, err) = outcome(&secarch(&["check", "--base", "HEAD"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fix it on the base branch"), "{err}");
}
