//! Test harness shared by integration tests: `mod support;` in a test file.
//!
//! - [`fake_github`]: an in-memory GitHub over HTTP that validates every request against
//!   GitHub's OpenAPI description and fails the test on any violation.
//!
//! Not every test binary uses every helper.
#![allow(dead_code)]

pub mod fake_github;

/// A multi-threaded Tokio runtime for tests that cannot use `#[tokio::test]`.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
