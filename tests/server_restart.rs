//! The real `secarch serve` process killed with SIGKILL while it publishes a check run: after a
//! restart, the pull request gets exactly one completed run. Against the fake GitHub on
//! loopback; git through the production mirror cache (`file://`).

mod common;
#[path = "server_support/harness.rs"]
mod harness;
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use harness::*;
use support::fake_github::Fault;

const DOCKERFILE_8443: &str = "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn start_server(w: &World, port: u16, cache: &std::path::Path) -> Server {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/TEST-ONLY-github-app-private-key.pem"
    );
    let child = Command::new(env!("CARGO_BIN_EXE_secarch"))
        .arg("serve")
        .env("SECARCH_APP_ID", w.fake.app_id().to_string())
        .env("SECARCH_PRIVATE_KEY_PATH", key)
        .env("SECARCH_WEBHOOK_SECRET", SECRET)
        .env("SECARCH_GITHUB_API_URL", w.fake.url())
        .env("SECARCH_LISTEN", format!("127.0.0.1:{port}"))
        .env("SECARCH_CACHE_DIR", cache)
        .env("SECARCH_ALLOW_FILE_REMOTES", "1")
        .env("SECARCH_RECONCILE_INTERVAL", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start secarch serve");
    Server(child)
}

/// Poll `done` every 50 ms for at most `limit`.
async fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_while_publishing_still_ends_with_one_completed_run() {
    let w = World::new().await;
    let head = w.branch("expose", &[("Dockerfile", DOCKERFILE_8443)]);
    w.open_pull(&head);
    // Publishing hangs: the process is killed before GitHub answers (the fake applies the
    // request only after the delay, long after this test).
    w.fake
        .fail_next("checks/create", 1, Fault::Delay(Duration::from_secs(120)));
    let cache = tempfile::tempdir().expect("cache dir");
    let port = free_port();

    // The first process evaluates the open pull request at start (reconciliation).
    let mut first = start_server(&w, port, cache.path());
    wait_for(
        Duration::from_secs(60),
        "the run's list before publishing",
        || !w.fake.requests_of("checks/list-for-ref").is_empty(),
    )
    .await;
    // Give the job time to send its (hanging) create, then kill without warning.
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.0.kill().expect("SIGKILL");
    first.0.wait().expect("reaped");
    assert!(w.runs_on(&head).is_empty());

    // A new process (same cache) evaluates the pull request again and publishes once.
    let _second = start_server(&w, port, cache.path());
    wait_for(Duration::from_secs(60), "a completed run", || {
        w.runs_on(&head).iter().any(|r| r.status == "completed")
    })
    .await;
    let runs = w.runs_on(&head);
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    assert!(
        runs[0]
            .summary
            .clone()
            .unwrap_or_default()
            .contains("Dockerfile"),
        "{:?}",
        runs[0].summary
    );
}
