//! `secarch lint` and `secarch init` end to end with the real binary.

mod common;

use common::{TestRepo, good_document, outcome, secarch};

const DOC: &str = "docs/security/security-architecture.md";

fn lint_json(dir: &std::path::Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["lint", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = outcome(&secarch(&args, dir));
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, json)
}

#[test]
fn clean_document_lints_clean() {
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    r.commit("doc");
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["errors"], 0, "{json}");
    assert_eq!(json["document"], DOC);
}

#[test]
fn broken_document_reports_rule_and_position() {
    let r = TestRepo::new();
    let broken = good_document()
        .replace(
            "    boundaries: [B-DATA]\n    mitigates: [T-TAMPER, T-LEAK]",
            "    boundaries: [B-EDGE]\n    mitigates: [T-TAMPER, T-LEAK]",
        )
        .replace(
            "    boundaries: [B-DATA]\n    mitigates: [T-MALWARE]",
            "    boundaries: [B-EDGE]\n    mitigates: [T-MALWARE]",
        )
        .replace("verification: [TST-1]", "verifcation: [TST-1]");
    r.write(DOC, &broken);
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let findings = json["findings"].as_array().unwrap();
    let sa022 = findings
        .iter()
        .find(|f| f["rule"] == "SA022")
        .unwrap_or_else(|| panic!("{json}"));
    assert!(
        sa022["message"].as_str().unwrap().contains("B-DATA"),
        "{sa022}"
    );
    assert!(sa022["line"].as_u64().unwrap() > 1);
    let sa002 = findings
        .iter()
        .find(|f| f["rule"] == "SA002")
        .unwrap_or_else(|| panic!("{json}"));
    assert!(
        sa002["message"].as_str().unwrap().contains("verification"),
        "typo names the closest field: {sa002}"
    );
    let line = sa002["line"].as_u64().unwrap() as usize;
    assert!(
        broken
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("verifcation"),
        "line {line}"
    );
}

#[test]
fn sarif_and_github_formats() {
    let r = TestRepo::new();
    r.write(DOC, &good_document().replace("  - {reviewer: \"Dana Ortiz\", role: security-architect, date: 2026-10-02, outcome: approved, scope: full, ref: \"initial\"}\n", ""));
    let (code, stdout, _) = outcome(&secarch(&["lint", "--format", "sarif"], r.path()));
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["runs"][0]["results"].to_string().contains("SA050"),
        "{stdout}"
    );
    let (code, stdout, _) = outcome(&secarch(&["lint", "--format", "github"], r.path()));
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("::error file=docs/security/security-architecture.md,line="),
        "{stdout}"
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let r = TestRepo::new();
    // An old review: SA054 is a warning by default.
    r.write(
        DOC,
        &good_document().replace("date: 2026-10-02", "date: 2019-01-01"),
    );
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert!(json["findings"].to_string().contains("SA054"), "{json}");
    let (code, json) = lint_json(r.path(), &["--strict"]);
    assert_eq!(code, 1, "{json}");
}

#[test]
fn missing_document_is_sa001() {
    let r = TestRepo::new();
    r.write("README.md", "# nothing\n");
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["rule"], "SA001", "{json}");
}

#[test]
fn lint_at_revision_reads_committed_files() {
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    r.commit("good doc");
    r.write(DOC, "not a document\n");
    let (code, _) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "working tree is broken");
    let (code, json) = lint_json(r.path(), &["--rev", "HEAD"]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn init_scaffold_lints_with_findings_only_at_placeholders() {
    let r = TestRepo::new();
    let (code, stdout, stderr) = outcome(&secarch(&["init"], r.path()));
    assert_eq!(code, 0, "{stdout} {stderr}");
    assert!(stdout.contains("Next steps"), "{stdout}");
    for f in [DOC, ".github/secarch.yml", ".github/workflows/secarch.yml"] {
        assert!(r.path().join(f).is_file(), "{f}");
    }
    let doc = std::fs::read_to_string(r.path().join(DOC)).unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "placeholders are still to be filled in");
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let line = lines[f["line"].as_u64().unwrap() as usize - 1];
        assert!(
            line.contains("TODO") || line.contains("reviews: []"),
            "finding not at a placeholder: {f} (line {line:?})"
        );
    }
    // The generated policy is valid.
    let (code, _, stderr) = outcome(&secarch(
        &["config", "validate", ".github/secarch.yml"],
        r.path(),
    ));
    assert_eq!(code, 0, "{stderr}");
    // init does not overwrite.
    std::fs::write(r.path().join(DOC), "mine\n").unwrap();
    let (_, stdout, _) = outcome(&secarch(&["init"], r.path()));
    assert!(stdout.contains("kept"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(r.path().join(DOC)).unwrap(),
        "mine\n"
    );
}

#[test]
fn config_commands() {
    let r = TestRepo::new();
    let (code, stdout, _) = outcome(&secarch(&["config", "show"], r.path()));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("embedded default") && stdout.contains("container"),
        "{stdout}"
    );
    r.write(
        ".github/secarch.yml",
        "check:\n  name: x\nwatch:\n  exclude: [\"src/{a\"]\n",
    );
    let (code, _, stderr) = outcome(&secarch(&["config", "validate"], r.path()));
    assert_eq!(code, 2);
    assert!(stderr.starts_with(".github/secarch.yml:4:"), "{stderr}");
    let (code, stdout, _) = outcome(&secarch(&["schema", "policy"], r.path()));
    assert_eq!(code, 0);
    assert!(stdout.contains("\"$schema\""));
}
