//! The HTTP surface: `POST /webhook`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
//!
//! The webhook handler receives the body under the [`Gate`]'s rules (`intake.rs`: refused
//! before reading when unsigned, HMAC while it streams in, bounded time and memory), turns the
//! payload into our own [`Event`] and only enqueues: the answer goes out in well under a
//! millisecond, evaluation happens off the request path. Payload problems are 4xx (or 202 when
//! there is nothing to do), never 5xx — GitHub would redeliver forever and eventually disable
//! the hook. (503 only when the server is saturated with deliveries: GitHub may redeliver.)

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use super::engine::Engine;
use super::events::{Parsed, parse};
use super::intake::receive;
use super::listen::Gate;

/// What the handlers share.
#[derive(Clone)]
struct Shared {
    engine: Arc<Engine>,
    gate: Arc<Gate>,
}

/// The router, over a shared [`Engine`], with the default [`HttpLimits`](super::settings::HttpLimits)
/// for bodies (tests and tools; `secarch serve` uses [`router_with`] and the same gate for
/// [`serve`](super::listen::serve)).
pub fn router(engine: Arc<Engine>) -> Router {
    router_with(engine, Gate::new(Default::default()))
}

/// The router, receiving webhook bodies under `gate`'s body timeout and memory budget.
pub fn router_with(engine: Arc<Engine>, gate: Arc<Gate>) -> Router {
    Router::new()
        .route("/webhook", post(webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(TraceLayer::new_for_http())
        .with_state(Shared { engine, gate })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The answer to a delivery: most are fixed texts, so no allocation on the common path.
type Answer = (StatusCode, Cow<'static, str>);

/// The whole request is taken, not a `HeaderMap` extractor: that one clones every header.
async fn webhook(State(Shared { engine, gate }): State<Shared>, request: Request) -> Answer {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let event = header_str(headers, "x-github-event").unwrap_or("");
    let delivery_id = header_str(headers, "x-github-delivery");
    let delivery = delivery_id.unwrap_or("-");
    let received = match receive(&gate, &engine.secrets, headers, body).await {
        Ok(received) => received,
        Err(refused) => {
            tracing::warn!(
                delivery,
                event,
                outcome = refused.outcome(),
                "delivery refused before its signature could be checked"
            );
            engine.metrics.delivery("unverified", refused.outcome());
            engine.metrics.ack_latency.observe(started.elapsed());
            let (status, text) = refused.answer(&gate);
            return (status, text.into());
        }
    };
    let body = &received.body;
    let answer: Answer = if !received.verified {
        tracing::warn!(
            delivery,
            event,
            "webhook signature missing or wrong; delivery refused"
        );
        engine.metrics.delivery("unverified", "unauthorized");
        (
            StatusCode::UNAUTHORIZED,
            "X-Hub-Signature-256 is missing or does not match the webhook secret\n".into(),
        )
    } else if event.is_empty() {
        engine.metrics.delivery("unknown", "malformed");
        (
            StatusCode::BAD_REQUEST,
            "X-GitHub-Event header missing\n".into(),
        )
    } else {
        match parse(event, body) {
            Err(e) => {
                tracing::warn!(delivery, event, error = %e, "malformed payload");
                engine.metrics.delivery(event, "malformed");
                (StatusCode::BAD_REQUEST, format!("{e}\n").into())
            }
            Ok(Parsed::Ignored(reason)) => {
                tracing::debug!(delivery, event, reason, "delivery ignored");
                engine.metrics.delivery(event, "ignored");
                (StatusCode::ACCEPTED, format!("ignored: {reason}\n").into())
            }
            Ok(Parsed::Event(_)) if !engine.deliveries.first_time(delivery_id, started) => {
                tracing::info!(delivery, event, "delivery already acted on; replay ignored");
                engine.metrics.delivery(event, "duplicate");
                (
                    StatusCode::ACCEPTED,
                    "ignored: this delivery was already acted on\n".into(),
                )
            }
            Ok(Parsed::Event(ev)) => {
                let ping = matches!(ev, super::events::Event::Ping);
                // Debug, not info: one formatted, written line per delivery was a tenth of the
                // acknowledgement's CPU time, and the job logs what it did with the delivery
                // (`job done`, with its cause) while `/metrics` counts every outcome.
                tracing::debug!(delivery, event, "delivery accepted");
                engine.dispatch(ev, started);
                engine.metrics.delivery(event, "processed");
                if ping {
                    (StatusCode::OK, "pong\n".into())
                } else {
                    (StatusCode::ACCEPTED, "queued\n".into())
                }
            }
        }
    };
    engine.metrics.ack_latency.observe(started.elapsed());
    answer
}

async fn readyz(State(Shared { engine, .. }): State<Shared>) -> (StatusCode, &'static str) {
    if engine.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n")
    }
}

async fn metrics(State(Shared { engine, gate }): State<Shared>) -> impl IntoResponse {
    let mut text = engine
        .metrics
        .render(&engine.app.metrics(), engine.queue.len());
    text.push_str(&gate.render());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
