//! The HTTP surface: `POST /webhook`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
//!
//! The webhook handler verifies the signature, turns the payload into our own [`Event`] and only
//! enqueues: the answer goes out in well under a millisecond, evaluation happens off the
//! request path. Payload problems are 4xx (or 202 when there is nothing to do), never 5xx —
//! GitHub would redeliver forever and eventually disable the hook.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use super::Engine;
use super::config::MAX_BODY_BYTES;
use super::events::{Parsed, parse};

/// The router, over a shared [`Engine`].
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/webhook", post(webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // axum's own 2 MB default would refuse large (legitimate) pushes; GitHub caps at 25 MB.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(engine)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn webhook(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let started = Instant::now();
    let event = header_str(&headers, "x-github-event")
        .unwrap_or("")
        .to_string();
    let delivery = header_str(&headers, "x-github-delivery")
        .unwrap_or("-")
        .to_string();
    let answer = if !engine
        .secrets
        .verify(header_str(&headers, "x-hub-signature-256"), &body)
    {
        tracing::warn!(
            delivery,
            event,
            "webhook signature missing or wrong; delivery refused"
        );
        engine.metrics.delivery("unverified", "unauthorized");
        (
            StatusCode::UNAUTHORIZED,
            "X-Hub-Signature-256 is missing or does not match the webhook secret\n".to_string(),
        )
    } else if event.is_empty() {
        engine.metrics.delivery("unknown", "malformed");
        (
            StatusCode::BAD_REQUEST,
            "X-GitHub-Event header missing\n".to_string(),
        )
    } else {
        match parse(&event, &body) {
            Err(e) => {
                tracing::warn!(delivery, event, error = %e, "malformed payload");
                engine.metrics.delivery(&event, "malformed");
                (StatusCode::BAD_REQUEST, format!("{e}\n"))
            }
            Ok(Parsed::Ignored(reason)) => {
                tracing::debug!(delivery, event, reason, "delivery ignored");
                engine.metrics.delivery(&event, "ignored");
                (StatusCode::ACCEPTED, format!("ignored: {reason}\n"))
            }
            Ok(Parsed::Event(_))
                if !engine
                    .deliveries
                    .first_time(header_str(&headers, "x-github-delivery"), started) =>
            {
                tracing::info!(delivery, event, "delivery already acted on; replay ignored");
                engine.metrics.delivery(&event, "duplicate");
                (
                    StatusCode::ACCEPTED,
                    "ignored: this delivery was already acted on\n".to_string(),
                )
            }
            Ok(Parsed::Event(ev)) => {
                let ping = matches!(ev, super::events::Event::Ping);
                tracing::info!(delivery, event, "delivery accepted");
                engine.dispatch(ev, started);
                engine.metrics.delivery(&event, "processed");
                if ping {
                    (StatusCode::OK, "pong\n".to_string())
                } else {
                    (StatusCode::ACCEPTED, "queued\n".to_string())
                }
            }
        }
    };
    engine.metrics.ack_latency.observe(started.elapsed());
    answer
}

async fn readyz(State(engine): State<Arc<Engine>>) -> (StatusCode, &'static str) {
    if engine.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n")
    }
}

async fn metrics(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        engine
            .metrics
            .render(&engine.app.metrics(), engine.queue.len()),
    )
}
