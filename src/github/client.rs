//! The App client and its per-installation clients.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::{Method, Url};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::api_error::{GitHubError, Result};
use super::api_metrics::ApiMetrics;
use super::auth::{AppCredentials, CachedToken, TokenSlot, parse_expiry};
use super::checks::{CheckRunBody, CheckRunUpdate, NewCheckRun, OutputBody, output_batches};
use super::client_config::GitHubConfig;
use super::request::{
    MAX_PAGES, decode, empty_body, json_request, next_page, too_many_pages, unique_run_id,
};
use super::responses::*;
use super::transport::{ApiRequest, ApiResponse, Transport};
use super::{GitHubApi, GitHubAppApi};

/// Page size for list calls (GitHub's maximum).
const PER_PAGE: &str = "100";

/// State shared by the App and all its installation clients.
#[derive(Debug)]
struct AppCore {
    transport: Transport,
    credentials: AppCredentials,
    config: GitHubConfig,
}

impl AppCore {
    /// `POST /app/installations/{id}/access_tokens` with the App JWT.
    async fn mint_token(&self, installation_id: u64) -> Result<CachedToken> {
        let jwt = self.credentials.jwt()?;
        let id = installation_id.to_string();
        let req = ApiRequest {
            operation: "apps/create-installation-access-token",
            method: Method::POST,
            url: self
                .transport
                .url(&["app", "installations", &id, "access_tokens"])?,
            body: None,
        };
        let resp = self.transport.execute(&req, &jwt).await?;
        let raw: RawInstallationToken = decode(&req, &resp)?;
        Ok(CachedToken {
            token: SecretString::from(raw.token),
            expires_at: parse_expiry(raw.expires_at.as_deref(), OffsetDateTime::now_utc()),
        })
    }
}

/// A GitHub App: mints JWTs, finds installations, and hands out one cached client per
/// installation (so a token is minted once an hour, not once per webhook).
#[derive(Debug)]
pub struct GitHubApp {
    core: Arc<AppCore>,
    clients: Mutex<HashMap<u64, Arc<InstallationClient>>>,
}

impl GitHubApp {
    /// A client for the App described by `credentials`, talking to `config.api_url`.
    pub fn new(config: GitHubConfig, credentials: AppCredentials) -> Result<Self> {
        let transport = Transport::new(&config, Arc::new(ApiMetrics::default()))?;
        Ok(GitHubApp {
            core: Arc::new(AppCore {
                transport,
                credentials,
                config,
            }),
            clients: Mutex::default(),
        })
    }

    /// Counters of every API call made by this App and its installations.
    pub fn metrics(&self) -> Arc<ApiMetrics> {
        Arc::clone(&self.core.transport.metrics)
    }

    /// The App id.
    pub fn app_id(&self) -> u64 {
        self.core.credentials.app_id()
    }

    /// `GET /app/installations` (every page): where the App is installed, so that the server can
    /// reconcile pull requests whose deliveries were missed while it was down.
    pub async fn installations(&self) -> Result<Vec<Installation>> {
        let operation = "apps/list-installations";
        let mut url = self.core.transport.url(&["app", "installations"])?;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let jwt = self.core.credentials.jwt()?;
            let req = ApiRequest {
                operation,
                method: Method::GET,
                url,
                body: None,
            };
            let resp = self.core.transport.execute(&req, &jwt).await?;
            out.extend(decode::<Vec<Installation>>(&req, &resp)?);
            match next_page(&self.core.transport, &req, &resp)? {
                Some(next) => url = next,
                None => return Ok(out),
            }
        }
        Err(too_many_pages(operation, &url))
    }

    /// Drop the cached client of an installation (on `installation.deleted`/`suspend`).
    pub fn forget_installation(&self, installation_id: u64) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.remove(&installation_id);
    }
}

impl GitHubAppApi for GitHubApp {
    type Client = InstallationClient;

    fn installation(&self, installation_id: u64) -> Arc<InstallationClient> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(clients.entry(installation_id).or_insert_with(|| {
            Arc::new(InstallationClient {
                core: Arc::clone(&self.core),
                installation_id,
                token: TokenSlot::default(),
            })
        }))
    }

    async fn repo_installation(&self, repo: &RepoRef) -> Result<Installation> {
        let jwt = self.core.credentials.jwt()?;
        let req = ApiRequest {
            operation: "apps/get-repo-installation",
            method: Method::GET,
            url: self
                .core
                .transport
                .url(&["repos", &repo.owner, &repo.name, "installation"])?,
            body: None,
        };
        let resp = self.core.transport.execute(&req, &jwt).await?;
        decode(&req, &resp)
    }
}

/// Client for one installation: all repository calls, with the installation token cached and
/// refreshed `token_refresh_margin` before it expires.
#[derive(Debug)]
pub struct InstallationClient {
    core: Arc<AppCore>,
    installation_id: u64,
    token: TokenSlot,
}

impl InstallationClient {
    /// The installation this client acts as.
    pub fn installation_id(&self) -> u64 {
        self.installation_id
    }

    /// `GET /installation/repositories` (every page): the repositories this installation covers.
    pub async fn repositories(&self) -> Result<Vec<Repository>> {
        let url = self.core.transport.url(&["installation", "repositories"])?;
        self.get_all(
            "apps/list-repos-accessible-to-installation",
            url,
            |p: RepositoryList| p.repositories,
        )
        .await
    }

    /// The installation token, for `git fetch` over https only (the mirror).
    pub async fn git_token(&self) -> Result<SecretString> {
        self.token().await
    }

    async fn token(&self) -> Result<SecretString> {
        self.token
            .get_or_mint(self.core.config.token_refresh_margin, async || {
                self.core.mint_token(self.installation_id).await
            })
            .await
    }

    /// Send with the installation token; on 401 (revoked or expired early) mint once more.
    async fn send(&self, req: &ApiRequest) -> Result<ApiResponse> {
        let token = self.token().await?;
        match self.core.transport.execute(req, &token).await {
            Err(GitHubError::Unauthorized { .. }) => {
                self.token.invalidate(&token).await;
                let token = self.token().await?;
                self.core.transport.execute(req, &token).await
            }
            other => other,
        }
    }

    fn repo_url(&self, repo: &RepoRef, rest: &[&str]) -> Result<Url> {
        let mut segments = vec!["repos", repo.owner.as_str(), repo.name.as_str()];
        segments.extend_from_slice(rest);
        self.core.transport.url(&segments)
    }

    async fn get<T: DeserializeOwned>(&self, operation: &'static str, url: Url) -> Result<T> {
        let req = ApiRequest {
            operation,
            method: Method::GET,
            url,
            body: None,
        };
        let resp = self.send(&req).await?;
        decode(&req, &resp)
    }

    async fn write<B: Serialize, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        url: Url,
        body: &B,
    ) -> Result<T> {
        let req = json_request(operation, method, url, body)?;
        let resp = self.send(&req).await?;
        decode(&req, &resp)
    }

    /// All pages of a list call, following `Link: rel="next"` below our API root only.
    async fn get_all<P, T>(
        &self,
        operation: &'static str,
        mut url: Url,
        items: impl Fn(P) -> Vec<T>,
    ) -> Result<Vec<T>>
    where
        P: DeserializeOwned,
    {
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let req = ApiRequest {
                operation,
                method: Method::GET,
                url,
                body: None,
            };
            let resp = self.send(&req).await?;
            out.extend(items(decode(&req, &resp)?));
            match next_page(&self.core.transport, &req, &resp)? {
                Some(next) => url = next,
                None => return Ok(out),
            }
        }
        Err(too_many_pages(operation, &url))
    }

    async fn patch_check_run(
        &self,
        repo: &RepoRef,
        check_run_id: u64,
        body: &CheckRunBody<'_>,
    ) -> Result<CheckRun> {
        let id = check_run_id.to_string();
        let url = self.repo_url(repo, &["check-runs", &id])?;
        self.write("checks/update", Method::PATCH, url, body).await
    }

    /// Append the remaining annotation batches to `run` (one PATCH each).
    async fn append_batches(
        &self,
        repo: &RepoRef,
        mut run: CheckRun,
        rest: impl Iterator<Item = OutputBody>,
    ) -> Result<CheckRun> {
        for output in rest {
            let body = CheckRunBody {
                output: Some(output),
                ..empty_body()
            };
            run = self.patch_check_run(repo, run.id, &body).await?;
        }
        Ok(run)
    }
}

impl GitHubApi for InstallationClient {
    async fn create_check_run(&self, repo: &RepoRef, run: &NewCheckRun) -> Result<CheckRun> {
        let mut batches = run
            .output
            .as_ref()
            .map(output_batches)
            .unwrap_or_default()
            .into_iter();
        let external_id = run.external_id.clone().unwrap_or_else(unique_run_id);
        let body = CheckRunBody {
            name: Some(&run.name),
            head_sha: Some(&run.head_sha),
            status: run.status,
            conclusion: run.conclusion,
            details_url: run.details_url.as_deref(),
            external_id: Some(&external_id),
            started_at: run.started_at,
            completed_at: run.completed_at,
            output: batches.next(),
        };
        let url = self.repo_url(repo, &["check-runs"])?;
        let retry = &self.core.config.retry;
        let mut attempt = 1;
        let created: CheckRun = loop {
            match self
                .write("checks/create", Method::POST, url.clone(), &body)
                .await
            {
                Ok(created) => break created,
                // The answer was lost, and GitHub may have created the run: look for it by its
                // external id before creating another (the transport does not repeat the POST).
                Err(e) if e.may_have_been_applied() && attempt < retry.max_attempts => {
                    self.core.transport.metrics.record_retry("checks/create");
                    tokio::time::sleep(retry.backoff(attempt)).await;
                    let runs = self
                        .check_runs_for_ref(repo, &run.head_sha, &run.name)
                        .await?;
                    if let Some(found) = runs
                        .into_iter()
                        .find(|r| r.external_id.as_deref() == Some(external_id.as_str()))
                    {
                        tracing::info!(repo = %repo, check_run = found.id, "check run was created although its answer was lost; adopted");
                        break found;
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        self.append_batches(repo, created, batches).await
    }

    async fn update_check_run(
        &self,
        repo: &RepoRef,
        check_run_id: u64,
        update: &CheckRunUpdate,
    ) -> Result<CheckRun> {
        let mut batches = update
            .output
            .as_ref()
            .map(output_batches)
            .unwrap_or_default()
            .into_iter();
        let body = CheckRunBody {
            name: update.name.as_deref(),
            head_sha: None,
            status: update.status,
            conclusion: update.conclusion,
            details_url: update.details_url.as_deref(),
            external_id: update.external_id.as_deref(),
            started_at: update.started_at,
            completed_at: update.completed_at,
            output: batches.next(),
        };
        let run = self.patch_check_run(repo, check_run_id, &body).await?;
        self.append_batches(repo, run, batches).await
    }

    async fn check_runs_for_ref(
        &self,
        repo: &RepoRef,
        git_ref: &str,
        check_name: &str,
    ) -> Result<Vec<CheckRun>> {
        let mut rest = vec!["commits"];
        rest.extend(git_ref.split('/').filter(|s| !s.is_empty()));
        rest.push("check-runs");
        let mut url = self.repo_url(repo, &rest)?;
        if !check_name.is_empty() {
            url.query_pairs_mut().append_pair("check_name", check_name);
        }
        url.query_pairs_mut()
            // Every run, not only the newest: an older run left in progress (a job killed
            // mid-way, a create whose answer was lost) must be found to be completed.
            .append_pair("filter", "all")
            .append_pair("app_id", &self.core.credentials.app_id().to_string());
        self.get_all("checks/list-for-ref", url, |p: CheckRunList| p.check_runs)
            .await
    }

    async fn pull_request(&self, repo: &RepoRef, number: u64) -> Result<PullRequest> {
        let n = number.to_string();
        self.get("pulls/get", self.repo_url(repo, &["pulls", &n])?)
            .await
    }

    async fn open_pull_requests(&self, repo: &RepoRef) -> Result<Vec<PullRequest>> {
        let mut url = self.repo_url(repo, &["pulls"])?;
        url.query_pairs_mut().append_pair("state", "open");
        self.get_all("pulls/list", url, |p: Vec<PullRequest>| p)
            .await
    }

    async fn pull_request_commits(&self, repo: &RepoRef, number: u64) -> Result<Vec<PullCommit>> {
        let n = number.to_string();
        let url = self.repo_url(repo, &["pulls", &n, "commits"])?;
        self.get_all("pulls/list-commits", url, |p: Vec<PullCommit>| p)
            .await
    }

    async fn pull_request_reviews(&self, repo: &RepoRef, number: u64) -> Result<Vec<Review>> {
        let n = number.to_string();
        let url = self.repo_url(repo, &["pulls", &n, "reviews"])?;
        self.get_all("pulls/list-reviews", url, |p: Vec<Review>| p)
            .await
    }

    async fn issue_comments(&self, repo: &RepoRef, number: u64) -> Result<Vec<IssueComment>> {
        let n = number.to_string();
        let url = self.repo_url(repo, &["issues", &n, "comments"])?;
        self.get_all("issues/list-comments", url, |p: Vec<IssueComment>| p)
            .await
    }

    async fn create_issue_comment(
        &self,
        repo: &RepoRef,
        number: u64,
        body: &str,
    ) -> Result<IssueComment> {
        let n = number.to_string();
        let url = self.repo_url(repo, &["issues", &n, "comments"])?;
        let body = serde_json::json!({ "body": body });
        self.write("issues/create-comment", Method::POST, url, &body)
            .await
    }

    async fn collaborator_permission(
        &self,
        repo: &RepoRef,
        username: &str,
    ) -> Result<CollaboratorPermission> {
        let url = self.repo_url(repo, &["collaborators", username, "permission"])?;
        let raw: RawCollaboratorPermission = self
            .get("repos/get-collaborator-permission-level", url)
            .await?;
        Ok(CollaboratorPermission::from_raw(raw))
    }

    async fn team_membership(
        &self,
        org: &str,
        team_slug: &str,
        username: &str,
    ) -> Result<TeamMembership> {
        let url =
            self.core
                .transport
                .url(&["orgs", org, "teams", team_slug, "memberships", username])?;
        match self
            .get::<RawTeamMembership>("teams/get-membership-for-user-in-org", url)
            .await
        {
            Ok(raw) => Ok(raw.into()),
            Err(e) if e.is_not_found() => Ok(TeamMembership::NotMember),
            Err(e) => Err(e),
        }
    }

    async fn request_reviewers(
        &self,
        repo: &RepoRef,
        number: u64,
        users: &[String],
        team_slugs: &[String],
    ) -> Result<()> {
        if users.is_empty() && team_slugs.is_empty() {
            return Ok(());
        }
        let n = number.to_string();
        let url = self.repo_url(repo, &["pulls", &n, "requested_reviewers"])?;
        let body = serde_json::json!({ "reviewers": users, "team_reviewers": team_slugs });
        let req = json_request("pulls/request-reviewers", Method::POST, url, &body)?;
        // The answer is the pull request; its shape varies (closed PRs), and nothing in it is
        // needed: ignore it.
        self.send(&req).await.map(drop)
    }

    async fn requested_reviewers(&self, repo: &RepoRef, number: u64) -> Result<RequestedReviewers> {
        let n = number.to_string();
        let url = self.repo_url(repo, &["pulls", &n, "requested_reviewers"])?;
        self.get("pulls/list-requested-reviewers", url).await
    }
}
