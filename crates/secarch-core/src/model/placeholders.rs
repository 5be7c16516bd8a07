//! Placeholders left in a document: `TODO`, `TBD` or `FIXME` written as a word in capitals, in the
//! front matter's values and in the body (`secarch init` writes its skeleton's placeholders as
//! `TODO`). Found once while the document is parsed; SA006 reports them and `init` counts them.
//! The front matter's YAML comments do not count: they explain, they are not content.

use serde::Serialize;

use super::split::{FenceState, split};
use crate::position::Pos;

/// The markers; one counts where it is not part of a longer word (`T-TODO`, `TODO-REQ` and `TODO:`
/// count, `TODOS` or `MASTODON` do not).
const MARKERS: [&str; 3] = ["TODO", "TBD", "FIXME"];

/// One placeholder marker and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub pos: Pos,
    pub marker: &'static str,
}

/// Every placeholder of `text` in file order.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let parts = split(text);
    // File lines (1-based) of the YAML between the fences, where comment lines are skipped.
    let yaml_lines = match parts.state {
        FenceState::Closed => {
            let first = parts.yaml_first_line as usize;
            first..first + parts.yaml.lines().count()
        }
        FenceState::Absent | FenceState::Unclosed => 0..0,
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if yaml_lines.contains(&(i + 1)) && line.trim_start().starts_with('#') {
            continue;
        }
        for (column, marker) in markers_in(line) {
            out.push(Placeholder {
                pos: Pos::new(to_u32(i + 1), to_u32(column)),
                marker,
            });
        }
    }
    out
}

/// Markers in one line as (1-based character column, marker), left to right.
fn markers_in(line: &str) -> Vec<(usize, &'static str)> {
    let bytes = line.as_bytes();
    let word_char = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let mut out = Vec::new();
    for marker in MARKERS {
        for (start, _) in line.match_indices(marker) {
            let end = start + marker.len();
            if !word_char(start.checked_sub(1).and_then(|j| bytes.get(j)))
                && !word_char(bytes.get(end))
            {
                out.push((line[..start].chars().count() + 1, marker));
            }
        }
    }
    out.sort_unstable();
    out
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_as_words_only() {
        let found = markers_in("TODO: a, T-TODO, [TODO-REQ], TBD. FIXME TODOS MASTODON todo");
        assert_eq!(
            found,
            vec![
                (1, "TODO"),
                (12, "TODO"),
                (19, "TODO"),
                (30, "TBD"),
                (35, "FIXME")
            ]
        );
    }

    #[test]
    fn front_matter_comments_are_skipped_values_and_body_are_not() {
        let doc = "---\n# Replace every TODO here\ntitle: \"TODO product\"\n---\n\n# TBD: intro\n";
        let found: Vec<(u32, u32, &str)> = placeholders(doc)
            .iter()
            .map(|p| (p.pos.line, p.pos.column, p.marker))
            .collect();
        // A `#` line in the body is a heading, not a comment.
        assert_eq!(found, vec![(3, 9, "TODO"), (6, 3, "TBD")]);
    }
}
