//! Receiving a webhook body without trusting it.
//!
//! Anyone can send `POST /webhook`, and a body held in memory costs the server whether or not
//! it turns out to be signed. So, in this order:
//!
//! 1. a delivery without a well-formed `X-Hub-Signature-256` (`sha256=` + 64 hex digits), or
//!    announcing more than GitHub's 25 MB, is refused before a byte of its body is read;
//! 2. at most half the connection slots may be receiving a body at once (the other half stays
//!    free for health checks and for requests that are quick), else 503 at once;
//! 3. the body must arrive whole within the body timeout, else 408 and the connection closes;
//! 4. the HMAC is computed as the body streams in, and the buffer's memory is taken from a
//!    budget shared by all connections (`SECARCH_MAX_BODY_MEMORY_MB`) as it grows: a body that
//!    finds the budget spent is refused with 503 at once and gives back what it held. (Waiting
//!    instead would let bodies that each hold part of the budget wait for each other until
//!    their timeouts.) Stalled bodies cannot add up to more than the budget. A body announced
//!    at no more than hyper's read buffer takes its whole buffer at once — a connection may hold
//!    that much in hyper anyway, and most deliveries are that size, so they are read without
//!    reallocating.
//!
//! Only then is the signature compared; the caller gets the bytes and the verdict.

use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, StatusCode, header};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, timeout_at};

use super::listen::Gate;
use super::settings::MAX_BODY_BYTES;
use super::signature::WebhookSecrets;

/// First allocation for a body of unknown or larger size; it doubles from there.
const FIRST_CAPACITY: usize = 16 * 1024;

/// A body announced at most this large is allocated whole at once: hyper's read buffer, which
/// a connection may hold anyway.
const WHOLE_AT_ONCE: usize = super::listen::READ_BUFFER;

/// A body that was read whole, with the memory it holds counted against the budget until it
/// is dropped.
#[derive(Debug)]
pub(crate) struct Received {
    pub body: Vec<u8>,
    /// Whether the signature matched under any configured secret.
    pub verified: bool,
    _memory: Option<OwnedSemaphorePermit>,
    _reader: OwnedSemaphorePermit,
}

/// Why a delivery was refused before its signature could be checked.
#[derive(Debug)]
pub(crate) enum Refused {
    /// No well-formed `X-Hub-Signature-256`: nothing could verify, so nothing is read.
    Unsigned,
    /// Over GitHub's 25 MB, announced or sent.
    TooLarge,
    /// Every body-reading slot is taken.
    Busy,
    /// The bodies in flight already fill the memory budget.
    OverBudget,
    /// The body did not arrive whole within the body timeout.
    Timeout,
    /// The client broke off or sent a malformed body.
    Broken(String),
}

impl Refused {
    /// The status, and a body that says what to do.
    pub(crate) fn answer(&self, gate: &Gate) -> (StatusCode, String) {
        match self {
            Refused::Unsigned => (
                StatusCode::UNAUTHORIZED,
                "X-Hub-Signature-256 is missing or does not match the webhook secret\n".into(),
            ),
            Refused::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "webhook payloads are at most {} MiB (GitHub's limit); this one is larger\n",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
            ),
            Refused::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "too many deliveries are arriving at once; redeliver in a moment\n".into(),
            ),
            Refused::OverBudget => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the webhook bodies being received fill the {} MiB budget (SECARCH_MAX_BODY_MEMORY_MB); redeliver in a moment\n",
                    gate.budget_bytes() / (1024 * 1024)
                ),
            ),
            Refused::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s (SECARCH_BODY_TIMEOUT); send the whole body at once\n",
                    gate.limits().body_timeout.as_secs()
                ),
            ),
            Refused::Broken(why) => (
                StatusCode::BAD_REQUEST,
                format!("could not read the request body: {why}\n"),
            ),
        }
    }

    /// The outcome label for the deliveries counter.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Refused::Unsigned => "unauthorized",
            Refused::TooLarge => "too_large",
            Refused::Busy => "busy",
            Refused::OverBudget => "over_budget",
            Refused::Timeout => "timeout",
            Refused::Broken(_) => "malformed",
        }
    }
}

/// Read `body` as described in the module documentation.
pub(crate) async fn receive(
    gate: &Gate,
    secrets: &WebhookSecrets,
    headers: &HeaderMap,
    mut body: Body,
) -> Result<Received, Refused> {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    let mut verifier = secrets.verifier(signature).ok_or(Refused::Unsigned)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(Refused::TooLarge);
    }
    let reader = Arc::clone(&gate.readers)
        .try_acquire_owned()
        .map_err(|_| Refused::Busy)?;
    let deadline = Instant::now() + gate.limits().body_timeout;
    // Growth never goes past what the client announced (nor past the limit).
    let ceiling = declared.map_or(MAX_BODY_BYTES, |n| n as usize);
    // A body announced as no larger than hyper's read buffer (which a connection holds anyway)
    // gets its whole buffer at once: one allocation, no copy while growing.
    let first = match declared {
        Some(n) if (n as usize) <= WHOLE_AT_ONCE => n as usize,
        _ => FIRST_CAPACITY,
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut memory: Option<OwnedSemaphorePermit> = None;
    // One timer for the whole body, not one per frame.
    let read = async {
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            let data = match frame {
                None => return Ok(()),
                Some(Err(e)) => return Err(Refused::Broken(e.to_string())),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue, // trailers: not part of what is signed
                },
            };
            let needed = buf.len() + data.len();
            if needed > MAX_BODY_BYTES {
                return Err(Refused::TooLarge);
            }
            if needed > buf.capacity() {
                let grown = needed
                    .max(buf.capacity().saturating_mul(2))
                    .max(first)
                    .min(ceiling.max(needed))
                    .min(MAX_BODY_BYTES);
                let more = u32::try_from(grown - buf.capacity()).map_err(|_| Refused::TooLarge)?;
                let permit = Arc::clone(&gate.budget)
                    .try_acquire_many_owned(more)
                    .map_err(|_| Refused::OverBudget)?;
                match memory.as_mut() {
                    Some(held) => held.merge(permit),
                    None => memory = Some(permit),
                }
                buf.reserve_exact(grown - buf.len());
            }
            verifier.update(&data);
            buf.extend_from_slice(&data);
        }
    };
    match timeout_at(deadline, read).await {
        Err(_) => {
            gate.count_body_timeout();
            return Err(Refused::Timeout);
        }
        Ok(read) => read?,
    }
    Ok(Received {
        body: buf,
        verified: verifier.finish(),
        _memory: memory,
        _reader: reader,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::settings::HttpLimits;
    use crate::server::signature::sign;
    use std::time::Duration;

    fn gate(max_connections: usize) -> Arc<Gate> {
        Gate::new(HttpLimits {
            max_connections,
            body_timeout: Duration::from_millis(200),
            ..HttpLimits::default()
        })
    }

    fn headers(signature: Option<&str>, length: Option<usize>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(s) = signature {
            h.insert("x-hub-signature-256", s.parse().unwrap());
        }
        if let Some(n) = length {
            h.insert(header::CONTENT_LENGTH, n.into());
        }
        h
    }

    /// A body that yields `first` and then never ends (a client that stalled).
    fn stalled(first: &'static [u8]) -> Body {
        struct Stalled(Option<axum::body::Bytes>);
        impl HttpBody for Stalled {
            type Data = axum::body::Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>>
            {
                match self.0.take() {
                    Some(b) => std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(b)))),
                    None => std::task::Poll::Pending,
                }
            }
        }
        Body::new(Stalled(Some(axum::body::Bytes::from_static(first))))
    }

    #[tokio::test]
    async fn a_signed_body_is_read_verified_and_counted_until_dropped() {
        let gate = gate(8);
        let secrets = WebhookSecrets::parse("s3cret");
        let body = vec![b'x'; 300_000];
        let sig = sign("s3cret", &body);
        let got = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), Some(body.len())),
            Body::from(body.clone()),
        )
        .await
        .expect("read");
        assert!(got.verified);
        assert_eq!(got.body, body);
        assert!(gate.body_bytes_in_flight() >= body.len());
        assert!(gate.body_bytes_in_flight() <= 2 * body.len());
        drop(got);
        assert_eq!(gate.body_bytes_in_flight(), 0);
        // The same body under another secret is read, and does not verify.
        let wrong = sign("other", &body);
        let got = receive(
            &gate,
            &secrets,
            &headers(Some(&wrong), None),
            Body::from(body),
        )
        .await
        .expect("read");
        assert!(!got.verified);
    }

    #[tokio::test]
    async fn refusals_come_before_the_body_is_read() {
        let gate = gate(8);
        let secrets = WebhookSecrets::parse("s3cret");
        let sig = sign("s3cret", b"{}");
        // A body that would stall for ever: answered at once, so it was never polled.
        for (h, want) in [
            (headers(None, Some(1000)), "unauthorized"),
            (headers(Some("sha256=zz"), Some(1000)), "unauthorized"),
            (headers(Some(&sig), Some(MAX_BODY_BYTES + 1)), "too_large"),
        ] {
            let e = receive(&gate, &secrets, &h, stalled(b"{"))
                .await
                .expect_err("refused");
            assert_eq!(e.outcome(), want);
        }
        assert_eq!(gate.body_bytes_in_flight(), 0);
    }

    #[tokio::test]
    async fn a_stalled_body_times_out_and_readers_are_bounded() {
        // 2 connections → 1 body reader.
        let gate = gate(2);
        let secrets = WebhookSecrets::parse("s3cret");
        let sig = sign("s3cret", b"{}");
        let first = {
            let gate = Arc::clone(&gate);
            let secrets = secrets.clone();
            let h = headers(Some(&sig), Some(1000));
            tokio::spawn(async move { receive(&gate, &secrets, &h, stalled(b"{")).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let busy = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), None),
            Body::from("{}"),
        )
        .await
        .expect_err("no reader free");
        assert_eq!(busy.outcome(), "busy");
        let timed_out = first.await.expect("task").expect_err("timeout");
        assert_eq!(timed_out.outcome(), "timeout");
        assert_eq!(gate.body_bytes_in_flight(), 0);
        let ok = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), None),
            Body::from("{}"),
        )
        .await
        .expect("reader free again");
        assert!(ok.verified);
    }

    #[tokio::test]
    async fn a_body_that_finds_the_budget_spent_is_refused_and_gives_back_what_it_held() {
        // The smallest budget there is: one largest body.
        let gate = Gate::new(HttpLimits {
            max_body_bytes_in_flight: 0,
            ..HttpLimits::default()
        });
        assert_eq!(gate.budget_bytes(), MAX_BODY_BYTES);
        let secrets = WebhookSecrets::parse("s3cret");
        let big = vec![b'x'; MAX_BODY_BYTES - 100_000];
        let sig = sign("s3cret", &big);
        let held = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), Some(big.len())),
            Body::from(big),
        )
        .await
        .expect("fits");
        let in_flight = gate.body_bytes_in_flight();
        assert!(in_flight <= MAX_BODY_BYTES, "{in_flight}");
        // 200 KB without a declared length: the first 16 KiB fit, the growth past the rest does not.
        let small = vec![b'y'; 200_000];
        let sig = sign("s3cret", &small);
        let e = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), None),
            Body::from(small.clone()),
        )
        .await
        .expect_err("no room");
        assert_eq!(e.outcome(), "over_budget");
        assert_eq!(
            gate.body_bytes_in_flight(),
            in_flight,
            "the refused body gave its part back"
        );
        drop(held);
        assert_eq!(gate.body_bytes_in_flight(), 0);
        let ok = receive(
            &gate,
            &secrets,
            &headers(Some(&sig), None),
            Body::from(small),
        )
        .await
        .expect("room again");
        assert!(ok.verified);
    }
}
