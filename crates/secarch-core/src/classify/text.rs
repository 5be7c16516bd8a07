//! Turning blobs into text the analysers can read, and the "what is new at head"
//! comparison for line-oriented formats.

use std::collections::HashMap;

/// Blobs larger than this are not analysed (a Dockerfile or manifest is a few KiB;
/// a multi-megabyte file is generated or hostile).
pub const MAX_ANALYSED_BYTES: usize = 2 * 1024 * 1024;

/// Why a blob was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    TooLarge(usize),
    NotText,
    /// The blob could not be read (the git layer's message).
    Missing(String),
}

impl Unreadable {
    pub fn describe(&self) -> String {
        match self {
            Unreadable::TooLarge(n) => format!(
                "{:.1} MiB is over the {} MiB analysis limit",
                *n as f64 / (1024.0 * 1024.0),
                MAX_ANALYSED_BYTES / (1024 * 1024)
            ),
            Unreadable::NotText => "not UTF-8/UTF-16 text".to_string(),
            Unreadable::Missing(e) => format!("blob could not be read: {e}"),
        }
    }
}

/// Decode a blob: UTF-8 (BOM stripped) or UTF-16 with a BOM (Visual Studio writes
/// some `.csproj`/`.config` files that way). NUL bytes in UTF-8 mean binary.
/// Takes the blob by value: UTF-8 text (nearly every file) keeps its buffer.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, Unreadable> {
    if bytes.len() > MAX_ANALYSED_BYTES {
        return Err(Unreadable::TooLarge(bytes.len()));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        return utf8(bytes);
    }
    let utf16 = |le: bool, rest: &[u8]| -> Result<String, Unreadable> {
        if !rest.len().is_multiple_of(2) {
            return Err(Unreadable::NotText);
        }
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| Unreadable::NotText)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    utf8(bytes)
}

fn utf8(bytes: Vec<u8>) -> Result<String, Unreadable> {
    if bytes.contains(&0) {
        return Err(Unreadable::NotText);
    }
    String::from_utf8(bytes).map_err(|_| Unreadable::NotText)
}

/// Lines of `head` that are new compared with `base`: `(1-based line, text)`.
///
/// Compared as a multiset of trimmed lines, not as a positional diff: a block
/// that moved (reordered stanzas, re-sorted resources) is not new, a line that now
/// appears twice is new once. Blank lines never count.
pub fn new_lines<'a>(base: Option<&str>, head: &'a str) -> Vec<(u32, &'a str)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    if let Some(base) = base {
        for line in base.lines() {
            *seen.entry(line.trim()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (index, line) in head.lines().enumerate() {
        let key = line.trim();
        if key.is_empty() {
            continue;
        }
        match seen.get_mut(key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push((line_number(index), line)),
        }
    }
    out
}

/// 0-based index → 1-based line number (saturating).
pub fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_utf16_and_rejects_binary() {
        let decode = |b: &[u8]| decode(b.to_vec());
        assert_eq!(decode(b"\xEF\xBB\xBFa=1").as_deref(), Ok("a=1"));
        assert_eq!(decode(b"\xFF\xFEa\0=\x001\0").as_deref(), Ok("a=1"));
        assert_eq!(decode(b"\xFE\xFF\0a\0=\x001").as_deref(), Ok("a=1"));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0"), Err(Unreadable::NotText));
        assert_eq!(decode(b"caf\xe9"), Err(Unreadable::NotText));
        let big = vec![b'a'; MAX_ANALYSED_BYTES + 1];
        assert_eq!(
            decode(&big),
            Err(Unreadable::TooLarge(MAX_ANALYSED_BYTES + 1))
        );
    }

    #[test]
    fn new_lines_ignores_moves_and_counts_duplicates() {
        let base = "a\nb\nc\n";
        let head = "c\n  a\nb\nd\nb\n\n";
        assert_eq!(new_lines(Some(base), head), vec![(4, "d"), (5, "b")]);
        assert_eq!(new_lines(None, "x\n\ny"), vec![(1, "x"), (3, "y")]);
    }
}
