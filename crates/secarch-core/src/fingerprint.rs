//! The content fingerprint that sign-offs bind to.
//!
//! SHA-256 over the sorted `(path, blob id)` of every watched file, every
//! threat-model file and the security architecture document at a commit. The
//! document enters with a hash of its text *without its review log*, so that
//! recording a review (or a rebase that touches nothing watched) leaves the
//! fingerprint — and therefore existing sign-offs — valid, while any change to
//! reviewed content invalidates them.

use sha2::{Digest, Sha256};

/// Version tag hashed first, so a future change of the scheme cannot collide.
const SCHEME: &[u8] = b"secarch-fingerprint-v1\n";

/// Fingerprint from `(path, blob id)` pairs (any order) and the document's text.
pub fn fingerprint(files: &[(String, String)], document: Option<(&str, &[u8])>) -> String {
    let mut entries: Vec<(&str, String)> = files
        .iter()
        .filter(|(p, _)| document.is_none_or(|(d, _)| d != p))
        .map(|(p, id)| (p.as_str(), id.clone()))
        .collect();
    if let Some((path, bytes)) = document {
        let text = String::from_utf8_lossy(bytes);
        let canon = canonical_document(&text);
        entries.push((path, format!("doc:{}", hex::encode(Sha256::digest(canon)))));
    }
    entries.sort();
    entries.dedup();
    let mut h = Sha256::new();
    h.update(SCHEME);
    for (p, id) in entries {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(id.as_bytes());
        h.update([b'\n']);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// The document's text without its review log: the front matter's top-level
/// `reviews:` entry and the body's "Review history" section. Line endings are
/// normalised so a CRLF checkout fingerprints like an LF one.
pub fn canonical_document(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n').peekable();
    // Front matter: starts at the first line with `---`.
    let mut in_front = false;
    if lines.peek().is_some_and(|l| l.trim_end() == "---") {
        in_front = true;
        out.push_str(lines.next().unwrap_or_default());
    }
    let mut skipping_reviews = false;
    let mut review_heading_level: Option<usize> = None;
    let mut in_fence = false;
    for line in lines {
        if in_front {
            if line.trim_end() == "---" || line.trim_end() == "..." {
                in_front = false;
                skipping_reviews = false;
                out.push_str(line);
                continue;
            }
            let top_level = !line.starts_with([' ', '\t', '#', '\n']) && !line.starts_with('-');
            if top_level {
                skipping_reviews = line.starts_with("reviews:");
            }
            if !skipping_reviews {
                out.push_str(line);
            }
            continue;
        }
        // Body: skip the "Review history" section up to the next heading of the same or higher level.
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(level) = atx_heading_level(line) {
            let title = line.trim_start_matches('#').trim().to_ascii_lowercase();
            match review_heading_level {
                Some(l) if level <= l => review_heading_level = None,
                _ => {}
            }
            if review_heading_level.is_none() && title == "review history" {
                review_heading_level = Some(level);
                continue;
            }
        }
        if review_heading_level.is_none() {
            out.push_str(line);
        }
    }
    out
}

fn atx_heading_level(line: &str) -> Option<usize> {
    if line.starts_with("    ") {
        return None;
    }
    let t = line.trim_start();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with([' ', '\t', '\n']) {
        Some(hashes)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    const DOC: &str = "---\nschema: secarch/v1\ncontrols:\n  - id: SC-01\nreviews:\n  - {reviewer: A, role: security-architect, date: 2026-01-01, outcome: approved}\n---\n# Scope\ntext\n## Review history\n- 2026-01-01 A approved\n## Diagrams\n```mermaid\n# not a heading\n```\n";

    #[test]
    fn order_independent_and_sensitive_to_content() {
        let a = fingerprint(&f(&[("a", "1"), ("b", "2")]), None);
        let b = fingerprint(&f(&[("b", "2"), ("a", "1")]), None);
        assert_eq!(a, b);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
        assert_ne!(a, fingerprint(&f(&[("a", "1"), ("b", "3")]), None));
        assert_ne!(a, fingerprint(&f(&[("a", "1"), ("c", "2")]), None));
        assert_ne!(a, fingerprint(&f(&[("a", "1")]), None));
    }

    #[test]
    fn review_log_does_not_change_fingerprint() {
        let more = DOC
            .replace(
                "---\n# Scope",
                "  - {reviewer: B, role: ciso, date: 2026-02-01, outcome: approved}\n---\n# Scope",
            )
            .replace(
                "- 2026-01-01 A approved\n",
                "- 2026-01-01 A approved\n- 2026-02-01 B approved\n",
            );
        let files = f(&[("Dockerfile", "abc")]);
        let d = "docs/security/security-architecture.md";
        assert_eq!(
            fingerprint(&files, Some((d, DOC.as_bytes()))),
            fingerprint(&files, Some((d, more.as_bytes())))
        );
        let crlf = DOC.replace('\n', "\r\n");
        assert_eq!(
            fingerprint(&files, Some((d, DOC.as_bytes()))),
            fingerprint(&files, Some((d, crlf.as_bytes())))
        );
    }

    #[test]
    fn content_change_in_document_changes_fingerprint() {
        let files = f(&[]);
        let d = "doc.md";
        let base = fingerprint(&files, Some((d, DOC.as_bytes())));
        for edit in [
            DOC.replace("SC-01", "SC-02"),
            DOC.replace("text", "other text"),
            DOC.replace("# not a heading", "# changed diagram"),
        ] {
            assert_ne!(
                base,
                fingerprint(&files, Some((d, edit.as_bytes()))),
                "{edit}"
            );
        }
    }

    #[test]
    fn canonical_text_drops_review_log_only() {
        let c = canonical_document(DOC);
        assert!(!c.contains("reviewer: A"));
        assert!(!c.contains("Review history"));
        assert!(c.contains("## Diagrams"));
        assert!(c.contains("# not a heading"));
        assert!(c.contains("- id: SC-01"));
    }
}
