//! Harness for the App server tests: the fake GitHub, a real git repository served as a
//! `file://` remote, the real router, and signed deliveries built from octokit's examples.
//! Shared by `tests/server.rs` and `tests/server_bench.rs`; not every binary uses every helper.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use secarch::github::RepoRef;
use secarch::server::{Engine, JobSettings, LocalRepos, WebhookSecrets, router, sign};

use crate::common::{TestRepo, good_document};
use crate::support::fake_github::{FakeCheckRun, FakeGitHub, FakePull};

pub const SECRET: &str = "webhook-secret-for-tests";
pub const INSTALLATION: u64 = 11;
pub const DOC: &str = "docs/security/security-architecture.md";
pub const POLICY: &str =
    "signoff:\n  reviewers:\n    users: [dana-ortiz]\n    teams: [acme/security-architects]\n";

/// Fast retries for tests.
pub fn settings() -> JobSettings {
    JobSettings {
        max_concurrent: 4,
        attempts: 3,
        retry_base: Duration::from_millis(10),
        retry_max: Duration::from_millis(50),
        max_rate_limit_pause: Duration::from_secs(2),
        reconcile_interval: None,
        evaluation_timeout: Duration::from_secs(60),
    }
}

pub struct World {
    pub fake: FakeGitHub,
    pub engine: Arc<Engine>,
    pub router: Router,
    pub git: TestRepo,
    pub repo: RepoRef,
    /// The commit on `main` every PR starts from.
    pub base: String,
}

impl World {
    /// One installation (11) on `acme`, `acme/gateway` whose clone URL is a local repository
    /// with a document, a Dockerfile and a policy naming the reviewers, on `main`.
    pub async fn new() -> World {
        World::with_provider(|_| {
            Arc::new(LocalRepos {
                allow_file_remotes: true,
            })
        })
        .await
    }

    /// The same world evaluated through the production mirror cache (file:// remotes
    /// allowed), with its cache in a temporary directory.
    pub async fn with_mirror(cache: &std::path::Path) -> World {
        let root = cache.to_path_buf();
        World::with_provider(move |_| {
            let cfg = secarch::mirror::MirrorConfig {
                allow_file_remotes: true,
                ..secarch::mirror::MirrorConfig::new(root.clone())
            };
            Arc::new(secarch::server::MirrorRepos {
                cache: secarch::mirror::MirrorCache::new(cfg).expect("mirror cache"),
            })
        })
        .await
    }

    pub async fn with_provider(
        provider: impl FnOnce(&FakeGitHub) -> Arc<dyn secarch::server::RepoProvider>,
    ) -> World {
        World::with_provider_and_settings(provider, settings()).await
    }

    /// The world with its own job settings (time limits, attempts).
    pub async fn with_provider_and_settings(
        provider: impl FnOnce(&FakeGitHub) -> Arc<dyn secarch::server::RepoProvider>,
        job_settings: JobSettings,
    ) -> World {
        let fake = FakeGitHub::start().await;
        fake.add_installation(INSTALLATION, "acme");
        let repo = fake.add_repo("acme", "gateway", Some(INSTALLATION));
        fake.set_role(&repo, "dana-ortiz", "write");
        let git = TestRepo::new();
        git.write(DOC, &good_document())
            .write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 8080\n")
            .write("README.md", "# gateway\n")
            .write(".github/secarch.yml", POLICY);
        let base = git.commit("initial");
        let url = format!("file://{}", git.path().display());
        fake.state(|s| {
            s.repo_mut("acme", "gateway")
                .expect("repo")
                .clone_url_override = Some(url)
        });
        let repos = provider(&fake);
        let engine = Engine::new(
            fake.app(),
            repos,
            WebhookSecrets::parse(&format!("old-secret,{SECRET}")),
            job_settings,
        );
        let router = router(Arc::clone(&engine));
        World {
            fake,
            engine,
            router,
            git,
            repo,
            base,
        }
    }

    pub fn clone_url(&self) -> String {
        format!("file://{}", self.git.path().display())
    }

    /// A branch from `main` with `files` changed; returns the head commit.
    pub fn branch(&self, name: &str, files: &[(&str, &str)]) -> String {
        self.git.git(&["checkout", "-q", "-B", name, "main"]);
        for (path, content) in files {
            self.git.write(path, content);
        }
        let head = self.git.commit(&format!("change on {name}"));
        self.git.git(&["checkout", "-q", "main"]);
        head
    }

    /// Add commits on an existing branch; returns the new head.
    pub fn push(&self, name: &str, files: &[(&str, &str)]) -> String {
        self.git.git(&["checkout", "-q", name]);
        for (path, content) in files {
            self.git.write(path, content);
        }
        let head = self.git.commit(&format!("more on {name}"));
        self.git.git(&["checkout", "-q", "main"]);
        head
    }

    /// An open PR by `dev-alice` in the fake.
    pub fn open_pull(&self, head: &str) -> u64 {
        let n = self
            .fake
            .add_pull(&self.repo, FakePull::new("dev-alice", &self.base, head));
        // GitHub keeps every PR head at refs/pull/N/head (forks included); the mirror fetches it.
        self.git
            .git(&["update-ref", &format!("refs/pull/{n}/head"), head]);
        n
    }

    /// A `pull_request` delivery built from octokit's example, retargeted at this world.
    pub fn pull_request_payload(&self, action: &str, number: u64, head: &str) -> Value {
        let mut p = fixture("pull_request", "opened.payload.json").unwrap_or_else(|| {
            json!({"pull_request": {"head": {}, "base": {}, "user": {}}, "repository": {"owner": {}}})
        });
        p["action"] = json!(action);
        p["number"] = json!(number);
        p["pull_request"]["number"] = json!(number);
        p["pull_request"]["head"]["sha"] = json!(head);
        p["pull_request"]["base"]["sha"] = json!(self.base);
        p["pull_request"]["base"]["ref"] = json!("main");
        p["pull_request"]["user"]["login"] = json!("dev-alice");
        if action == "synchronize" {
            // A push names the heads before and after it (GitHub requires both).
            p["before"] = json!(self.base);
            p["after"] = json!(head);
        }
        self.retarget(&mut p);
        p
    }

    /// Point `repository` and `installation` at this world.
    pub fn retarget(&self, p: &mut Value) {
        p["repository"]["name"] = json!("gateway");
        p["repository"]["full_name"] = json!("acme/gateway");
        p["repository"]["owner"]["login"] = json!("acme");
        p["repository"]["clone_url"] = json!(self.clone_url());
        p["installation"] =
            json!({"id": INSTALLATION, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMTE="});
    }

    /// Deliver through the real router (no socket); returns the status and body.
    pub async fn deliver(&self, event: &str, payload: &Value) -> (StatusCode, String) {
        let body = serde_json::to_vec(payload).expect("json");
        let signature = sign(SECRET, &body);
        deliver_raw(&self.router, event, body, Some(&signature)).await
    }

    pub async fn idle(&self) {
        assert!(
            self.engine.wait_idle(Duration::from_secs(30)).await,
            "jobs did not finish"
        );
    }

    /// Completed runs of the check on `head`, oldest first.
    pub fn runs_on(&self, head: &str) -> Vec<FakeCheckRun> {
        self.fake
            .check_runs(&self.repo)
            .into_iter()
            .filter(|r| r.head_sha == head)
            .collect()
    }
}

/// POST /webhook with the given signature header (none when `None`), as a new delivery (a
/// fresh `X-GitHub-Delivery`).
pub async fn deliver_raw(
    router: &Router,
    event: &str,
    body: Vec<u8>,
    signature: Option<&str>,
) -> (StatusCode, String) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = format!("72d3162e-cc78-11e3-81ab-{n:012x}");
    deliver_with_id(router, event, body, signature, &id).await
}

/// POST /webhook with a given `X-GitHub-Delivery` (a replay reuses one).
pub async fn deliver_with_id(
    router: &Router,
    event: &str,
    body: Vec<u8>,
    signature: Option<&str>,
    delivery: &str,
) -> (StatusCode, String) {
    let mut req = Request::post("/webhook")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("content-type", "application/json");
    if let Some(s) = signature {
        req = req.header("x-hub-signature-256", s);
    }
    let resp = router
        .clone()
        .oneshot(req.body(Body::from(body)).expect("request"))
        .await
        .expect("router answers");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// GET a path through the router.
pub async fn get(router: &Router, path: &str) -> (StatusCode, String) {
    let resp = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The octokit examples directory, when the fixtures are present.
pub fn examples_dir() -> Option<PathBuf> {
    secarch::testing::fixture("octokit-webhooks/payload-examples")
}

/// One octokit example payload.
pub fn fixture(event: &str, file: &str) -> Option<Value> {
    let path = examples_dir()?.join(event).join(file);
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}
