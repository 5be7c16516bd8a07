//! API call counters, per (operation, status class), for the server's Prometheus endpoint.
//!
//! Every HTTP attempt is counted (a call retried twice counts three times) so that error rates
//! show what GitHub actually answered; `retries` counts the re-sends separately.
//!
//! Plain maps, not `prometheus-client` metric families: the server renders them by hand
//! (`server/metrics.rs` says why) and sums them per operation, which families cannot iterate.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// The outcome class of one HTTP attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusClass {
    /// 1xx/2xx.
    Success,
    /// 3xx.
    Redirect,
    /// 4xx.
    ClientError,
    /// 5xx.
    ServerError,
    /// No answer within the request timeout.
    Timeout,
    /// Connection failure (no HTTP status).
    Transport,
}

impl StatusClass {
    /// Class of an HTTP status code.
    pub fn of_status(status: u16) -> Self {
        match status {
            300..=399 => StatusClass::Redirect,
            400..=499 => StatusClass::ClientError,
            500..=599 => StatusClass::ServerError,
            _ => StatusClass::Success,
        }
    }

    /// Prometheus label value: `2xx`, `3xx`, `4xx`, `5xx`, `timeout`, `transport`.
    pub fn label(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx",
            StatusClass::Redirect => "3xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
            StatusClass::Timeout => "timeout",
            StatusClass::Transport => "transport",
        }
    }

    /// Whether the class counts as an error.
    pub fn is_error(self) -> bool {
        !matches!(self, StatusClass::Success | StatusClass::Redirect)
    }
}

/// One counter value of a [`ApiMetrics::snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCallCount {
    pub operation: &'static str,
    pub class: StatusClass,
    pub count: u64,
}

/// Thread-safe counters shared by all installation clients of one App.
#[derive(Debug)]
pub struct ApiMetrics {
    calls: Mutex<BTreeMap<(&'static str, StatusClass), u64>>,
    retries: Mutex<BTreeMap<&'static str, u64>>,
    rate_limit_remaining: AtomicI64,
}

impl Default for ApiMetrics {
    fn default() -> Self {
        ApiMetrics {
            calls: Mutex::default(),
            retries: Mutex::default(),
            rate_limit_remaining: AtomicI64::new(-1),
        }
    }
}

impl ApiMetrics {
    pub(crate) fn record(&self, operation: &'static str, class: StatusClass) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        *calls.entry((operation, class)).or_default() += 1;
    }

    pub(crate) fn record_retry(&self, operation: &'static str) {
        let mut retries = self.retries.lock().unwrap_or_else(|e| e.into_inner());
        *retries.entry(operation).or_default() += 1;
    }

    pub(crate) fn set_rate_limit_remaining(&self, remaining: i64) {
        self.rate_limit_remaining
            .store(remaining, Ordering::Relaxed);
    }

    /// All counters, sorted by operation then class.
    pub fn snapshot(&self) -> Vec<ApiCallCount> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls
            .iter()
            .map(|(&(operation, class), &count)| ApiCallCount {
                operation,
                class,
                count,
            })
            .collect()
    }

    /// Attempts of `operation` that ended in `class`.
    pub fn count(&self, operation: &str, class: StatusClass) -> u64 {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls
            .iter()
            .filter(|((op, c), _)| *op == operation && *c == class)
            .map(|(_, n)| n)
            .sum()
    }

    /// All attempts of `operation`.
    pub fn calls(&self, operation: &str) -> u64 {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls
            .iter()
            .filter(|((op, _), _)| *op == operation)
            .map(|(_, n)| n)
            .sum()
    }

    /// Attempts of `operation` that failed (4xx, 5xx, timeout, transport).
    pub fn errors(&self, operation: &str) -> u64 {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls
            .iter()
            .filter(|((op, c), _)| *op == operation && c.is_error())
            .map(|(_, n)| n)
            .sum()
    }

    /// Re-sends of `operation` after a retryable failure.
    pub fn retries(&self, operation: &str) -> u64 {
        let retries = self.retries.lock().unwrap_or_else(|e| e.into_inner());
        retries.get(operation).copied().unwrap_or(0)
    }

    /// All retries, by operation.
    pub fn retries_snapshot(&self) -> Vec<(&'static str, u64)> {
        let retries = self.retries.lock().unwrap_or_else(|e| e.into_inner());
        retries.iter().map(|(&op, &n)| (op, n)).collect()
    }

    /// The last `x-ratelimit-remaining` GitHub reported, `None` before the first answer carrying it.
    pub fn rate_limit_remaining(&self) -> Option<i64> {
        let v = self.rate_limit_remaining.load(Ordering::Relaxed);
        (v >= 0).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_operation_and_class() {
        let m = ApiMetrics::default();
        m.record("checks/create", StatusClass::ServerError);
        m.record("checks/create", StatusClass::Success);
        m.record("checks/create", StatusClass::Success);
        m.record("pulls/get", StatusClass::Timeout);
        m.record_retry("checks/create");
        assert_eq!(m.calls("checks/create"), 3);
        assert_eq!(m.errors("checks/create"), 1);
        assert_eq!(m.count("checks/create", StatusClass::Success), 2);
        assert_eq!(m.errors("pulls/get"), 1);
        assert_eq!(m.retries("checks/create"), 1);
        assert_eq!(m.retries("pulls/get"), 0);
        assert_eq!(m.snapshot().len(), 3);
        assert_eq!(m.rate_limit_remaining(), None);
        m.set_rate_limit_remaining(42);
        assert_eq!(m.rate_limit_remaining(), Some(42));
        assert_eq!(StatusClass::of_status(502).label(), "5xx");
        assert_eq!(StatusClass::of_status(404), StatusClass::ClientError);
    }
}
