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
