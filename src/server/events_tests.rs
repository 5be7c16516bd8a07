//! Unit tests of webhook payload parsing; the router and jobs are tested in `tests/server*.rs`.

use super::*;

#[test]
fn merge_group_refs() {
    assert_eq!(
        merge_group_pulls("refs/heads/gh-readonly-queue/main/pr-123-0123abcd"),
        [123]
    );
    assert_eq!(
        merge_group_pulls("refs/heads/gh-readonly-queue/release/v2/pr-7-ff"),
        [7]
    );
    assert!(merge_group_pulls("refs/heads/main").is_empty());
    assert!(merge_group_pulls("refs/heads/gh-readonly-queue/main/pr-x-1").is_empty());
}

#[test]
fn edited_only_with_base_change() {
    let body = |changes: &str| {
        format!(
            r#"{{"action":"edited","pull_request":{{"number":3,"head":{{"sha":"abc"}}}},
            "repository":{{"name":"r","owner":{{"login":"o"}},"clone_url":"u"}},
            "installation":{{"id":9}},"changes":{changes}}}"#
        )
    };
    let title = parse("pull_request", body(r#"{"title":{"from":"x"}}"#).as_bytes()).unwrap();
    assert!(matches!(title, Parsed::Ignored(_)));
    let base = parse(
        "pull_request",
        body(r#"{"base":{"ref":{"from":"dev"}}}"#).as_bytes(),
    )
    .unwrap();
    let Parsed::Event(Event::EvaluatePulls { target, pulls, .. }) = base else {
        panic!("{base:?}")
    };
    assert_eq!(target.installation_id, 9);
    assert_eq!(target.repo, RepoRef::new("o", "r"));
    assert_eq!(pulls[0].number, 3);
}

#[test]
fn malformed_known_event_is_an_error_and_unknown_is_ignored() {
    assert!(parse("pull_request", b"{not json").is_err());
    assert!(parse("pull_request", br#"{"action":"opened"}"#).is_err());
    assert!(parse("ping", b"[").is_err());
    assert!(matches!(
        parse("star", b"garbage").unwrap(),
        Parsed::Ignored(_)
    ));
}

#[test]
fn repository_names_that_would_change_api_paths_are_malformed() {
    for (owner, name) in [
        ("..", ".."),
        ("o", ".."),
        ("o", "."),
        ("", "r"),
        ("o", ""),
        ("o/x", "r"),
        ("o", "r/../../x"),
        ("o", "%2e%2e"),
        ("o.k", "r"),
    ] {
        let body = serde_json::json!({
            "action": "opened",
            "pull_request": {"number": 1, "head": {"sha": "abc"}},
            "repository": {"name": name, "owner": {"login": owner}, "clone_url": "u"},
            "installation": {"id": 9},
        });
        let err = parse("pull_request", body.to_string().as_bytes()).unwrap_err();
        assert!(
            err.message.contains("not a valid GitHub name"),
            "{owner}/{name}: {err}"
        );
    }
    // Real names with dots, dashes and underscores are fine.
    let body = br#"{"action":"opened","pull_request":{"number":1,"head":{"sha":"abc"}},
        "repository":{"name":"socket.io_x-y","owner":{"login":"my-org_1"}},"installation":{"id":9}}"#;
    assert!(matches!(
        parse("pull_request", body).unwrap(),
        Parsed::Event(_)
    ));
}

#[test]
fn a_check_run_delivery_without_action_is_ignored_not_malformed() {
    let body = br#"{"check_run":{"head_sha":"abc","pull_requests":[]},
        "repository":{"name":"r","owner":{"login":"o"}},"installation":{"id":1}}"#;
    assert!(matches!(
        parse("check_run", body).unwrap(),
        Parsed::Ignored(_)
    ));
}

#[test]
fn rerun_without_pull_requests_targets_the_head() {
    let body = br#"{"action":"rerequested","check_suite":{"head_sha":"abc","pull_requests":[]},
        "repository":{"name":"r","owner":{"login":"o"}},"installation":{"id":1}}"#;
    let Parsed::Event(Event::EvaluateHead { head_sha, .. }) = parse("check_suite", body).unwrap()
    else {
        panic!()
    };
    assert_eq!(head_sha, "abc");
}

#[test]
fn changes_of_any_shape_are_read_without_failing() {
    let body = |changes: &str| {
        format!(
            r#"{{"action":"edited","pull_request":{{"number":3,"head":{{"sha":"abc"}}}},
            "repository":{{"name":"r","owner":{{"login":"o"}}}},
            "installation":{{"id":9}},"changes":{changes}}}"#
        )
    };
    for (changes, acts) in [
        ("null", false),
        ("\"base\"", false),
        ("[\"base\"]", false),
        ("1.5", false),
        ("{}", false),
        (r#"{"title":{"from":"base"},"body":[1,{"base":2}]}"#, false),
        (r#"{"base":null}"#, true),
        (r#"{"ba\u0073e":{"sha":{"from":"x"}}}"#, true),
    ] {
        let parsed = parse("pull_request", body(changes).as_bytes()).expect(changes);
        assert_eq!(matches!(parsed, Parsed::Event(_)), acts, "{changes}");
    }
}

#[test]
fn escaped_strings_are_unescaped() {
    // Strings are borrowed from the body when they can be, decoded when they have escapes.
    let body = br#"{"action":"synchronize","pull_request":{"number":1,"head":{"sha":"ab\u0063"}},
        "repository":{"name":"r\u002dx","owner":{"login":"o"},"clone_url":"https:\/\/github.com\/o\/r-x.git"},
        "installation":{"id":9}}"#;
    let Parsed::Event(Event::EvaluatePulls { target, pulls, .. }) =
        parse("pull_request", body).unwrap()
    else {
        panic!()
    };
    assert_eq!(target.repo, RepoRef::new("o", "r-x"));
    assert_eq!(target.clone_url, "https://github.com/o/r-x.git");
    assert_eq!(pulls[0].head_sha.as_deref(), Some("abc"));
}
