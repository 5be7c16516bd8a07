//! TOML text → [`Node`], from `toml`'s spanned `DeTable`, for the manifests
//! read for content signals (`Cargo.toml`, `pyproject.toml`).
//!
//! Strings are quoted scalars; integers, floats, booleans and dates are plain
//! scalars as written (`1_000` stays so). `toml` builds nested arrays, inline
//! tables and dotted keys recursively and has no depth limit of its own, so
//! absurd nesting is refused before the text is handed over, and the parse runs
//! on a stack grown for it.

use super::limits::{MAX_DEPTH, check_input};
use super::node::{Mapping, Node, Style, Value};
use super::{Error, Limit};
use crate::position::{LineIndex, Pos};

/// Stack for parsing: `toml` recurses per nesting level.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Stack for threads that parse many files: more than [`PARSE_STACK_BYTES`], so `stacker`
/// finds enough left and parses in place instead of mapping, faulting in and unmapping a fresh
/// segment per file (0.1–0.2 s of system time in the heavy-watched benchmark, BENCHMARKS.md).
/// The YAML and JSON builders keep their own stack on the heap and need none of it.
pub(crate) const PARSE_THREAD_STACK_BYTES: usize = PARSE_STACK_BYTES + 4 * 1024 * 1024;

/// Parse a TOML document into a mapping.
pub fn parse(text: &str) -> Result<Node, Error> {
    let start = Pos::new(1, 1);
    check_input(text).map_err(|e| Error::Limit(Pos::UNKNOWN, e))?;
    // These counts over-estimate (strings included), which only refuses oddities:
    // a manifest nests a few levels.
    if bracket_depth(text) > MAX_DEPTH || max_dots_per_line(text) > MAX_DEPTH {
        return Err(Error::Limit(start, Limit::Depth.into()));
    }
    // On the caller's stack when that much is left, else on a segment mapped for
    // the call (`stacker`); a thread per file cost 80–100 µs (BENCHMARKS.md).
    let run = || {
        stacker::maybe_grow(PARSE_STACK_BYTES, PARSE_STACK_BYTES, || {
            let table = ::toml::de::DeTable::parse(text).map_err(|e| {
                let at = e
                    .span()
                    .map_or(start, |s| LineIndex::new(text).pos_of(text, s.start));
                Error::Syntax(at, e.message().to_string())
            })?;
            let lines = LineIndex::new(text);
            Ok(table_node(table.get_ref(), start, &(text, lines)))
        })
    };
    // The parser should not panic; belt and braces.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(Error::Syntax(start, "the TOML parser failed".to_string())))
}

type Source<'a> = (&'a str, LineIndex);

fn pos(src: &Source<'_>, offset: usize) -> Pos {
    src.1.pos_of(src.0, offset)
}

fn table_node(t: &::toml::de::DeTable<'_>, at: Pos, src: &Source<'_>) -> Node {
    let mut map = Mapping::default();
    for (k, v) in t.iter() {
        let key = Node::scalar_node(
            pos(src, k.span().start),
            k.get_ref().to_string(),
            Style::Quoted,
        );
        let value = value_node(v, src);
        // TOML refuses repeated keys itself.
        let _ = map.insert(key, value, false);
    }
    Node {
        pos: at,
        value: Value::Map(map),
    }
}

fn value_node(v: &::toml::Spanned<::toml::de::DeValue<'_>>, src: &Source<'_>) -> Node {
    use ::toml::de::DeValue as T;
    let at = pos(src, v.span().start);
    let written = || src.0.get(v.span()).unwrap_or_default().to_string();
    let (text, style) = match v.get_ref() {
        T::String(s) => (s.to_string(), Style::Quoted),
        T::Integer(_) | T::Float(_) => (written(), Style::Plain),
        T::Boolean(b) => (b.to_string(), Style::Plain),
        T::Datetime(d) => (d.to_string(), Style::Plain),
        T::Array(a) => {
            let items = a.iter().map(|x| value_node(x, src)).collect();
            return Node {
                pos: at,
                value: Value::Seq(items),
            };
        }
        T::Table(t) => return table_node(t, at, src),
    };
    Node::scalar_node(at, text, style)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_text() {
        let text = "[package]\nname = \"x\"\nv = 1_000\n\n[dependencies]\nserde = \"1\"\naxum = { version = \"0.8\" }\n";
        let n = parse(text).unwrap();
        let deps = n.at("dependencies");
        assert_eq!(deps.entry("axum").map(|e| e.key), Some(Pos::new(7, 1)));
        assert_eq!(deps.at("axum").at("version").pos, Pos::new(7, 20));
        assert_eq!(
            n.path(&["package", "name"]).and_then(Node::as_str),
            Some("x")
        );
        assert_eq!(
            n.path(&["package", "v"]).and_then(Node::scalar),
            Some("1_000")
        );
    }

    #[test]
    fn hostile_inputs_are_refused() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse(&format!("a = {deep}")),
            Err(Error::Limit(..))
        ));
        assert!(parse(&format!("{} = 1", vec!["a"; 100_000].join("."))).is_err());
        assert!(parse(&format!("[{}]", vec!["a"; 100_000].join("."))).is_err());
        assert!(matches!(parse("a = = 1"), Err(Error::Syntax(..))));
    }
}
