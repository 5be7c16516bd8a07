//! `secarch check` end to end: real git repositories in temp dirs, the real binary.

mod common;

use common::{TestRepo, add_review, check_json, good_document, outcome, secarch};

const DOC: &str = "docs/security/security-architecture.md";

/// A repository with a document, a Dockerfile and some code on `main`, and a
/// feature branch checked out.
fn base_repo() -> TestRepo {
    let r = TestRepo::new();
    r.write(DOC, &good_document())
        .write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 8080\n")
        .write("src/main.rs", "fn main() {}\n")
        .write("README.md", "# app\n")
        .write(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1.0.100\"\n",
        )
        .write("package.json", "{\"name\": \"app\", \"dependencies\": {\"lodash\": \"^4\"}}\n");
    r.commit("initial");
    r.branch("feature");
    r
}

fn categories(json: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> = json["triggers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| t["category"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    c.sort();
    c.dedup();
    c
}

#[test]
fn docs_only_change_needs_nothing() {
    let r = base_repo();
    r.write("README.md", "# app\n\nMore words.\n");
    r.commit("docs");
    let (code, json, err) = check_json(&r, &[]);
    assert_eq!(code, 0, "{json} {err}");
    assert_eq!(json["conclusion"], "success");
    assert_eq!(json["triggers"].as_array().map(Vec::len), Some(0));
    assert!(json["fingerprint"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(json["base"].as_str().unwrap().len(), 40);
}

#[test]
fn dockerfile_expose_without_document_update_fails() {
    let r = base_repo();
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
    );
    r.commit("expose tls port");
    let (code, json, err) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json} {err}");
    assert_eq!(json["conclusion"], "failure");
    assert_eq!(categories(&json), vec!["container"]);
    let t = &json["triggers"][0];
    assert_eq!(t["path"], "Dockerfile");
    assert_eq!(t["change"], "modified");
    let signals = t["signals"].to_string();
    assert!(signals.contains("8443"), "signal names the port: {signals}");
    assert_eq!(json["document"]["path"], DOC);
    assert_eq!(json["document"]["changed"], false);
    assert!(
        json["next_steps"]
            .to_string()
            .contains("Update docs/security/security-architecture.md"),
        "{json}"
    );
}

#[test]
fn dockerfile_change_with_document_update_and_review_passes() {
    let r = base_repo();
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
    );
    let doc = good_document().replace(
        "TLS 1.3 with client certificates at the edge",
        "TLS 1.3 with client certificates at the edge (ports 8080 and 8443)",
    );
    r.write(DOC, &add_review(&doc, "Lee Park", "approved", ""));
    r.commit("expose tls port, update architecture");
    let (code, json, err) = check_json(&r, &[]);
    assert_eq!(code, 0, "{json} {err}");
    assert_eq!(json["document"]["changed"], true);
    assert_eq!(json["document"]["content_changed"], true);
    assert_eq!(json["document"]["reviews_added"][0]["reviewer"], "Lee Park");
    // The semantic diff names the changed control and the prose is not touched.
    let sd = &json["semantic_diff"];
    assert_eq!(sd["items"][0]["kind"], "control", "{sd}");
    assert_eq!(sd["items"][0]["id"], "SC-01");
    assert_eq!(sd["items"][0]["fields"][0], "title");
    let md = outcome(&secarch(&["check", "--format", "markdown"], r.path())).1;
    assert!(
        md.contains("What changed in the security architecture"),
        "{md}"
    );
    assert!(md.contains("control `SC-01` changed (title)"), "{md}");
}

#[test]
fn semantic_diff_reports_new_threats_and_links() {
    let r = base_repo();
    r.write(
        "threat-model/extra.yaml",
        "threats:\n  - {id: T-NEW, title: New attack, severity: high, status: open}\n",
    );
    let doc = good_document()
        .replace("threats:\n", "threat_models:\n  - {format: native, path: threat-model/extra.yaml, namespace: extra}\nthreats:\n")
        .replace("mitigates: [T-DOS]", "mitigates: [T-DOS, extra:T-NEW]")
        .replace("Five layers", "Five layers (now covering the new attack)");
    r.write(DOC, &add_review(&doc, "Lee Park", "approved", ""));
    r.commit("new threat model");
    let (code, json, err) = check_json(&r, &[]);
    assert_eq!(code, 0, "{json} {err}");
    let sd = json["semantic_diff"].to_string();
    assert!(sd.contains("\"threat\":\"extra:T-NEW\""), "{sd}");
    assert!(sd.contains("\"control\":\"SC-02\""), "{sd}");
    assert!(
        json["semantic_diff"]["prose"]
            .as_str()
            .unwrap()
            .contains("+Five layers (now covering"),
        "{sd}"
    );
}

#[test]
fn document_update_without_review_record_fails() {
    let r = base_repo();
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
    );
    r.write(
        DOC,
        &good_document().replace("gateway service", "gateway service on 8443"),
    );
    r.commit("expose, doc without review");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    let reviewed = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == "reviewed")
        .unwrap();
    assert_eq!(reviewed["met"], false, "{json}");
    // The linter sees the same gap from history: architecture changed after the last review.
    assert!(json["findings"].to_string().contains("SA052"), "{json}");
}

#[test]
fn threat_model_change_triggers() {
    let r = base_repo();
    r.write(
        "threat-model/gateway.otm.yaml",
        "otmVersion: 0.2.0\nproject: {name: gw, id: gw}\nthreats: []\n",
    );
    r.commit("threat model");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(categories(&json), vec!["threat-model"]);
}

#[test]
fn rename_out_of_watched_folder_triggers() {
    let r = TestRepo::new();
    r.write(DOC, &good_document())
        .write("deploy/k8s/service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: gw}\nspec:\n  type: ClusterIP\n  ports: [{port: 80}]\n");
    r.commit("initial");
    r.branch("feature");
    std::fs::create_dir_all(r.path().join("attic")).unwrap();
    r.git(&["mv", "deploy/k8s/service.yaml", "attic/service.yaml"]);
    r.commit("move manifest away");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    let t = &json["triggers"][0];
    assert_eq!(t["change"], "renamed", "{json}");
    assert_eq!(t["old_path"], "deploy/k8s/service.yaml");
    assert_eq!(t["path"], "attic/service.yaml");
    assert_eq!(t["category"], "container");
}

#[test]
fn policy_edit_cannot_exclude_its_own_trigger() {
    let r = base_repo();
    r.write(
        ".github/secarch.yml",
        "watch:\n  exclude: [\"**/Dockerfile\"]\n",
    );
    r.write("Dockerfile", "FROM debian:12\nUSER root\nEXPOSE 8080\n");
    r.commit("sneaky");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(categories(&json), vec!["container", "policy"]);
    assert_eq!(json["policy"], "embedded default");
    let policy_signals = json["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["category"] == "policy")
        .unwrap()["signals"]
        .to_string();
    assert!(
        policy_signals.contains("**/Dockerfile"),
        "effective difference shown: {policy_signals}"
    );
}

#[test]
fn watched_looking_files_in_tests_and_fixtures_do_not_trigger() {
    let r = base_repo();
    r.write("tests/Dockerfile", "FROM scratch\nEXPOSE 1\n")
        .write(
            "fixtures/k8s/pod.yaml",
            "kind: Pod\nspec: {hostNetwork: true}\n",
        )
        .write("src/tests/openapi.yaml", "openapi: 3.0.0\npaths: {}\n")
        .write(
            "examples/docker-compose.yml",
            "services: {a: {ports: [\"80:80\"]}}\n",
        );
    r.commit("test data");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn cargo_adding_axum_triggers_but_bumping_serde_does_not() {
    let r = base_repo();
    r.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1.0.200\"\n",
    );
    r.commit("bump serde");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 0, "version bump alone: {json}");

    r.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1.0.200\"\naxum = \"0.8\"\n",
    );
    r.commit("add axum");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(categories(&json), vec!["dependencies"]);
    assert!(
        json["triggers"][0]["signals"].to_string().contains("axum"),
        "{json}"
    );
}

#[test]
fn package_json_adding_express_triggers() {
    let r = base_repo();
    r.write(
        "package.json",
        "{\"name\": \"app\", \"dependencies\": {\"lodash\": \"^4\", \"express\": \"^4.19.0\"}}\n",
    );
    r.commit("add express");
    let (code, json, _) = check_json(&r, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(categories(&json), vec!["dependencies"]);
    assert!(
        json["triggers"][0]["signals"]
            .to_string()
            .contains("express")
    );
}

#[test]
fn not_a_git_repository_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = secarch(&["check"], dir.path());
    let (code, stdout, stderr) = outcome(&out);
    assert_eq!(code, 2, "{stdout} {stderr}");
    assert!(stderr.contains("not inside a git repository"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn malformed_base_policy_is_exit_2_with_position() {
    let r = TestRepo::new();
    r.write(DOC, &good_document()).write(
        ".github/secarch.yml",
        "check:\n  name: sa\nwatch:\n  exclude: [\"a\", \n  include: {x: 1}\n",
    );
    r.commit("initial");
    r.branch("feature");
    r.write("Dockerfile", "FROM x\n");
    r.commit("dockerfile");
    let out = secarch(&["check"], r.path());
    let (code, stdout, stderr) = outcome(&out);
    assert_eq!(code, 2, "{stdout} {stderr}");
    assert!(stderr.contains(".github/secarch.yml at "), "{stderr}");
    let re_pos = stderr
        .split(".github/secarch.yml at ")
        .nth(1)
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|line| line.parse::<u32>().ok());
    assert!(re_pos.is_some(), "line number in {stderr}");
}

#[test]
fn unknown_base_revision_is_exit_2_with_hint() {
    let r = base_repo();
    let out = secarch(&["check", "--base", "no-such-branch"], r.path());
    let (code, _, stderr) = outcome(&out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no-such-branch"), "{stderr}");
}

#[test]
fn explicit_range_and_formats() {
    let r = base_repo();
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 9000\n",
    );
    let head = r.commit("expose");
    let out = secarch(
        &[
            "check", "--base", "main", "--head", &head, "--format", "markdown",
        ],
        r.path(),
    );
    let (code, md, _) = outcome(&out);
    assert_eq!(code, 1);
    assert!(md.contains("**container** (1)"), "{md}");
    assert!(md.contains("What to do"), "{md}");
    let out = secarch(
        &["check", "--repo", r.path().to_str().unwrap()],
        std::env::temp_dir().as_path(),
    );
    let (code, human, _) = outcome(&out);
    assert_eq!(code, 1, "{human}");
    assert!(
        human.contains("container") && human.contains("Dockerfile"),
        "{human}"
    );
}

#[test]
fn policy_flag_overrides_base_policy() {
    let r = base_repo();
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
    );
    r.commit("expose");
    let p = r.path().join("custom-policy.yml");
    std::fs::write(&p, "watch:\n  exclude: [\"Dockerfile\"]\n").unwrap();
    let (code, json, _) = check_json(&r, &["--policy", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{json}");
    assert!(json["policy"].as_str().unwrap().contains("--policy"));
}
