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
    assert!(
        stdout.contains("`secarch log -n 200`"),
        "init points to the replay: {stdout}"
    );
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
fn init_never_writes_through_a_link_out_of_the_repository() {
    use std::os::unix::fs::symlink;
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = elsewhere.path().join("victim.yml");
    std::fs::write(&victim, "precious\n").unwrap();
    // The policy file is a link out (--force would overwrite it), and a directory on the way
    // of the document is a link out.
    let r = TestRepo::new();
    std::fs::create_dir_all(r.path().join(".github")).unwrap();
    symlink(&victim, r.path().join(".github/secarch.yml")).unwrap();
    let (code, _, stderr) = outcome(&secarch(&["init", "--force"], r.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outside the repository"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let r = TestRepo::new();
    symlink(elsewhere.path(), r.path().join("docs")).unwrap();
    let (code, _, stderr) = outcome(&secarch(&["init"], r.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(!elsewhere.path().join("security").exists());
    // A link inside the repository is fine.
    let r = TestRepo::new();
    std::fs::create_dir_all(r.path().join("documentation")).unwrap();
    symlink(r.path().join("documentation"), r.path().join("docs")).unwrap();
    let (code, _, stderr) = outcome(&secarch(&["init"], r.path()));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        r.path()
            .join("documentation/security/security-architecture.md")
            .is_file()
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

/// The rules' finding with `rule` whose message mentions `text`, if any.
fn finding_with<'a>(
    json: &'a serde_json::Value,
    rule: &str,
    text: &str,
) -> Option<&'a serde_json::Value> {
    json["findings"]
        .as_array()?
        .iter()
        .find(|f| f["rule"] == rule && f["message"].as_str().is_some_and(|m| m.contains(text)))
}

#[cfg(unix)]
#[test]
fn working_tree_links_out_of_the_repository_are_refused() {
    use std::os::unix::fs::symlink;
    const OUTSIDE: &str = "resolves outside the repository";
    let elsewhere = tempfile::tempdir().unwrap();
    // A lint-clean document outside the repository: read through a link, it would pass.
    let stolen = elsewhere.path().join("document.md");
    std::fs::write(&stolen, good_document()).unwrap();

    // The document itself is a link out.
    let r = TestRepo::new();
    std::fs::create_dir_all(r.path().join("docs/security")).unwrap();
    symlink(&stolen, r.path().join(DOC)).unwrap();
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let f = finding_with(&json, "SA002", OUTSIDE).unwrap_or_else(|| panic!("{json}"));
    assert!(f["message"].as_str().unwrap().contains(DOC), "{f}");
    // Discovered by name too (no --document, no policy): refused, not silently "missing".
    assert!(finding_with(&json, "SA001", "").is_none(), "{json}");

    // A directory on the way is a link out.
    let r = TestRepo::new();
    std::fs::create_dir_all(elsewhere.path().join("security")).unwrap();
    std::fs::copy(
        &stolen,
        elsewhere.path().join("security/security-architecture.md"),
    )
    .unwrap();
    symlink(elsewhere.path(), r.path().join("docs")).unwrap();
    let (code, json) = lint_json(r.path(), &["--document", DOC]);
    assert_eq!(code, 1, "{json}");
    assert!(finding_with(&json, "SA002", OUTSIDE).is_some(), "{json}");

    // The policy is a link out: lint cannot run (exit 2) and says why.
    let r = TestRepo::new();
    r.write(DOC, &good_document());
    std::fs::create_dir_all(r.path().join(".github")).unwrap();
    let policy = elsewhere.path().join("policy.yml");
    std::fs::write(&policy, "check:\n  name: stolen\n").unwrap();
    symlink(&policy, r.path().join(".github/secarch.yml")).unwrap();
    let (code, stdout, stderr) = outcome(&secarch(&["lint"], r.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains(".github/secarch.yml") && stderr.contains(OUTSIDE),
        "{stderr}"
    );
    let (code, stdout, stderr) = outcome(&secarch(&["config", "show"], r.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains(OUTSIDE) && !stdout.contains("stolen"),
        "{stdout}{stderr}"
    );

    // A threat model and a diagram file named by the document are links out.
    let r = TestRepo::new();
    let threats = elsewhere.path().join("threats.yaml");
    std::fs::write(
        &threats,
        "threats:\n  - {id: T-X, title: stolen, severity: low, status: open}\n",
    )
    .unwrap();
    let diagram = elsewhere.path().join("arch.mmd");
    std::fs::write(&diagram, "flowchart LR\n  internet --> gateway\n").unwrap();
    let doc = good_document()
        .replacen(
            "layers:\n",
            "threat_models:\n  - {format: native, path: threat-model/threats.yaml, namespace: tm}\nlayers:\n",
            1,
        )
        .replacen(
            "diagrams:\n",
            "diagrams:\n  - {id: D-FILE, ref: arch.mmd}\n",
            1,
        );
    r.write(DOC, &doc);
    std::fs::create_dir_all(r.path().join("threat-model")).unwrap();
    symlink(&threats, r.path().join("threat-model/threats.yaml")).unwrap();
    symlink(&diagram, r.path().join("docs/security/arch.mmd")).unwrap();
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "{json}");
    assert!(finding_with(&json, "SA033", OUTSIDE).is_some(), "{json}");
    assert!(finding_with(&json, "SA024", OUTSIDE).is_some(), "{json}");

    // Links that stay inside the repository are read as before.
    let r = TestRepo::new();
    r.write("docs/real/security-architecture.md", &good_document());
    std::fs::create_dir_all(r.path().join("docs/security")).unwrap();
    symlink("../real/security-architecture.md", r.path().join(DOC)).unwrap();
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["errors"], 0, "{json}");
}

#[test]
fn a_placeholder_document_never_lints_clean_and_init_counts_what_is_left() {
    let r = TestRepo::new();
    let (code, out, err) = outcome(&secarch(&["init"], r.path()));
    assert_eq!(code, 0, "{err}");
    let doc = std::fs::read_to_string(r.path().join(DOC)).unwrap();
    // Every TODO line but the front matter's explaining comment is a placeholder.
    let todo_lines: Vec<u64> = doc
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("TODO") && !l.starts_with("# Replace every TODO"))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert!(todo_lines.len() >= 30, "{doc}");
    let (code, json) = lint_json(r.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let mut sa006: Vec<u64> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SA006")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    sa006.dedup();
    assert_eq!(sa006, todo_lines, "one SA006 line per placeholder line");
    assert!(
        out.contains(&format!("{DOC}: {} placeholder(s)", todo_lines.len())),
        "init counts what SA006 finds: {out}"
    );
    // Filling the placeholders in removes the findings, and a re-run of init says so.
    let filled = doc
        .lines()
        .filter(|l| !l.trim_start().starts_with("# Replace every TODO"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("TODO", "Done");
    r.write(DOC, &(filled + "\n"));
    let (_, json) = lint_json(r.path(), &[]);
    assert!(
        !json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "SA006"),
        "{json}"
    );
    let (_, out, _) = outcome(&secarch(&["init"], r.path()));
    assert!(
        out.contains(&format!("{DOC}: no placeholders left")),
        "{out}"
    );
    assert!(
        out.contains("kept    docs/security/security-architecture.md"),
        "{out}"
    );
}

#[test]
fn init_from_a_subdirectory_writes_at_the_repository_top() {
    let r = TestRepo::new();
    r.write("src/app/main.rs", "fn main() {}\n");
    r.commit("code");
    let sub = r.path().join("src/app");
    let (code, out, err) = outcome(&secarch(&["init"], &sub));
    assert_eq!(code, 0, "{err}");
    assert!(r.path().join(DOC).is_file(), "{out}");
    assert!(r.path().join(".github/secarch.yml").is_file(), "{out}");
    assert!(
        !sub.join("docs").exists(),
        "nothing written below the subdirectory: {out}"
    );
}
