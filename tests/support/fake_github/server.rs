//! The HTTP side of the fake: one axum handler that matches, validates, authenticates, injects
//! faults, dispatches and records every request.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::handlers::{self, Call, Ctx, ROUTES, Reply};
use super::openapi::{self, Description, NoMatch};
use super::{Fault, Inner, RecordedRequest, TEST_APP_PUBLIC_KEY, Violation, auth, lock};

/// The description, loaded once per test process; `None` (with a NOTICE) without fixtures.
pub fn description() -> Option<&'static Description> {
    static DESC: OnceLock<Option<Description>> = OnceLock::new();
    DESC.get_or_init(|| {
        // Panics when SECARCH_REQUIRE_FIXTURES=1 (CI): validation must never be off silently.
        let path =
            secarch::testing::fixture("github-rest-openapi/github-app-subset.deref.openapi.json");
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

/// The one axum handler: every request goes through matching, validation, auth, faults.
pub async fn serve(
    AxumState(inner): AxumState<Arc<Inner>>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let raw_path = parts.uri.path().to_string();
    let prefix = inner.options.path_prefix.trim_end_matches('/');
    let api_path = match raw_path.strip_prefix(prefix) {
        Some(rest) if prefix.is_empty() || rest.is_empty() || rest.starts_with('/') => {
            rest.to_string()
        }
        _ => {
            lock(&inner.violations).push(Violation {
                method: parts.method.to_string(),
                path: raw_path.clone(),
                operation: None,
                problem: format!("request outside the API root {prefix}"),
            });
            let reply = handlers::error(404, "Not Found");
            return finish(
                &inner,
                "?",
                &parts.method,
                &raw_path,
                &[],
                None,
                reply,
                false,
            );
        }
    };
    let query: Vec<(String, String)> = reqwest::Url::parse(&format!("http://fake{}", parts.uri))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let segments: Vec<String> = api_path
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
        } else if let Fault::AppliedThen(_) = fault {
            // Applied below; the answer is replaced by the fault's.
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
    let mut reply = handlers::handle(&mut lock(&inner.state), &ctx, call);
    if let Some(Fault::AppliedThen(status)) = &fault {
        reply = handlers::error(*status, "Server Error");
    }
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
    if let Some(desc) = inner.desc
        && (200..300).contains(&reply.status)
    {
        for problem in desc.check_response(op, reply.status, &reply.body) {
            lock(&inner.violations).push(Violation {
                method: method.to_string(),
                path: path.into(),
                operation: Some(op.into()),
                problem: format!("the FAKE's answer breaks GitHub's response schema: {problem}"),
            });
        }
    }
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
        Fault::Delay(_) | Fault::AppliedThen(_) => handlers::error(504, "unreachable"),
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
