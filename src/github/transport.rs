//! One HTTP exchange with GitHub: headers, bounded retries, rate limits, metrics, error mapping.
//!
//! Retried: 5xx, timeouts, connection failures, 429, and 403 that GitHub marks as a rate limit
//! (`retry-after`, `x-ratelimit-remaining: 0`, or a "rate limit" message). Not retried: 401, other
//! 403, 404, 422 and other 4xx — they will not get better by asking again.
//!
//! A POST whose answer is lost (5xx, time-out, dropped connection) may have been applied: it is
//! retried only when a second copy does no harm (minting a token, requesting reviewers).
//! Otherwise the error goes back to the caller, which knows how to find out whether the write
//! happened (a check run is created with a unique `external_id` and looked up by it, see
//! `client.rs`). Rate-limit answers (429, 403 with rate-limit headers) were not applied and are
//! retried for every method.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::api_error::GitHubError;
use super::api_metrics::{ApiMetrics, StatusClass};
use super::client_config::{API_VERSION, GitHubConfig, RetryPolicy};
use std::sync::Arc;

/// A request to send: operation id (for metrics and errors), method, absolute URL, JSON body.
pub(crate) struct ApiRequest {
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
}

/// POST operations that may safely be sent twice: a second token or review request changes
/// nothing a user sees.
const REPEATABLE_POSTS: &[&str] = &[
    "apps/create-installation-access-token",
    "pulls/request-reviewers",
];

impl ApiRequest {
    /// `METHOD /path` for error messages: no query, no host.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }

    /// Whether sending the request again after a lost answer is harmless. GET, PATCH, PUT and
    /// DELETE are idempotent; a POST only when listed in [`REPEATABLE_POSTS`].
    pub fn repeatable(&self) -> bool {
        self.method != Method::POST || REPEATABLE_POSTS.contains(&self.operation)
    }
}

/// A 2xx answer, fully read.
pub(crate) struct ApiResponse {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The shared HTTP client, base URL, retry policy and metrics.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    pub base: Url,
    retry: RetryPolicy,
    pub metrics: Arc<ApiMetrics>,
}

/// What one attempt means for the retry loop.
enum Attempt {
    Done(ApiResponse),
    Fatal(GitHubError),
    /// Retry after `wait` (GitHub said how long) or after the backoff.
    Retry {
        error: GitHubError,
        wait: Option<Duration>,
    },
}

impl Transport {
    pub fn new(config: &GitHubConfig, metrics: Arc<ApiMetrics>) -> Result<Self, GitHubError> {
        let base = config.base_url()?;
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            GitHubError::Config(format!(
                "user agent `{}` is not a valid header value",
                config.user_agent
            ))
        })?;
        headers.insert(USER_AGENT, user_agent);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            // GitHub's API answers, it does not redirect, except for renamed repositories (301):
            // following a redirect would carry our token to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GitHubError::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(Transport {
            http,
            base,
            retry: config.retry.clone(),
            metrics,
        })
    }

    /// URL of `segments` below the API root; each segment is percent-encoded. A segment that
    /// is empty, `.` or `..` (also percent-encoded: URL parsers treat `%2e` as a dot) is refused:
    /// owner, repository, user and team names come from payloads and the policy, and such a
    /// segment would send the request to another path (`/repos/../../check-runs`).
    pub fn url(&self, segments: &[&str]) -> Result<Url, GitHubError> {
        if let Some(bad) = segments.iter().find(|s| is_dot_or_empty(s)) {
            return Err(GitHubError::InvalidPath {
                segment: bad.chars().take(100).collect(),
            });
        }
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        Ok(url)
    }

    /// Whether `url` points below our API root (pagination links must, or we would send the
    /// token elsewhere).
    pub fn is_own(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url
                .path()
                .starts_with(self.base.path().trim_end_matches('/'))
    }

    /// Send `req` with `bearer`, retrying per the policy. Only 2xx is `Ok`.
    pub async fn execute(
        &self,
        req: &ApiRequest,
        bearer: &SecretString,
    ) -> Result<ApiResponse, GitHubError> {
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let (error, wait) = match self.attempt(req, bearer, attempt).await {
                Attempt::Done(resp) => return Ok(resp),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Retry { error, wait } => (error, wait),
            };
            if attempt >= max || (error.may_have_been_applied() && !req.repeatable()) {
                return Err(error);
            }
            let wait = match wait {
                Some(w) if w > self.retry.max_rate_limit_wait => {
                    return Err(rate_limited(req, attempt, Some(w)));
                }
                Some(w) => w,
                None => self.retry.backoff(attempt),
            };
            self.metrics.record_retry(req.operation);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, req: &ApiRequest, bearer: &SecretString, attempt: u32) -> Attempt {
        let mut auth = match HeaderValue::from_str(&format!("Bearer {}", bearer.expose_secret())) {
            Ok(v) => v,
            Err(_) => {
                return Attempt::Fatal(GitHubError::Config(
                    "credential is not a valid header value".into(),
                ));
            }
        };
        auth.set_sensitive(true);
        let mut builder = self
            .http
            .request(req.method.clone(), req.url.clone())
            .header(AUTHORIZATION, auth);
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let outcome = match builder.send().await {
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                resp.bytes().await.map(|b| (status, headers, b.to_vec()))
            }
            Err(e) => Err(e),
        };
        let (status, headers, body) = match outcome {
            Ok(v) => v,
            Err(e) => {
                let timeout = e.is_timeout();
                let class = if timeout {
                    StatusClass::Timeout
                } else {
                    StatusClass::Transport
                };
                self.metrics.record(req.operation, class);
                let error = if timeout {
                    GitHubError::Timeout {
                        operation: req.operation,
                        request: req.line(),
                        attempts: attempt,
                    }
                } else {
                    GitHubError::Transport {
                        operation: req.operation,
                        request: req.line(),
                        attempts: attempt,
                        message: crate::http_client::error_chain(&e),
                    }
                };
                return Attempt::Retry { error, wait: None };
            }
        };
        self.metrics
            .record(req.operation, StatusClass::of_status(status.as_u16()));
        if let Some(remaining) = header_i64(&headers, "x-ratelimit-remaining") {
            self.metrics.set_rate_limit_remaining(remaining);
        }
        if status.is_success() {
            return Attempt::Done(ApiResponse { headers, body });
        }
        classify_failure(&self.retry, req, attempt, status, &headers, &body)
    }
}

/// Whether a path segment would be a dot segment or vanish (`""`, `.`, `..`, `%2e`, `.%2E`, …).
fn is_dot_or_empty(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    let dots = lower.replace("%2e", ".");
    dots.is_empty() || dots == "." || dots == ".."
}

/// Map a non-2xx answer to fatal or retryable.
fn classify_failure(
    policy: &RetryPolicy,
    req: &ApiRequest,
    attempts: u32,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Attempt {
    let message = github_message(body);
    let operation = req.operation;
    let request = req.line();
    let code = status.as_u16();
    if code == 403 || code == 429 {
        let retry_after = header_i64(headers, "retry-after")
            .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0)));
        let exhausted = header_i64(headers, "x-ratelimit-remaining") == Some(0);
        let wait = if retry_after.is_some() {
            retry_after
        } else if exhausted {
            header_i64(headers, "x-ratelimit-reset").map(until_reset)
        } else if code == 403 && message.to_ascii_lowercase().contains("rate limit") {
            Some(policy.secondary_rate_limit_wait)
        } else {
            None
        };
        if code == 429 || wait.is_some() || exhausted {
            return Attempt::Retry {
                error: rate_limited(req, attempts, wait),
                wait,
            };
        }
        return Attempt::Fatal(GitHubError::Forbidden {
            operation,
            request,
            message,
        });
    }
    let error = match code {
        401 => GitHubError::Unauthorized {
            operation,
            request,
            message,
        },
        404 => GitHubError::NotFound {
            operation,
            request,
            message,
        },
        422 => GitHubError::Unprocessable {
            operation,
            request,
            message,
        },
        500..=599 => {
            return Attempt::Retry {
                error: GitHubError::Server {
                    operation,
                    request,
                    status: code,
                    attempts,
                    message,
                },
                wait: None,
            };
        }
        _ => GitHubError::Http {
            operation,
            request,
            status: code,
            message,
        },
    };
    Attempt::Fatal(error)
}

fn rate_limited(req: &ApiRequest, attempts: u32, retry_after: Option<Duration>) -> GitHubError {
    GitHubError::RateLimited {
        operation: req.operation,
        request: req.line(),
        attempts,
        retry_after,
    }
}

/// Time until the epoch second `reset`, plus one second for clock skew.
fn until_reset(reset: i64) -> Duration {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Duration::from_secs(u64::try_from(reset - now).unwrap_or(0) + 1)
}

fn header_i64(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// GitHub's error `message` (and the first detail of `errors`), bounded; the raw body (status
/// line) when it is not GitHub's JSON error shape.
fn github_message(body: &[u8]) -> String {
    const MAX: usize = 500;
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let mut message = match parsed.as_ref().and_then(|v| v.get("message")?.as_str()) {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    if let Some(first) = parsed
        .as_ref()
        .and_then(|v| v.get("errors")?.as_array()?.first().cloned())
    {
        let detail = match first {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        message = format!("{message} ({detail})");
    }
    if message.is_empty() {
        message = "no message".to_string();
    }
    if message.len() > MAX {
        let mut cut = MAX;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_message_shapes() {
        assert_eq!(
            github_message(br#"{"message":"Not Found","documentation_url":"x"}"#),
            "Not Found"
        );
        assert_eq!(
            github_message(
                br#"{"message":"Validation Failed","errors":[{"resource":"CheckRun","field":"conclusion","code":"invalid"}]}"#
            ),
            r#"Validation Failed ({"code":"invalid","field":"conclusion","resource":"CheckRun"})"#
        );
        assert_eq!(github_message(b"bad gateway"), "bad gateway");
        assert_eq!(github_message(b""), "no message");
        assert!(github_message("é".repeat(400).as_bytes()).ends_with('…'));
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        let t = Transport::new(&GitHubConfig::default(), Arc::default()).unwrap();
        for bad in ["..", ".", "", "%2e%2E", ".%2e", "%2E"] {
            let e = t.url(&["repos", bad, "r", "check-runs"]).unwrap_err();
            assert!(matches!(e, GitHubError::InvalidPath { .. }), "{bad}: {e}");
            assert!(!e.is_transient());
        }
        // Dots inside a name are fine (`socket.io`), and `/` is encoded, not a separator.
        let u = t.url(&["repos", "o", "socket.io", "pulls"]).unwrap();
        assert_eq!(u.path(), "/repos/o/socket.io/pulls");
        let u = t.url(&["repos", "o", "a/../b", "pulls"]).unwrap();
        assert_eq!(u.path(), "/repos/o/a%2F..%2Fb/pulls");
    }

    #[test]
    fn own_urls_only() {
        let config = GitHubConfig {
            api_url: "https://ghe.example.com/api/v3".into(),
            ..Default::default()
        };
        let t = Transport::new(&config, Arc::default()).unwrap();
        let u = t.url(&["repos", "o w", "r", "pulls"]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://ghe.example.com/api/v3/repos/o%20w/r/pulls"
        );
        assert!(t.is_own(&u));
        for other in [
            "https://evil.example.com/api/v3/repos",
            "http://ghe.example.com/api/v3/repos",
            "https://ghe.example.com:8443/api/v3/repos",
            "https://ghe.example.com/other",
        ] {
            assert!(!t.is_own(&Url::parse(other).unwrap()), "{other}");
        }
    }
}
