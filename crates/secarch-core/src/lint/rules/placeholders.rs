//! SA006: no placeholder is left. `secarch init` writes a skeleton full of `TODO`s (product name,
//! `requirements: [TODO-REQ]`, every safety assessment); a document that still has them must not
//! lint clean, however complete its structure looks. Any `TODO`, `TBD` or `FIXME` written as a
//! word in capitals counts, in the front matter's values and in the body; YAML comments do not
//! (they explain, they are not content).

use crate::lint::context::{Ctx, Out};
use crate::position::Pos;

/// The markers; a marker is found where it is not part of a longer word (`T-TODO`, `TODO-REQ` and
/// `TODO:` count, `TODOS` or `MASTODON` do not).
const MARKERS: [&str; 3] = ["TODO", "TBD", "FIXME"];

/// Most findings listed one by one; the rest are counted in the last one.
const LISTED: usize = 50;

/// SA006: a placeholder marker left in the document.
pub fn sa006(cx: &Ctx<'_>, out: &mut Out) {
    let Ok(Some(bytes)) = cx.input.source.read(&cx.doc.path) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let found = markers(&text);
    for (i, (line, column, marker)) in found.iter().enumerate() {
        if i == LISTED {
            out.push(
                "SA006",
                Pos::new(*line, *column),
                format!(
                    "{} more placeholders after this one; replace every TODO/TBD/FIXME with the real content",
                    found.len() - LISTED
                ),
            );
            break;
        }
        out.push(
            "SA006",
            Pos::new(*line, *column),
            format!(
                "placeholder `{marker}` left in the document; replace it with the real content (`secarch init` wrote the skeleton's placeholders as TODO)"
            ),
        );
    }
}

/// Every marker as (line, column, marker), 1-based; YAML comment lines of the front matter skipped.
fn markers(text: &str) -> Vec<(u32, u32, &'static str)> {
    let mut out = Vec::new();
    let mut in_front_matter = false;
    for (n, line) in text.lines().enumerate() {
        if n == 0 && line.trim_end() == "---" {
            in_front_matter = true;
            continue;
        }
        if in_front_matter && line.trim_end() == "---" {
            in_front_matter = false;
            continue;
        }
        if in_front_matter && line.trim_start().starts_with('#') {
            continue;
        }
        for (column, marker) in markers_in(line) {
            out.push((to_u32(n + 1), to_u32(column), marker));
        }
    }
    out
}

/// Markers in one line as (1-based character column, marker).
fn markers_in(line: &str) -> Vec<(usize, &'static str)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    for marker in MARKERS {
        let mut from = 0;
        while let Some(i) = line[from..].find(marker) {
            let start = from + i;
            let end = start + marker.len();
            let before = start.checked_sub(1).map(|j| bytes[j]);
            let after = bytes.get(end).copied();
            let word_char = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
            if !word_char(before) && !word_char(after) {
                out.push((line[..start].chars().count() + 1, marker));
            }
            from = end;
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
        let doc = "---\n# Replace every TODO here\ntitle: \"TODO product\"\n---\n\nTBD: intro\n";
        assert_eq!(markers(doc), vec![(3, 9, "TODO"), (6, 1, "TBD")]);
    }
}
