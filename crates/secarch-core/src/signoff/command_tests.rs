use proptest::prelude::*;

use super::*;

fn commands(body: &str) -> Vec<Command> {
    parse_comment(body)
        .commands
        .into_iter()
        .map(|c| c.command)
        .collect()
}

fn head() -> Command {
    Command::Approve(Approval::Head)
}

#[test]
fn every_verb_any_case_with_trailing_text() {
    assert_eq!(commands("/secarch approve"), [head()]);
    assert_eq!(commands("/SECARCH Approve  thanks, looks right"), [head()]);
    assert_eq!(commands("/secarch revoke sorry"), [Command::Revoke]);
    assert_eq!(commands("/secarch recheck"), [Command::Recheck]);
    assert_eq!(commands("/Secarch HELP me"), [Command::Help]);
    assert_eq!(commands("  /secarch\tapprove"), [head()]);
    assert_eq!(commands("/secarch approve."), [head()]);
}

#[test]
fn approve_with_a_commit_prefix() {
    assert_eq!(
        commands("/secarch approve 3F2A9C1"),
        [Command::Approve(Approval::Commit("3f2a9c1".into()))]
    );
    let full = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    assert_eq!(
        commands(&format!("/secarch approve {full} reviewed on staging")),
        [Command::Approve(Approval::Commit(full.into()))]
    );
    // Six characters with a digit: a commit typed too short, not trailing text.
    let short = commands("/secarch approve 3f2a9c");
    assert!(
        matches!(&short[..], [Command::Malformed { verb, problem }] if verb == "approve" && problem.contains("at least 7")),
        "{short:?}"
    );
    // Words that happen to be hex are trailing text.
    assert_eq!(commands("/secarch approve add"), [head()]);
    assert_eq!(commands("/secarch approve, thanks"), [head()]);
}

#[test]
fn approve_no_change_keeps_the_rationale() {
    let got = commands("/secarch approve no-change: only a log message changed\r\n");
    assert_eq!(
        got,
        [Command::Approve(Approval::NoChange {
            rationale: "only a log message changed".into(),
            chars: 26
        })]
    );
    for body in [
        "/secarch approve No-Change : why",
        "/secarch approve nochange: why",
        "/secarch approve no-change why",
    ] {
        assert!(
            matches!(&commands(body)[..], [Command::Approve(Approval::NoChange { rationale, .. })] if rationale == "why"),
            "{body}"
        );
    }
    assert!(matches!(
        &commands("/secarch approve no-change:")[..],
        [Command::Approve(Approval::NoChange { chars: 0, .. })]
    ));
    // Not the keyword: an ordinary approval with trailing text.
    assert_eq!(commands("/secarch approve no-changes needed"), [head()]);
    let long = format!("/secarch approve no-change: {}", "é".repeat(5000));
    assert!(matches!(
        &commands(&long)[..],
        [Command::Approve(Approval::NoChange { rationale, chars: 5000 })] if rationale.chars().count() == MAX_RATIONALE_CHARS
    ));
}

#[test]
fn unknown_verbs_and_other_words() {
    assert_eq!(
        commands("/secarch aprove"),
        [Command::Unknown {
            verb: "aprove".into()
        }]
    );
    assert_eq!(commands("/secarch"), [Command::Unknown { verb: "".into() }]);
    assert!(commands("/secarchive approve").is_empty());
    assert!(commands("please /secarch approve").is_empty());
    assert!(commands("secarch approve").is_empty());
}

#[test]
fn one_command_per_line_with_line_numbers() {
    let got = parse_comment("LGTM\r\n/secarch approve\r\n\r\n/secarch recheck\rend");
    assert_eq!(
        got.commands,
        [
            ParsedCommand {
                line: 2,
                command: head()
            },
            ParsedCommand {
                line: 4,
                command: Command::Recheck
            }
        ]
    );
    assert_eq!(got.overflow, None);
}

#[test]
fn code_quotes_and_comments_are_not_commands() {
    for body in [
        "```\n/secarch approve\n```",
        "~~~~\n/secarch approve\n~~~\n/secarch approve\n~~~~",
        "````text\n```\n/secarch approve\n````",
        "```\nnever closed\n/secarch approve",
        "  ```\n  /secarch approve\n  ```",
        "text\n\n    /secarch approve",
        "\t/secarch approve",
        "text\n    /secarch approve",
        "> /secarch approve",
        "> quoted\n/secarch approve",
        ">> /secarch approve",
        "<!--\n/secarch approve\n-->",
        "<!-- /secarch approve -->",
        "text <!--\n/secarch approve\n-->",
        "`code\n/secarch approve`",
        "- item\n\n      /secarch approve",
    ] {
        assert!(commands(body).is_empty(), "{body:?} → {:?}", commands(body));
    }
}

#[test]
fn commands_around_code_and_in_lists_count() {
    assert_eq!(
        commands("```\nx\n```\n/secarch approve\n> q\n\n/secarch revoke"),
        [head(), Command::Revoke]
    );
    assert_eq!(commands("<!-- note -->\n/secarch approve"), [head()]);
    assert_eq!(commands("- reviewed\n  /secarch approve"), [head()]);
    assert_eq!(
        commands("- a\n  - b\n    /secarch approve"),
        [head()],
        "continuation text of a nested item"
    );
    assert_eq!(
        commands("<details>\n/secarch approve\n</details>"),
        [head()],
        "GitHub shows the contents of <details>"
    );
    assert_eq!(commands("   /secarch approve"), [head()]);
}

#[test]
fn bounded() {
    let many = "/secarch recheck\n".repeat(MAX_COMMANDS + 5);
    let got = parse_comment(&many);
    assert_eq!(got.commands.len(), MAX_COMMANDS);
    assert_eq!(got.overflow, Some(Overflow::TooManyCommands));

    let huge = format!("/secarch approve\n{}", "x".repeat(MAX_BODY_BYTES));
    let got = parse_comment(&huge);
    assert!(got.commands.is_empty());
    assert_eq!(got.overflow, Some(Overflow::BodyTooLong));
    assert_eq!(
        parse_comment(&"x".repeat(MAX_BODY_BYTES + 1)),
        ParsedComment::default()
    );
}

/// Real comment bodies from GitHub's webhook examples hold no command; the same payload with a
/// command typed into it (CRLF, as browsers send) yields exactly that command.
#[test]
fn real_issue_comment_payloads() {
    let Some(dir) = crate::testing::skip_without_fixtures("real_issue_comment_payloads") else {
        return;
    };
    let folder = dir.join("octokit-webhooks/payload-examples/issue_comment");
    let mut seen = 0;
    for entry in std::fs::read_dir(&folder).expect("issue_comment examples") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("payload");
        let payload: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let body = payload["comment"]["body"].as_str().expect("comment.body");
        assert!(commands(body).is_empty(), "{}", path.display());
        let typed = format!("{body}\r\n\r\n/secarch approve no-change: wording only\r\n");
        assert_eq!(
            commands(&typed),
            [Command::Approve(Approval::NoChange {
                rationale: "wording only".into(),
                chars: 12
            })],
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 4, "expected the issue_comment examples, saw {seen}");
}

/// Lines a body is made of in the property tests: commands, Markdown that opens or closes
/// code, quotes and comments, and arbitrary text.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/secarch approve".to_string()),
        Just("/SECARCH revoke now".to_string()),
        Just("  /secarch approve 1234567abc".to_string()),
        Just("/secarch approve no-change: because".to_string()),
        Just("```".to_string()),
        Just("~~~~".to_string()),
        Just("> quoted".to_string()),
        Just("- item".to_string()),
        Just("1. item".to_string()),
        Just("    indented".to_string()),
        Just("\t/secarch help".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<div>".to_string()),
        Just("`".to_string()),
        Just(String::new()),
        "[ -~]{0,24}",
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..24).prop_map(|l| l.join("\n"))
}

fn longest_run(s: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in "\\PC{0,400}") {
        let _ = parse_comment(&s);
    }

    #[test]
    fn never_panics_on_markdown_shapes(b in body()) {
        let got = parse_comment(&b);
        prop_assert!(got.commands.len() <= MAX_COMMANDS);
    }

    #[test]
    fn crlf_and_cr_equal_lf(b in body()) {
        let lf = parse_comment(&b);
        prop_assert_eq!(&parse_comment(&b.replace('\n', "\r\n")), &lf);
        prop_assert_eq!(&parse_comment(&b.replace('\n', "\r")), &lf);
    }

    #[test]
    fn nothing_inside_a_fence_is_a_command(b in body(), tilde in any::<bool>()) {
        let c = if tilde { '~' } else { '`' };
        // Longer than any run inside: nothing in the body can close it.
        let fence = c.to_string().repeat(longest_run(&b, c).max(2) + 1);
        let wrapped = format!("Before\n{fence}\n{b}\n{fence}\n");
        prop_assert!(parse_comment(&wrapped).commands.is_empty(), "{:?}", wrapped);
    }

    #[test]
    fn nothing_quoted_is_a_command(b in body()) {
        let quoted: String = b.split('\n').map(|l| format!("> {l}\n")).collect();
        prop_assert!(parse_comment(&quoted).commands.is_empty(), "{:?}", quoted);
        let after = format!("/secarch recheck\n\n{quoted}");
        prop_assert_eq!(parse_comment(&after).commands.len(), 1);
    }

    #[test]
    fn nothing_in_an_html_comment_is_a_command(b in body()) {
        let mut inner = b;
        while inner.contains("-->") {
            inner = inner.replace("-->", "");
        }
        let wrapped = format!("<!--\n{inner}\n-->\n");
        prop_assert!(parse_comment(&wrapped).commands.is_empty(), "{:?}", wrapped);
    }

    #[test]
    fn nothing_in_indented_code_is_a_command(b in body()) {
        let code: String = b.split('\n').map(|l| format!("    {l}\n")).collect();
        let wrapped = format!("Paste:\n\n{code}");
        prop_assert!(parse_comment(&wrapped).commands.is_empty(), "{:?}", wrapped);
    }

    #[test]
    fn a_command_line_in_plain_text_counts(words in "[a-z ]{0,30}") {
        let b = format!("{words}\n/secarch approve\n");
        prop_assert_eq!(commands(&b), vec![head()]);
    }
}
