//! The accept loop: our own instead of `axum::serve`, because that one has no header timeout,
//! no connection cap and no way to shed a connection.
//!
//! - HTTP/1.1 only (GitHub delivers over HTTP/1.1), served by hyper with a 64 KiB read buffer
//!   (request heads larger than that are refused with 431).
//! - A header timeout: a connection that has not sent a complete request head within
//!   `header_timeout` of being accepted, or of its last response, is closed (slowloris heads,
//!   idle keep-alive connections, clients that do not read their answer). Kept by a sweep of
//!   the connection table a few times per timeout ([`Slots::shed_idle`]).
//! - At most `max_connections` open at once ([`Slots`]): at the cap a new connection replaces
//!   the longest-idle one, or is refused with 503 when every connection is busy with a request.
//!   Running out of file descriptors anyway (`EMFILE`) sheds the longest-idle connection too.
//! - Bodies are read by the webhook handler under the [`Gate`]'s body timeout and memory
//!   budget (`intake.rs`).
//! - Graceful shutdown: stop accepting, close idle connections, let requests in progress
//!   finish (bounded by the body timeout), return when every connection has closed.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::settings::{HttpLimits, MAX_BODY_BYTES};
use super::slots::{Admission, Busy, Slot, Slots};

/// hyper's read buffer per connection, and so the largest request head.
pub(super) const READ_BUFFER: usize = 64 * 1024;

/// Sent to a connection refused because every slot is busy.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nRetry-After: 1\r\nContent-Length: 49\r\n\r\nevery connection slot is busy; retry in a moment\n";

/// What the accept loop and the webhook handler share: the limits, the connection table, the
/// body-memory budget, and counters for `/metrics`.
#[derive(Debug)]
pub struct Gate {
    limits: HttpLimits,
    pub(crate) slots: Arc<Slots>,
    /// Bytes of request bodies that may be held at once (one permit a byte).
    pub(crate) budget: Arc<Semaphore>,
    /// Bodies that may be received at once: half the connection slots, so that slow bodies
    /// can never take every slot from health checks and quick requests.
    pub(crate) readers: Arc<Semaphore>,
    budget_bytes: usize,
    evicted: AtomicU64,
    refused: AtomicU64,
    header_timeouts: AtomicU64,
    body_timeouts: AtomicU64,
}

impl Gate {
    /// A gate for `limits` (a budget smaller than one largest body is raised to it).
    pub fn new(limits: HttpLimits) -> Arc<Gate> {
        let budget_bytes = limits.max_body_bytes_in_flight.max(MAX_BODY_BYTES);
        Arc::new(Gate {
            slots: Slots::new(limits.max_connections),
            budget: Arc::new(Semaphore::new(budget_bytes)),
            readers: Arc::new(Semaphore::new((limits.max_connections / 2).max(1))),
            budget_bytes,
            limits,
            evicted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            header_timeouts: AtomicU64::new(0),
            body_timeouts: AtomicU64::new(0),
        })
    }

    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }

    /// Bytes of request bodies that may be held at once.
    pub fn budget_bytes(&self) -> usize {
        self.budget_bytes
    }

    /// Bytes of request bodies held in memory now.
    pub fn body_bytes_in_flight(&self) -> usize {
        self.budget_bytes
            .saturating_sub(self.budget.available_permits())
    }

    pub(crate) fn count_body_timeout(&self) {
        self.body_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text for the connection and body counters.
    pub fn render(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "# HELP secarch_http_max_connections Connections kept open at once (after fitting the open-file limit).\n\
             # TYPE secarch_http_max_connections gauge\n\
             secarch_http_max_connections {}\n\
             # HELP secarch_http_connections_open Connections open now.\n\
             # TYPE secarch_http_connections_open gauge\n\
             secarch_http_connections_open {}\n\
             # HELP secarch_http_connections_shed_total Connections closed to make room: the longest idle (evicted) or a new one while every connection was busy (refused).\n\
             # TYPE secarch_http_connections_shed_total counter\n\
             secarch_http_connections_shed_total{{reason=\"evicted\"}} {}\n\
             secarch_http_connections_shed_total{{reason=\"refused\"}} {}\n\
             # HELP secarch_http_header_timeouts_total Connections closed because no complete request head arrived within the header timeout (stalled, idle keep-alive, or not reading its answer).\n\
             # TYPE secarch_http_header_timeouts_total counter\n\
             secarch_http_header_timeouts_total {}\n\
             # HELP secarch_webhook_body_timeouts_total Deliveries cut because the body did not arrive within the body timeout.\n\
             # TYPE secarch_webhook_body_timeouts_total counter\n\
             secarch_webhook_body_timeouts_total {}\n\
             # HELP secarch_webhook_body_bytes_in_flight Bytes of request bodies held in memory now.\n\
             # TYPE secarch_webhook_body_bytes_in_flight gauge\n\
             secarch_webhook_body_bytes_in_flight {}\n\
             # HELP secarch_webhook_body_bytes_budget Bytes of request bodies that may be held at once.\n\
             # TYPE secarch_webhook_body_bytes_budget gauge\n\
             secarch_webhook_body_bytes_budget {}\n",
            self.slots.max(),
            self.slots.open(),
            n(&self.evicted),
            n(&self.refused),
            n(&self.header_timeouts),
            n(&self.body_timeouts),
            self.body_bytes_in_flight(),
            self.budget_bytes,
        )
    }
}

/// `limits` with `max_connections` lowered, when needed, to leave a quarter of the process's
/// open-file limit (at least 64) for everything else: git mirrors, GitHub connections, logs.
/// Past the limit `accept` fails and nobody is served, which is what the cap is there to avoid.
pub fn fit_open_file_limit(mut limits: HttpLimits) -> HttpLimits {
    let Some(files) = open_file_limit() else {
        return limits;
    };
    let room = files.saturating_sub((files / 4).max(64)).max(1);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    if limits.max_connections > room {
        tracing::warn!(
            open_file_limit = files,
            configured = limits.max_connections,
            max_connections = room,
            "SECARCH_MAX_CONNECTIONS lowered to fit the open-file limit; raise `ulimit -n` to allow more"
        );
        limits.max_connections = room;
    }
    limits
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which lives for the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    let current: u64 = limit.rlim_cur;
    (rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Serve `router` on `listener` within `gate`'s limits until `shutdown` completes, then shut
/// down gracefully (see the module documentation).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    gate: Arc<Gate>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.max_buf_size(READ_BUFFER);
    let builder = Arc::new(builder);
    let _sweeper = AbortOnDrop(tokio::spawn(sweep(Arc::clone(&gate))));
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                accept_failed(&gate, &e).await;
                continue;
            }
        };
        let slot = match gate.slots.admit() {
            Admission::Admitted(slot) => slot,
            Admission::Replaced(slot) => {
                gate.evicted.fetch_add(1, Ordering::Relaxed);
                slot
            }
            Admission::Full => {
                gate.refused.fetch_add(1, Ordering::Relaxed);
                // Best effort, never waits: the client may not even read it.
                let _ = stream.try_write(REFUSED);
                continue;
            }
        };
        tokio::spawn(connection(
            stream,
            Arc::clone(&builder),
            router.clone(),
            slot,
            stopped.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    gate.slots.wait_empty().await;
    Ok(())
}

/// Stops the sweep when `serve` returns or is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Close connections idle past the header timeout, checking four times per timeout (at most
/// once a second): a connection goes at most a quarter over its timeout.
async fn sweep(gate: Arc<Gate>) {
    let timeout = gate.limits.header_timeout;
    let mut every = tokio::time::interval(
        (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)),
    );
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let shed = gate.slots.shed_idle(timeout);
        gate.header_timeouts
            .fetch_add(shed as u64, Ordering::Relaxed);
    }
}

/// An `accept` error: a client that gave up is nothing; out of file descriptors, shed the
/// longest-idle connection; anything else, pause briefly so the loop does not spin.
async fn accept_failed(gate: &Gate, e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    // EMFILE (process) and ENFILE (system): 24 and 23 on Linux and the BSDs.
    let out_of_files = matches!(e.raw_os_error(), Some(23 | 24));
    if out_of_files && gate.slots.shed_one() {
        gate.evicted.fetch_add(1, Ordering::Relaxed);
        return;
    }
    tracing::warn!(error = %e, "accept failed; pausing 50 ms");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Serve one connection until it closes, is shed, or shutdown is asked and it is idle.
async fn connection(
    stream: TcpStream,
    builder: Arc<http1::Builder>,
    router: Router,
    slot: Slot,
    mut stopped: watch::Receiver<bool>,
) {
    let slot = Arc::new(slot);
    let service = {
        let slot = Arc::clone(&slot);
        let router = TowerToHyperService::new(router);
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let busy = slot.busy();
            let answer = hyper::service::Service::call(&router, req);
            async move {
                let response: Response<Body> = answer.await?;
                Ok::<_, Infallible>(response.map(|body| BusyBody { body, _busy: busy }))
            }
        })
    };
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = pin!(conn);
    // A stop sent before this task started is seen by the first `changed()`.
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            // Shed (to make room, or idle past the header timeout): only ever while idle.
            () = slot.conn.shed.notified() => return,
            changed = stopped.changed(), if !draining => {
                draining = true;
                if changed.is_err() || !slot.conn.is_busy() {
                    return;
                }
                // Finish the request in progress, then close.
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A response body that keeps its connection marked busy until it has been sent.
struct BusyBody {
    body: Body,
    _busy: Busy,
}

impl hyper::body::Body for BusyBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_well_formed_response() {
        let text = std::str::from_utf8(REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.ends_with(&format!("\r\nContent-Length: {}", body.len())));
    }

    #[test]
    fn the_cap_fits_the_open_file_limit() {
        let fitted = fit_open_file_limit(HttpLimits {
            max_connections: usize::MAX,
            ..HttpLimits::default()
        });
        match open_file_limit() {
            Some(files) => {
                let files = usize::try_from(files).unwrap_or(usize::MAX);
                assert!(
                    fitted.max_connections < files,
                    "{fitted:?} for {files} files"
                );
                assert!(fitted.max_connections >= 1);
            }
            None => assert_eq!(fitted.max_connections, usize::MAX),
        }
        let small = fit_open_file_limit(HttpLimits {
            max_connections: 3,
            ..HttpLimits::default()
        });
        assert_eq!(small.max_connections, 3, "a cap that fits is kept");
    }
}
