//! YAML text → [`Node`]s, from granit-parser's events (the parser under
//! serde-saphyr), within the shared limits of [`super::limits`].
//!
//! Why events and not serde: events carry each scalar's exact text and style and
//! the span of every node, and the builder is a loop with an explicit stack, so
//! deep input costs heap, not the thread's stack (serde's visitors took ~65 KiB
//! of stack a level in debug builds). Tags are ignored — nothing is constructed
//! from a tag — except the core schema's `!!str` (a string, whatever it looks
//! like) and `!!binary` (its text, base64-decoded, as serde-saphyr reads it). Aliases are expanded by copying the anchored subtree, and every
//! node and every copy is charged to a [`Budget`] of nodes *and* bytes before it
//! is made: a 2 MiB anchored string aliased 3,000 times is one node per alias
//! but 6 GB, and stops after a few dozen copies. Merge keys (`<<: *base`) add
//! the entries that are not there yet.

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle};

use super::budget::{Budget, Cost};
use super::limits::{MAX_DEPTH, check_input};
use super::node::{Mapping, Node, Style, Value};
use super::{Error, Limit};
use crate::position::Pos;

/// How to read a stream.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// The file line of the text's first line (front matter starts after `---`).
    pub first_line: u32,
    /// A repeated mapping key is an error instead of replacing the value.
    pub refuse_repeated_keys: bool,
}

impl Default for Reader {
    fn default() -> Reader {
        Reader {
            first_line: 1,
            refuse_repeated_keys: false,
        }
    }
}

/// Which documents of a stream to read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
    /// The first one; the rest of the stream is not read.
    First,
    /// The only one: a second document is an error.
    Only,
    All,
}

impl Reader {
    /// The stream's only document (`None` when it has none, e.g. only comments).
    pub fn document(self, text: &str) -> Result<Option<Node>, Error> {
        Ok(self.read(text, Take::Only)?.pop())
    }

    /// The stream's first document; the rest is not read.
    pub fn first_document(self, text: &str) -> Result<Option<Node>, Error> {
        Ok(self.read(text, Take::First)?.pop())
    }

    /// Every document of a stream (Kubernetes manifests); empty ones are skipped.
    pub fn documents(self, text: &str) -> Result<Vec<Node>, Error> {
        self.read(text, Take::All)
    }

    fn read(self, text: &str, take: Take) -> Result<Vec<Node>, Error> {
        let mut b = Builder {
            reader: self,
            stack: Vec::new(),
            anchors: HashMap::new(),
            budget: Budget::new(),
            root: None,
            docs: Vec::new(),
        };
        check_input(text).map_err(|e| Error::Limit(Pos::UNKNOWN, e))?;
        let mut options = Options::default();
        options.emit_comments = false;
        // The parser refuses raw nesting deeper than the shared limit (reported as
        // that limit below); the budget does the same after aliases.
        options.flow_nesting_limit = MAX_DEPTH;
        options.block_nesting_limit = MAX_DEPTH;
        for event in Parser::new_from_str_with_options(text, options) {
            let (event, span) = event.map_err(|e| {
                let pos = b.pos_of(e.marker().line(), e.marker().col());
                if *e.kind() == ErrorKind::RecursionLimitExceeded {
                    return Error::Limit(pos, Limit::Depth.into());
                }
                Error::Syntax(pos, e.info())
            })?;
            let pos = b.pos_of(span.start.line(), span.start.col());
            if let Event::DocumentEnd = event {
                // An empty document (`---` alone) is no document.
                if let Some(root) = b.root.take().filter(|r| !r.is_null()) {
                    if take == Take::Only && !b.docs.is_empty() {
                        let m =
                            "the file holds more than one YAML document (`---`); one is expected";
                        return Err(Error::Syntax(root.pos, m.to_string()));
                    }
                    b.docs.push(root);
                    if take == Take::First {
                        break;
                    }
                }
                continue;
            }
            b.event(event, pos)?;
        }
        Ok(b.docs)
    }
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        map: Mapping,
        key: Option<Node>,
        /// Values of merge keys, merged when the mapping ends.
        merges: Vec<Node>,
    },
}

struct Builder {
    reader: Reader,
    stack: Vec<Frame>,
    /// Anchor id → (a copy of the anchored node, what copying it costs).
    anchors: HashMap<usize, (Node, Cost)>,
    budget: Budget,
    root: Option<Node>,
    docs: Vec<Node>,
}

impl Builder {
    /// A 0-based parser line and column as a 1-based file position.
    fn pos_of(&self, line: usize, col: usize) -> Pos {
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let column = u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1);
        let line = line
            .saturating_add(self.reader.first_line)
            .saturating_sub(1);
        Pos::new(line.max(1), column)
    }

    /// Charge one node read from the text (`bytes` of scalar text).
    fn count(&mut self, bytes: usize, collection: bool, pos: Pos) -> Result<(), Error> {
        self.budget
            .node(self.stack.len(), bytes, collection)
            .map_err(|l| Error::Limit(pos, l.into()))
    }

    fn event(&mut self, event: Event<'_>, pos: Pos) -> Result<(), Error> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(text.len(), false, pos)?;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                // `!!str`, `!!binary`: the handle of YAML's own tags.
                let core = tag.as_ref().filter(|t| t.handle() == "tag:yaml.org,2002:");
                let node = match core.map(|t| t.suffix()) {
                    Some("str") => Node::scalar_node(pos, text, Style::Quoted),
                    Some("binary") => match base64(&text) {
                        Some(bytes) => {
                            let text = String::from_utf8_lossy(&bytes).into_owned();
                            Node::scalar_node(pos, text, Style::Quoted)
                        }
                        None => {
                            return Err(Error::Syntax(
                                pos,
                                "invalid base64 in a `!!binary` value".to_string(),
                            ));
                        }
                    },
                    _ => Node::scalar_node(pos, text, style),
                };
                self.complete(node, anchor)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.count(0, true, pos)?;
                let items = Vec::new();
                self.stack.push(Frame::Seq { pos, anchor, items });
            }
            Event::MappingStart(_, anchor, _) => {
                self.count(0, true, pos)?;
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    map: Mapping::default(),
                    key: None,
                    merges: Vec::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => {
                        let value = Value::Seq(items);
                        (Node { pos, value }, anchor)
                    }
                    Some(Frame::Map {
                        pos,
                        anchor,
                        mut map,
                        merges,
                        ..
                    }) => {
                        // `<<: *a` or `<<: [*a, *b]`; anything else merges nothing.
                        let sources = merges.into_iter().flat_map(|m| match m.value {
                            Value::Seq(items) => items,
                            _ => vec![m],
                        });
                        for source in sources {
                            if let Value::Map(m) = source.value {
                                map.merge(m);
                            }
                        }
                        (
                            Node {
                                pos,
                                value: Value::Map(map),
                            },
                            anchor,
                        )
                    }
                    None => return Ok(()),
                };
                self.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(&(_, cost)) = self.anchors.get(&id) else {
                    let m = "alias (`*name`) to an unknown anchor".to_string();
                    return Err(Error::Syntax(pos, m));
                };
                // Charged before the copy is made.
                self.budget
                    .alias(self.stack.len(), cost)
                    .map_err(|l| Error::Limit(pos, l.into()))?;
                if let Some((node, _)) = self.anchors.get(&id) {
                    let value = node.value.clone();
                    self.complete(Node { pos, value }, 0)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            let cost = node.cost();
            self.budget
                .anchor_copy(cost)
                .map_err(|l| Error::Limit(node.pos, l.into()))?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                map, key, merges, ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) if is_merge_key(&k) => merges.push(node),
                Some(k) => {
                    let at = k.pos;
                    let refuse = self.reader.refuse_repeated_keys;
                    map.insert(k, node, refuse).map_err(|name| {
                        let m = format!("the key `{name}` is repeated in this mapping; keep one");
                        Error::Syntax(at, m)
                    })?;
                }
            },
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
        Ok(())
    }
}

/// Standard base64 (white space ignored, padding optional).
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::Scalar(s) if s.style == Style::Plain && s.text == "<<")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::node::Kind;

    fn one(text: &str) -> Node {
        Reader::default().document(text).unwrap().unwrap()
    }

    #[test]
    fn keeps_positions_text_and_styles() {
        let r = Reader {
            first_line: 5,
            ..Reader::default()
        };
        let root = r
            .document("a: 1.10\nlist:\n  - {id: x}\nq: '1'\n")
            .unwrap()
            .unwrap();
        assert_eq!(root.entry("a").map(|e| e.key), Some(Pos::new(5, 1)));
        let a = root.at("a");
        assert_eq!(
            (a.pos, a.scalar(), a.kind()),
            (Pos::new(5, 4), Some("1.10"), Kind::Number)
        );
        let id = root.at("list").items()[0].at("id");
        assert_eq!((id.pos, id.as_str()), (Pos::new(7, 10), Some("x")));
        assert_eq!(
            (root.at("q").as_str(), root.at("q").kind()),
            (Some("1"), Kind::String)
        );
    }

    #[test]
    fn nulls_booleans_and_quoted_null() {
        let root = one("a:\nb: ~\nc: 'null'\nd: true\ne: yes\n");
        assert!(root.at("a").is_null() && root.at("b").is_null());
        assert_eq!(root.at("c").as_str(), Some("null"));
        assert_eq!(root.at("d").kind(), Kind::Bool(true));
        assert!(root.at("d").is_true() && root.at("e").is_true());
        assert_eq!(root.at("e").as_str(), Some("yes"));
        let tagged = one("s: !!str 2
b: !!binary aGVsbG8=
c: !custom 3
");
        assert_eq!(tagged.at("s").kind(), Kind::String);
        assert_eq!(tagged.at("b").as_str(), Some("hello"));
        assert_eq!(tagged.at("c").kind(), Kind::Number);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let r = Reader {
            first_line: 2,
            ..Reader::default()
        };
        let Err(Error::Syntax(pos, _)) = r.document("a: [1, 2\nb: 3\n") else {
            panic!()
        };
        assert!(pos.line >= 2, "{pos:?}");
        let Err(Error::Syntax(pos, m)) = Reader::default().document("a: 1\n---\nb: 2\n") else {
            panic!()
        };
        assert_eq!(pos.line, 3);
        assert!(m.contains("more than one YAML document"), "{m}");
        let first = Reader::default()
            .first_document("a: 1\n---\nb: [\n")
            .unwrap();
        assert!(first.is_some_and(|n| n.get("a").is_some()));
    }

    #[test]
    fn repeated_keys_replace_or_are_refused() {
        let root = one("a: 1\nb: 2\na: 3\n");
        let keys: Vec<&str> = root.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(root.at("a").scalar(), Some("3"));
        let refuse = Reader {
            refuse_repeated_keys: true,
            ..Reader::default()
        };
        let Err(Error::Syntax(pos, m)) = refuse.document("a: 1\nb: 2\na: 3\n") else {
            panic!()
        };
        assert_eq!((pos, m.contains("`a` is repeated")), (Pos::new(3, 1), true));
    }

    #[test]
    fn aliases_and_merge_keys() {
        let root = one("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nl: [*b]\n");
        let other = root.at("other");
        let pairs: Vec<(&str, Option<&str>)> = other
            .entries()
            .map(|(k, e)| (k, e.value.scalar()))
            .collect();
        assert_eq!(pairs, [("y", Some("3")), ("x", Some("1"))]);
        let copy = &root.at("l").items()[0];
        assert_eq!(
            (copy.pos, copy.at("x").scalar()),
            (Pos::new(5, 5), Some("1"))
        );
    }

    #[test]
    fn multi_document_streams() {
        let docs = Reader::default()
            .documents("kind: A\n---\nkind: B\nx: 1\n---\n")
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].entry("x").map(|e| e.key.line), Some(4));
        assert_eq!(Reader::default().document("# nothing\n").unwrap(), None);
    }

    #[test]
    fn limits() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let Err(Error::Limit(pos, e)) = Reader::default().document(&deep) else {
            panic!()
        };
        assert_eq!((pos, e.limit), (Pos::new(1, 65), Limit::Depth));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(Reader::default().document(&ok).is_ok());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{p}"); 10].join(", ")
            ));
        }
        let Err(Error::Limit(_, e)) = Reader::default().document(&bomb) else {
            panic!()
        };
        assert_eq!(e.limit, Limit::AliasNodes);
        let deep_map = "a:\n".to_string()
            + &(1..2000)
                .map(|i| format!("{}b:\n", " ".repeat(i)))
                .collect::<String>();
        assert!(matches!(
            Reader::default().document(&deep_map),
            Err(Error::Limit(_, _))
        ));
    }
}
