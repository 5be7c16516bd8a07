//! How the adapters read threat models: the shared [`crate::syntax::Node`] tree
//! (YAML with aliases and merge keys, or JSON, both within the shared limits of
//! [`crate::syntax::limits`]), read leniently through [`Lenient`].
//!
//! Adapters walk the tree instead of deserializing into strict structs: real
//! models break their own schemas in ways traceability does not care about
//! (a `null` where a string belongs, a number where a string belongs), and every
//! threat needs the line and column of its node for check-run annotations.

use super::LoadError;
use crate::position::Pos;
pub(crate) use crate::syntax::Node;
use crate::syntax::{Error, Kind, LimitError, Value, json, yaml};

/// Lenient readings of a value, as the adapters want them.
pub(crate) trait Lenient {
    /// A string value, trimmed; `None` when absent, empty or not a string.
    fn str(&self) -> Option<&str>;
    /// A scalar as text: strings (trimmed, non-empty), numbers and booleans.
    /// Ids are often unquoted numbers (`id: 55`, `"number": 6`).
    fn text(&self) -> Option<String>;
    /// A number, also when written as a string (`"score": "7.5"`).
    fn number(&self) -> Option<f64>;
    /// Short description of the node's type, for messages.
    fn what(&self) -> &'static str;
}

impl Lenient for Node {
    fn str(&self) -> Option<&str> {
        self.as_str().map(str::trim).filter(|s| !s.is_empty())
    }

    fn text(&self) -> Option<String> {
        match &self.value {
            Value::Scalar(s) if !s.is_null() => Some(s.text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self.kind() {
            Kind::Number | Kind::String => self.scalar()?.trim().parse().ok(),
            _ => None,
        }
    }

    fn what(&self) -> &'static str {
        match self.kind() {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Seq => "a list",
            Kind::Map => "a mapping",
        }
    }
}

/// Parse YAML text (one document) into a tree. A repeated key is an error, as
/// in any strict YAML reader.
pub(crate) fn parse_yaml(file: &str, text: &str) -> Result<Node, LoadError> {
    let reader = yaml::Reader {
        refuse_repeated_keys: true,
        ..yaml::Reader::default()
    };
    match reader.document(text) {
        Ok(doc) => Ok(doc.unwrap_or_else(|| Node::null(Pos::new(1, 1)))),
        Err(e) => Err(load_error(file, e, "")),
    }
}

/// Parse JSON text into a tree (a repeated key keeps its last value, as in
/// JavaScript, which writes Threat Dragon models).
pub(crate) fn parse_json(file: &str, text: &str) -> Result<Node, LoadError> {
    json::parse(text).map_err(|e| load_error(file, e, " (the file is not valid JSON)"))
}

fn load_error(file: &str, e: Error, suffix: &str) -> LoadError {
    match e {
        Error::Limit(pos, e) => limit(file, pos, e),
        Error::Syntax(pos, message) => LoadError::Syntax {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message: format!("{}{suffix}", message.lines().next().unwrap_or("").trim()),
        },
    }
}

/// A model over one of the shared limits (lint finding SA033 says so), with
/// where in the file the limit was reached when known.
pub(crate) fn limit(file: &str, at: Pos, e: LimitError) -> LoadError {
    if at.is_known() {
        let subject = format!("{file} (at line {}, column {})", at.line, at.column);
        LoadError::Limit(e.explain(&subject))
    } else {
        LoadError::Limit(e.explain(file))
    }
}

pub(crate) fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
