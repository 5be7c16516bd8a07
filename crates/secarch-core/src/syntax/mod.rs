//! Reading structured text (YAML, JSON) safely: the one set of limits every
//! reader applies ([`limits`]), the accounting for a reader that walks parser
//! events itself ([`budget`]), and the same limits for the readers built on
//! serde-saphyr ([`saphyr`]).
//!
//! The readers themselves still live with their callers (`model/yaml.rs`,
//! `threats/node.rs` and `threats/json.rs`, `classify/tree.rs`,
//! `policy/load.rs`); what they share is here, so one number changes in one place.

pub mod budget;
pub mod limits;
pub mod saphyr;

pub use limits::{Limit, LimitError};
