//! A pull request whose security architecture document carries an alias bomb in
//! its front matter: `secarch lint` and `secarch check` report it as SA002 and exit
//! normally (1), with the real binary on a real repository.
//!
//! The binary runs under a 2 GiB address-space limit (`ulimit -v`), so a reader
//! that expands the bomb fails fast with an allocation error (a crash, not exit 1)
//! instead of using the machine's memory, as it did before: ~6 GB, then abort.

mod common;

use common::{TestRepo, good_document, outcome};

const DOC: &str = "docs/security/security-architecture.md";

/// The bomb: a 2 MiB anchored string and 3,000 aliases of it (2.1 MB).
fn bomb_document() -> String {
    let big = "a".repeat(2 * 1024 * 1024);
    let aliases = vec!["*big"; 3000].join(", ");
    let bomb = format!("x-pad: &big \"{big}\"\nx-list: [{aliases}]\n");
    good_document().replacen(
        "schema: secarch/v1\n",
        &format!("schema: secarch/v1\n{bomb}"),
        1,
    )
}

/// Run the real binary with its address space limited to 2 GiB.
fn secarch_limited(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_secarch"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs");
    outcome(&out)
}

fn sa002(json: &serde_json::Value) -> String {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "SA002")
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no SA002 finding: {json}"))
}

#[test]
fn lint_and_check_report_an_alias_bomb_as_sa002_and_exit_1() {
    let r = TestRepo::new();
    r.write(DOC, &good_document())
        .write("Dockerfile", "FROM debian:12\nUSER app\n");
    r.commit("initial");
    r.branch("feature");
    r.write(DOC, &bomb_document())
        .write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 8443\n");
    r.commit("expose a port, document it");

    let (code, stdout, stderr) = secarch_limited(&["lint", "--format", "json"], r.path());
    assert_eq!(code, 1, "{stdout} {stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("lint JSON");
    let message = sa002(&json);
    assert!(
        message.starts_with(
            "the front matter is over a safety limit and is not read: its text grows past 32 MiB"
        ),
        "{message}"
    );

    // Human output prints it too, and says what to do.
    let (code, stdout, stderr) = secarch_limited(&["lint"], r.path());
    assert_eq!(code, 1, "{stdout} {stderr}");
    assert!(stdout.contains("SA002"), "{stdout}");
    assert!(stdout.contains("write the repeated values out"), "{stdout}");

    let (code, stdout, stderr) =
        secarch_limited(&["check", "--base", "main", "--format", "json"], r.path());
    assert_eq!(code, 1, "{stdout} {stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("check JSON");
    assert_eq!(json["conclusion"], "failure");
    assert!(sa002(&json).contains("safety limit"), "{json}");
    let lint_clean = json["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["requirement"] == "lint-clean")
        .expect("a lint-clean reason");
    assert_eq!(lint_clean["met"], false, "{json}");
}
