//! Source positions shared by the document model, the threat-model adapters and
//! lint findings: a finding must land on the exact line of a check-run annotation.

use serde::Serialize;

/// 1-based line and column; `0` means unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, column: 0 };

    pub fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

/// A value with the position of the YAML/JSON node it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct At<T> {
    pub value: T,
    #[serde(skip)]
    pub pos: Pos,
}

impl<T> At<T> {
    pub fn new(value: T, pos: Pos) -> At<T> {
        At { value, pos }
    }
}

/// Byte offset → 1-based line, for a whole file (shared by the document model
/// and the content-signal parsers).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The line holding byte `offset` (a newline belongs to the line it ends).
    pub fn line_of(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The line and column (in characters) of byte `offset` of `text`.
    pub fn pos_of(&self, text: &str, offset: usize) -> Pos {
        let line = self.line_of(offset);
        let start = self.starts[line as usize - 1];
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Pos::new(line, u32::try_from(column).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_of_offsets() {
        let l = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(
            [0, 1, 2, 3, 5, 6, 7, 8].map(|o| l.line_of(o)),
            [1, 1, 1, 2, 2, 3, 4, 4]
        );
    }
}
