//! The GitHub client against the fake GitHub (which validates every request against GitHub's
//! OpenAPI description and fails the test on any violation when it is dropped).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use secarch::github::*;
use secarch::policy::Permission;
use support::fake_github::*;

const BASE: &str = "1111111111111111111111111111111111111111";
const HEAD: &str = "2222222222222222222222222222222222222222";
const CHECK: &str = "security-architecture";

/// One installation (11) on `acme`, repository `acme/gateway`, PR #1 by `dev-alice`.
async fn world() -> (FakeGitHub, RepoRef, u64) {
    world_with(FakeOptions::default()).await
}

async fn world_with(options: FakeOptions) -> (FakeGitHub, RepoRef, u64) {
    let fake = FakeGitHub::start_with(options).await;
    fake.add_installation(11, "acme");
    let repo = fake.add_repo("acme", "gateway", Some(11));
    let pr = fake.add_pull(&repo, FakePull::new("dev-alice", BASE, HEAD));
    (fake, repo, pr)
}

fn annotations(n: u32) -> Vec<Annotation> {
    (1..=n)
        .map(|i| Annotation {
            path: format!("deploy/file{i}.yaml"),
            start_line: i,
            end_line: i,
            start_column: Some(1),
            end_column: Some(4),
            annotation_level: AnnotationLevel::Warning,
            message: format!("finding {i}"),
            title: Some("SA010".into()),
            raw_details: None,
        })
        .collect()
}

fn new_run(output: Option<CheckOutput>) -> NewCheckRun {
    NewCheckRun {
        name: CHECK.into(),
        head_sha: HEAD.into(),
        status: Some(CheckStatus::Completed),
        conclusion: Some(CheckConclusion::Failure),
        details_url: None,
        external_id: Some("eval-1".into()),
        started_at: None,
        completed_at: Some(time::OffsetDateTime::now_utc()),
        output,
    }
}

fn annotation_counts(fake: &FakeGitHub) -> Vec<(String, usize)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.operation.starts_with("checks/") && r.method != "GET")
        .map(|r| {
            let n = r
                .body
                .as_ref()
                .and_then(|b| b.pointer("/output/annotations"))
                .and_then(|a| a.as_array())
                .map_or(0, Vec::len);
            (r.method, n)
        })
        .collect()
}

#[tokio::test]
async fn check_run_annotations_are_sent_in_batches_of_50() {
    let (fake, repo, _) = world().await;
    let app = fake.app();
    let client = app.installation(11);
    let output = CheckOutput {
        title: "Security architecture review required".into(),
        summary: "2 triggers".into(),
        text: Some("details".into()),
        annotations: annotations(120),
    };
    let run = client
        .create_check_run(&repo, &new_run(Some(output.clone())))
        .await
        .unwrap();
    assert_eq!(run.output.annotations_count, 120);
    assert_eq!(
        annotation_counts(&fake),
        [
            ("POST".into(), 50),
            ("PATCH".into(), 50),
            ("PATCH".into(), 20)
        ]
    );
    let stored = fake.check_runs(&repo);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].conclusion.as_deref(), Some("failure"));
    assert_eq!(stored[0].text.as_deref(), Some("details"));
    let messages: Vec<&str> = stored[0]
        .annotations
        .iter()
        .map(|a| a["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 120);
    assert_eq!(messages[0], "finding 1");
    assert_eq!(messages[119], "finding 120");

    // Update: three PATCHes, GitHub appends annotations.
    let update = CheckRunUpdate {
        status: Some(CheckStatus::Completed),
        conclusion: Some(CheckConclusion::Success),
        output: Some(output),
        ..Default::default()
    };
    let updated = client
        .update_check_run(&repo, run.id, &update)
        .await
        .unwrap();
    assert_eq!(updated.conclusion.as_deref(), Some("success"));
    let counts = annotation_counts(&fake);
    assert_eq!(counts.len(), 6);
    assert_eq!(
        counts[3..],
        [
            ("PATCH".into(), 50),
            ("PATCH".into(), 50),
            ("PATCH".into(), 20)
        ]
    );
    assert_eq!(fake.check_runs(&repo)[0].annotations.len(), 240);
    fake.assert_no_violations();
}

#[tokio::test]
async fn long_summary_and_text_are_truncated_with_a_notice() {
    let (fake, repo, _) = world().await;
    let client = fake.app().installation(11);
    let output = CheckOutput {
        title: "t".into(),
        summary: "s".repeat(100_000),
        text: Some("line of text\n".repeat(10_000)),
        annotations: vec![],
    };
    client
        .create_check_run(&repo, &new_run(Some(output)))
        .await
        .unwrap();
    let stored = &fake.check_runs(&repo)[0];
    let summary = stored.summary.as_deref().unwrap();
    let text = stored.text.as_deref().unwrap();
    for field in [summary, text] {
        assert!(field.chars().count() <= MAX_OUTPUT_CHARS);
        assert!(field.chars().count() > 60_000, "kept most of it");
        assert!(field.contains("… truncated: "), "visible notice");
    }
    assert!(summary.starts_with("sssss"));
    // Cut at a line boundary when there is one.
    assert!(
        text.split("\n\n… truncated")
            .next()
            .unwrap()
            .ends_with("line of text")
    );
    fake.assert_no_violations();
}

#[tokio::test]
async fn existing_run_is_found_by_name_and_updated_instead_of_duplicated() {
    let (fake, repo, _) = world().await;
    let client = fake.app().installation(11);
    let first = client
        .create_check_run(&repo, &new_run(None))
        .await
        .unwrap();
    // Noise: another check on the same commit, and a same-named run of another App.
    let mut other = new_run(None);
    other.name = "lint".into();
    client.create_check_run(&repo, &other).await.unwrap();
    fake.state(|s| {
        let r = s.repo_mut("acme", "gateway").unwrap();
        r.check_runs.push(FakeCheckRun {
            id: 1,
            app_id: 999,
            name: CHECK.into(),
            head_sha: HEAD.into(),
            status: "completed".into(),
            ..Default::default()
        });
    });

    let found = client.check_runs_for_ref(&repo, HEAD, CHECK).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, first.id);
    assert_eq!(found[0].app.as_ref().map(|a| a.id), Some(fake.app_id()));
    let list = fake.requests_of("checks/list-for-ref");
    let q = &list[0].query;
    assert!(q.contains(&("check_name".into(), CHECK.into())));
    assert!(q.contains(&("app_id".into(), fake.app_id().to_string())));

    // By branch name too.
    let by_branch = client
        .check_runs_for_ref(&repo, "heads/feature", CHECK)
        .await
        .unwrap();
    assert_eq!(by_branch.len(), 1);

    let update = CheckRunUpdate {
        status: Some(CheckStatus::InProgress),
        ..Default::default()
    };
    client
        .update_check_run(&repo, found[0].id, &update)
        .await
        .unwrap();
    let ours: Vec<_> = fake
        .check_runs(&repo)
        .into_iter()
        .filter(|r| r.name == CHECK && r.app_id == fake.app_id())
        .collect();
    assert_eq!(ours.len(), 1, "updated, not duplicated");
    assert_eq!(ours[0].status, "in_progress");
    assert!(
        client
            .check_runs_for_ref(&repo, BASE, CHECK)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn installation_token_is_cached_and_refreshed_near_expiry() {
    // Tokens live 61 s; the client refreshes 60 s before expiry: fresh for about one second.
    let options = FakeOptions {
        token_lifetime: Duration::from_secs(61),
        ..Default::default()
    };
    let (fake, repo, pr) = world_with(options).await;
    fake.add_installation(12, "other");
    let app = fake.app();
    let client = app.installation(11);
    assert!(
        Arc::ptr_eq(&client, &app.installation(11)),
        "one client per installation"
    );

    client.pull_request(&repo, pr).await.unwrap();
    client.pull_request(&repo, pr).await.unwrap();
    client.requested_reviewers(&repo, pr).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1, "cached across calls");

    tokio::time::sleep(Duration::from_millis(1300)).await;
    client.pull_request(&repo, pr).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2, "refreshed when near expiry");
    client.pull_request(&repo, pr).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2);

    // Another installation has its own token, which cannot see acme's repository.
    let other = app.installation(12);
    let err = other.pull_request(&repo, pr).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(fake.tokens_issued(), 3);
    assert_eq!(
        app.metrics().calls("apps/create-installation-access-token"),
        3
    );
}

#[tokio::test]
async fn revoked_token_is_replaced_once() {
    let (fake, repo, pr) = world().await;
    let app = fake.app();
    let client = app.installation(11);
    client.pull_request(&repo, pr).await.unwrap();
    fake.revoke_tokens();
    let got = client.pull_request(&repo, pr).await.unwrap();
    assert_eq!(got.number, pr);
    assert_eq!(
        fake.tokens_issued(),
        1,
        "the revoked token is gone, one new one"
    );
    let m = app.metrics();
    assert_eq!(m.count("pulls/get", StatusClass::ClientError), 1);
    assert_eq!(m.count("pulls/get", StatusClass::Success), 2);
    assert_eq!(m.calls("apps/create-installation-access-token"), 2);
}

#[tokio::test]
async fn bad_gateway_is_retried_and_counted() {
    let (fake, repo, pr) = world().await;
    let app = fake.app();
    let client = app.installation(11);
    fake.fail_next("pulls/get", 2, Fault::Status(502));
    let got = client.pull_request(&repo, pr).await.unwrap();
    assert_eq!(got.head.sha, HEAD);
    let m = app.metrics();
    assert_eq!(m.calls("pulls/get"), 3);
    assert_eq!(m.count("pulls/get", StatusClass::ServerError), 2);
    assert_eq!(m.errors("pulls/get"), 2);
    assert_eq!(m.retries("pulls/get"), 2);
    assert_eq!(fake.requests_of("pulls/get").len(), 3);
    assert!(m.rate_limit_remaining().is_some());
}

#[tokio::test]
async fn rate_limits_wait_then_succeed() {
    let (fake, repo, pr) = world().await;
    let app = fake.app();
    let client = app.installation(11);

    // 429 with retry-after: 1 → waits a second.
    fake.fail_next(
        "issues/create-comment",
        1,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let start = Instant::now();
    let comment = client
        .create_issue_comment(&repo, pr, "hello")
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(comment.body.as_deref(), Some("hello"));
    assert_eq!(app.metrics().retries("issues/create-comment"), 1);

    // 403 secondary limit without retry-after → the configured secondary wait (50 ms here).
    fake.fail_next(
        "pulls/list-reviews",
        1,
        Fault::SecondaryRateLimit {
            retry_after_secs: None,
        },
    );
    let start = Instant::now();
    client.pull_request_reviews(&repo, pr).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(50));

    // Primary limit exhausted → waits for x-ratelimit-reset.
    fake.fail_next(
        "pulls/list-commits",
        1,
        Fault::PrimaryExhausted { reset_in_secs: 1 },
    );
    let start = Instant::now();
    client.pull_request_commits(&repo, pr).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(app.metrics().retries("pulls/list-commits"), 1);

    // A wait longer than the configured maximum (5 s) is not waited: typed error at once.
    fake.fail_next(
        "pulls/get",
        1,
        Fault::TooManyRequests {
            retry_after_secs: 120,
        },
    );
    let start = Instant::now();
    let err = client.pull_request(&repo, pr).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    match &err {
        GitHubError::RateLimited {
            retry_after,
            attempts,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(120)));
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_transient());
    assert!(err.to_string().contains("retry after 120s"), "{err}");
}

#[tokio::test]
async fn persistent_server_error_gives_a_typed_error_after_bounded_attempts() {
    let (fake, repo, pr) = world().await;
    let app = fake.app();
    let client = app.installation(11);
    fake.fail_next("pulls/get", 3, Fault::Status(500));
    let err = client.pull_request(&repo, pr).await.unwrap_err();
    match &err {
        GitHubError::Server {
            status, attempts, ..
        } => assert_eq!((*status, *attempts), (500, 3)),
        other => panic!("expected Server, got {other:?}"),
    }
    assert!(err.is_transient());
    assert_eq!(err.operation(), Some("pulls/get"));
    assert_eq!(fake.requests_of("pulls/get").len(), 3);
    assert_eq!(app.metrics().retries("pulls/get"), 2);
    // 404 and 422 are not retried.
    let err = client.pull_request(&repo, 999).await.unwrap_err();
    assert!(matches!(err, GitHubError::NotFound { .. }), "{err:?}");
    assert_eq!(
        app.metrics().count("pulls/get", StatusClass::ClientError),
        1
    );
    let err = client
        .request_reviewers(&repo, pr, &["dev-alice".into()], &[])
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Unprocessable { .. }), "{err:?}");
    assert!(err.to_string().contains("pull request author"), "{err}");
    assert_eq!(fake.requests_of("pulls/request-reviewers").len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried_then_typed() {
    let (fake, repo, pr) = world().await;
    let mut config = fake.config();
    config.request_timeout = Duration::from_millis(300);
    let app = fake.app_with(config);
    let client = app.installation(11);
    client.pull_request(&repo, pr).await.unwrap(); // token minted before the faults
    fake.fail_next("pulls/get", 1, Fault::Delay(Duration::from_secs(1)));
    client.pull_request(&repo, pr).await.unwrap();
    assert_eq!(app.metrics().count("pulls/get", StatusClass::Timeout), 1);

    fake.fail_next("pulls/get", 3, Fault::Delay(Duration::from_secs(1)));
    let err = client.pull_request(&repo, pr).await.unwrap_err();
    assert!(
        matches!(err, GitHubError::Timeout { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(app.metrics().count("pulls/get", StatusClass::Timeout), 4);
}

#[tokio::test]
async fn collaborator_permission_decodes_all_six_roles() {
    let (fake, repo, _) = world().await;
    let client = fake.app().installation(11);
    let cases = [
        ("admin", Some(Permission::Admin), "admin"),
        ("maintain", Some(Permission::Maintain), "write"),
        ("write", Some(Permission::Write), "write"),
        ("triage", Some(Permission::Triage), "read"),
        ("read", Some(Permission::Read), "read"),
        ("none", None, "none"),
    ];
    for (role, level, legacy) in cases {
        let user = format!("user-{role}");
        fake.set_role(&repo, &user, role);
        let p = client.collaborator_permission(&repo, &user).await.unwrap();
        assert_eq!(p.level, level, "{role}");
        assert_eq!(p.role_name, role);
        assert_eq!(p.permission, legacy);
    }
    // A custom role counts as the base permission it extends.
    fake.set_custom_role(&repo, "auditor", "security-auditor", "write");
    let p = client
        .collaborator_permission(&repo, "auditor")
        .await
        .unwrap();
    assert_eq!(p.level, Some(Permission::Write));
    assert_eq!(p.role_name, "security-auditor");
    assert!(p.level >= Some(Permission::Triage) && p.level < Some(Permission::Maintain));
    let err = client
        .collaborator_permission(&repo, "nobody")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn team_membership_active_pending_absent() {
    let (fake, _, _) = world().await;
    let client = fake.app().installation(11);
    fake.set_team_member("acme", "security-architects", "dana", "active");
    fake.set_team_member("acme", "security-architects", "pat", "pending");
    let m = |u: &'static str| {
        let client = Arc::clone(&client);
        async move {
            client
                .team_membership("acme", "security-architects", u)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        m("dana").await,
        TeamMembership::Active { maintainer: false }
    );
    assert!(m("dana").await.is_active());
    assert_eq!(
        m("pat").await,
        TeamMembership::Inactive {
            state: "pending".into()
        }
    );
    assert!(!m("pat").await.is_active());
    assert_eq!(m("eve").await, TeamMembership::NotMember);
    // A team in an organization the installation is not on is invisible: not a member.
    fake.set_team_member("elsewhere", "security-architects", "dana", "active");
    let other_org = client
        .team_membership("elsewhere", "security-architects", "dana")
        .await
        .unwrap();
    assert_eq!(other_org, TeamMembership::NotMember);
}

#[tokio::test]
async fn pull_request_data_and_pagination() {
    let (fake, repo, pr) = world().await;
    let client = fake.app().installation(11);
    for i in 0..150 {
        let mut p = FakePull::new("bob", BASE, &format!("{i:040}"));
        if i % 3 == 0 {
            p.state = "closed".into();
        }
        fake.add_pull(&repo, p);
    }
    let open = client.open_pull_requests(&repo).await.unwrap();
    assert_eq!(open.len(), 101, "PR #1 + 100 of the 150 are open");
    assert!(open.iter().all(|p| p.state == "open"));
    assert_eq!(fake.requests_of("pulls/list").len(), 2, "two pages of 100");

    fake.with_pull(&repo, pr, |p| {
        p.commits.push(FakeCommit {
            sha: HEAD.into(),
            message: "Expose 8443\n\nCo-authored-by: Carol <carol@example.com>".into(),
            author_name: "Alice".into(),
            author_email: "alice@example.com".into(),
            author_login: Some("dev-alice".into()),
            committer_name: "GitHub".into(),
            committer_email: "noreply@github.com".into(),
            committer_login: None,
        });
        p.reviews.push(FakeReview {
            id: 5,
            user: "dana".into(),
            state: "APPROVED".into(),
            commit_id: HEAD.into(),
            body: String::new(),
        });
        p.head_clone_url = Some("https://github.example/fork/gateway.git".into());
    });
    let got = client.pull_request(&repo, pr).await.unwrap();
    assert_eq!((got.base.sha.as_str(), got.head.sha.as_str()), (BASE, HEAD));
    assert_eq!(
        got.head.repo.as_ref().unwrap().clone_url,
        "https://github.example/fork/gateway.git"
    );
    assert_eq!(
        got.base.repo.as_ref().unwrap().clone_url,
        "https://github.example/acme/gateway.git"
    );
    assert_eq!(got.user.unwrap().login, "dev-alice");

    let commits = client.pull_request_commits(&repo, pr).await.unwrap();
    assert_eq!(commits.len(), 1);
    assert!(commits[0].commit.message.contains("Co-authored-by: Carol"));
    assert_eq!(commits[0].author.as_ref().unwrap().login, "dev-alice");
    assert!(
        commits[0].committer.is_none(),
        "unlinked e-mail → null account"
    );
    assert_eq!(
        commits[0].commit.author.as_ref().unwrap().email,
        "alice@example.com"
    );

    let reviews = client.pull_request_reviews(&repo, pr).await.unwrap();
    assert_eq!(reviews[0].state, "APPROVED");
    assert_eq!(reviews[0].commit_id.as_deref(), Some(HEAD));

    for i in 0..250 {
        fake.add_comment(&repo, pr, "someone", &format!("comment {i}"));
    }
    fake.add_comment(&repo, 2, "someone", "on another PR");
    let mine = client
        .create_issue_comment(&repo, pr, "/secarch help")
        .await
        .unwrap();
    assert!(mine.user.as_ref().unwrap().is_bot());
    let comments = client.issue_comments(&repo, pr).await.unwrap();
    assert_eq!(comments.len(), 251);
    assert_eq!(comments[0].body.as_deref(), Some("comment 0"));
    assert_eq!(comments[250].body.as_deref(), Some("/secarch help"));
    assert_eq!(fake.requests_of("issues/list-comments").len(), 3);

    fake.set_role(&repo, "dana", "maintain");
    client
        .request_reviewers(&repo, pr, &["dana".into()], &["security-architects".into()])
        .await
        .unwrap();
    client.request_reviewers(&repo, pr, &[], &[]).await.unwrap();
    assert_eq!(
        fake.requests_of("pulls/request-reviewers").len(),
        1,
        "nothing to request → no call"
    );
    let requested = client.requested_reviewers(&repo, pr).await.unwrap();
    assert_eq!(requested.users[0].login, "dana");
    assert_eq!(requested.teams[0].slug, "security-architects");
    fake.assert_no_violations();
}

#[tokio::test]
async fn repository_installation_lookup_uses_the_app_jwt() {
    let (fake, repo, _) = world().await;
    fake.add_repo("acme", "not-installed", None);
    let app = fake.app();
    let inst = app.repo_installation(&repo).await.unwrap();
    assert_eq!(inst.id, 11);
    assert_eq!(inst.account.unwrap().login, "acme");
    let err = app
        .repo_installation(&RepoRef::new("acme", "not-installed"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(fake.tokens_issued(), 0, "JWT only, no installation token");
}

#[tokio::test]
async fn secrets_never_appear_in_errors_or_debug_output() {
    let (fake, repo, pr) = world().await;
    let app = fake.app();
    let client = app.installation(11);
    client.pull_request(&repo, pr).await.unwrap();
    let mut texts = vec![
        format!("{app:?}"),
        format!("{client:?}"),
        format!("{:?}", fake.credentials()),
    ];
    let mut push = |e: GitHubError| texts.push(format!("{e} {e:?}"));
    push(client.pull_request(&repo, 999).await.unwrap_err());
    fake.fail_next("pulls/get", 3, Fault::Status(502));
    push(client.pull_request(&repo, pr).await.unwrap_err());
    push(
        app.repo_installation(&RepoRef::new("x", "y"))
            .await
            .unwrap_err(),
    );
    // A wrong App id: GitHub (the fake) refuses the JWT.
    let wrong = GitHubApp::new(
        fake.config(),
        AppCredentials::from_pem(9999, TEST_APP_PRIVATE_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    let err = wrong
        .installation(11)
        .pull_request(&repo, pr)
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Unauthorized { .. }), "{err:?}");
    push(err);
    push(
        AppCredentials::from_pem(
            1,
            b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap_err(),
    );

    let secrets = fake.secrets_seen();
    assert!(
        secrets.len() >= 3,
        "tokens and JWTs were seen: {}",
        secrets.len()
    );
    let key_lines: Vec<&str> = TEST_APP_PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for text in &texts {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret leaked into: {text}");
            // Not even a recognisable fragment (JWT segments, token tails).
            for part in s.split('.').filter(|p| p.len() > 12) {
                assert!(!text.contains(part), "secret fragment leaked into: {text}");
            }
        }
        for line in &key_lines {
            assert!(!text.contains(line), "private key leaked into: {text}");
        }
    }
    assert!(texts[0].contains("<redacted>"));
}

/// Proves the fake's validator can fail: requests that break GitHub's description are recorded.
#[tokio::test]
async fn invalid_requests_are_recorded_as_violations() {
    if secarch::testing::skip_without_fixtures("invalid_requests_are_recorded_as_violations")
        .is_none()
    {
        return;
    }
    use reqwest::Method;
    use serde_json::json;
    let (fake, repo, _) = world().await;
    assert!(fake.validating());
    let client = fake.app().installation(11);
    let run = client
        .create_check_run(&repo, &new_run(None))
        .await
        .unwrap();
    fake.assert_no_violations();

    let token = fake.raw_token(11).await;
    let patch = format!("/repos/acme/gateway/check-runs/{}", run.id);
    let too_many: Vec<_> = (1..=51)
        .map(|i| json!({"path": "a", "start_line": i, "end_line": i, "annotation_level": "warning", "message": "m"}))
        .collect();
    let body = json!({
        "conclusion": "passed",
        "output": {"title": "t", "summary": "x".repeat(65_536), "annotations": too_many}
    });
    let (status, answer) = fake.raw(Method::PATCH, &patch, Some(body), &token).await;
    assert_eq!(status, 422, "GitHub-like answer to an invalid body");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid request.")
    );
    let v = fake.take_violations();
    let text: Vec<String> = v.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("/conclusion: \"passed\" is not one of"), "{text:#?}");
    assert!(
        has("/output/annotations: the value has more than 50 items"),
        "{text:#?}"
    );
    assert!(
        has("/output/summary: the value is longer than 65535 characters"),
        "{text:#?}"
    );
    assert!(
        v.iter()
            .all(|v| v.operation.as_deref() == Some("checks/update"))
    );
    assert_eq!(
        fake.check_runs(&repo)[0].conclusion.as_deref(),
        Some("failure"),
        "not applied"
    );

    // `status: completed` without `conclusion` breaks the PATCH's anyOf.
    let completed = json!({"status": "completed"});
    fake.raw(Method::PATCH, &patch, Some(completed), &token)
        .await;
    let v = fake.take_violations();
    assert!(v.len() == 1 && v[0].problem.contains("anyOf"), "{v:?}");

    // Missing required field, unknown path, wrong method, bad path and query parameters.
    let no_sha = json!({"name": "x"});
    fake.raw(
        Method::POST,
        "/repos/acme/gateway/check-runs",
        Some(no_sha),
        &token,
    )
    .await;
    fake.raw(
        Method::GET,
        "/repos/acme/gateway/check-suites",
        None,
        &token,
    )
    .await;
    fake.raw(Method::PUT, "/repos/acme/gateway/pulls/1", None, &token)
        .await;
    fake.raw(Method::GET, "/repos/acme/gateway/pulls/one", None, &token)
        .await;
    fake.raw(
        Method::GET,
        "/repos/acme/gateway/pulls?state=merged&per_page=x&color=red",
        None,
        &token,
    )
    .await;
    fake.raw(
        Method::GET,
        "/repos/acme/gateway/pulls/1",
        Some(json!({})),
        &token,
    )
    .await;
    let v: Vec<String> = fake
        .take_violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    let has = |needle: &str| v.iter().any(|t| t.contains(needle));
    assert!(has("\"head_sha\" is a required property"), "{v:#?}");
    assert!(
        has("GET /repos/acme/gateway/check-suites [?]: no such path"),
        "{v:#?}"
    );
    assert!(
        has("PUT /repos/acme/gateway/pulls/1 [?]: method not defined"),
        "{v:#?}"
    );
    assert!(
        has("path parameter `pull_number` = \"one\" is not an integer"),
        "{v:#?}"
    );
    assert!(
        has("query parameter `state`: (body): \"merged\" is not one of"),
        "{v:#?}"
    );
    assert!(
        has("query parameter `per_page` = \"x\" is not an integer"),
        "{v:#?}"
    );
    assert!(has("query parameter `color` is not defined"), "{v:#?}");
    assert!(has("pulls/get takes no request body"), "{v:#?}");
    assert_eq!(v.len(), 8, "{v:#?}");

    // Requests without GitHub's headers.
    let bare = reqwest::Client::new()
        .get(format!("{}/repos/acme/gateway/pulls/1", fake.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 200);
    let v: Vec<String> = fake
        .take_violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        v.len(),
        3,
        "Accept, X-GitHub-Api-Version, User-Agent: {v:#?}"
    );

    // Credentials: no token, a made-up token, and an installation token on an /app endpoint.
    assert_eq!(
        fake.raw(Method::GET, "/repos/acme/gateway/pulls/1", None, "")
            .await
            .0,
        401
    );
    assert_eq!(
        fake.raw(
            Method::GET,
            "/repos/acme/gateway/pulls/1",
            None,
            "ghs_made_up"
        )
        .await
        .0,
        401
    );
    let (status, _) = fake
        .raw(
            Method::GET,
            "/repos/acme/gateway/installation",
            None,
            &token,
        )
        .await;
    assert_eq!(status, 401, "installation tokens are not App JWTs");
}

#[tokio::test]
async fn enterprise_server_api_root_with_a_path() {
    let options = FakeOptions {
        path_prefix: "/api/v3".into(),
        ..Default::default()
    };
    let (fake, repo, pr) = world_with(options).await;
    for i in 0..120 {
        fake.add_comment(&repo, pr, "someone", &format!("c{i}"));
    }
    let config = GitHubConfig::from_lookup(|k| (k == API_URL_ENV).then(|| fake.url()));
    assert!(config.api_url.ends_with("/api/v3"));
    let config = GitHubConfig {
        retry: fake.config().retry,
        ..config
    };
    let app = fake.app_with(config);
    let comments = app
        .installation(11)
        .issue_comments(&repo, pr)
        .await
        .unwrap();
    assert_eq!(comments.len(), 120, "pagination links stay below /api/v3");
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().all(|p| p.starts_with("/api/v3/")), "{paths:?}");
}
