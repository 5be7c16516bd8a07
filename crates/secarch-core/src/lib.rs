//! secarch's core: everything that decides, nothing that talks to a network.
//!
//! Inputs are a repository on disk, a policy, the security architecture document and threat
//! models; the output is a [`verdict::CheckReport`] or lint findings. The front-ends (CLI, App,
//! Action) and the adapters to GitHub live in the `secarch` package; the compiler keeps this
//! crate free of any HTTP or async stack.
//!
//! Flow: [`policy`] says what to watch → [`git`] reads the change set → [`classify`] decides
//! which changes matter (paths and content signals) → [`model`] and [`threats`] read the
//! document and threat models (through [`syntax`], one positioned tree with one set of limits)
//! → [`lint`] checks them ([`rule_table`] names the rules, [`review_history`] reads review
//! records from git) → [`fingerprint`] and [`semdiff`] describe what changed → [`signoff`]
//! reads who approved which content (GitHub front-ends) → [`verdict`] decides; [`evaluate`]
//! runs that pipeline once. [`history`] replays a branch's history with the classifier alone
//! (`secarch log`).

pub mod classify;
pub mod evaluate;
pub mod fingerprint;
pub mod git;
pub mod history;
pub mod lint;
pub mod model;
pub mod policy;
pub mod position;
pub mod review_history;
pub mod rule_table;
pub mod semdiff;
pub mod signoff;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
pub mod threats;
pub mod verdict;
