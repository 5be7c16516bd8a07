//! `secarch serve` against the fake GitHub (which validates every request against GitHub's
//! OpenAPI description): signed deliveries built from octokit's examples drive the real router;
//! git comes from real repositories built in temp dirs, served as `file://` remotes.

mod common;
#[path = "server_support/harness.rs"]
mod harness;
mod support;

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use harness::*;
use support::fake_github::Fault;

const DOCKERFILE_8443: &str = "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n";

#[tokio::test]
async fn bad_or_missing_signature_is_401_and_nothing_is_called() {
    let w = World::new().await;
    let head = w.branch("f", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    let body = serde_json::to_vec(&w.pull_request_payload("opened", n, &head)).unwrap();
    let wrong = secarch::server::sign("not-the-secret", &body);
    for sig in [
        None,
        Some(wrong.as_str()),
        Some("sha256=00"),
        Some("garbage"),
    ] {
        let (status, _) = deliver_raw(&w.router, "pull_request", body.clone(), sig).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{sig:?}");
    }
    // A body changed after signing does not verify either.
    let good = secarch::server::sign(SECRET, &body);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, _) = deliver_raw(&w.router, "pull_request", tampered, Some(&good)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.engine.pending(), 0);
    assert!(w.fake.requests().is_empty(), "{:?}", w.fake.requests());
    assert_eq!(w.engine.metrics.deliveries("unverified", "unauthorized"), 5);
    // The old secret of a rotation is still accepted.
    let (status, _) = deliver_raw(
        &w.router,
        "ping",
        b"{}".to_vec(),
        Some(&secarch::server::sign("old-secret", b"{}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_octokit_example_is_2xx_never_5xx() {
    let Some(dir) = secarch::testing::skip_without_fixtures("every_octokit_example_is_2xx")
        .map(|d| d.join("octokit-webhooks/payload-examples"))
    else {
        return;
    };
    let w = World::new().await;
    let mut seen = 0;
    let mut processed = 0;
    for event_dir in std::fs::read_dir(&dir).unwrap() {
        let event_dir = event_dir.unwrap().path();
        let event = event_dir.file_name().unwrap().to_string_lossy().to_string();
        for file in std::fs::read_dir(&event_dir).unwrap() {
            let body = std::fs::read(file.unwrap().path()).unwrap();
            let sig = secarch::server::sign(SECRET, &body);
            let (status, text) = deliver_raw(&w.router, &event, body, Some(&sig)).await;
            assert!(status.is_success(), "{event}: {status} {text}");
            seen += 1;
            processed += usize::from(text.starts_with("queued") || text.starts_with("pong"));
        }
    }
    assert!(seen >= 60, "only {seen} examples");
    // Some are acted on (opened, synchronize, rerequested, installation, ping), most ignored.
    assert!(processed >= 10 && processed < seen, "{processed} of {seen}");
    // Their repositories are not in the fake: jobs fail cleanly (404s), nothing panics.
    w.idle().await;
    // Malformed JSON of a known event is 400, an unknown event 202.
    let (status, _) = w
        .deliver("pull_request", &json!({"action": "opened"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = w.deliver("sponsorship", &json!({"x": 1})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let body = b"{not json".to_vec();
    let sig = secarch::server::sign(SECRET, &body);
    let (status, _) = deliver_raw(&w.router, "check_run", body, Some(&sig)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn dockerfile_change_without_document_update_fails_with_annotations_and_review_request() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    // End to end over a real socket.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = w.router.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let body = serde_json::to_vec(&w.pull_request_payload("opened", n, &head)).unwrap();
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/webhook"))
        .header("x-github-event", "pull_request")
        .header("x-hub-signature-256", secarch::server::sign(SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    w.idle().await;

    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run.name, "security-architecture");
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    let title = run.title.clone().unwrap_or_default();
    let summary = run.summary.clone().unwrap_or_default();
    assert!(title.contains("review needed"), "{title}\n{summary}");
    assert!(summary.contains("was not updated although"), "{summary}");
    // The lint finding (architecture changed since the last review) is on its line too.
    assert!(
        run.annotations.iter().any(|a| a["path"] == DOC
            && a["title"] == "SA052"
            && a["annotation_level"] == "failure"),
        "{:?}",
        run.annotations
    );
    assert!(summary.contains("Dockerfile"), "{summary}");
    assert!(
        summary.contains("@dana-ortiz, @acme/security-architects"),
        "{summary}"
    );
    // The EXPOSE line is annotated exactly.
    let expose = run
        .annotations
        .iter()
        .find(|a| a["path"] == "Dockerfile")
        .unwrap_or_else(|| panic!("{:?}", run.annotations));
    assert_eq!(expose["start_line"], 4, "{expose}");
    assert!(
        expose["message"].as_str().unwrap().contains("8443"),
        "{expose}"
    );
    // Review requested from the user and the team, once.
    let (users, teams) = w.fake.with_pull(&w.repo, n, |p| {
        (p.requested_users.clone(), p.requested_teams.clone())
    });
    assert_eq!(users, ["dana-ortiz"]);
    assert_eq!(teams, ["security-architects"]);
    // A re-run does not request again (already requested).
    let mut rerun = support_payload_rerun(&w, &head, n);
    w.retarget(&mut rerun);
    let (status, _) = w.deliver("check_run", &rerun).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    w.idle().await;
    assert_eq!(w.fake.requests_of("pulls/request-reviewers").len(), 1);
    assert_eq!(w.runs_on(&head).len(), 2, "a re-run is a new run");
    assert_eq!(w.engine.metrics.evaluations("failure"), 2);
    let (_, metrics) = get(&w.router, "/metrics").await;
    assert!(
        metrics.contains("secarch_evaluations_total{conclusion=\"failure\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics
            .contains("secarch_github_api_calls_total{operation=\"checks/create\",status=\"2xx\"}")
    );
}

fn support_payload_rerun(w: &World, head: &str, n: u64) -> serde_json::Value {
    let mut p = fixture("check_run", "rerequested.payload.json").unwrap_or_else(|| json!({}));
    p["action"] = json!("rerequested");
    p["check_run"]["head_sha"] = json!(head);
    p["check_run"]["pull_requests"] = json!([{"number": n, "head": {"sha": head}}]);
    if p.get("repository").is_none() {
        p["repository"] = json!({"owner": {}});
    }
    let _ = w;
    p
}

#[tokio::test]
async fn docs_only_pull_request_succeeds() {
    let w = World::new().await;
    let head = w.branch("docs", &[("README.md", "# gateway\n\nMore words.\n")]);
    let n = w.open_pull(&head);
    let (status, _) = w
        .deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    assert!(runs[0].annotations.is_empty());
    assert!(w.fake.requests_of("pulls/request-reviewers").is_empty());
}

#[tokio::test]
async fn the_mirror_cache_fetches_the_pull_request_head_and_evaluates_it() {
    let cache = tempfile::tempdir().unwrap();
    let w = World::with_mirror(cache.path()).await;
    let head = w.branch(
        "expose",
        &[(
            "Dockerfile",
            "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
        )],
    );
    let n = w.open_pull(&head);
    let (status, _) = w
        .deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    assert!(
        cache.path().join("acme/gateway.git").is_dir(),
        "a bare mirror was created under the cache"
    );
    // A docs-only PR on the same (now warm) mirror passes.
    let head2 = w.branch("docs", &[("README.md", "# gateway\n\nMore.\n")]);
    let n2 = w.open_pull(&head2);
    w.deliver(
        "pull_request",
        &w.pull_request_payload("opened", n2, &head2),
    )
    .await;
    w.idle().await;
    assert_eq!(w.runs_on(&head2)[0].conclusion.as_deref(), Some("success"));
}

#[tokio::test]
async fn synchronize_with_document_update_and_review_record_names_the_missing_signoff() {
    let w = World::new().await;
    let head1 = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head1);
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head1))
        .await;
    w.idle().await;
    assert_eq!(w.runs_on(&head1)[0].conclusion.as_deref(), Some("failure"));

    let doc = common::good_document().replace(
        "TLS 1.3 with client certificates at the edge",
        "TLS 1.3 with client certificates at the edge (ports 8080 and 8443)",
    );
    let doc = common::add_review(&doc, "Lee Park", "approved", "");
    let head2 = w.push("expose", &[(DOC, &doc)]);
    w.fake.with_pull(&w.repo, n, |p| p.head_sha = head2.clone());
    let (status, _) = w
        .deliver(
            "pull_request",
            &w.pull_request_payload("synchronize", n, &head2),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    w.idle().await;
    let runs = w.runs_on(&head2);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.name, w.runs_on(&head1)[0].name);
    let summary = run.summary.clone().unwrap_or_default();
    let title = run.title.clone().unwrap_or_default();
    assert!(!summary.contains("was not updated"), "{summary}");
    assert!(title.contains("review needed"), "{title}");
    assert!(summary.contains("was updated in this change"), "{summary}");
    assert!(summary.contains("0 of 1 required sign-off(s)"), "{summary}");
    assert!(summary.contains("@dana-ortiz"), "{summary}");
    // Sign-off is the next issue: until then the run still waits for it.
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
}

#[tokio::test]
async fn injected_502_and_429_still_give_the_right_conclusion() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    w.fake.fail_next(
        "pulls/get",
        1,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    // More 502s on the create than the client tries (it looks for the run between tries, as
    // the create may have been applied): the job itself is retried.
    w.fake.fail_next("checks/create", 5, Fault::Status(502));
    w.fake
        .fail_next("pulls/request-reviewers", 1, Fault::Status(503));
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    let runs = w.runs_on(&head);
    let last = runs.last().expect("a run");
    assert_eq!(last.status, "completed");
    assert_eq!(last.conclusion.as_deref(), Some("failure"));
    assert!(
        last.summary
            .clone()
            .unwrap_or_default()
            .contains("was not updated although"),
        "{last:?}"
    );
    assert!(!last.annotations.is_empty());
    let faulted = w.fake.requests().iter().filter(|r| r.faulted).count();
    assert_eq!(faulted, 7);
}

#[tokio::test]
async fn a_lasting_outage_ends_with_a_rerun_failure_not_without_conclusion() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    // pulls/get fails on every attempt of every job try.
    w.fake.fail_next("pulls/get", 9, Fault::Status(503));
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].status, "completed");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    let title = runs[0].title.clone().unwrap_or_default();
    assert!(title.contains("Re-run"), "{title}");
    assert!(
        runs[0]
            .summary
            .clone()
            .unwrap_or_default()
            .contains("pulls/get")
    );
    assert_eq!(w.engine.metrics.evaluations("error"), 1);
}

#[tokio::test]
async fn reconcile_evaluates_a_pull_request_without_a_run_once() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    w.open_pull(&head);
    let docs = w.branch("docs", &[("README.md", "# gateway\n\nwords\n")]);
    w.open_pull(&docs);
    assert_eq!(secarch::server::reconcile(&w.engine).await, 2);
    w.idle().await;
    assert_eq!(w.runs_on(&head)[0].conclusion.as_deref(), Some("failure"));
    assert_eq!(w.runs_on(&docs)[0].conclusion.as_deref(), Some("success"));
    // A second pass finds completed runs and creates nothing.
    secarch::server::reconcile(&w.engine).await;
    w.idle().await;
    assert_eq!(w.fake.check_runs(&w.repo).len(), 2);
}

#[tokio::test]
async fn readiness_follows_the_first_reconcile() {
    let w = World::new().await;
    assert_eq!(get(&w.router, "/healthz").await.0, StatusCode::OK);
    assert_eq!(
        get(&w.router, "/readyz").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    w.engine.start_background();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(get(&w.router, "/readyz").await.0, StatusCode::OK);
    w.idle().await;
}

#[tokio::test]
async fn merge_group_passes_only_when_every_pull_request_passed() {
    let w = World::new().await;
    let docs = w.branch("docs", &[("README.md", "# gateway\n\nwords\n")]);
    let ok = w.open_pull(&docs);
    let expose = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let bad = w.open_pull(&expose);
    secarch::server::reconcile(&w.engine).await;
    w.idle().await;
    for (n, group_head, want) in [
        (ok, "a".repeat(40), "success"),
        (bad, "b".repeat(40), "failure"),
    ] {
        let mut p = json!({
            "action": "checks_requested",
            "merge_group": {
                "head_sha": group_head,
                "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-{n}-{}", "c".repeat(40)),
                "base_sha": w.base,
                "base_ref": "refs/heads/main",
                "head_commit": {"id": group_head, "message": "merge"}
            },
            "repository": {"owner": {}}
        });
        w.retarget(&mut p);
        let (status, _) = w.deliver("merge_group", &p).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        w.idle().await;
        let runs = w.runs_on(&group_head);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].name, "security-architecture");
        assert_eq!(runs[0].conclusion.as_deref(), Some(want), "{:?}", runs[0]);
        assert!(
            runs[0]
                .summary
                .clone()
                .unwrap_or_default()
                .contains(&format!("#{n}"))
        );
    }
}

#[tokio::test]
async fn a_burst_for_one_pull_request_is_coalesced() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    for _ in 0..10 {
        w.deliver(
            "pull_request",
            &w.pull_request_payload("synchronize", n, &head),
        )
        .await;
    }
    w.idle().await;
    let evaluations = w.fake.requests_of("pulls/get").len();
    assert!(
        (1..=2).contains(&evaluations),
        "{evaluations} evaluations for 10 deliveries"
    );
}

#[tokio::test]
async fn a_reviewer_who_cannot_be_asked_does_not_silence_the_others() {
    let w = World::new().await;
    // dana-ortiz loses access: GitHub refuses the combined request with 422.
    w.fake.set_role(&w.repo, "dana-ortiz", "none");
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    let (users, teams) = w.fake.with_pull(&w.repo, n, |p| {
        (p.requested_users.clone(), p.requested_teams.clone())
    });
    assert!(users.is_empty());
    assert_eq!(teams, ["security-architects"]);
    assert_eq!(w.fake.requests_of("pulls/request-reviewers").len(), 3);
}

#[test]
fn app_manifest_asks_for_exactly_what_secarch_uses() {
    #[derive(serde::Deserialize)]
    struct Manifest {
        default_permissions: std::collections::BTreeMap<String, String>,
        default_events: Vec<String>,
        hook_attributes: serde_json::Value,
    }
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/app.yml")).unwrap();
    let m: Manifest = serde_saphyr::from_str(&text).unwrap();
    let perms: Vec<(String, String)> = m.default_permissions.into_iter().collect();
    let want = [
        ("checks", "write"),
        ("contents", "read"),
        ("issues", "write"),
        ("members", "read"),
        ("metadata", "read"),
        ("pull_requests", "write"),
    ];
    assert_eq!(
        perms,
        want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
    assert_eq!(
        m.default_events,
        [
            "pull_request",
            "pull_request_review",
            "issue_comment",
            "check_run",
            "check_suite",
            "merge_group"
        ]
    );
    assert!(
        m.hook_attributes["url"]
            .as_str()
            .unwrap()
            .ends_with("/webhook")
    );
    // `installation` is always delivered; the manifest says so instead of subscribing.
    assert!(text.contains("`installation` is delivered to every App"));
}
