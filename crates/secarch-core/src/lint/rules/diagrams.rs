//! Diagrams: SA020 (one exists), SA023 (zones and boundaries shown), SA024
//! (referenced files exist and can be read).
//!
//! A diagram is a ```` ```mermaid ```` block in the body or a file named by a
//! `diagrams[].ref` (resolved against the document's folder, then the
//! repository root).

use crate::lint::context::{Ctx, Out, name};
use crate::model::Diagram;
use crate::position::Pos;

/// Where a diagram `ref` points.
enum Target {
    /// `#anchor` in the body (SA005 checks it).
    Anchor,
    /// A remote URL: not evidence in the repository.
    Url,
    /// An existing file and its text.
    File(String),
    /// No such file; the paths tried.
    Missing(Vec<String>),
    /// The file is there but may not or cannot be read (a link out of the
    /// repository, too large); why.
    Unreadable(String),
}

fn locate(cx: &Ctx<'_>, reference: &str) -> Target {
    if reference.starts_with('#') {
        return Target::Anchor;
    }
    if reference.contains("://") {
        return Target::Url;
    }
    let path = reference.split('#').next().unwrap_or(reference);
    let dir = cx.doc.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut tried = Vec::new();
    let candidates = [join(dir, path), join("", path.trim_start_matches('/'))];
    for candidate in candidates.into_iter().flatten() {
        if tried.contains(&candidate) {
            continue;
        }
        match cx.input.source.read(&candidate) {
            Ok(Some(bytes)) => return Target::File(String::from_utf8_lossy(&bytes).into_owned()),
            Ok(None) => {}
            Err(reason) => return Target::Unreadable(reason),
        }
        tried.push(candidate);
    }
    Target::Missing(tried)
}

/// `dir/path` with `.` and `..` resolved; `None` when it escapes the root.
fn join(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn file_diagrams<'d>(cx: &Ctx<'d>) -> impl Iterator<Item = (&'d Diagram, Target)> {
    cx.doc.diagrams.iter().filter_map(move |d| {
        let r = d.reference.as_ref()?;
        Some((d, locate(cx, r.value.trim())))
    })
}

/// SA020: at least one architecture diagram.
pub fn sa020(cx: &Ctx<'_>, out: &mut Out) {
    if !cx.doc.body.mermaid.is_empty() {
        return;
    }
    if file_diagrams(cx).any(|(_, t)| matches!(t, Target::File(_))) {
        return;
    }
    let pos = cx
        .doc
        .sections
        .get("diagrams")
        .copied()
        .unwrap_or(Pos::new(cx.doc.body.start_line.max(1), 1));
    out.push(
        "SA020",
        pos,
        "the document has no architecture diagram: no ```mermaid block in the body and no diagrams[] entry names an existing file; add a Mermaid diagram under \"## Diagrams\" and list it under diagrams: with ref: \"#its-heading\"",
    );
}

/// SA023: every zone and boundary id appears in some diagram.
pub fn sa023(cx: &Ctx<'_>, out: &mut Out) {
    let mut corpus: Vec<String> = cx
        .doc
        .body
        .mermaid
        .iter()
        .map(|m| m.content.clone())
        .collect();
    corpus.extend(file_diagrams(cx).filter_map(|(_, t)| match t {
        Target::File(text) => Some(text),
        _ => None,
    }));
    if corpus.is_empty() {
        return; // SA020 says it
    }
    let shown = |id: &str| corpus.iter().any(|text| mentions(text, id));
    for z in &cx.doc.zones {
        if !z.id.value.is_empty() && !shown(&z.id.value) {
            out.push(
                "SA023",
                z.id.pos,
                format!(
                    "zone {id} does not appear in any diagram; show it (e.g. `subgraph {id}` in a Mermaid diagram) so reviewers see what it contains",
                    id = z.id.value
                ),
            );
        }
    }
    for b in &cx.doc.boundaries {
        if !b.id.value.is_empty() && !shown(&b.id.value) {
            out.push(
                "SA023",
                b.id.pos,
                format!(
                    "boundary {id} ({}) does not appear in any diagram; label the edge or the subgraph border where it is crossed with {id}",
                    cx.boundary_zones(b),
                    id = b.id.value
                ),
            );
        }
    }
}

/// SA024: a referenced diagram file exists.
pub fn sa024(cx: &Ctx<'_>, out: &mut Out) {
    for (d, target) in file_diagrams(cx) {
        let Some(r) = &d.reference else { continue };
        let message = match target {
            Target::Anchor | Target::File(_) => continue,
            Target::Url => format!(
                "diagram {} points at a URL ({}); a remote picture is not evidence in the repository — commit the diagram file (or a Mermaid block) and point ref at it",
                name(&d.id),
                r.value
            ),
            Target::Missing(tried) => format!(
                "diagram {} file {} does not exist (tried {}); commit the diagram or correct ref",
                name(&d.id),
                r.value,
                tried.join(", ")
            ),
            Target::Unreadable(reason) => format!(
                "diagram {} file {} cannot be read: {reason}",
                name(&d.id),
                r.value
            ),
        };
        out.push("SA024", r.pos, message);
    }
}

/// Whether `id` occurs in `text` as a whole token. Ids contain `-`, so a
/// neighbouring `-` only ends the token when it starts an arrow (`-->`, `-.-`).
pub fn mentions(text: &str, id: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(id)) {
        let start = from + i;
        let end = start + id.len();
        let before: Vec<char> = text[..start].chars().rev().take(2).collect();
        let after: Vec<char> = text[end..].chars().take(2).collect();
        let edge_ok = |near: Option<&char>, next: Option<&char>| match near {
            None => true,
            Some('-') => next.is_none_or(|c| !word(*c)),
            Some(c) => !word(*c),
        };
        if edge_ok(before.first(), before.get(1)) && edge_ok(after.first(), after.get(1)) {
            return true;
        }
        from = start + id.len().max(1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{join, mentions};
    use crate::lint::testkit::*;

    #[test]
    fn mentions_whole_ids_only() {
        assert!(mentions("subgraph records [Records]", "records"));
        assert!(mentions("lan-->gateway", "lan"));
        assert!(mentions("lan-->gateway", "gateway"));
        assert!(mentions("x -- \"crosses B-EDGE\" --> y", "B-EDGE"));
        assert!(!mentions("hospital-lan --> gw", "lan"));
        assert!(!mentions("B-EDGE-2", "B-EDGE"));
        assert!(!mentions("gateways", "gateway"));
        assert!(mentions("B-EDGE-.-x", "B-EDGE"));
    }

    #[test]
    fn join_resolves_dots() {
        assert_eq!(
            join("docs/security", "../diagrams/a.mmd").as_deref(),
            Some("docs/diagrams/a.mmd")
        );
        assert_eq!(join("docs", "./a.puml").as_deref(), Some("docs/a.puml"));
        assert_eq!(join("", "../../x"), None);
    }

    #[test]
    fn sa020_fires_without_any_diagram() {
        let doc = clean_doc().replace("```mermaid", "```text").replace(
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n",
            "  - {id: D-1, view: global-system, ref: diagrams/missing.mmd}\n",
        );
        let r = Kit::new().lint(&doc);
        let f = only(&r, "SA020");
        assert_eq!(f.line, line_eq(&doc, "diagrams:"));
        assert!(has(&r, "SA024"));
    }

    #[test]
    fn sa020_negative_a_diagram_file_is_enough() {
        let doc = clean_doc().replace("```mermaid", "```text").replace(
            "ref: \"#global-system-view\"",
            "ref: ../architecture/system.mmd",
        );
        let k = Kit::new().file(
            "docs/architecture/system.mmd",
            "flowchart LR\n lan --- gateway --- records\n B-EDGE B-DATA\n",
        );
        let r = k.lint(&doc);
        assert!(!has(&r, "SA020"), "{:?}", r.findings);
        assert!(!has(&r, "SA024"));
        assert!(!has(&r, "SA023"));
    }

    #[test]
    fn sa023_fires_for_zones_and_boundaries_missing_from_diagrams() {
        let doc = clean_doc()
            .replace("  subgraph records [Records]", "  subgraph rec [Records]")
            .replace("F2 crosses B-DATA", "F2");
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA023"),
            [
                "zone records does not appear in any diagram; show it (e.g. `subgraph records` in a Mermaid diagram) so reviewers see what it contains",
                "boundary B-DATA (gateway ↔ records) does not appear in any diagram; label the edge or the subgraph border where it is crossed with B-DATA",
            ]
        );
        let zone = r.findings.iter().find(|f| f.rule == "SA023").unwrap();
        assert_eq!(zone.line, line_of(&doc, "{id: records"));
    }

    #[test]
    fn sa023_negative_ids_in_any_block_count() {
        assert!(!has(&Kit::new().lint(CLEAN_DOC), "SA023"));
    }

    #[test]
    fn sa024_fires_for_missing_files_and_urls() {
        let doc = clean_doc().replace(
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n",
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n  - {id: D-2, view: updatability, ref: ../diagrams/update.puml}\n  - {id: D-3, view: security-use-case, ref: \"https://example.org/a.png\"}\n",
        );
        let r = Kit::new().lint(&doc);
        assert_eq!(
            messages(&r, "SA024"),
            [
                "diagram D-2 file ../diagrams/update.puml does not exist (tried docs/diagrams/update.puml); commit the diagram or correct ref",
                "diagram D-3 points at a URL (https://example.org/a.png); a remote picture is not evidence in the repository — commit the diagram file (or a Mermaid block) and point ref at it",
            ]
        );
        let f = r.findings.iter().find(|f| f.rule == "SA024").unwrap();
        assert_eq!(
            (f.line, f.column),
            (line_of(&doc, "D-2"), col_of(&doc, "../diagrams"))
        );
    }

    #[test]
    fn sa024_negative_file_found_at_the_repository_root() {
        let doc = clean_doc().replace(
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n",
            "  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n  - {id: D-2, view: updatability, ref: diagrams/update.puml}\n",
        );
        let k = Kit::new().file("diagrams/update.puml", "@startuml\n@enduml\n");
        assert!(!has(&k.lint(&doc), "SA024"));
    }
}
