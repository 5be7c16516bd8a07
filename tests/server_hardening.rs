//! `secarch serve` under faults and hostile input: every check run it starts ends completed,
//! lost answers do not duplicate runs, one evaluation's API use is bounded, permanent errors are
//! neither retried nor called temporary, and repository names cannot change API paths. Against
//! the fake GitHub (which validates every request against GitHub's OpenAPI description).

mod common;
#[path = "server_support/harness.rs"]
mod harness;
mod support;

use axum::http::StatusCode;
use secarch::github::{
    Annotation, AnnotationLevel, CheckOutput, CheckStatus, GitHubApi, GitHubAppApi, NewCheckRun,
};

use harness::*;
use support::fake_github::Fault;

const DOCKERFILE_8443: &str = "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n";

/// Start a run of our check on `head` the way an interrupted evaluation leaves it: in progress,
/// with `annotations` already appended.
async fn leave_unfinished_run(w: &World, head: &str, annotations: usize) -> u64 {
    let client = w.fake.app().installation(INSTALLATION);
    let output = (annotations > 0).then(|| CheckOutput {
        title: "evaluating".into(),
        summary: "interrupted".into(),
        text: None,
        annotations: (0..annotations)
            .map(|i| Annotation {
                path: "Dockerfile".into(),
                start_line: 1,
                end_line: 1,
                start_column: None,
                end_column: None,
                annotation_level: AnnotationLevel::Warning,
                message: format!("partial {i}"),
                title: None,
                raw_details: None,
            })
            .collect(),
    });
    client
        .create_check_run(
            &w.repo,
            &NewCheckRun {
                name: "security-architecture".into(),
                head_sha: head.into(),
                status: Some(CheckStatus::InProgress),
                conclusion: None,
                details_url: None,
                external_id: None,
                started_at: None,
                completed_at: None,
                output,
            },
        )
        .await
        .expect("create")
        .id
}

/// A world with one open pull request that exposes a new port in the Dockerfile (a trigger).
async fn exposing_pull() -> (World, String, u64) {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    (w, head, n)
}

fn assert_all_completed(w: &World, head: &str) {
    let runs = w.runs_on(head);
    assert!(!runs.is_empty());
    for r in &runs {
        assert_eq!(
            r.status, "completed",
            "run {} left unfinished: {runs:#?}",
            r.id
        );
    }
}

#[tokio::test]
async fn reconcile_finishes_a_newer_run_left_in_progress_behind_a_completed_one() {
    let (w, head, n) = exposing_pull().await;
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    // A re-evaluation started a new run and was killed before completing it.
    let orphan = leave_unfinished_run(&w, &head, 0).await;
    secarch::server::reconcile(&w.engine).await;
    w.idle().await;
    assert_all_completed(&w, &head);
    let runs = w.runs_on(&head);
    assert_eq!(
        runs.len(),
        2,
        "the orphan is reused, not joined by a third run"
    );
    let o = runs.iter().find(|r| r.id == orphan).unwrap();
    assert_eq!(o.conclusion.as_deref(), Some("failure"), "{o:?}");
    // A second pass finds nothing to do.
    let before = w.fake.requests_of("checks/update").len();
    secarch::server::reconcile(&w.engine).await;
    w.idle().await;
    assert_eq!(w.fake.requests_of("checks/update").len(), before);
}

#[tokio::test]
async fn an_annotated_unfinished_run_is_completed_as_superseded() {
    let (w, head, n) = exposing_pull().await;
    // Annotations already appended: it cannot be reused, a new run is written instead.
    let orphan = leave_unfinished_run(&w, &head, 2).await;
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    assert_all_completed(&w, &head);
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 2);
    let o = runs.iter().find(|r| r.id == orphan).unwrap();
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(o.conclusion, newest.conclusion, "same verdict on both");
    assert!(
        o.summary
            .clone()
            .unwrap_or_default()
            .contains(&newest.id.to_string()),
        "{o:?}"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_adopted_not_duplicated() {
    let (w, head, n) = exposing_pull().await;
    // GitHub creates the run, then a proxy answers 502.
    w.fake
        .fail_next("checks/create", 1, Fault::AppliedThen(502));
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].status, "completed");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    assert!(runs[0].external_id.is_some());
    assert_eq!(w.fake.requests_of("checks/create").len(), 1);
}

#[tokio::test]
async fn a_failure_report_completes_the_unfinished_run_instead_of_adding_one() {
    let (w, head, n) = exposing_pull().await;
    let orphan = leave_unfinished_run(&w, &head, 0).await;
    // A clone URL this server refuses (it has no mirror for network remotes): the job fails
    // before it gets to its run, and reports on the one left unfinished.
    let mut payload = w.pull_request_payload("opened", n, &head);
    payload["repository"]["clone_url"] = "https://github.com/acme/gateway.git".into();
    w.deliver("pull_request", &payload).await;
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].id, orphan);
    assert_eq!(runs[0].status, "completed");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
}

#[tokio::test]
async fn a_refused_clone_url_is_not_retried_and_names_the_operator() {
    let (w, head, n) = exposing_pull().await;
    let mut payload = w.pull_request_payload("opened", n, &head);
    payload["repository"]["clone_url"] = "https://github.com/acme/gateway.git".into();
    w.deliver("pull_request", &payload).await;
    w.idle().await;
    assert_eq!(w.engine.metrics.job_retries(), 0, "a refusal is final");
    assert_eq!(w.fake.requests_of("pulls/get").len(), 1);
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1);
    let title = runs[0].title.clone().unwrap_or_default();
    assert!(title.contains("operator"), "{title}");
    assert!(!title.contains("temporary"), "{title}");
    let summary = runs[0].summary.clone().unwrap_or_default();
    assert!(
        summary.contains("no git mirror for network remotes"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_plain_403_is_not_called_temporary() {
    let (w, head, n) = exposing_pull().await;
    w.fake.fail_next("pulls/get", 1, Fault::Status(403));
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    assert_eq!(w.engine.metrics.job_retries(), 0);
    assert_eq!(w.fake.requests_of("pulls/get").len(), 1);
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1);
    let title = runs[0].title.clone().unwrap_or_default();
    assert!(title.contains("GitHub refused a request"), "{title}");
    assert!(title.contains("operator"), "{title}");
    let summary = runs[0].summary.clone().unwrap_or_default();
    assert!(summary.contains("permissions"), "{summary}");
}

#[tokio::test]
async fn a_huge_change_costs_a_bounded_number_of_check_run_requests() {
    let w = World::new().await;
    let files: Vec<(String, String)> = (0..150)
        .map(|i| {
            (
                format!("svc{i:03}/Dockerfile"),
                format!("FROM debian:12\nUSER app\nEXPOSE {}\n", 9000 + i),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let head = w.branch("many", &refs);
    let n = w.open_pull(&head);
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.status, "completed");
    assert!(
        !run.annotations.is_empty() && run.annotations.len() <= 50,
        "{} annotations",
        run.annotations.len()
    );
    // One request: the run is created completed, with no appended annotation batches.
    assert_eq!(w.fake.requests_of("checks/create").len(), 1);
    assert_eq!(w.fake.requests_of("checks/update").len(), 0);
    let summary = run.summary.clone().unwrap_or_default();
    assert!(
        summary.contains("more annotation(s) were left out"),
        "{summary}"
    );
    // The most important come first: the lint failures on the document are kept.
    let first = &run.annotations[0];
    assert_eq!(first["annotation_level"], "failure", "{first}");
}

#[tokio::test]
async fn a_replayed_delivery_is_acted_on_once() {
    let (w, head, n) = exposing_pull().await;
    let body = serde_json::to_vec(&w.pull_request_payload("synchronize", n, &head)).unwrap();
    let signature = secarch::server::sign(SECRET, &body);
    let id = "d1c1e8a0-0000-11e3-81ab-4c9367dc0958";
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(
            deliver_with_id(
                &w.router,
                "pull_request",
                body.clone(),
                Some(&signature),
                id,
            )
            .await,
        );
        w.idle().await;
    }
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert!(answers[0].1.starts_with("queued"), "{:?}", answers[0]);
    for (status, text) in &answers[1..] {
        assert_eq!(*status, StatusCode::ACCEPTED);
        assert!(text.contains("already acted on"), "{text}");
    }
    assert_eq!(w.fake.requests_of("pulls/get").len(), 1);
    assert_eq!(w.engine.metrics.deliveries("pull_request", "duplicate"), 4);
    // Another delivery (a new GUID) for the same pull request is acted on.
    w.deliver(
        "pull_request",
        &w.pull_request_payload("synchronize", n, &head),
    )
    .await;
    w.idle().await;
    assert_eq!(w.fake.requests_of("pulls/get").len(), 2);
}

#[tokio::test]
async fn repository_names_with_dot_segments_never_reach_github() {
    let (w, head, n) = exposing_pull().await;
    for (owner, name) in [
        ("..", ".."),
        ("acme", ".."),
        ("acme", "."),
        ("%2e%2e", "gateway"),
    ] {
        let mut payload = w.pull_request_payload("opened", n, &head);
        payload["repository"]["owner"]["login"] = owner.into();
        payload["repository"]["name"] = name.into();
        payload["repository"]["full_name"] = format!("{owner}/{name}").into();
        let (status, text) = w.deliver("pull_request", &payload).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{owner}/{name}: {text}");
        assert!(text.contains("not a valid GitHub name"), "{text}");
    }
    w.idle().await;
    assert!(w.fake.requests().is_empty(), "{:?}", w.fake.requests());
}

#[tokio::test]
async fn an_unchanged_outcome_is_posted_once_across_deliveries_reconciles_and_restarts() {
    let (w, head, n) = exposing_pull().await;
    for _ in 0..3 {
        w.deliver(
            "pull_request",
            &w.pull_request_payload("synchronize", n, &head),
        )
        .await;
        w.idle().await;
    }
    assert_eq!(w.runs_on(&head).len(), 1, "three deliveries, one outcome");
    assert_eq!(
        w.engine.metrics.evaluations("failure"),
        3,
        "each was evaluated"
    );
    // Reconciliation: the head has a completed run, nothing is even fetched.
    secarch::server::reconcile(&w.engine).await;
    w.idle().await;
    // A restart: a new engine (nothing in memory) against the same GitHub.
    let restarted = secarch::server::Engine::new(
        w.fake.app(),
        std::sync::Arc::new(secarch::server::LocalRepos {
            allow_file_remotes: true,
        }),
        secarch::server::WebhookSecrets::parse(SECRET),
        settings(),
    );
    let router = secarch::server::router(std::sync::Arc::clone(&restarted));
    let body = serde_json::to_vec(&w.pull_request_payload("synchronize", n, &head)).unwrap();
    let signature = secarch::server::sign(SECRET, &body);
    deliver_raw(&router, "pull_request", body, Some(&signature)).await;
    assert!(
        restarted
            .wait_idle(std::time::Duration::from_secs(30))
            .await
    );
    assert_eq!(w.runs_on(&head).len(), 1, "{:#?}", w.runs_on(&head));
    assert_eq!(w.fake.requests_of("checks/create").len(), 1);
    assert_eq!(w.fake.requests_of("checks/update").len(), 0);
}

#[tokio::test]
async fn a_changed_outcome_or_a_rerun_gets_a_fresh_run() {
    let (w, head, n) = exposing_pull().await;
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    // What the newest run shows is not what the evaluation gives now (its digest differs, as
    // after a sign-off or a lint rule aging a review): a new run.
    w.fake.state(|s| {
        let repo = s.repo_mut("acme", "gateway").expect("repo");
        repo.check_runs[0].external_id = Some("000000000000000000000000.x".into());
    });
    w.deliver(
        "pull_request",
        &w.pull_request_payload("synchronize", n, &head),
    )
    .await;
    w.idle().await;
    assert_eq!(w.runs_on(&head).len(), 2);
    // "Re-run" always posts, even when nothing changed.
    let mut rerun = harness::fixture("check_run", "rerequested.payload.json")
        .unwrap_or_else(|| serde_json::json!({"repository": {"owner": {}}}));
    rerun["action"] = "rerequested".into();
    rerun["check_run"]["head_sha"] = head.clone().into();
    rerun["check_run"]["pull_requests"] = serde_json::json!([{"number": n, "head": {"sha": head}}]);
    w.retarget(&mut rerun);
    w.deliver("check_run", &rerun).await;
    w.idle().await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r.status == "completed"));
}

/// Opens repositories like [`LocalRepos`](secarch::server::LocalRepos), after sleeping: an
/// evaluation that takes too long. `done` is set when the slow work ends.
struct SlowRepos {
    sleep: std::time::Duration,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl secarch::server::RepoProvider for SlowRepos {
    fn with_repo(
        &self,
        request: &secarch::server::SyncRequest,
        work: &mut dyn FnMut(&secarch::git::Repo),
    ) -> Result<(), secarch::server::RepoError> {
        std::thread::sleep(self.sleep);
        let local = secarch::server::LocalRepos {
            allow_file_remotes: true,
        };
        let result = local.with_repo(request, work);
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
        result
    }
}

#[tokio::test]
async fn an_evaluation_over_the_time_limit_fails_its_check_and_frees_the_slot() {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let slow = SlowRepos {
        sleep: std::time::Duration::from_secs(2),
        done: std::sync::Arc::clone(&done),
    };
    let job_settings = secarch::server::JobSettings {
        evaluation_timeout: std::time::Duration::from_millis(300),
        max_concurrent: 1,
        ..settings()
    };
    let w =
        World::with_provider_and_settings(move |_| std::sync::Arc::new(slow), job_settings).await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    let n = w.open_pull(&head);
    w.deliver("pull_request", &w.pull_request_payload("opened", n, &head))
        .await;
    w.idle().await;
    // The job gave up at its limit instead of waiting for the repository (no retry: it would
    // take as long again): its slot is free while the slow work still runs.
    assert!(
        !done.load(std::sync::atomic::Ordering::SeqCst),
        "the job waited for the slow work"
    );
    assert_eq!(w.engine.pending(), 0);
    assert_eq!(w.engine.metrics.job_retries(), 0);
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    let title = runs[0].title.clone().unwrap_or_default();
    assert!(title.contains("took too long"), "{title}");
    let summary = runs[0].summary.clone().unwrap_or_default();
    assert!(summary.contains("SECARCH_EVALUATION_TIMEOUT"), "{summary}");
}
