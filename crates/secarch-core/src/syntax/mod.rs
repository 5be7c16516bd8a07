//! Reading structured text (YAML, JSON, TOML) safely into one positioned tree.
//!
//! Every reader of structured input — the document's front matter, threat
//! models, the files read for content signals — builds the same [`Node`]
//! (scalars as written, with line and column) through one of the builders here,
//! within one set of limits ([`limits`], counted by [`budget`]), so one number
//! changes in one place and a value's position means the same everywhere. The
//! policy is read by serde into its own types; [`saphyr`] gives it the same
//! limits.

pub mod budget;
pub mod json;
pub mod limits;
pub mod node;
pub mod saphyr;
pub mod toml;
pub mod yaml;

pub use limits::{Limit, LimitError};
pub use node::{Entry, Kind, Mapping, Node, Scalar, Style, Value};

use crate::position::Pos;

/// Why a text could not be read into a tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Not valid in its format: where, and the parser's message.
    Syntax(Pos, String),
    /// Over one of the shared limits, and where it was reached (unknown for
    /// text over the size limit, which is refused before it is read).
    Limit(Pos, LimitError),
}

impl Error {
    pub fn pos(&self) -> Pos {
        match self {
            Error::Syntax(pos, _) | Error::Limit(pos, _) => *pos,
        }
    }
}
