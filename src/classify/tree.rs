//! One small document tree for the structured formats the analysers read (YAML,
//! JSON, TOML), with the 1-based line of every node so a signal can point at the
//! exact line in the head file.
//!
//! Why not `serde_json::Value`: it has no positions, and the analysers compare
//! base against head and must say *where* something new appeared. YAML and JSON go
//! through serde-saphyr (JSON is YAML 1.2 flow syntax), whose `Spanned<T>` gives the
//! line of each node; TOML goes through `toml`'s spanned `DeTable`. Every format is
//! read within the shared limits of [`crate::syntax::limits`] (alias bombs of bytes
//! or nodes, nesting depth, node counts). Inputs that parse with neither, or are
//! over a limit, are reported as `None` by the callers: malformed input never
//! panics, and reading is linear in the input (a repeated key is found through
//! an `IndexMap`, not by scanning the mapping: scanning made a 70,000-key
//! `package.json` take 6.6 s).

pub use crate::position::LineIndex;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::syntax::limits::{MAX_DEPTH, MAX_NODES, check_input};
use crate::syntax::saphyr;
use indexmap::IndexMap;

/// A parsed node and the line it starts on (0 = unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: u32,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers keep their spelling (`8080`, `0.5`); analysers compare text.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; the entry node's line is the key's line.
    Map(Vec<(String, Node)>),
}

impl Node {
    fn new(line: u64, value: Value) -> Node {
        Node {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            value,
        }
    }

    /// The value under `key` when this is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follow a path of map keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (`true`, `8080`, `web`); `None` for collections and null.
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// True for `true` (and the YAML 1.1 spellings people still write as strings).
    pub fn is_true(&self) -> bool {
        match &self.value {
            Value::Bool(b) => *b,
            Value::Str(s) => matches!(s.as_str(), "true" | "True" | "TRUE" | "yes" | "on"),
            _ => false,
        }
    }

    pub fn line(&self) -> Option<u32> {
        (self.line > 0).then_some(self.line)
    }
}

fn yaml_options() -> serde_saphyr::Options {
    let mut options = saphyr::options();
    // A repeated key is a mistake people make in compose files; keep the last
    // value as most tools do instead of losing every signal of the file.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    // YAML 1.2 booleans only: `y`/`n`/`on` stay strings (`[x, y]` is two names);
    // `Node::is_true` still reads the YAML 1.1 spellings where a flag is expected.
    options.strict_booleans = true;
    options
}

/// Stack for parsing. serde's visitor chain (through `Spanned`) costs tens of KiB of
/// stack per nesting level in debug builds, so even the budgeted depth would overflow
/// a 2 MiB worker thread.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Stack for threads that parse many files: more than [`PARSE_STACK_BYTES`],
/// so `stacker` finds enough left and parses in place. Otherwise every parse
/// maps, faults in and unmaps a fresh 64 MiB segment: 1,900 `mmap`/`munmap`
/// pairs and 0.1–0.2 s of system time in the heavy-watched benchmark
/// (BENCHMARKS.md), where this takes 0.02–0.04 s.
pub(super) const PARSE_THREAD_STACK_BYTES: usize = PARSE_STACK_BYTES + 4 * 1024 * 1024;

/// Run a parser with [`PARSE_STACK_BYTES`] of stack: on the caller's stack when that
/// much is left, else on a stack segment mapped for the call by `stacker` (rust-lang's
/// stack-growth library, already in the tree). `None` if the parser panicked (it should
/// not; belt and braces).
///
/// Not a thread of its own: starting one per file, or handing each file to a parse
/// thread and waiting for it to wake up, cost 80–100 µs a file on the benchmark
/// machine, more than classifying 10k paths when 50 manifests changed (BENCHMARKS.md).
fn on_parse_stack<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    let run = || stacker::maybe_grow(PARSE_STACK_BYTES, PARSE_STACK_BYTES, f);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .ok()
        .flatten()
}

/// Parse a single-document YAML (or JSON) text. `None` when malformed or over budget.
pub fn parse_yaml(text: &str) -> Option<Node> {
    on_parse_stack(|| yaml_single(text))
}

fn yaml_single(text: &str) -> Option<Node> {
    check_input(text).ok()?;
    serde_saphyr::from_str_with_options::<Option<Spanned<Raw>>>(text, yaml_options())
        .ok()
        .map(|doc| doc.map(Raw::into_node).unwrap_or(Node::new(0, Value::Null)))
}

/// Parse a multi-document YAML stream (Kubernetes manifests). `None` when malformed.
pub fn parse_yaml_documents(text: &str) -> Option<Vec<Node>> {
    check_input(text).ok()?;
    on_parse_stack(|| {
        serde_saphyr::from_multiple_with_options::<Option<Spanned<Raw>>>(text, yaml_options())
            .ok()
            .map(|docs| docs.into_iter().flatten().map(Raw::into_node).collect())
    })
}

/// Parse JSON: through the YAML parser for line numbers, else through serde_json
/// (strict JSON with duplicate keys or tab indentation) without line numbers.
pub fn parse_json(text: &str) -> Option<Node> {
    on_parse_stack(|| {
        if let Some(node) = yaml_single(text) {
            return Some(node);
        }
        // serde_json refuses nesting deeper than 128 on its own (so the walk below
        // cannot overflow); the shared limits are stricter. JSON has no aliases:
        // its strings are never longer than the text, already under the limit.
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        within_json_limits(&v).then(|| from_json(v))
    })
}

/// Depth and node count of a serde_json value against the shared limits.
fn within_json_limits(v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    let mut nodes = 0usize;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES {
            return false;
        }
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match v {
            J::Array(a) => Box::new(a.iter()),
            J::Object(o) => {
                nodes += o.len(); // the keys
                Box::new(o.values())
            }
            _ => continue,
        };
        if depth >= MAX_DEPTH {
            return false;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    true
}

fn from_json(v: serde_json::Value) -> Node {
    use serde_json::Value as J;
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => Value::Number(n.to_string()),
        J::String(s) => Value::Str(s),
        J::Array(a) => Value::Seq(a.into_iter().map(from_json).collect()),
        J::Object(o) => Value::Map(o.into_iter().map(|(k, x)| (k, from_json(x))).collect()),
    };
    Node::new(0, value)
}

/// Parse TOML with line numbers. `None` when malformed or nested deeper than [`MAX_DEPTH`].
pub fn parse_toml(text: &str) -> Option<Node> {
    check_input(text).ok()?;
    // toml builds nested arrays, inline tables and dotted keys recursively, and has
    // no depth limit: refuse absurd nesting before handing the text over (a manifest
    // nests a few levels; these counts over-estimate, which only refuses oddities).
    if bracket_depth(text) > MAX_DEPTH || max_dots_per_line(text) > MAX_DEPTH {
        return None;
    }
    on_parse_stack(|| {
        let table = toml::de::DeTable::parse(text).ok()?;
        let lines = LineIndex::new(text);
        Some(toml_table(table.get_ref(), table.span().start, &lines))
    })
}

/// Deepest `[`/`{` nesting, counted over the whole text (strings included).
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Most `.` on one line outside `"…"`/`'…'` strings: bounds dotted-key depth.
fn max_dots_per_line(text: &str) -> usize {
    text.lines()
        .map(|line| {
            let mut quote = None;
            let mut dots = 0;
            for c in line.chars() {
                match (quote, c) {
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), _) if c == q => quote = None,
                    (None, '.') => dots += 1,
                    _ => {}
                }
            }
            dots
        })
        .max()
        .unwrap_or(0)
}

fn toml_table(t: &toml::de::DeTable<'_>, start: usize, lines: &LineIndex) -> Node {
    let entries = t
        .iter()
        .map(|(k, v)| {
            let node = toml_value(v.get_ref(), k.span().start, lines);
            (k.get_ref().to_string(), node)
        })
        .collect();
    Node::new(u64::from(lines.line_of(start)), Value::Map(entries))
}

fn toml_value(v: &toml::de::DeValue<'_>, start: usize, lines: &LineIndex) -> Node {
    use toml::de::DeValue as T;
    let value = match v {
        T::String(s) => Value::Str(s.to_string()),
        T::Integer(i) => Value::Number(i.as_str().to_string()),
        T::Float(f) => Value::Number(f.as_str().to_string()),
        T::Boolean(b) => Value::Bool(*b),
        T::Datetime(d) => Value::Str(d.to_string()),
        T::Array(a) => Value::Seq(
            a.iter()
                .map(|x| toml_value(x.get_ref(), x.span().start, lines))
                .collect(),
        ),
        T::Table(t) => return toml_table(t, start, lines),
    };
    Node::new(u64::from(lines.line_of(start)), value)
}

/// What serde-saphyr hands us before spans are folded into [`Node`].
enum Raw {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Key>, Spanned<Raw>)>),
}

impl Raw {
    fn into_node(s: Spanned<Raw>) -> Node {
        let line = s.referenced.line();
        let value = match s.value {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Number(n) => Value::Number(n),
            Raw::Str(v) => Value::Str(v),
            Raw::Seq(items) => Value::Seq(items.into_iter().map(Raw::into_node).collect()),
            Raw::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let key_line = k.referenced.line();
                        let mut node = Raw::into_node(v);
                        if key_line > 0 {
                            node.line = u32::try_from(key_line).unwrap_or(u32::MAX);
                        }
                        (k.value.0, node)
                    })
                    .collect(),
            ),
        };
        Node::new(line, value)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        // A repeated key keeps its first place and takes its last value, as in most
        // tools (and JSON.parse): `IndexMap::insert` does exactly that.
        let mut entries = IndexMap::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.insert(key.value.0.clone(), (key, value));
        }
        Ok(Raw::Map(entries.into_values().collect()))
    }
}

/// A mapping key: any scalar, as text (`8080: x`, `true: y`, `null: z`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Null => Ok(Key("null".to_string())),
            Raw::Bool(b) => Ok(Key(b.to_string())),
            Raw::Number(n) | Raw::Str(n) => Ok(Key(n)),
            Raw::Seq(_) | Raw::Map(_) => Err(de::Error::custom("collection used as a mapping key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_nodes_carry_key_lines() {
        let n = parse_yaml("a: 1\nb:\n  c: true\n  d: [x, y]\n").expect("parses");
        assert_eq!(
            n.get("a").map(|x| (x.line, x.scalar())),
            Some((1, Some("1".into())))
        );
        let c = n.at(&["b", "c"]).expect("b.c");
        assert_eq!((c.line, c.is_true()), (3, true));
        assert_eq!(n.get("b").map(|x| x.line), Some(2));
        let d = n.at(&["b", "d"]).expect("b.d");
        assert_eq!(d.items().len(), 2);
        assert_eq!(d.items()[1].as_str(), Some("y"));
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_its_last_value() {
        let n = parse_json(r#"{"a": 1, "b": 2, "a": 3, "c": 4}"#).expect("parses");
        let keys: Vec<&str> = n.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(n.get("a").and_then(Node::scalar).as_deref(), Some("3"));
    }

    #[test]
    fn multi_document_yaml() {
        let docs = parse_yaml_documents("kind: A\n---\nkind: B\nx: 1\n---\n").expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("x").map(|x| x.line), Some(4));
    }

    #[test]
    fn json_through_yaml_has_lines_and_tabs_fall_back() {
        let n = parse_json("{\n  \"a\": {\n    \"b\": 2\n  }\n}\n").expect("parses");
        assert_eq!(n.at(&["a", "b"]).map(|x| x.line), Some(3));
        let n = parse_json("{\n\t\"a\": 1,\n\t\"a\": 2\n}").expect("parses");
        assert_eq!(n.get("a").and_then(Node::scalar), Some("2".into()));
    }

    #[test]
    fn toml_lines() {
        let n = parse_toml("[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\naxum = { version = \"0.8\" }\n").expect("parses");
        assert_eq!(n.at(&["dependencies", "axum"]).map(|x| x.line), Some(6));
        assert_eq!(
            n.at(&["package", "name"]).and_then(Node::scalar),
            Some("x".into())
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        assert!(parse_yaml(bomb).is_none());
        let deep = "[".repeat(100_000);
        assert!(parse_yaml(&deep).is_none());
        assert!(parse_json(&deep).is_none());
        assert!(parse_toml(&format!("a = {deep}")).is_none());
        assert!(parse_toml(&format!("{} = 1", vec!["a"; 100_000].join("."))).is_none());
        assert!(parse_toml(&format!("[{}]", vec!["a"; 100_000].join("."))).is_none());
        assert!(parse_json(&format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200))).is_none());
        let deep_map = "a:\n".to_string()
            + &(1..2000)
                .map(|i| format!("{}b:\n", " ".repeat(i)))
                .collect::<String>();
        assert!(parse_yaml(&deep_map).is_none());
        assert!(parse_yaml("a: [1, 2\n").is_none());
        assert!(parse_toml("a = = 1").is_none());
        assert!(parse_yaml("? [a]\n: 1\n").is_none());
    }
}
