//! The one positioned tree every structured reader builds: the document's front
//! matter, threat models, and the files read for content signals. The builders
//! are [`super::yaml`], [`super::json`] and [`super::toml`].
//!
//! Why one tree that keeps the text: findings point at `file:line:column`, and
//! comparing two versions of a manifest ("only the image tag changed") needs the
//! values as written — `1.10` is not `1.1`, `"8080"` is not `8080`. So a scalar
//! is its source text (after escapes) and its style; what it means (null, a
//! boolean, a number, a string) is [`Node::kind`], read from the text by the
//! YAML 1.2 core schema, the same for every format.
//!
//! A mapping keeps its keys in the order they first appear; a repeated key keeps
//! its first place and takes its last value, as most tools (and `JSON.parse`)
//! do. The entries a repeat replaced, and entries whose key is not text, are
//! kept aside ([`Mapping::written`]) for the readers that report them.

use indexmap::IndexMap;

use super::budget::Cost;
use crate::position::Pos;

/// One value and the position of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// A scalar as written (after the format's escapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
}

/// How a scalar was written: only plain scalars are read as null, booleans or
/// numbers (`"true"` and JSON strings are text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted: YAML plain scalars, JSON and TOML literals and numbers.
    Plain,
    /// Quoted: YAML `'…'`/`"…"`, JSON and TOML strings.
    Quoted,
    /// A YAML block scalar (`|`, `>`).
    Block,
}

/// What a node is, scalars typed by the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool(bool),
    Number,
    String,
    Seq,
    Map,
}

/// A mapping: key text → entry, in the order keys first appear.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    entries: IndexMap<String, Entry>,
    /// Entries replaced by a later repeat of their key, and entries whose key is
    /// null or a collection, in the order read.
    others: Vec<(Node, Node)>,
}

/// A mapping entry: where its key is, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Pos,
    pub value: Node,
}

static NULL: Node = Node {
    pos: Pos::UNKNOWN,
    value: Value::Scalar(Scalar {
        text: String::new(),
        style: Style::Plain,
    }),
};

impl Node {
    pub fn scalar_node(pos: Pos, text: impl Into<String>, style: Style) -> Node {
        let text = text.into();
        Node {
            pos,
            value: Value::Scalar(Scalar { text, style }),
        }
    }

    /// An empty value (`~`, or nothing after `key:`).
    pub fn null(pos: Pos) -> Node {
        Node::scalar_node(pos, "", Style::Plain)
    }

    pub fn kind(&self) -> Kind {
        match &self.value {
            Value::Scalar(s) => s.kind(),
            Value::Seq(_) => Kind::Seq,
            Value::Map(_) => Kind::Map,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.is_null())
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    pub fn mapping(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The text of any scalar but null, as written (`true`, `8080`, `web`).
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// The text of a string (quoted, or plain and not null, a boolean or a number).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if s.kind() == Kind::String => Some(&s.text),
            _ => None,
        }
    }

    /// True for `true`, also quoted, and the YAML 1.1 spellings people still
    /// write where a flag is expected (`yes`, `on`).
    pub fn is_true(&self) -> bool {
        matches!(
            self.value,
            Value::Scalar(Scalar { ref text, .. }) if matches!(text.as_str(), "true" | "True" | "TRUE" | "yes" | "on")
        )
    }

    /// The entry under `key` when this is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.mapping().and_then(|m| m.entries.get(key))
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Like [`Node::get`], but a missing key reads as null (for chaining).
    pub fn at(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Sequence items; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Mapping entries (key text, entry) in order; empty for anything else.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = (&str, &Entry)> {
        self.mapping()
            .map(|m| m.entries.iter())
            .unwrap_or_default()
            .map(|(k, e)| (k.as_str(), e))
    }

    /// What a copy of this subtree costs (for the budget of anchors and aliases).
    pub(crate) fn cost(&self) -> Cost {
        let mut total = Cost::default();
        let mut add = |c: Cost| {
            total.nodes = total.nodes.saturating_add(c.nodes);
            total.bytes = total.bytes.saturating_add(c.bytes);
            total.height = total.height.max(c.height);
        };
        match &self.value {
            Value::Scalar(s) => {
                return Cost {
                    nodes: 1,
                    bytes: s.text.len(),
                    height: 0,
                };
            }
            Value::Seq(items) => items.iter().for_each(|n| add(n.cost())),
            Value::Map(m) => {
                for (k, e) in &m.entries {
                    add(Cost {
                        nodes: 1,
                        bytes: k.len(),
                        height: 0,
                    });
                    add(e.value.cost());
                }
                for (k, v) in &m.others {
                    add(k.cost());
                    add(v.cost());
                }
            }
        }
        Cost {
            nodes: total.nodes.saturating_add(1),
            bytes: total.bytes,
            height: total.height + 1,
        }
    }
}

impl Scalar {
    /// `~`, `null` or nothing, unquoted (cheaper than [`Scalar::kind`]).
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain
            && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// Null, boolean, number or string: plain scalars by the YAML 1.2 core
    /// schema, every other style is a string.
    pub fn kind(&self) -> Kind {
        if self.style != Style::Plain {
            return Kind::String;
        }
        match self.text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
            "true" | "True" | "TRUE" => Kind::Bool(true),
            "false" | "False" | "FALSE" => Kind::Bool(false),
            t if is_number(t) => Kind::Number,
            _ => Kind::String,
        }
    }
}

/// The YAML 1.2 core schema's integers and floats (`8080`, `-1.5e+3`, `0x1F`,
/// `.inf`); JSON's numbers are a subset.
fn is_number(t: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = t.strip_prefix("0x") {
        return digits(hex, 16);
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return digits(oct, 8);
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || digits(int, 10))
                && (frac.is_empty() || digits(frac, 10))
                && !(int.is_empty() && frac.is_empty())
        }
        None => digits(mantissa, 10),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e, 10))
}

impl Mapping {
    /// Add an entry read from the text. A repeated key keeps its place and takes
    /// the new value; `Err` with the text of a repeated key when `refuse_repeats`.
    pub(crate) fn insert(
        &mut self,
        key: Node,
        value: Node,
        refuse_repeats: bool,
    ) -> Result<(), String> {
        let text = match key.value {
            Value::Scalar(s) if !s.is_null() => s.text,
            _ => {
                self.others.push((key, value));
                return Ok(());
            }
        };
        let entry = Entry {
            key: key.pos,
            value,
        };
        // One hash per key: the entry API, not a lookup then an insert.
        match self.entries.entry(text) {
            indexmap::map::Entry::Occupied(o) if refuse_repeats => Err(o.key().clone()),
            indexmap::map::Entry::Occupied(mut o) => {
                let old = std::mem::replace(o.get_mut(), entry);
                let old_key = Node::scalar_node(old.key, o.key().clone(), Style::Plain);
                self.others.push((old_key, old.value));
                Ok(())
            }
            indexmap::map::Entry::Vacant(v) => {
                v.insert(entry);
                Ok(())
            }
        }
    }

    /// The entries of a YAML merge key's mapping (`<<: *base`) whose keys are
    /// not here yet: keys already present win.
    pub(crate) fn merge(&mut self, source: Mapping) {
        for (k, e) in source.entries {
            self.entries.entry(k).or_insert(e);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry as written, in source order: (key text, or `None` for a null
    /// or collection key; key position; value). Repeated keys appear each time.
    pub fn written(&self) -> Vec<(Option<&str>, Pos, &Node)> {
        let mut all: Vec<(Option<&str>, Pos, &Node)> = self
            .entries
            .iter()
            .map(|(k, e)| (Some(k.as_str()), e.key, &e.value))
            .collect();
        for (k, v) in &self.others {
            let name = match &k.value {
                Value::Scalar(s) if !s.is_null() => Some(s.text.as_str()),
                _ => None,
            };
            all.push((name, k.pos, v));
        }
        if !self.others.is_empty() {
            all.sort_by_key(|(_, pos, _)| *pos);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> Kind {
        Scalar {
            text: t.to_string(),
            style: Style::Plain,
        }
        .kind()
    }

    #[test]
    fn plain_scalars_are_typed_by_the_core_schema() {
        for n in [
            "0", "-12", "+3", "1.10", ".5", "5.", "-1.5e+3", "1E9", "0x1F", "0o17", ".inf",
            "-.Inf", ".NaN",
        ] {
            assert_eq!(plain(n), Kind::Number, "{n}");
        }
        for s in [
            "1.2.3", "0x", "e5", ".", "-", "1e", "v1", "yes", "on", "0b1", "1_000", "", "+.nan",
        ] {
            assert_ne!(plain(s), Kind::Number, "{s}");
        }
        assert_eq!(plain("~"), Kind::Null);
        assert_eq!(plain("True"), Kind::Bool(true));
        assert_eq!(plain("yes"), Kind::String);
        let quoted = Node::scalar_node(Pos::new(1, 1), "true", Style::Quoted);
        assert_eq!(
            (quoted.kind(), quoted.as_str(), quoted.is_true()),
            (Kind::String, Some("true"), true)
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_its_last_value() {
        let s = |t: &str, col| Node::scalar_node(Pos::new(1, col), t, Style::Plain);
        let mut m = Mapping::default();
        for (i, (k, v)) in [("a", "1"), ("b", "2"), ("a", "3")].into_iter().enumerate() {
            let col = u32::try_from(i).unwrap() * 10 + 1;
            m.insert(s(k, col), s(v, col + 3), false).unwrap();
        }
        m.insert(s("~", 40), s("x", 43), false).unwrap();
        let node = Node {
            pos: Pos::new(1, 1),
            value: Value::Map(m.clone()),
        };
        let keys: Vec<&str> = node.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(node.get("a").and_then(Node::scalar), Some("3"));
        assert_eq!(node.entry("a").map(|e| e.key), Some(Pos::new(1, 21)));
        let written: Vec<(Option<&str>, u32)> =
            m.written().iter().map(|(k, p, _)| (*k, p.column)).collect();
        assert_eq!(
            written,
            [(Some("a"), 1), (Some("b"), 11), (Some("a"), 21), (None, 40)]
        );
        assert_eq!(m.insert(s("b", 50), s("4", 53), true), Err("b".to_string()));
    }
}
