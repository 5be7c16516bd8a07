//! Splitting a Markdown file into its YAML front matter and its body.
//!
//! The front matter is a `---` line at the very top and the next `---` (or
//! `...`) line; anything else means the file has no front matter.

/// Where the parts of the file are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'t> {
    /// The YAML text between the fences (empty when there is no front matter).
    pub yaml: &'t str,
    /// File line of the YAML's first line.
    pub yaml_first_line: u32,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
    pub state: FenceState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceState {
    /// Both fences found.
    Closed,
    /// No opening fence on line 1.
    Absent,
    /// Opened on line 1 but never closed.
    Unclosed,
}

/// Split `text` (a leading byte-order mark is skipped).
pub fn split(text: &str) -> Split<'_> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let first_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_end].trim_end() != "---" {
        return Split {
            yaml: "",
            yaml_first_line: 1,
            body_offset: 0,
            state: FenceState::Absent,
        };
    }
    let yaml_start = start + first_end;
    let mut offset = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            return Split {
                yaml: &text[yaml_start..offset],
                yaml_first_line: 2,
                body_offset: offset + line.len(),
                state: FenceState::Closed,
            };
        }
        offset += line.len();
    }
    Split {
        yaml: "",
        yaml_first_line: 2,
        body_offset: yaml_start,
        state: FenceState::Unclosed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_front_matter() {
        let t = "---\nschema: secarch/v1\n---\n# Scope\n";
        let s = split(t);
        assert_eq!(s.state, FenceState::Closed);
        assert_eq!(s.yaml, "schema: secarch/v1\n");
        assert_eq!(&t[s.body_offset..], "# Scope\n");
    }

    #[test]
    fn crlf_bom_and_dots() {
        let t = "\u{feff}---\r\na: 1\r\n...\r\nbody";
        let s = split(t);
        assert_eq!(s.state, FenceState::Closed);
        assert_eq!(s.yaml, "a: 1\r\n");
        assert_eq!(&t[s.body_offset..], "body");
    }

    #[test]
    fn absent_and_unclosed() {
        assert_eq!(split("# Title\n---\n").state, FenceState::Absent);
        assert_eq!(split("").state, FenceState::Absent);
        assert_eq!(split("---\na: 1\n").state, FenceState::Unclosed);
        assert_eq!(split("---").state, FenceState::Unclosed);
    }
}
