//! Typed GitHub failures.
//!
//! Errors carry the operation, the request line (method + path, never a query, header or body we
//! sent) and GitHub's own `message` — never a token, JWT or key (`tests/github_client.rs` checks).

use std::time::Duration;

/// What went wrong talking to GitHub, and what to do about it (see each `Display`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum GitHubError {
    /// Bad client configuration (API URL, App key): fix the deployment.
    #[error("GitHub client configuration: {0}")]
    Config(String),

    /// A name from a payload, an answer or the policy would change the shape of an API path
    /// (`.`, `..`, empty): refused before any request is sent.
    #[error(
        "refusing to call GitHub with the path segment {segment:?}: it would change the API path. A repository, user or team name from a webhook payload or the policy is not a valid GitHub name"
    )]
    InvalidPath { segment: String },

    /// 401: the App JWT or installation token was refused (after one fresh-token retry).
    #[error(
        "GitHub refused our credentials for {operation} ({request}): {message}. Check the App id and private key, and that the server clock is correct (JWTs are time-bound)"
    )]
    Unauthorized {
        operation: &'static str,
        request: String,
        message: String,
    },

    /// 403 that is not a rate limit: the App lacks a permission or the resource is protected.
    #[error(
        "GitHub forbade {operation} ({request}): {message}. Check the App's permissions (checks, pull requests, issues: write; contents, metadata: read; organization members: read) and that the installation accepted them"
    )]
    Forbidden {
        operation: &'static str,
        request: String,
        message: String,
    },

    /// 404: the resource does not exist or the installation cannot see it.
    #[error(
        "GitHub found nothing for {operation} ({request}): {message}. The resource does not exist or the App is not installed on it"
    )]
    NotFound {
        operation: &'static str,
        request: String,
        message: String,
    },

    /// 422: GitHub rejected the request content (a bug in secarch or an unsupported value).
    #[error("GitHub rejected {operation} ({request}) as invalid: {message}")]
    Unprocessable {
        operation: &'static str,
        request: String,
        message: String,
    },

    /// Any other 4xx.
    #[error("GitHub answered {status} to {operation} ({request}): {message}")]
    Http {
        operation: &'static str,
        request: String,
        status: u16,
        message: String,
    },

    /// Rate limited and retries are exhausted, or the wait GitHub asks for is longer than the
    /// configured maximum. `retry_after` says when to try again, when GitHub said.
    #[error(
        "GitHub rate limit hit for {operation} ({request}) after {attempts} attempt(s){}; defer the work and retry later",
        retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        operation: &'static str,
        request: String,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// 5xx after the bounded retries.
    #[error(
        "GitHub failed {operation} ({request}) with {status} after {attempts} attempt(s): {message}. GitHub may be degraded (https://www.githubstatus.com); retry later"
    )]
    Server {
        operation: &'static str,
        request: String,
        status: u16,
        attempts: u32,
        message: String,
    },

    /// No answer within the request timeout, after the bounded retries.
    #[error(
        "GitHub did not answer {operation} ({request}) within the timeout after {attempts} attempt(s); check connectivity to the API URL"
    )]
    Timeout {
        operation: &'static str,
        request: String,
        attempts: u32,
    },

    /// Connection-level failure (DNS, TLS, reset) after the bounded retries.
    #[error(
        "could not reach GitHub for {operation} ({request}) after {attempts} attempt(s): {message}; check the API URL, proxy and TLS setup"
    )]
    Transport {
        operation: &'static str,
        request: String,
        attempts: u32,
        message: String,
    },

    /// A 2xx answer we could not decode (API change or wrong API URL).
    #[error(
        "could not decode GitHub's answer to {operation} ({request}): {message}. Is the API URL a GitHub REST API root?"
    )]
    Decode {
        operation: &'static str,
        request: String,
        message: String,
    },
}

impl GitHubError {
    /// The operation id (GitHub's `operationId`, e.g. `checks/create`), when the error came from a call.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            GitHubError::Config(_) | GitHubError::InvalidPath { .. } => None,
            GitHubError::Unauthorized { operation, .. }
            | GitHubError::Forbidden { operation, .. }
            | GitHubError::NotFound { operation, .. }
            | GitHubError::Unprocessable { operation, .. }
            | GitHubError::Http { operation, .. }
            | GitHubError::RateLimited { operation, .. }
            | GitHubError::Server { operation, .. }
            | GitHubError::Timeout { operation, .. }
            | GitHubError::Transport { operation, .. }
            | GitHubError::Decode { operation, .. } => Some(operation),
        }
    }

    /// Whether trying the same call later could succeed (rate limits, outages, timeouts). The
    /// job queue uses it to decide between "defer" and "report failure".
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GitHubError::RateLimited { .. }
                | GitHubError::Server { .. }
                | GitHubError::Timeout { .. }
                | GitHubError::Transport { .. }
        )
    }

    /// Whether GitHub may have applied the request although its answer was lost: a 5xx, a
    /// time-out or a dropped connection (a rate-limit answer means "not done").
    pub fn may_have_been_applied(&self) -> bool {
        matches!(
            self,
            GitHubError::Server { .. }
                | GitHubError::Timeout { .. }
                | GitHubError::Transport { .. }
        )
    }

    /// `true` for 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, GitHubError::NotFound { .. })
    }
}

/// Result alias for this module.
pub type Result<T, E = GitHubError> = std::result::Result<T, E>;
