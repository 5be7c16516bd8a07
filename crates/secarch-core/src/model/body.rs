//! The Markdown body: headings (with GitHub-style anchors, for `ref: "#…"`)
//! and fenced Mermaid blocks (the diagrams), read with a real CommonMark parser
//! so that a `#` inside a code block is never taken for a heading.

pub use crate::position::LineIndex;
use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// What the body offers the rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Body {
    /// File line where the body starts (after the front matter).
    pub start_line: u32,
    pub headings: Vec<Heading>,
    pub mermaid: Vec<MermaidBlock>,
}

/// One heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// Plain text (inline markup removed).
    pub text: String,
    /// 1–6.
    pub level: u8,
    pub line: u32,
    /// GitHub-style anchor slug, unique in the document (`-1`, `-2` suffixes).
    pub anchor: String,
}

/// One ```` ```mermaid ```` fenced block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MermaidBlock {
    pub content: String,
    /// Line of the opening fence.
    pub line: u32,
    /// Index into `Body::headings` of the nearest heading above the block.
    pub heading: Option<usize>,
}

impl Body {
    /// The heading with this anchor (without the leading `#`).
    pub fn heading_by_anchor(&self, anchor: &str) -> Option<usize> {
        self.headings.iter().position(|h| h.anchor == anchor)
    }

    /// Mermaid blocks in the section of heading `index` (up to the next heading
    /// of the same or a higher level), subsections included.
    pub fn mermaid_in_section(&self, index: usize) -> impl Iterator<Item = &MermaidBlock> {
        let level = self.headings.get(index).map_or(0, |h| h.level);
        let end = self
            .headings
            .iter()
            .enumerate()
            .skip(index + 1)
            .find(|(_, h)| h.level <= level)
            .map_or(usize::MAX, |(i, _)| i);
        self.mermaid
            .iter()
            .filter(move |m| m.heading.is_some_and(|h| h >= index && h < end))
    }
}

/// Parse the body `text`, which starts at byte `base` of the file indexed by `lines`.
pub fn parse_body(text: &str, base: usize, lines: &LineIndex) -> Body {
    let mut body = Body {
        start_line: lines.line_of(base),
        ..Body::default()
    };
    let mut slugs = Slugger::default();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut mermaid: Option<(usize, String)> = None;
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_number(level), range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, text)) = heading.take() {
                    let text = text.trim().to_string();
                    body.headings.push(Heading {
                        anchor: slugs.slug(&text),
                        text,
                        level,
                        line: lines.line_of(base + start),
                    });
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info
                    .split_whitespace()
                    .next()
                    .is_some_and(|lang| lang.eq_ignore_ascii_case("mermaid")) =>
            {
                mermaid = Some((range.start, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((start, content)) = mermaid.take() {
                    body.mermaid.push(MermaidBlock {
                        content,
                        line: lines.line_of(base + start),
                        heading: body.headings.len().checked_sub(1),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some((_, m)) = mermaid.as_mut() {
                    m.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push(' ');
                }
            }
            _ => {}
        }
    }
    body
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// GitHub's anchor algorithm: lowercase, drop everything but letters, digits,
/// spaces, `-` and `_`, spaces become `-`; repeats get `-1`, `-2`, ….
#[derive(Default)]
struct Slugger {
    seen: HashMap<String, usize>,
}

impl Slugger {
    fn slug(&mut self, text: &str) -> String {
        let base = slug(text);
        let mut candidate = base.clone();
        loop {
            match self.seen.get_mut(&base) {
                None => break,
                Some(n) => {
                    *n += 1;
                    candidate = format!("{base}-{n}");
                    if !self.seen.contains_key(&candidate) {
                        break;
                    }
                }
            }
        }
        self.seen.entry(base).or_insert(0);
        self.seen.entry(candidate.clone()).or_insert(0);
        candidate
    }
}

/// The GitHub-style slug of one heading text (without de-duplication).
pub fn slug(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Body {
        parse_body(text, 0, &LineIndex::new(text))
    }

    #[test]
    fn headings_with_lines_levels_and_anchors() {
        let b = body(
            "intro\n\n# Scope\n\n## Trust zones & boundaries\n\nSetext `code` heading\n---\n\n## Scope\n",
        );
        let got: Vec<(&str, u8, u32, &str)> = b
            .headings
            .iter()
            .map(|h| (h.text.as_str(), h.level, h.line, h.anchor.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Scope", 1, 3, "scope"),
                ("Trust zones & boundaries", 2, 5, "trust-zones--boundaries"),
                ("Setext code heading", 2, 7, "setext-code-heading"),
                ("Scope", 2, 10, "scope-1"),
            ]
        );
    }

    #[test]
    fn mermaid_blocks_not_headings_inside_code() {
        let text = "# Diagrams\n\n```mermaid\nflowchart LR\n  gw --> db\n```\n\n```sh\n# not a heading\n```\n\n## Sub\n\n~~~ Mermaid\ngraph TD\n~~~\n";
        let b = body(text);
        assert_eq!(b.headings.len(), 2);
        assert_eq!(b.mermaid.len(), 2);
        assert_eq!(b.mermaid[0].line, 3);
        assert_eq!(b.mermaid[0].content, "flowchart LR\n  gw --> db\n");
        assert_eq!(b.mermaid[0].heading, Some(0));
        assert_eq!(b.mermaid[1].heading, Some(1));
        assert_eq!(b.mermaid_in_section(0).count(), 2);
        assert_eq!(b.mermaid_in_section(1).count(), 1);
    }

    #[test]
    fn lines_are_file_lines_with_a_base_offset() {
        let file = "---\na: 1\n---\n# Title\n";
        let lines = LineIndex::new(file);
        let b = parse_body(&file[13..], 13, &lines);
        assert_eq!(b.start_line, 4);
        assert_eq!(b.headings[0].line, 4);
    }

    #[test]
    fn slug_keeps_unicode_letters() {
        assert_eq!(slug("Sécurité — Übersicht"), "sécurité--übersicht");
        assert_eq!(slug("1. Global-system view!"), "1-global-system-view");
    }
}
