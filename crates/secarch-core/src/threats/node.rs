//! A positioned document tree shared by the adapters, built from YAML
//! (serde-saphyr, with aliases and merge keys) or JSON (our own span-tracking
//! parser, see `json.rs`), both within the shared limits of
//! [`crate::syntax::limits`].
//!
//! Adapters walk this tree instead of deserializing into strict structs: real
//! models break their own schemas in ways traceability does not care about
//! (a `null` where a string belongs, a number where a string belongs), and every
//! threat needs the line and column of its node for check-run annotations.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::LoadError;
use crate::position::Pos;
use crate::syntax::{LimitError, saphyr};

/// One value with the position of its node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// The number as written (JSON) or as read (YAML).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key. Non-scalar YAML keys get an empty name (nothing looks them up).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub pos: Pos,
}

static NULL: Node = Node {
    pos: Pos::UNKNOWN,
    value: Value::Null,
};

impl Node {
    pub fn new(pos: Pos, value: Value) -> Node {
        Node { pos, value }
    }

    /// The value under `key` in a mapping (the last one when a JSON object repeats
    /// a key, as JavaScript does); `None` for absent keys and non-mappings.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Like [`Node::get`], but a missing key reads as `null` (for chaining).
    pub fn at(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// Sequence items; empty for anything else (`threats: null` means none).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Mapping entries; empty for anything else.
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A string value, trimmed; `None` when absent, empty or not a string.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim()),
            _ => None,
        }
    }

    /// A scalar as text: strings (trimmed, non-empty), numbers and booleans.
    /// Ids are often unquoted numbers (`id: 55`, `"number": 6`).
    pub fn text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A number, also when written as a string (`"score": "7.5"`).
    pub fn number(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.parse().ok(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Short description of the node's type, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Parse YAML text (one document) into a tree, within the shared limits (alias
/// bombs of bytes or nodes, deep nesting, huge node counts).
pub(crate) fn parse_yaml(file: &str, text: &str) -> Result<Node, LoadError> {
    crate::syntax::limits::check_input(text).map_err(|e| limit(file, Pos::UNKNOWN, e))?;
    if text.trim().is_empty() {
        return Ok(Node::new(Pos::new(1, 1), Value::Null));
    }
    serde_saphyr::from_str_with_options::<Node>(text, saphyr::options()).map_err(|e| {
        let loc = e.location();
        if let Some(l) = saphyr::limit_of(&e) {
            let at = loc.map_or(Pos::UNKNOWN, |l| {
                Pos::new(clamp(l.line()), clamp(l.column()))
            });
            return limit(file, at, l.into());
        }
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("").trim();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        LoadError::Syntax {
            file: file.to_string(),
            line: loc.map_or(0, |l| clamp(l.line())),
            column: loc.map_or(0, |l| clamp(l.column())),
            message: strip_location(first).to_string(),
        }
    })
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

/// serde-saphyr prefixes messages with `line N column M:`; the position is
/// reported separately.
fn strip_location(msg: &str) -> &str {
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some((_, tail)) = rest.split_once(": ")
    {
        return tail;
    }
    msg
}

pub(crate) fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Deserializing one YAML nesting level takes ~65 KiB of stack in a debug build
/// (~6 KiB in release): serde-saphyr's `Spanned` machinery is deep. Within the
/// 64-level budget that would overflow a 2 MiB thread stack in debug builds, so
/// each level makes sure this much stack is left, growing onto the heap if not.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let s = stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
            Spanned::<Value>::deserialize(d)
        })?;
        let loc = s.referenced;
        Ok(Node::new(
            Pos::new(clamp(loc.line()), clamp(loc.column())),
            s.value,
        ))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }
    fn visit_i128<E>(self, n: i128) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }
    fn visit_u128<E>(self, n: u128) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }
    fn visit_char<E>(self, c: char) -> Result<Value, E> {
        Ok(Value::String(c.to_string()))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        // `!!binary` scalars: nothing an adapter reads.
        Ok(Value::String(String::from_utf8_lossy(b).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = a.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = a.next_key::<Node>()? {
            let v = a.next_value::<Node>()?;
            let name = k.text().unwrap_or_default();
            entries.push((Key { name, pos: k.pos }, v));
        }
        Ok(Value::Map(entries))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, a: A) -> Result<Value, A::Error> {
        // A tagged value (`!tag value`): keep the value, drop the tag.
        use de::VariantAccess;
        let (_tag, variant) = a.variant::<de::IgnoredAny>()?;
        variant.newtype_variant::<Node>().map(|n| n.value)
    }
}
