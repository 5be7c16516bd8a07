//! secarch — keeps a health-software team's security architecture document from
//! going stale.
//!
//! The core (everything but the front-ends) is pure: plain functions over data,
//! no network. See `README.md` for the user-facing contract.

pub mod backoff;
pub mod classify;
pub mod commands;
pub mod evaluate;
pub mod fingerprint;
pub mod git;
pub mod github;
pub mod history;
mod http;
pub mod lint;
pub mod mirror;
pub mod model;
pub mod output;
pub mod policy;
pub mod position;
mod redact;
pub mod rules;
pub mod semdiff;
pub mod server;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
pub mod threats;
pub mod verdict;
