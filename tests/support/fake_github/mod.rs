//! An in-memory fake GitHub, served over HTTP on 127.0.0.1, that validates every request.
//!
//! - Every request is matched against GitHub's OpenAPI description
//!   (`../shared/fixtures/github-rest-openapi/github-app-subset.deref.openapi.json`): unknown
//!   path or method, bad path/query parameters, or a body that breaks the operation's schema
//!   (required fields, types, enums, `maxItems`, `maxLength`, `anyOf`, …) is recorded as a
//!   [`Violation`]. Missing `Accept`, `X-GitHub-Api-Version` or `User-Agent` headers too.
//!   Violations fail the test: [`FakeGitHub`] panics on drop while any are unacknowledged
//!   (tests that provoke one on purpose take them with [`FakeGitHub::take_violations`]).
//! - Without the fixtures (a fresh clone elsewhere) the fake still routes its own operations
//!   and checks headers and credentials, prints a NOTICE once, and skips schema validation: the
//!   client tests still run; the test proving the validator can fail skips itself.
//! - Auth as GitHub does it: `/app/...` needs an RS256 App JWT signed by the test key
//!   (`tests/support/TEST-ONLY-github-app-*.pem`), everything else a live installation token
//!   the fake issued, scoped to its installation's repositories (401 / 404 otherwise).
//! - Faults: [`FakeGitHub::fail_next`] makes the next N calls of an operation answer 5xx, 429
//!   with `retry-after`, a 403 secondary or primary rate limit, or answer late (timeouts).
//! - Bodies are GitHub's own example responses with the fake's state laid over them, and every
//!   2xx answer is itself checked against the operation's response schema (a fake that answers
//!   wrong shapes would prove nothing about the client's decoding).

mod auth;
mod checks;
mod handlers;
mod openapi;
mod schema;
mod server;
mod state;
mod templates;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use serde_json::Value;

use secarch::github::{AppCredentials, GitHubApp, GitHubConfig, RepoRef, RetryPolicy};

pub use state::*;

use handlers::ROUTES;
use openapi::Description;

/// The test App's private key (generated for these tests only; never used anywhere real).
pub const TEST_APP_PRIVATE_KEY: &str = include_str!("../TEST-ONLY-github-app-private-key.pem");
/// Its public key, with which the fake verifies App JWTs.
pub const TEST_APP_PUBLIC_KEY: &str = include_str!("../TEST-ONLY-github-app-public-key.pem");

/// A request that breaks GitHub's API contract.
#[derive(Debug, Clone)]
pub struct Violation {
    pub method: String,
    pub path: String,
    pub operation: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = self.operation.as_deref().unwrap_or("?");
        write!(f, "{} {} [{op}]: {}", self.method, self.path, self.problem)
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub status: u16,
    /// Answered by an injected fault.
    pub faulted: bool,
}

/// A fault to inject into the next calls of an operation.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (e.g. 500, 502, 503) and a GitHub error body.
    Status(u16),
    /// 429 with `retry-after: N` seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// 403 "You have exceeded a secondary rate limit", with `retry-after` when given.
    SecondaryRateLimit { retry_after_secs: Option<u64> },
    /// 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` N seconds from now.
    PrimaryExhausted { reset_in_secs: u64 },
    /// Answer normally, but only after this delay (longer than the client timeout = timeout).
    Delay(Duration),
    /// Apply the operation, then answer with this status (a write GitHub made whose answer was
    /// lost, e.g. a 502 from a proxy).
    AppliedThen(u16),
}

/// Fake-wide settings.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    pub app_id: u64,
    pub app_slug: String,
    /// Lifetime of installation tokens the fake issues (GitHub: 1 hour).
    pub token_lifetime: Duration,
    /// API root path, e.g. `/api/v3` as on GitHub Enterprise Server; empty = `api.github.com`.
    pub path_prefix: String,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            app_id: 4242,
            app_slug: "secarch-test".into(),
            token_lifetime: Duration::from_secs(3600),
            path_prefix: String::new(),
        }
    }
}

pub(crate) struct Inner {
    desc: Option<&'static Description>,
    options: FakeOptions,
    addr: SocketAddr,
    state: Mutex<State>,
    violations: Mutex<Vec<Violation>>,
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running fake GitHub. Dropping it stops the server and fails the test on violations.
pub struct FakeGitHub {
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeGitHub {
    /// Start with default options (App 4242, 1-hour tokens). Needs a Tokio runtime.
    pub async fn start() -> FakeGitHub {
        Self::start_with(FakeOptions::default()).await
    }

    pub async fn start_with(options: FakeOptions) -> FakeGitHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the fake GitHub");
        let addr = listener
            .local_addr()
            .expect("local address of the fake GitHub");
        let desc = server::description();
        let mut violations = Vec::new();
        if let Some(d) = desc {
            for (method, template, id) in ROUTES {
                if !d.has(method, template, id) {
                    violations.push(Violation {
                        method: method.to_string(),
                        path: template.to_string(),
                        operation: Some(id.to_string()),
                        problem:
                            "the fake implements an operation GitHub's description does not have"
                                .into(),
                    });
                }
            }
        }
        let inner = Arc::new(Inner {
            desc,
            options,
            addr,
            state: Mutex::default(),
            violations: Mutex::new(violations),
            log: Mutex::default(),
            faults: Mutex::default(),
        });
        let router = Router::new()
            .fallback(server::serve)
            .with_state(Arc::clone(&inner));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeGitHub { inner, task }
    }

    /// `http://127.0.0.1:PORT[/prefix]` — the API root to configure the client with.
    pub fn url(&self) -> String {
        format!(
            "http://{}{}",
            self.inner.addr, self.inner.options.path_prefix
        )
    }

    pub fn app_id(&self) -> u64 {
        self.inner.options.app_id
    }

    /// Whether requests are validated against the description (fixtures present).
    pub fn validating(&self) -> bool {
        self.inner.desc.is_some()
    }

    /// Client configuration for this fake: fast retries (ms), short timeouts, 60 s refresh margin.
    pub fn config(&self) -> GitHubConfig {
        GitHubConfig {
            api_url: self.url(),
            user_agent: "secarch-tests".into(),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                secondary_rate_limit_wait: Duration::from_millis(50),
                max_rate_limit_wait: Duration::from_secs(5),
            },
            request_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            token_refresh_margin: Duration::from_secs(60),
        }
    }

    /// The test App's credentials.
    pub fn credentials(&self) -> AppCredentials {
        AppCredentials::from_pem(self.app_id(), TEST_APP_PRIVATE_KEY.as_bytes())
            .expect("the test App key parses")
    }

    /// An App client for this fake with [`FakeGitHub::config`].
    pub fn app(&self) -> GitHubApp {
        self.app_with(self.config())
    }

    pub fn app_with(&self, config: GitHubConfig) -> GitHubApp {
        GitHubApp::new(config, self.credentials()).expect("App client for the fake")
    }

    /// Mint an installation token by hand (App JWT signed with the test key), bypassing the
    /// client: for raw requests.
    pub async fn raw_token(&self, installation: u64) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({"iat": now - 60, "exp": now + 300, "iss": self.app_id().to_string()});
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_APP_PRIVATE_KEY.as_bytes())
            .expect("test key");
        let jwt = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &key,
        )
        .expect("sign test JWT");
        let (status, body) = self
            .raw(
                reqwest::Method::POST,
                &format!("/app/installations/{installation}/access_tokens"),
                None,
                &jwt,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Send a request by hand with GitHub's headers and `credential`, bypassing the client (to
    /// provoke violations on purpose). Returns status and JSON body (`null` if not JSON).
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
        credential: &str,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path_and_query}", self.url()))
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", "secarch-tests-raw")
            .bearer_auth(credential);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("raw request to the fake");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    // ---- state ----

    /// Direct access to the state (seed or inspect).
    pub fn state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.inner.state))
    }

    pub fn add_installation(&self, id: u64, account: &str) {
        self.state(|s| {
            s.installations.insert(
                id,
                FakeInstallation {
                    id,
                    account: account.into(),
                },
            );
        });
    }

    /// A repository, covered by `installation` (or not installed).
    pub fn add_repo(&self, owner: &str, name: &str, installation: Option<u64>) -> RepoRef {
        self.state(|s| {
            let id = s.next_id();
            s.repos.insert(
                (owner.into(), name.into()),
                FakeRepo {
                    id,
                    owner: owner.into(),
                    name: name.into(),
                    installation_id: installation,
                    ..Default::default()
                },
            );
        });
        RepoRef::new(owner, name)
    }

    /// Add a pull request (number assigned when 0); returns its number.
    pub fn add_pull(&self, repo: &RepoRef, mut pull: FakePull) -> u64 {
        self.with_repo(repo, |r| {
            if pull.number == 0 {
                pull.number = r.pulls.keys().max().copied().unwrap_or(0) + 1;
            }
            let n = pull.number;
            r.pulls.insert(n, pull);
            n
        })
    }

    /// Mutate a pull request.
    pub fn with_pull<R>(
        &self,
        repo: &RepoRef,
        number: u64,
        f: impl FnOnce(&mut FakePull) -> R,
    ) -> R {
        self.with_repo(repo, |r| {
            f(r.pulls
                .get_mut(&number)
                .expect("pull request exists in the fake"))
        })
    }

    /// A conversation comment by `user`; returns its id.
    pub fn add_comment(&self, repo: &RepoRef, number: u64, user: &str, body: &str) -> u64 {
        let id = self.state(State::next_id);
        let now = templates::now_rfc3339();
        self.with_repo(repo, |r| {
            r.comments.push(FakeComment {
                id,
                issue_number: number,
                user: user.into(),
                body: body.into(),
                created_at: now.clone(),
                updated_at: now,
            })
        });
        id
    }

    /// Give `user` one of GitHub's roles (`admin|maintain|write|triage|read|none`); the legacy
    /// `permission` is derived as GitHub does (maintain → write, triage → read).
    pub fn set_role(&self, repo: &RepoRef, user: &str, role: &str) {
        let legacy = match role {
            "maintain" => "write",
            "triage" => "read",
            other => other,
        };
        self.set_custom_role(repo, user, role, legacy);
    }

    /// A custom role name with the legacy permission it is based on.
    pub fn set_custom_role(&self, repo: &RepoRef, user: &str, role_name: &str, legacy: &str) {
        self.with_repo(repo, |r| {
            r.roles
                .insert(user.into(), (role_name.into(), legacy.into()));
        });
    }

    /// Put `user` in `org/team_slug` with `state` (`active`/`pending`) and role `member`.
    pub fn set_team_member(&self, org: &str, team_slug: &str, user: &str, state: &str) {
        self.state(|s| {
            s.teams
                .entry((org.into(), team_slug.into()))
                .or_default()
                .insert(
                    user.into(),
                    FakeTeamMember {
                        role: "member".into(),
                        state: state.into(),
                    },
                );
        });
    }

    pub fn check_runs(&self, repo: &RepoRef) -> Vec<FakeCheckRun> {
        self.with_repo(repo, |r| r.check_runs.clone())
    }

    fn with_repo<R>(&self, repo: &RepoRef, f: impl FnOnce(&mut FakeRepo) -> R) -> R {
        self.state(|s| {
            f(s.repo_mut(&repo.owner, &repo.name)
                .expect("repository exists in the fake"))
        })
    }

    /// Tokens and JWTs the fake issued or accepted (to prove none leaks into errors or logs).
    pub fn secrets_seen(&self) -> Vec<String> {
        self.state(|s| s.secrets_seen.clone())
    }

    /// Installation tokens issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.state(|s| s.tokens.len())
    }

    /// Revoke every issued token (the next call with one answers 401).
    pub fn revoke_tokens(&self) {
        self.state(|s| s.tokens.clear());
    }

    // ---- faults and observation ----

    /// Make the next `times` calls of `operation` (GitHub's operationId) answer with `fault`.
    pub fn fail_next(&self, operation: &str, times: usize, fault: Fault) {
        let mut faults = lock(&self.inner.faults);
        let queue = faults.entry(operation.into()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// All requests so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.log).clone()
    }

    /// Requests of `operation` so far.
    pub fn requests_of(&self, operation: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.operation == operation)
            .collect()
    }

    pub fn violations(&self) -> Vec<Violation> {
        lock(&self.inner.violations).clone()
    }

    /// Take (and acknowledge) the violations recorded so far.
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut *lock(&self.inner.violations))
    }

    /// Fail now, listing every violation.
    pub fn assert_no_violations(&self) {
        let v = self.violations();
        assert!(
            v.is_empty(),
            "requests broke GitHub's API contract:\n{}",
            list(&v)
        );
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking() {
            let v = self.take_violations();
            assert!(
                v.is_empty(),
                "requests broke GitHub's API contract:\n{}",
                list(&v)
            );
        }
    }
}

fn list(v: &[Violation]) -> String {
    v.iter().map(|v| format!("  - {v}\n")).collect()
}
