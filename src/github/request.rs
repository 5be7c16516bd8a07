//! Building requests and reading answers for the installation client: JSON bodies, pagination
//! links (below the API root only), decoding, and unique check-run ids.

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::api_error::{GitHubError, Result};
use super::checks::CheckRunBody;
use super::link;
use super::transport::{ApiRequest, ApiResponse, Transport};

/// Pages followed before giving up (100 × 100 items; GitHub caps PR commits at 250 anyway).
pub(super) const MAX_PAGES: usize = 100;

/// A fresh id for a check run's `external_id`: unique across processes and replicas (a random
/// per-process seed, the time and a counter), so a run whose create answer was lost can be told
/// apart from every other run. Used as is when the caller gives no `external_id`; a caller that
/// gives one must make it unique (e.g. by appending this).
pub fn unique_run_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(crate::backoff::random_u64);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{seed:016x}{nanos:x}{n:x}")
}

pub(super) fn empty_body() -> CheckRunBody<'static> {
    CheckRunBody {
        name: None,
        head_sha: None,
        status: None,
        conclusion: None,
        details_url: None,
        external_id: None,
        started_at: None,
        completed_at: None,
        output: None,
    }
}

pub(super) fn json_request<B: Serialize>(
    operation: &'static str,
    method: Method,
    url: Url,
    body: &B,
) -> Result<ApiRequest> {
    let body = serde_json::to_vec(body).map_err(|e| GitHubError::Decode {
        operation,
        request: format!("{method} {}", url.path()),
        message: format!("could not encode the request body: {e}"),
    })?;
    Ok(ApiRequest {
        operation,
        method,
        url,
        body: Some(body),
    })
}

/// The `Link: rel="next"` page of a list response, if any — only below our own
/// API root, so credentials are never sent elsewhere.
pub(super) fn next_page(
    transport: &Transport,
    req: &ApiRequest,
    resp: &ApiResponse,
) -> Result<Option<Url>> {
    let Some(next) = resp
        .headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| link::find_rel(v, "next"))
    else {
        return Ok(None);
    };
    match Url::parse(&next) {
        Ok(u) if transport.is_own(&u) => Ok(Some(u)),
        _ => Err(GitHubError::Decode {
            operation: req.operation,
            request: req.line(),
            message: "the pagination link points outside the API root; refusing to send credentials there"
                .into(),
        }),
    }
}

pub(super) fn too_many_pages(operation: &'static str, url: &Url) -> GitHubError {
    GitHubError::Decode {
        operation,
        request: format!("GET {}", url.path()),
        message: format!("more than {MAX_PAGES} pages; refusing to read further"),
    }
}

pub(super) fn decode<T: DeserializeOwned>(req: &ApiRequest, resp: &ApiResponse) -> Result<T> {
    serde_json::from_slice(&resp.body).map_err(|e| GitHubError::Decode {
        operation: req.operation,
        request: req.line(),
        message: e.to_string(),
    })
}
