//! Helpers that map the positioned YAML tree onto typed fields, reporting every
//! problem (unknown key, wrong shape, bad value) as an SA002 diagnostic at the
//! node's position and carrying on with whatever can be read.

use super::Diagnostic;
use crate::position::{At, Pos};
use crate::syntax::{Kind, Node, Value};

/// Collects diagnostics while mapping.
#[derive(Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            rule: "SA002",
            message: message.into(),
            pos,
        });
    }
}

/// The entries of one mapping, checked against the fields it may have.
pub struct Fields<'n> {
    pub pos: Pos,
    /// (name, key position, value) in source order.
    entries: Vec<(&'n str, Pos, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// Read `node` as a mapping with the `allowed` keys. `what` names it in
    /// messages (e.g. `control SC-01`). Unknown keys are reported with the
    /// closest valid name; duplicates are reported and the first one wins.
    pub fn of(node: &'n Node, allowed: &[&str], what: &str, sink: &mut Sink) -> Option<Fields<'n>> {
        let Some(mapping) = node.mapping() else {
            if !node.is_null() {
                sink.error(
                    node.pos,
                    format!(
                        "{what} must be a mapping (key: value), not {}",
                        kind_name(node)
                    ),
                );
            }
            return None;
        };
        let entries = mapping.written();
        let mut fields = Fields {
            pos: node.pos,
            entries: Vec::with_capacity(entries.len()),
        };
        for (name, key, value) in entries {
            let Some(name) = name else {
                sink.error(
                    key,
                    format!("{what} has a key that is not text; use plain field names"),
                );
                continue;
            };
            if !allowed.contains(&name) {
                sink.error(key, unknown_field_message(name, allowed, what));
                continue;
            }
            if fields.entries.iter().any(|(n, _, _)| *n == name) {
                sink.error(
                    key,
                    format!("{what} has `{name}` twice; keep one (the first one is used)"),
                );
                continue;
            }
            fields.entries.push((name, key, value));
        }
        Some(fields)
    }

    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, v)| *v)
    }

    /// Position of the key `name` (for findings about a missing/empty value).
    pub fn key_pos(&self, name: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, k, _)| *k)
    }

    /// Keys present, in source order, with their positions.
    pub fn keys(&self) -> impl Iterator<Item = (&'n str, Pos)> + '_ {
        self.entries.iter().map(|(n, k, _)| (*n, *k))
    }

    /// A text field (`None` when absent or null).
    pub fn text(&self, name: &str, what: &str, sink: &mut Sink) -> Option<At<String>> {
        self.get(name)
            .and_then(|n| text(n, &format!("{what}: `{name}`"), sink))
    }

    /// A boolean field.
    pub fn flag(&self, name: &str, what: &str, sink: &mut Sink) -> Option<At<bool>> {
        let node = self.get(name)?;
        match &node.value {
            _ if node.is_null() => None,
            Value::Scalar(s) => match s.text.as_str() {
                "true" | "True" | "TRUE" => Some(At::new(true, node.pos)),
                "false" | "False" | "FALSE" => Some(At::new(false, node.pos)),
                other => {
                    sink.error(
                        node.pos,
                        format!("{what}: `{name}` must be true or false, not `{other}`"),
                    );
                    None
                }
            },
            _ => {
                sink.error(
                    node.pos,
                    format!(
                        "{what}: `{name}` must be true or false, not {}",
                        kind_name(node)
                    ),
                );
                None
            }
        }
    }

    /// A list of text values. A single value is accepted (and reported) as a
    /// one-element list so later rules still see it.
    pub fn text_list(&self, name: &str, what: &str, sink: &mut Sink) -> Vec<At<String>> {
        let Some(node) = self.get(name) else {
            return Vec::new();
        };
        let ctx = format!("{what}: `{name}`");
        items(node, &ctx, sink)
            .into_iter()
            .filter_map(|n| text(n, &ctx, sink))
            .collect()
    }
}

/// `"{kind} {id}"` for a mapping item with a text `id`, else `"a {kind}"`:
/// how messages name the item.
pub fn label(node: &Node, kind: &str) -> String {
    let id = node
        .mapping()
        .and_then(|m| m.written().into_iter().find(|(k, _, _)| *k == Some("id")))
        .and_then(|(_, _, v)| v.scalar())
        .filter(|id| !id.trim().is_empty());
    match id {
        Some(id) => format!("{kind} {id}"),
        None => format!("a {kind}"),
    }
}

/// The items of a list node (a lone scalar is reported and taken as one item).
pub fn items<'n>(node: &'n Node, what: &str, sink: &mut Sink) -> Vec<&'n Node> {
    match &node.value {
        _ if node.is_null() => Vec::new(),
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(s) => {
            let text = &s.text;
            sink.error(node.pos, format!("{what} must be a list; write [{text}]"));
            vec![node]
        }
        Value::Map(_) => {
            sink.error(
                node.pos,
                format!("{what} must be a list, not a mapping; start each item with `- `"),
            );
            Vec::new()
        }
    }
}

/// A text value (`None` for null; reported when it is a list or mapping).
pub fn text(node: &Node, what: &str, sink: &mut Sink) -> Option<At<String>> {
    match &node.value {
        _ if node.is_null() => None,
        Value::Scalar(s) => Some(At::new(s.text.clone(), node.pos)),
        _ => {
            sink.error(
                node.pos,
                format!("{what} must be a single value, not {}", kind_name(node)),
            );
            None
        }
    }
}

/// A short name of the node's kind, for messages.
fn kind_name(node: &Node) -> &'static str {
    match node.kind() {
        Kind::Null => "an empty value",
        Kind::Seq => "a list",
        Kind::Map => "a mapping",
        _ => "a single value",
    }
}

/// The message for a key that is not in `allowed`.
pub fn unknown_field_message(name: &str, allowed: &[&str], what: &str) -> String {
    match closest(name, allowed.iter().copied()) {
        Some(s) => format!("unknown field `{name}` in {what}; did you mean `{s}`?"),
        None => format!(
            "unknown field `{name}` in {what}; valid fields: {}",
            allowed.join(", ")
        ),
    }
}

/// The candidate closest to `word`, when it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let word_len = lower.chars().count();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let c_lower: std::borrow::Cow<'_, str> = if c.chars().any(char::is_uppercase) {
            c.to_lowercase().into()
        } else {
            c.into()
        };
        let score = strsim::jaro_winkler(&lower, &c_lower);
        let c_len = c_lower.chars().count();
        let longest = word_len.max(c_len).max(1);
        // Plural/singular, underscores for hyphens, one or two slips of the finger.
        let limit = 2.max(longest / 4);
        let close = score >= 0.9
            || (word_len.abs_diff(c_len) <= limit && {
                let d = strsim::osa_distance(&lower, &c_lower);
                d <= limit && d < longest
            });
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The closest allowed value for an enumerated field, as a message tail.
pub fn value_hint(value: &str, allowed: &[&str]) -> String {
    match closest(value, allowed.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("use one of: {}", allowed.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        let fields = [
            "id",
            "title",
            "layer",
            "boundaries",
            "mitigates",
            "requirements",
        ];
        assert_eq!(closest("mitigate", fields), Some("mitigates"));
        assert_eq!(closest("boundary", fields), Some("boundaries"));
        assert_eq!(closest("requirments", fields), Some("requirements"));
        assert_eq!(closest("Layer", fields), Some("layer"));
        assert_eq!(closest("owner", fields), None);
        assert_eq!(closest("xyz", fields), None);
    }
}
