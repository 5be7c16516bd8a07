use super::*;

#[test]
fn embedded_default_is_valid_and_complete() {
    let p = Policy::embedded_default();
    for c in [
        "container",
        "iac",
        "network",
        "api",
        "device-interface",
        "auth-crypto",
        "dependencies",
        "update-path",
        "runtime-config",
        "threat-model",
        "architecture-model",
        "policy",
    ] {
        assert!(p.categories.contains_key(c), "missing category {c}");
    }
    assert_eq!(p.check_name(), "security-architecture");
    assert!(p.dependency_watchlist["cargo"].iter().any(|d| d == "axum"));
    for (name, c) in &p.categories {
        for g in c.globs.iter().chain(&c.exclude) {
            globset::Glob::new(g).unwrap_or_else(|e| panic!("{name}: {g}: {e}"));
        }
    }
}

#[test]
fn repository_policy_extends_defaults() {
    let text = "document: docs/sad.md\nwatch:\n  include: {container: [\"deploy/**/*.nomad\"], robots: [\"robot/**\"]}\n  exclude: [\"**/examples/**\"]\ncheck:\n  name: sec-arch\nsignoff:\n  reviewers: {users: [dana], teams: [acme/sec]}\n  required: 2\nlint:\n  profiles: [iec81001-5-1, fda]\n  severity: {SA054: error}\n";
    let p = parse_policy(Some((".github/secarch.yml", text))).unwrap();
    assert_eq!(p.document.as_deref(), Some("docs/sad.md"));
    assert!(
        p.categories["container"]
            .globs
            .iter()
            .any(|g| g == "deploy/**/*.nomad")
    );
    assert!(
        p.categories["container"]
            .globs
            .iter()
            .any(|g| g == "**/Dockerfile")
    );
    assert_eq!(p.categories["robots"].globs, vec!["robot/**"]);
    assert_eq!(p.check_name(), "sec-arch");
    assert_eq!(p.signoff.required, 2);
    assert_eq!(p.lint.severity["SA054"], Severity::Error);
    assert_eq!(p.lint.profiles, vec!["iec81001-5-1", "fda"]);
}

#[test]
fn use_defaults_false_replaces_categories_but_keeps_policy_trigger() {
    let text = "watch:\n  use_defaults: false\n  include: {mine: [\"infra/**\"]}\n";
    let p = parse_policy(Some(("p.yml", text))).unwrap();
    assert!(!p.categories.contains_key("container"));
    assert!(p.categories.contains_key("mine"));
    assert!(p.categories.contains_key("policy"));
}

#[test]
fn threat_model_paths_are_watched() {
    let text = "threat_models:\n  - {format: otm, path: model/gw.json, namespace: gw}\n";
    let p = parse_policy(Some(("p.yml", text))).unwrap();
    assert!(
        p.categories["threat-model"]
            .globs
            .iter()
            .any(|g| g == "model/gw.json")
    );
    assert_eq!(p.threat_models[0].effective_namespace(), "gw");
}

#[test]
fn unknown_field_reports_line_and_column() {
    let text = "check:\n  name: x\nsignof:\n  required: 1\n";
    let e = parse_policy(Some(("p.yml", text))).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("signof"), "{e}");
    assert!(e.to_string().starts_with("p.yml:3:"), "{e}");
}

#[test]
fn nested_unknown_field_and_type_errors_have_positions() {
    let e = parse_policy(Some(("p.yml", "signoff:\n  required: lots\n"))).unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    let e = parse_policy(Some(("p.yml", "lint:\n  severty: {SA054: error}\n"))).unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn bad_glob_names_line_and_fix() {
    let text = "watch:\n  exclude:\n    - \"docs/**\"\n    - \"src/{a,b\"\n";
    let e = parse_policy(Some(("p.yml", text))).unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("globset syntax"), "{e}");
}

#[test]
fn bad_values_are_explained() {
    for (text, needle) in [
        ("lint:\n  profiles: [hipaa]\n", "unknown profile"),
        ("lint:\n  severity: {SA999: error}\n", "unknown rule id"),
        (
            "signoff:\n  reviewers: {teams: [security]}\n",
            "org/team-slug",
        ),
        ("signoff:\n  min_permission: owner\n", "owner"),
        (
            "document: ../outside.md\n",
            "relative to the repository root",
        ),
        (
            "threat_models:\n  - {format: visio, path: a.vsdx}\n",
            "visio",
        ),
        ("watch:\n  include: {Bad_Name: [\"x/**\"]}\n", "lower-case"),
        ("signoff:\n  required: 0\n", "at least 1"),
    ] {
        let e = parse_policy(Some(("p.yml", text))).unwrap_err();
        assert!(e.message.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn malformed_yaml_is_an_error_with_position() {
    let e = parse_policy(Some(("p.yml", "check:\n  name: [unclosed\n"))).unwrap_err();
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn alias_bomb_is_rejected() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    assert!(parse_policy(Some(("p.yml", &text))).is_err());
}

#[test]
fn byte_bomb_is_rejected_naming_the_limit() {
    // Under the 256 KiB size limit, but 3 GB once expanded.
    let text = format!(
        "watch:\n  exclude: [&b \"{}\"]\n  include:\n    container: [{}]\n",
        "e".repeat(100 * 1024),
        vec!["*b"; 30_000].join(",")
    );
    let e = parse_policy(Some(("p.yml", &text))).unwrap_err();
    assert!(
        e.message.starts_with(
            "the policy file is over a safety limit and is not read: its text grows past 32 MiB"
        ),
        "{e}"
    );
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn empty_file_is_the_default() {
    let p = parse_policy(Some(("p.yml", "\n# nothing\n"))).unwrap();
    assert_eq!(p.check_name(), "security-architecture");
}

#[test]
fn errors_speak_the_policy_s_language() {
    let err = |text: &str| parse_policy(Some(("p.yml", text))).unwrap_err().to_string();
    let e = err("signoff:\n  required: lots\n");
    assert_eq!(
        e,
        "p.yml:2:13: `required` must be a whole number ≥ 1, got \"lots\""
    );
    let e = err("signoff: {reviewers: {users: [a]}, required: lots}\n");
    assert!(
        e.ends_with("`required` must be a whole number ≥ 1, got \"lots\""),
        "{e}"
    );
    let e = err("lint:\n  max_review_age_days: -3\n");
    assert!(
        e.contains("`max_review_age_days` must be a whole number ≥ 0, got \"-3\""),
        "{e}"
    );
    let e = err("wach:\n  exclude: []\n");
    assert!(
        e.starts_with("p.yml:1:1: unknown field `wach`; did you mean `watch`?"),
        "{e}"
    );
    let e = err("signoff:\n  requird: 2\n");
    assert!(
        e.contains("unknown field `requird`; did you mean `required`?"),
        "{e}"
    );
    let e = err("signoff:\n  zzzzzzzz: 2\n");
    assert!(
        e.contains("valid keys here: reviewers, min_permission, required"),
        "{e}"
    );
    assert!(
        !e.contains("line 2 column"),
        "the position is given once: {e}"
    );
}
