//! Prometheus text exposition (format 0.0.4), hand-written: a few counters and two histograms do
//! not need a metrics framework.
//!
//! `prometheus-client` (0.26, which has a 0.0.4 encoder with the same `le` spelling) was weighed
//! and not taken, because it would not make this shorter: what it replaces is the histogram
//! type and the `writeln!`s of `render`, but the rest would have to be rebuilt around it — the
//! read-back the tests and the server use (`deliveries`, `evaluations`; its `Family` cannot be
//! iterated, so sums over labels become a lookup per label value), a second counter family for
//! `secarch_github_api_errors_total` (here a sum at render time), a custom collector so that
//! `secarch_github_rate_limit_remaining` stays absent until GitHub has sent the header, and
//! help texts without their final period (the encoder adds one). The metric names and labels
//! are a contract with dashboards; the hand-written text keeps them exact.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::github::ApiMetrics;

/// Events with their own label; anything else is counted as `other` (bounded label values).
const KNOWN_EVENTS: &[&str] = &[
    "ping",
    "pull_request",
    "pull_request_review",
    "issue_comment",
    "check_run",
    "check_suite",
    "merge_group",
    "installation",
    "installation_repositories",
    // Deliveries refused before the event could be trusted, or without an event header.
    "unverified",
    "unknown",
];

/// Seconds; acknowledgements are sub-millisecond, evaluations up to minutes.
const ACK_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];
const EVAL_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// A cumulative histogram.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Record one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bound, c) in self.bounds.iter().zip(&self.counts) {
            if secs <= *bound {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The server's own counters (GitHub API counters come from [`ApiMetrics`]).
#[derive(Debug)]
pub struct Metrics {
    deliveries: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    evaluations: Mutex<BTreeMap<&'static str, u64>>,
    job_retries: AtomicU64,
    /// Time from receiving a delivery to answering it.
    pub ack_latency: Histogram,
    /// Time from the (first coalesced) delivery to the completed check run.
    pub evaluation_latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            deliveries: Mutex::default(),
            evaluations: Mutex::default(),
            job_retries: AtomicU64::new(0),
            ack_latency: Histogram::new(ACK_BUCKETS),
            evaluation_latency: Histogram::new(EVAL_BUCKETS),
        }
    }
}

impl Metrics {
    /// Count a delivery; `outcome` is `processed`, `ignored`, `duplicate` (a replayed GUID),
    /// `unauthorized` or `malformed`.
    pub fn delivery(&self, event: &str, outcome: &'static str) {
        let event = KNOWN_EVENTS
            .iter()
            .find(|e| **e == event)
            .copied()
            .unwrap_or("other");
        let mut d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        *d.entry((event, outcome)).or_default() += 1;
    }

    /// Deliveries of `event` with `outcome` so far.
    pub fn deliveries(&self, event: &str, outcome: &str) -> u64 {
        let d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        d.iter()
            .filter(|((e, o), _)| *e == event && *o == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    /// Count a finished evaluation: `success`, `failure`, `error` (could not evaluate) or
    /// `skipped` (closed PR, run already complete).
    pub fn evaluation(&self, conclusion: &'static str) {
        let mut e = self.evaluations.lock().unwrap_or_else(|e| e.into_inner());
        *e.entry(conclusion).or_default() += 1;
    }

    /// Evaluations that ended with `conclusion`.
    pub fn evaluations(&self, conclusion: &str) -> u64 {
        let e = self.evaluations.lock().unwrap_or_else(|e| e.into_inner());
        e.get(conclusion).copied().unwrap_or(0)
    }

    pub(crate) fn job_retry(&self) {
        self.job_retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Job attempts repeated after a transient failure so far.
    pub fn job_retries(&self) -> u64 {
        self.job_retries.load(Ordering::Relaxed)
    }

    /// The exposition text.
    pub fn render(&self, api: &ApiMetrics, queued_jobs: usize) -> String {
        let mut o = String::new();
        o.push_str("# HELP secarch_webhook_deliveries_total Webhook deliveries by event and outcome.\n# TYPE secarch_webhook_deliveries_total counter\n");
        for ((event, outcome), n) in self
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                o,
                "secarch_webhook_deliveries_total{{event=\"{event}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        o.push_str("# HELP secarch_evaluations_total Finished evaluations by conclusion.\n# TYPE secarch_evaluations_total counter\n");
        for (c, n) in self
            .evaluations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(o, "secarch_evaluations_total{{conclusion=\"{c}\"}} {n}");
        }
        let _ = writeln!(
            o,
            "# HELP secarch_job_retries_total Jobs retried after a transient failure.\n# TYPE secarch_job_retries_total counter\nsecarch_job_retries_total {}",
            self.job_retries.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP secarch_jobs_queued Jobs waiting or running.\n# TYPE secarch_jobs_queued gauge\nsecarch_jobs_queued {queued_jobs}"
        );
        o.push_str("# HELP secarch_github_api_calls_total GitHub API attempts by operation and status class.\n# TYPE secarch_github_api_calls_total counter\n");
        for c in api.snapshot() {
            let _ = writeln!(
                o,
                "secarch_github_api_calls_total{{operation=\"{}\",status=\"{}\"}} {}",
                c.operation,
                c.class.label(),
                c.count
            );
        }
        o.push_str("# HELP secarch_github_api_errors_total GitHub API attempts that failed (4xx, 5xx, timeout, transport).\n# TYPE secarch_github_api_errors_total counter\n");
        let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
        for c in api.snapshot().iter().filter(|c| c.class.is_error()) {
            *errors.entry(c.operation).or_default() += c.count;
        }
        for (op, n) in errors {
            let _ = writeln!(
                o,
                "secarch_github_api_errors_total{{operation=\"{op}\"}} {n}"
            );
        }
        o.push_str("# HELP secarch_github_api_retries_total GitHub API re-sends after a retryable failure.\n# TYPE secarch_github_api_retries_total counter\n");
        for (op, n) in api.retries_snapshot() {
            let _ = writeln!(
                o,
                "secarch_github_api_retries_total{{operation=\"{op}\"}} {n}"
            );
        }
        if let Some(r) = api.rate_limit_remaining() {
            let _ = writeln!(
                o,
                "# HELP secarch_github_rate_limit_remaining Last x-ratelimit-remaining seen.\n# TYPE secarch_github_rate_limit_remaining gauge\nsecarch_github_rate_limit_remaining {r}"
            );
        }
        self.ack_latency.render(
            &mut o,
            "secarch_webhook_ack_seconds",
            "Time to acknowledge a webhook delivery.",
        );
        self.evaluation_latency.render(
            &mut o,
            "secarch_evaluation_seconds",
            "Time from delivery to completed check run.",
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.delivery("pull_request", "processed");
        m.delivery("pull_request", "processed");
        m.delivery("sponsorship\"}", "ignored");
        m.evaluation("failure");
        m.ack_latency.observe(Duration::from_micros(700));
        m.ack_latency.observe(Duration::from_millis(30));
        let text = m.render(&ApiMetrics::default(), 3);
        assert!(text.contains(
            "secarch_webhook_deliveries_total{event=\"pull_request\",outcome=\"processed\"} 2"
        ));
        assert!(text.contains("{event=\"other\",outcome=\"ignored\"} 1"));
        assert!(text.contains("secarch_evaluations_total{conclusion=\"failure\"} 1"));
        assert!(text.contains("secarch_webhook_ack_seconds_bucket{le=\"0.0005\"} 0"));
        assert!(text.contains("secarch_webhook_ack_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("secarch_webhook_ack_seconds_bucket{le=\"0.05\"} 2"));
        assert!(text.contains("secarch_webhook_ack_seconds_count 2"));
        assert!(text.contains("secarch_jobs_queued 3"));
    }
}
