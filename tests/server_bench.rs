//! Load benchmark of `secarch serve` on loopback (ignored by default; numbers in BENCHMARKS.md):
//!
//! ```text
//! SECARCH_FIXTURES=../shared/fixtures cargo test --test server_bench -- --ignored --nocapture
//! ```
//!
//! 1. Acknowledgements: `SECARCH_BENCH_DELIVERIES` (default 2000) signed `pull_request.synchronize`
//!    deliveries for 20 pull requests, from 16 concurrent connections, bounded by 60 s, served
//!    the way `secarch serve` serves them (`secarch::server::serve`: own accept loop, header
//!    timeout, connection cap, bodies under the gate): acknowledgements per second and p50/p99
//!    acknowledgement latency (client side, HTTP round trip). The evaluations they cause run
//!    at the same time (coalesced per pull request).
//! 2. The same router behind `axum::serve` (the accept loop before issue 9) and behind
//!    `secarch::server::serve`, in 10 alternating rounds of 800 deliveries that are
//!    acknowledged and ignored (no evaluation competes): acknowledgements per second and CPU
//!    time per delivery (medians), and their ratios: the cost of the accept loop alone.
//! 3. End to end: 20 pull requests changing a Dockerfile, one after another, each delivered
//!    once; delivery → completed check run in the fake GitHub, with a warm repository.

mod common;
#[path = "server_support/harness.rs"]
mod harness;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;
use secarch::server::{Gate, HttpLimits, router_with, serve};

/// CPU time (user + system) of this process so far.
#[cfg(unix)]
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given, which lives for the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[cfg(not(unix))]
fn cpu_time() -> Duration {
    Duration::ZERO
}

/// `n` signed deliveries from 16 concurrent connections (bounded by 60 s): the client-side
/// round trip of each.
async fn ack_round(
    client: &reqwest::Client,
    url: &str,
    bodies: &Arc<Vec<(Vec<u8>, String)>>,
    n: usize,
) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let per_worker = n / 16;
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, url, bodies) = (client.clone(), url.to_string(), Arc::clone(bodies));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_worker);
            for k in 0..per_worker {
                if Instant::now() > deadline {
                    break;
                }
                let (body, sig) = &bodies[(worker + k) % bodies.len()];
                let t = Instant::now();
                let resp = client
                    .post(&url)
                    .header("x-github-event", "pull_request")
                    .header("x-hub-signature-256", sig)
                    // Each delivery is a new one, as from GitHub (the replay filter remembers it).
                    .header("x-github-delivery", format!("bench-{worker}-{k}"))
                    .body(body.clone())
                    .send()
                    .await
                    .expect("delivery");
                assert_eq!(resp.status().as_u16(), 202);
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    lat
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn load_benchmark() {
    let w = World::new().await;
    let gate = Gate::new(HttpLimits::default());
    let hardened = router_with(Arc::clone(&w.engine), Arc::clone(&gate));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        hardened.clone(),
        gate,
        std::future::pending(),
    ));
    let url = format!("http://{addr}/webhook");
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_url = format!("http://{}/webhook", plain.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(plain, hardened).await });

    // --- 1. acknowledgements ---
    let deliveries: usize = std::env::var("SECARCH_BENCH_DELIVERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let mut bodies = Vec::new();
    for i in 0..20 {
        let head = w.branch(
            &format!("load{i}"),
            &[("README.md", &format!("# gateway {i}\n"))],
        );
        let n = w.open_pull(&head);
        let body = serde_json::to_vec(&w.pull_request_payload("synchronize", n, &head)).unwrap();
        let sig = secarch::server::sign(SECRET, &body);
        bodies.push((body, sig));
    }
    let bodies = Arc::new(bodies);
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut lat = ack_round(&client, &url, &bodies, deliveries).await;
    let elapsed = started.elapsed();
    lat.sort();
    println!(
        "acks: {} deliveries in {:.2}s = {:.0}/s; ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    // Server side (handler only, from /metrics): share of acknowledgements under 1 ms / 5 ms.
    let metrics = w.engine.metrics.render(&w.engine.app().metrics(), 0);
    let bucket = |le: &str| -> u64 {
        metrics
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "secarch_webhook_ack_seconds_bucket{{le=\"{le}\"}}"
                ))
            })
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    let total = w.engine.metrics.ack_latency.count().max(1);
    println!(
        "  server-side handler time: {:.1}% under 1 ms, {:.1}% under 5 ms",
        100.0 * bucket("0.001") as f64 / total as f64,
        100.0 * bucket("0.005") as f64 / total as f64
    );
    assert!(w.engine.wait_idle(Duration::from_secs(120)).await);
    let evaluations = w.fake.requests_of("pulls/get").len();
    println!(
        "  coalescing: {} deliveries → {evaluations} evaluations",
        lat.len()
    );

    // --- 2. the accept loop alone: axum::serve against secarch::server::serve ---
    // Deliveries secarch acknowledges and ignores (`labeled`), so that no evaluation competes
    // for the CPU: only HTTP, the body, the HMAC and the parse are measured. CPU time of the
    // whole process per delivery (client and fake included, the same for both) is steadier
    // than the rate on a shared machine.
    let mut ignored = Vec::new();
    for (body, _) in bodies.iter().take(4) {
        let mut p: serde_json::Value = serde_json::from_slice(body).unwrap();
        p["action"] = serde_json::json!("labeled");
        let body = serde_json::to_vec(&p).unwrap();
        let sig = secarch::server::sign(SECRET, &body);
        ignored.push((body, sig));
    }
    let ignored = Arc::new(ignored);
    let (mut plain, mut own) = (Vec::new(), Vec::new());
    for round in 0..10 {
        // Which goes first alternates, so neither always meets the other's leftovers.
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_own in order {
            let (target, samples) = if is_own {
                (&url, &mut own)
            } else {
                (&plain_url, &mut plain)
            };
            let (t, cpu) = (Instant::now(), cpu_time());
            let n = ack_round(&client, target, &ignored, 800).await.len() as f64;
            let rate = n / t.elapsed().as_secs_f64();
            let cpu_us = (cpu_time() - cpu).as_secs_f64() * 1e6 / n;
            samples.push((rate, cpu_us));
        }
    }
    let median = |v: &[(f64, f64)], pick: fn(&(f64, f64)) -> f64| {
        let mut x: Vec<f64> = v.iter().map(pick).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (plain_rate, own_rate) = (median(&plain, |s| s.0), median(&own, |s| s.0));
    let (plain_cpu, own_cpu) = (median(&plain, |s| s.1), median(&own, |s| s.1));
    println!(
        "accept loop, 10 alternating rounds of 800 ignored deliveries: axum::serve {plain_rate:.0} acks/s, {plain_cpu:.0} µs CPU each; secarch::server::serve {own_rate:.0} acks/s, {own_cpu:.0} µs CPU each; ratios {:.2} (rate), {:.2} (CPU)",
        own_rate / plain_rate,
        own_cpu / plain_cpu
    );

    // --- 3. end to end, warm repository ---
    let mut e2e = Vec::new();
    for i in 0..20 {
        let head = w.branch(
            &format!("e2e{i}"),
            &[(
                "Dockerfile",
                &format!(
                    "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE {}\n",
                    9000 + i
                ),
            )],
        );
        let n = w.open_pull(&head);
        let body = serde_json::to_vec(&w.pull_request_payload("opened", n, &head)).unwrap();
        let sig = secarch::server::sign(SECRET, &body);
        let t = Instant::now();
        let resp = client
            .post(&url)
            .header("x-github-event", "pull_request")
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        loop {
            let done = w.runs_on(&head).iter().any(|r| r.status == "completed");
            if done {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(60), "no run for {head}");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        e2e.push(t.elapsed());
        assert_eq!(w.runs_on(&head)[0].conclusion.as_deref(), Some("failure"));
    }
    e2e.sort();
    println!(
        "end to end (delivery → completed check run, Dockerfile PR, warm repository): p50 {:.1} ms, p99 {:.1} ms over {}",
        percentile(&e2e, 0.5).as_secs_f64() * 1e3,
        percentile(&e2e, 0.99).as_secs_f64() * 1e3,
        e2e.len()
    );
}
