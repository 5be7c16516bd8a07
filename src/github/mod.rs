//! The only place that speaks GitHub.
//!
//! The rest of the App codes against two traits: [`GitHubAppApi`] (the App: installations) and
//! [`GitHubApi`] (what one installation may do on its repositories). [`GitHubApp`] and
//! [`InstallationClient`] implement them over GitHub's REST API; tests run them against the
//! fake GitHub in `tests/support/fake_github/`, which validates every request against GitHub's
//! OpenAPI description.
//!
//! # Why reqwest + jsonwebtoken and not octocrab
//!
//! octocrab was evaluated (0.54.9) and would only have been used through its raw `_get/_post/
//! _patch` calls with our own lenient types (its typed models are stricter than we want and
//! several decode wrongly — see `../shared/design/github.md`). What it adds on top of an HTTP
//! client is App auth and token caching, and those are exactly the parts we need to control:
//! - the installation-token mint happens inside octocrab's `execute`, invisible to our per
//!   operation retry policy, rate-limit handling and metrics; its tower retry layer retries
//!   blindly and cannot honour `retry-after` or `x-ratelimit-reset`;
//! - its token refresh margin is a fixed 30 s, refresh is not single-flight (concurrent jobs of
//!   one installation each mint a token), and the cache `unwrap`s a poisoned lock;
//! - it attaches `Authorization` only when the URL host is `api.github.com` or empty, so
//!   absolute `Link` pagination URLs on GitHub Enterprise Server silently lose authentication.
//!
//! Owning a few hundred lines of auth + transport buys a testable contract: every attempt counted per
//! (operation, status class), typed errors, bounded retries honouring GitHub's rate-limit
//! headers, one token per installation refreshed before expiry, no secret in any `Debug`.
//! Crypto: reqwest's `rustls` uses aws-lc-rs, and jsonwebtoken has only its `aws_lc_rs` backend
//! enabled (two backends compile but panic at the first signing).
//!
//! Webhook signature verification (HMAC) belongs to the server, not here.

mod api_error;
mod api_metrics;
mod auth;
mod checks;
mod client;
mod client_config;
mod link;
mod request;
mod responses;
mod transport;

use std::future::Future;
use std::sync::Arc;

pub use api_error::{GitHubError, Result};
pub use api_metrics::{ApiCallCount, ApiMetrics, StatusClass};
pub use auth::AppCredentials;
pub use checks::{
    Annotation, AnnotationLevel, CheckConclusion, CheckOutput, CheckRunUpdate, CheckStatus,
    MAX_ANNOTATIONS_PER_REQUEST, MAX_OUTPUT_CHARS, NewCheckRun, truncate_with_notice,
};
pub use client::{GitHubApp, InstallationClient};
pub use client_config::{API_URL_ENV, API_VERSION, DEFAULT_API_URL, GitHubConfig, RetryPolicy};
pub use request::unique_run_id;
pub use responses::{
    AppInfo, BranchRef, CheckRun, CheckRunOutputInfo, CollaboratorPermission, CommitDetail,
    GitIdentity, Installation, InvalidName, IssueComment, PullCommit, PullRequest, RepoRef,
    Repository, RequestedReviewers, Review, Team, TeamMembership, User, check_owner,
    check_repo_name,
};

/// App-level operations (authenticated with the App JWT).
pub trait GitHubAppApi: Send + Sync {
    /// The per-installation client type.
    type Client: GitHubApi;

    /// The (cached, shared) client of an installation. Cheap: no network.
    fn installation(&self, installation_id: u64) -> Arc<Self::Client>;

    /// `GET /repos/{o}/{r}/installation`: the installation covering `repo` (404 → not installed).
    fn repo_installation(
        &self,
        repo: &RepoRef,
    ) -> impl Future<Output = Result<Installation>> + Send;
}

/// What secarch does on a repository, as one installation.
///
/// List calls read every page. Errors are [`GitHubError`]s: `is_transient()` tells a job queue
/// whether to defer and retry.
pub trait GitHubApi: Send + Sync {
    /// Create a check run. Annotations beyond 50 are appended with further PATCHes; summary and
    /// text are cut to 65,535 characters with a notice. Returns the run after the last request.
    fn create_check_run(
        &self,
        repo: &RepoRef,
        run: &NewCheckRun,
    ) -> impl Future<Output = Result<CheckRun>> + Send;

    /// Update a check run (PATCH), batching annotations like [`GitHubApi::create_check_run`].
    /// GitHub *appends* annotations on update.
    fn update_check_run(
        &self,
        repo: &RepoRef,
        check_run_id: u64,
        update: &CheckRunUpdate,
    ) -> impl Future<Output = Result<CheckRun>> + Send;

    /// This App's check runs named `check_name` (every name when empty) on `git_ref` (a SHA or
    /// branch), all of them, not only the newest: to find the run to update or to leave alone,
    /// and unfinished ones to complete.
    fn check_runs_for_ref(
        &self,
        repo: &RepoRef,
        git_ref: &str,
        check_name: &str,
    ) -> impl Future<Output = Result<Vec<CheckRun>>> + Send;

    /// One pull request.
    fn pull_request(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> impl Future<Output = Result<PullRequest>> + Send;

    /// All open pull requests (e.g. to re-evaluate after a base-branch policy change).
    fn open_pull_requests(
        &self,
        repo: &RepoRef,
    ) -> impl Future<Output = Result<Vec<PullRequest>>> + Send;

    /// The pull request's commits with authors, committers and messages (co-author trailers).
    fn pull_request_commits(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> impl Future<Output = Result<Vec<PullCommit>>> + Send;

    /// The pull request's reviews, oldest first.
    fn pull_request_reviews(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> impl Future<Output = Result<Vec<Review>>> + Send;

    /// The pull request's conversation comments, oldest first.
    fn issue_comments(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> impl Future<Output = Result<Vec<IssueComment>>> + Send;

    /// Comment on the pull request (or issue) `number`.
    fn create_issue_comment(
        &self,
        repo: &RepoRef,
        number: u64,
        body: &str,
    ) -> impl Future<Output = Result<IssueComment>> + Send;

    /// A user's permission on the repository (all six levels, via `role_name`). 404 (unknown
    /// user) is an error: treat it as no permission.
    fn collaborator_permission(
        &self,
        repo: &RepoRef,
        username: &str,
    ) -> impl Future<Output = Result<CollaboratorPermission>> + Send;

    /// Whether `username` is a member of `org`'s team `team_slug` (404 → `NotMember`).
    fn team_membership(
        &self,
        org: &str,
        team_slug: &str,
        username: &str,
    ) -> impl Future<Output = Result<TeamMembership>> + Send;

    /// Request reviews from users and teams (slugs without the org). No call when both are empty.
    fn request_reviewers(
        &self,
        repo: &RepoRef,
        number: u64,
        users: &[String],
        team_slugs: &[String],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Users and teams whose review is currently requested.
    fn requested_reviewers(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> impl Future<Output = Result<RequestedReviewers>> + Send;
}
