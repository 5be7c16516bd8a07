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
//! - Bodies are GitHub's own example responses with the fake's state laid over them.

mod auth;
mod handlers;
mod openapi;
mod schema;
mod state;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use secarch::github::{AppCredentials, GitHubApp, GitHubConfig, RepoRef, RetryPolicy};

pub use state::*;

use handlers::{Call, Ctx, ROUTES, Reply};
use openapi::{Description, NoMatch};

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
}

/// Fake-wide settings.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    pub app_id: u64,
    pub app_slug: String,
    /// Lifetime of installation tokens the fake issues (GitHub: 1 hour).
    pub token_lifetime: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            app_id: 4242,
            app_slug: "secarch-test".into(),
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

struct Inner {
    desc: Option<&'static Description>,
    options: FakeOptions,
    addr: SocketAddr,
    state: Mutex<State>,
    violations: Mutex<Vec<Violation>>,
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The description, loaded once per test process; `None` (with a NOTICE) without fixtures.
fn description() -> Option<&'static Description> {
    static DESC: OnceLock<Option<Description>> = OnceLock::new();
    DESC.get_or_init(|| {
        let path = secarch::testing::fixtures_dir()
            .map(|d| d.join("github-rest-openapi/github-app-subset.deref.openapi.json"))
            .filter(|p| p.is_file());
        match path {
            Some(p) => match Description::load(&p) {
                Ok(d) => Some(d),
                Err(e) => panic!("fake GitHub: cannot load the OpenAPI description: {e}"),
            },
            None => {
                eprintln!(
                    "NOTICE fake GitHub: ../shared/fixtures/github-rest-openapi not found; requests are routed and authenticated but NOT validated against GitHub's OpenAPI description"
                );
                None
            }
        }
    })
    .as_ref()
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
        let desc = description();
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
        let router = Router::new().fallback(serve).with_state(Arc::clone(&inner));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeGitHub { inner, task }
    }

    /// `http://127.0.0.1:PORT` — the API root to configure the client with.
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
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
        let now = handlers::now_rfc3339();
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

/// The one axum handler: every request goes through matching, validation, auth, faults.
async fn serve(AxumState(inner): AxumState<Arc<Inner>>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let raw_path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = reqwest::Url::parse(&format!("http://fake{}", parts.uri))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let segments: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let method = parts.method.as_str().to_string();
    let violate = |operation: Option<&str>, problem: String| {
        lock(&inner.violations).push(Violation {
            method: method.clone(),
            path: raw_path.clone(),
            operation: operation.map(str::to_string),
            problem,
        });
    };

    // 1. Which operation?
    let matched = match inner.desc {
        Some(d) => match d.find(&method, &segments) {
            Ok((op, params)) => Ok((op.id.clone(), params, Some(op))),
            Err(NoMatch::Path) => Err("no such path in GitHub's API description".to_string()),
            Err(NoMatch::Method(m)) => Err(format!(
                "method not defined for this path (GitHub has {m:?})"
            )),
        },
        None => ROUTES
            .iter()
            .filter(|(m, _, _)| *m == method)
            .find_map(|(_, t, id)| {
                openapi::match_template(t, &segments).map(|p| (id.to_string(), p, None))
            })
            .ok_or_else(|| "no such route in the fake".to_string()),
    };
    let (op_id, params, op) = match matched {
        Ok(m) => m,
        Err(problem) => {
            violate(None, problem);
            return finish(
                &inner,
                "?",
                &parts.method,
                &raw_path,
                &query,
                None,
                handlers::error(404, "Not Found"),
                false,
            );
        }
    };
    let body_json: Option<Value> = serde_json::from_slice(&bytes).ok();

    // 2. Headers and validation.
    for problem in header_problems(&parts.headers) {
        violate(Some(&op_id), problem);
    }
    if !ROUTES.iter().any(|(_, _, id)| *id == op_id) {
        violate(Some(&op_id), "the fake does not implement this operation (extend tests/support/fake_github/handlers.rs)".into());
        let reply = handlers::error(501, "not implemented by the fake");
        return finish(
            &inner,
            &op_id,
            &parts.method,
            &raw_path,
            &query,
            body_json,
            reply,
            false,
        );
    }
    if let Some(op) = op {
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok());
        let problems = op.validate(&params, &query, content_type, &bytes);
        if !problems.is_empty() {
            let message = format!("Invalid request. {}", problems.join("; "));
            for p in problems {
                violate(Some(&op_id), p);
            }
            let reply = handlers::error(422, &message);
            return finish(
                &inner,
                &op_id,
                &parts.method,
                &raw_path,
                &query,
                body_json,
                reply,
                false,
            );
        }
    }

    // 3. Credentials.
    let credential = auth::bearer(
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
    )
    .map(str::to_string);
    let installation = if handlers::needs_app_jwt(&op_id) {
        let checked = credential
            .as_deref()
            .ok_or("no JWT".to_string())
            .and_then(|jwt| {
                lock(&inner.state).secrets_seen.push(jwt.to_string());
                auth::verify_jwt(jwt, TEST_APP_PUBLIC_KEY.as_bytes(), inner.options.app_id)
            });
        if let Err(why) = checked {
            let reply = handlers::error(
                401,
                &format!("A JSON web token could not be decoded ({why})"),
            );
            return finish(
                &inner,
                &op_id,
                &parts.method,
                &raw_path,
                &query,
                body_json,
                reply,
                false,
            );
        }
        None
    } else {
        let state = lock(&inner.state);
        match credential
            .as_deref()
            .map(|t| auth::installation_of(&state, t))
        {
            Some(Ok(i)) => Some(i),
            _ => {
                drop(state);
                let reply = handlers::error(401, "Bad credentials");
                return finish(
                    &inner,
                    &op_id,
                    &parts.method,
                    &raw_path,
                    &query,
                    body_json,
                    reply,
                    false,
                );
            }
        }
    };

    // 4. Faults.
    let fault = lock(&inner.faults)
        .get_mut(&op_id)
        .and_then(VecDeque::pop_front);
    if let Some(fault) = &fault {
        if let Fault::Delay(d) = fault {
            tokio::time::sleep(*d).await;
        } else {
            let reply = fault_reply(fault);
            return finish(
                &inner,
                &op_id,
                &parts.method,
                &raw_path,
                &query,
                body_json,
                reply,
                true,
            );
        }
    }

    // 5. The operation.
    let ctx = Ctx {
        desc: inner.desc,
        app_id: inner.options.app_id,
        app_slug: &inner.options.app_slug,
        token_lifetime: inner.options.token_lifetime,
    };
    let call = Call {
        op: &op_id,
        params: &params,
        query: &query,
        body: body_json.clone(),
        installation,
        self_url: format!("http://{}{}", inner.addr, raw_path),
    };
    let reply = handlers::handle(&mut lock(&inner.state), &ctx, call);
    finish(
        &inner,
        &op_id,
        &parts.method,
        &raw_path,
        &query,
        body_json,
        reply,
        fault.is_some(),
    )
}

/// Record the exchange and turn the reply into an HTTP response.
#[allow(clippy::too_many_arguments)]
fn finish(
    inner: &Inner,
    op: &str,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    body: Option<Value>,
    reply: Reply,
    faulted: bool,
) -> Response {
    let count = {
        let mut log = lock(&inner.log);
        log.push(RecordedRequest {
            operation: op.into(),
            method: method.to_string(),
            path: path.into(),
            query: query.to_vec(),
            body,
            status: reply.status,
            faulted,
        });
        log.len()
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let mut set = |k: &str, v: String| {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k),
            HeaderValue::try_from(v),
        ) {
            headers.insert(name, value);
        }
    };
    set("x-ratelimit-limit", "5000".into());
    set(
        "x-ratelimit-remaining",
        5000usize.saturating_sub(count).to_string(),
    );
    set("x-ratelimit-reset", reset.to_string());
    for (k, v) in reply.headers {
        set(&k, v);
    }
    response
}

fn fault_reply(fault: &Fault) -> Reply {
    let mut reply = match fault {
        Fault::Status(s) => handlers::error(*s, "Server Error"),
        Fault::TooManyRequests { retry_after_secs } => {
            let mut r = handlers::error(
                429,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            r.headers
                .push(("retry-after".into(), retry_after_secs.to_string()));
            r
        }
        Fault::SecondaryRateLimit { retry_after_secs } => {
            let mut r = handlers::error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            if let Some(s) = retry_after_secs {
                r.headers.push(("retry-after".into(), s.to_string()));
            }
            r
        }
        Fault::PrimaryExhausted { reset_in_secs } => {
            let mut r = handlers::error(403, "API rate limit exceeded for installation.");
            let reset = time::OffsetDateTime::now_utc().unix_timestamp() + *reset_in_secs as i64;
            r.headers.push(("x-ratelimit-remaining".into(), "0".into()));
            r.headers
                .push(("x-ratelimit-reset".into(), reset.to_string()));
            r
        }
        Fault::Delay(_) => handlers::error(504, "unreachable"),
    };
    if matches!(fault, Fault::Status(502)) {
        reply.body = Value::String("Bad Gateway".into());
    }
    reply
}

/// What GitHub requires of every request (the client's contract, not the description's).
fn header_problems(headers: &HeaderMap) -> Vec<String> {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut problems = Vec::new();
    if !get("accept").contains("application/vnd.github+json") {
        problems.push(format!(
            "Accept is {:?}, expected application/vnd.github+json",
            get("accept")
        ));
    }
    if get("x-github-api-version") != "2022-11-28" {
        problems.push(format!(
            "X-GitHub-Api-Version is {:?}, expected 2022-11-28",
            get("x-github-api-version")
        ));
    }
    if get("user-agent").trim().is_empty() {
        problems.push("no User-Agent (GitHub rejects such requests)".into());
    }
    problems
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
