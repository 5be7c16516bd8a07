//! A positioned YAML tree built from parser events.
//!
//! The front matter is first read into this generic tree (every node keeps its
//! line and column) and only then mapped onto the document types. Mapping from
//! a tree lets one unknown or mistyped field be reported while the rest of the
//! document still loads, so the other lint rules still run.
//!
//! Scalars keep their source text (`version: 1.10` stays `"1.10"`), tags are
//! ignored (nothing is ever constructed from a tag), and aliases are expanded
//! by copying the anchored subtree. Every node and every copy is charged to a
//! [`Budget`] of nodes *and* bytes before it is made (the shared limits of
//! [`crate::syntax::limits`]): a 2 MiB anchored string aliased 3,000 times is
//! one node per alias but 6 GB, and stops after a few dozen copies with an
//! SA002 finding naming the limit.

use std::collections::{HashMap, HashSet};

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle, Span};

use crate::position::Pos;
use crate::syntax::budget::{Budget, Cost};
use crate::syntax::limits::{MAX_DEPTH, check_input};
use crate::syntax::{Limit, LimitError};

/// One YAML node with the position of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `~`, `null`, or an empty value.
    Null,
    /// Any other scalar, as written (after YAML escape processing).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are kept (the mapper reports them).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text, when this is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// What a copy of this subtree costs (for the budget of anchors and aliases).
    fn cost(&self) -> Cost {
        let children = |nodes: &mut dyn Iterator<Item = &Node>| {
            nodes.fold(Cost::default(), |acc, n| {
                let c = n.cost();
                Cost {
                    nodes: acc.nodes.saturating_add(c.nodes),
                    bytes: acc.bytes.saturating_add(c.bytes),
                    height: acc.height.max(c.height),
                }
            })
        };
        let inner = match &self.kind {
            Kind::Null => {
                return Cost {
                    nodes: 1,
                    ..Cost::default()
                };
            }
            Kind::Scalar { text, .. } => {
                return Cost {
                    nodes: 1,
                    bytes: text.len(),
                    height: 0,
                };
            }
            Kind::Seq(items) => children(&mut items.iter()),
            Kind::Map(entries) => children(&mut entries.iter().flat_map(|(k, v)| [k, v])),
        };
        Cost {
            nodes: inner.nodes.saturating_add(1),
            bytes: inner.bytes,
            height: inner.height + 1,
        }
    }

    /// A short name of the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "an empty value",
            Kind::Scalar { .. } => "a single value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Why the YAML could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Parse one YAML document. `first_line` is the file line of the text's first
/// line, so positions are file positions. `Ok(None)` for an empty document.
pub fn parse(text: &str, first_line: u32) -> Result<Option<Node>, YamlError> {
    check_input(text).map_err(|e| over_limit(Pos::new(first_line, 1), e))?;
    let mut options = Options::default();
    options.emit_comments = false;
    // The parser refuses raw nesting deeper than the shared limit (its error is
    // reported as that limit below); the budget does the same after aliases.
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    let mut builder = Builder {
        first_line,
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: Budget::new(),
        root: None,
        documents: 0,
    };
    for event in Parser::new_from_str_with_options(text, options) {
        let (event, span) = event.map_err(|e| {
            let pos = builder.pos_of(e.marker().line(), e.marker().col());
            if *e.kind() == ErrorKind::RecursionLimitExceeded {
                return over_limit(pos, Limit::Depth.into());
            }
            YamlError {
                pos,
                message: format!("YAML syntax error: {}", e.info()),
            }
        })?;
        if builder.event(event, &span)? {
            break;
        }
    }
    Ok(builder.root)
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
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder {
    first_line: u32,
    stack: Vec<Frame>,
    /// Anchor id → (a copy of the anchored node, what copying it costs).
    anchors: HashMap<usize, (Node, Cost)>,
    budget: Budget,
    root: Option<Node>,
    documents: usize,
}

impl Builder {
    fn pos_of(&self, line: usize, col: usize) -> Pos {
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let column = u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1);
        Pos::new(
            line.saturating_add(self.first_line).saturating_sub(1),
            column,
        )
    }

    fn span_pos(&self, span: &Span) -> Pos {
        self.pos_of(span.start.line(), span.start.col())
    }

    /// Charge one node read from the text (`bytes` of scalar text).
    fn count(&mut self, bytes: usize, collection: bool, pos: Pos) -> Result<(), YamlError> {
        self.budget
            .node(self.stack.len(), bytes, collection)
            .map_err(|l| over_limit(pos, l.into()))
    }

    /// Handle one event; `Ok(true)` = stop (first document complete).
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<bool, YamlError> {
        let pos = self.span_pos(span);
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Ok(true);
                }
            }
            Event::DocumentEnd => return Ok(self.root.is_some()),
            Event::Scalar(text, style, anchor, _tag) => {
                self.count(text.len(), false, pos)?;
                let plain = style == ScalarStyle::Plain;
                let kind = if plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar {
                        text: text.into_owned(),
                        plain,
                    }
                };
                self.complete(Node { pos, kind }, anchor, pos)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.count(0, true, pos)?;
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.count(0, true, pos)?;
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { pos, anchor, items }) = self.stack.pop() {
                    let node = Node {
                        pos,
                        kind: Kind::Seq(items),
                    };
                    self.complete(node, anchor, pos)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    pos,
                    anchor,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    let node = Node {
                        pos,
                        kind: Kind::Map(merge_keys(entries)),
                    };
                    self.complete(node, anchor, pos)?;
                }
            }
            Event::Alias(id) => {
                let Some(&(_, cost)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        message: "alias to an unknown anchor".to_string(),
                    });
                };
                // Charged before the copy is made.
                self.budget
                    .alias(self.stack.len(), cost)
                    .map_err(|l| over_limit(pos, l.into()))?;
                if let Some((node, _)) = self.anchors.get(&id) {
                    let copy = Node {
                        pos,
                        kind: node.kind.clone(),
                    };
                    self.complete(copy, 0, pos)?;
                }
            }
            _ => {}
        }
        Ok(false)
    }

    fn complete(&mut self, node: Node, anchor: usize, pos: Pos) -> Result<(), YamlError> {
        if anchor != 0 {
            let cost = node.cost();
            self.budget
                .anchor_copy(cost)
                .map_err(|l| over_limit(pos, l.into()))?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
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

/// The SA002 message for a front matter over one of the shared limits.
fn over_limit(pos: Pos, e: LimitError) -> YamlError {
    YamlError {
        pos,
        message: e.explain("the front matter"),
    }
}

/// Expand YAML merge keys (`<<: *base`): entries already present win.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.kind, Kind::Scalar { text, plain: true } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut out: Vec<(Node, Node)> = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if !is_merge(&k) {
            out.push((k, v));
            continue;
        }
        let sources = match v.kind {
            Kind::Map(m) => vec![m],
            Kind::Seq(items) => items
                .into_iter()
                .filter_map(|i| match i.kind {
                    Kind::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for source in sources {
            merged.extend(source);
        }
    }
    // A set of the keys present: one lookup per merged entry, not a scan of the
    // mapping (a 10,000-key mapping merged into a 10,000-key one stays linear).
    let mut present: HashSet<Option<String>> = out
        .iter()
        .map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    for (k, v) in merged {
        if present.insert(k.as_str().map(str::to_string)) {
            out.push((k, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(n: &Node) -> &str {
        n.as_str().unwrap_or("<not a scalar>")
    }

    #[test]
    fn keeps_positions_and_text() {
        let root = parse("a: 1.10\nlist:\n  - {id: x}\n", 5).unwrap().unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("not a map")
        };
        assert_eq!(scalar(&entries[0].0), "a");
        assert_eq!(entries[0].0.pos, Pos::new(5, 1));
        assert_eq!(scalar(&entries[0].1), "1.10");
        assert_eq!(entries[0].1.pos, Pos::new(5, 4));
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!("not a seq")
        };
        let Kind::Map(inner) = &items[0].kind else {
            panic!("not a map")
        };
        assert_eq!(inner[0].1.pos, Pos::new(7, 10));
        assert_eq!(scalar(&inner[0].1), "x");
    }

    #[test]
    fn nulls_and_quoted_null() {
        let root = parse("a:\nb: ~\nc: 'null'\n", 1).unwrap().unwrap();
        let Kind::Map(e) = &root.kind else { panic!() };
        assert!(e[0].1.is_null());
        assert!(e[1].1.is_null());
        assert_eq!(scalar(&e[2].1), "null");
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: 3\n", 2).unwrap_err();
        assert!(
            err.message.starts_with("YAML syntax error"),
            "{}",
            err.message
        );
        assert!(err.pos.line >= 2, "{:?}", err.pos);
    }

    #[test]
    fn aliases_and_merge_keys() {
        let root = parse("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", 1)
            .unwrap()
            .unwrap();
        let Kind::Map(e) = &root.kind else { panic!() };
        let Kind::Map(other) = &e[1].1.kind else {
            panic!()
        };
        let pairs: Vec<(&str, &str)> = other.iter().map(|(k, v)| (scalar(k), scalar(v))).collect();
        assert_eq!(pairs, vec![("y", "3"), ("x", "1")]);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text, 1).unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = parse(&text, 1).unwrap_err();
        assert!(
            err.message.contains("deeper than 64 levels"),
            "{}",
            err.message
        );
        assert_eq!(err.pos, Pos::new(1, 65));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok, 1).is_ok());
    }

    #[test]
    fn empty_document() {
        assert_eq!(parse("", 1).unwrap(), None);
        assert_eq!(parse("# only a comment\n", 1).unwrap(), None);
    }
}
