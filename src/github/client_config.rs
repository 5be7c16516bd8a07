//! Client configuration: where GitHub is, who we are, how patient we are.

use std::time::Duration;

use reqwest::Url;

use super::api_error::GitHubError;

/// Environment variable naming the REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const API_URL_ENV: &str = "SECARCH_GITHUB_API_URL";
/// The public GitHub REST API root.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The REST API version this client is written against (sent as `X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

/// How GitHub is reached and how long the client waits before giving up.
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// REST API root, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`.
    pub api_url: String,
    /// Sent as `User-Agent` (GitHub rejects requests without one).
    pub user_agent: String,
    /// Retries, backoff and rate-limit waiting.
    pub retry: RetryPolicy,
    /// Whole-request deadline (connect, send, read the body). A timeout is retried like a 5xx.
    pub request_timeout: Duration,
    /// TCP + TLS connect deadline.
    pub connect_timeout: Duration,
    /// An installation token is replaced when it expires within this margin, so a request (and
    /// its retries) never starts with a token that dies on the way. GitHub's tokens live 1 hour.
    pub token_refresh_margin: Duration,
}

impl Default for GitHubConfig {
    fn default() -> Self {
        GitHubConfig {
            api_url: DEFAULT_API_URL.to_string(),
            user_agent: crate::http_client::USER_AGENT.to_string(),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            token_refresh_margin: Duration::from_secs(5 * 60),
        }
    }
}

impl GitHubConfig {
    /// Defaults, with the API root taken from `SECARCH_GITHUB_API_URL` when set and non-empty.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`GitHubConfig::from_env`] with an injectable environment (tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut config = GitHubConfig::default();
        if let Some(url) = lookup(API_URL_ENV).filter(|u| !u.trim().is_empty()) {
            config.api_url = url.trim().to_string();
        }
        config
    }

    /// The API root as a URL. Only `http`/`https` without query or fragment are accepted, so that
    /// joining paths cannot produce a surprising host.
    pub(crate) fn base_url(&self) -> Result<Url, GitHubError> {
        let bad = |why: &str| {
            GitHubError::Config(format!(
                "{API_URL_ENV} / api_url `{}` {why}; expected e.g. {DEFAULT_API_URL} or https://HOST/api/v3",
                crate::redact::url(&self.api_url)
            ))
        };
        let url = Url::parse(&self.api_url).map_err(|e| bad(&format!("is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must use http or https"));
        }
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(bad("has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry credentials"));
        }
        Ok(url)
    }
}

/// Bounded retries with exponential backoff, and how long a rate limit may make us wait.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts per request, the first included (so `4` = 1 try + 3 retries). At least 1.
    pub max_attempts: u32,
    /// Backoff before retry `n` is `base_delay * 2^(n-1)`, capped at `max_delay`, with jitter in
    /// its upper half (several replicas must not retry in lockstep).
    pub base_delay: Duration,
    /// Upper bound of one backoff step.
    pub max_delay: Duration,
    /// Wait used for a secondary rate limit answered without `retry-after` (GitHub asks for at
    /// least a minute).
    pub secondary_rate_limit_wait: Duration,
    /// The longest wait a rate limit (`retry-after` or `x-ratelimit-reset`) may impose inside
    /// one call. Longer → [`GitHubError::RateLimited`] at once, so the caller can defer the job
    /// instead of holding a worker.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            secondary_rate_limit_wait: Duration::from_secs(60),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Backoff before the retry following failed attempt `attempt` (1-based):
    /// [`crate::backoff`].
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        crate::backoff::delay(self.base_delay, self.max_delay, attempt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_api_url() {
        let c = GitHubConfig::from_lookup(|k| {
            (k == API_URL_ENV).then(|| " https://ghe.example.com/api/v3 ".to_string())
        });
        assert_eq!(c.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(c.base_url().unwrap().path(), "/api/v3");
        let d = GitHubConfig::from_lookup(|_| Some(String::new()));
        assert_eq!(d.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn bad_urls_are_config_errors() {
        for bad in [
            "ftp://x",
            "not a url",
            "https://x/?a=1",
            "https://u:p@x/",
            "mailto:a@b",
        ] {
            let c = GitHubConfig {
                api_url: bad.into(),
                ..Default::default()
            };
            assert!(matches!(c.base_url(), Err(GitHubError::Config(_))), "{bad}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..Default::default()
        };
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let d = p.backoff(attempt);
            assert!(
                d >= Duration::from_millis(full / 2) && d <= Duration::from_millis(full),
                "attempt {attempt}: {d:?}"
            );
        }
    }
}
