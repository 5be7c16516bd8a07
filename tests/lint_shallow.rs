//! In a shallow clone the review rules cannot see the history they judge: `lint` must say so
//! (and how to fix it), never report a clean history. The real binary on a `git clone --depth`.

mod common;

use std::process::Command;

use common::{TestRepo, good_document, outcome, secarch};

const DOC: &str = "docs/security/security-architecture.md";

fn lint_json(dir: &std::path::Path) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = outcome(&secarch(&["lint", "--format", "json"], dir));
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, json)
}

fn rules(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// A reviewed document, then three commits with no architecture change.
fn reviewed_repo() -> TestRepo {
    let r = TestRepo::new();
    r.write(DOC, &good_document()).write("README.md", "# app\n");
    r.commit("document with its review");
    for i in 0..3 {
        r.write("README.md", &format!("# app\n\n{i}\n"));
        r.commit(&format!("prose {i}"));
    }
    r
}

fn shallow_clone(r: &TestRepo, depth: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", depth, &url])
        .arg(dir.path().join("clone"))
        .status()
        .expect("git clone");
    assert!(status.success());
    dir
}

#[test]
fn a_shallow_clone_says_the_history_rules_could_not_be_evaluated() {
    let r = reviewed_repo();
    let (code, json) = lint_json(r.path());
    assert_eq!(code, 0, "the full history is clean: {:?}", rules(&json));

    let dir = shallow_clone(&r, "1");
    let (code, json) = lint_json(&dir.path().join("clone"));
    let found = rules(&json);
    assert_eq!(code, 1, "{found:?}");
    for rule in ["SA052", "SA053"] {
        let f = found
            .iter()
            .find(|f| f.starts_with(rule))
            .unwrap_or_else(|| panic!("{rule} missing: {found:?}"));
        assert!(f.contains("this clone is shallow"), "{f}");
        assert!(f.contains("git fetch --unshallow"), "{f}");
        assert!(f.contains("fetch-depth: 0"), "{f}");
    }
}

#[test]
fn a_clone_deep_enough_to_see_the_review_is_judged_normally() {
    let r = reviewed_repo();
    let dir = shallow_clone(&r, "10");
    let (code, json) = lint_json(&dir.path().join("clone"));
    assert_eq!(code, 0, "{:?}", rules(&json));
}
