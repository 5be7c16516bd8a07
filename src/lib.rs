//! secarch — keeps a health-software team's security architecture document from going stale.
//!
//! The map (front-ends → adapters → core, never the reverse):
//! - core, the `secarch-core` crate (no network; re-exported here): `policy`, `model`, `threats`,
//!   `classify`, `git`, `history` (replay of a branch), `fingerprint`, `semdiff`, `lint`, `verdict`,
//!   `evaluate` (one pipeline), `review_history`, `syntax`, `position`, `source`, `rule_table`,
//!   `signoff` (comment commands, authorization, content binding);
//! - adapters to the outside: [`github`] (REST client), [`mirror`] (bare git mirrors for the App);
//! - [`render`]: every output format (human, Markdown, SARIF, workflow commands, check-run output);
//! - front-ends: [`commands`] (the CLI, `main.rs`) and [`server`] (the App: verify → enqueue →
//!   inputs → core → render → publish).

pub use secarch_core::{
    classify, evaluate, fingerprint, git, history, lint, model, policy, position, review_history,
    rule_table, semdiff, signoff, source, syntax, threats, verdict,
};

pub mod backoff;
pub mod commands;
pub mod github;
mod http_client;
pub mod mirror;
mod redact;
pub mod render;
pub mod server;
#[doc(hidden)]
pub use secarch_core::testing;
