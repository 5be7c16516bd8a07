//! The one set of limits every reader of YAML or JSON applies: the document's
//! front matter, threat models, the policy and the files read for content
//! signals.
//!
//! Every one of those inputs can come from a pull request, so every reader must
//! stop, with a clear message, before an input makes a job use unbounded memory
//! or time. The dangerous inputs are small files that *expand*: YAML aliases
//! (`*name`) repeat an anchored value (`&name`) without repeating its text, so
//! 2 MB of text can stand for gigabytes ("billion laughs", or one big anchored
//! string aliased thousands of times — a byte bomb). Counting nodes alone does
//! not stop the byte bomb (a 2 MiB string is one node); counting bytes alone does
//! not stop a bomb of many empty nodes. So every reader counts both, after alias
//! expansion, against the numbers below.
//!
//! The numbers are sized from real inputs: the shared fixtures (OpenAPI
//! descriptions, Threat Dragon, OTM and Threagile models, SARIF and CycloneDX
//! schemas) hold one node per 12–97 bytes of text and nest at most ~15 levels;
//! a 1,000-control security architecture document has ~50k nodes; real files use
//! a handful of aliases, mostly for merge keys (`<<: *defaults`).

use std::fmt;

/// Largest text any structured reader accepts. Equal to the largest file a
/// [`crate::source::FileSource`] reads; stricter caps apply before the readers
/// (documents 8 MiB, files read for content signals 2 MiB, the policy 256 KiB).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Deepest nesting of sequences and mappings, counted after alias expansion.
/// Real files nest ≤ 15 levels (a Kubernetes manifest, the document schema 4);
/// the recursive walkers behind every reader need stack per level.
pub const MAX_DEPTH: usize = 64;

/// Most nodes (scalars, sequences, mappings; keys included) in one file, counted
/// after alias expansion. A 16 MiB file of real density (≥ 16 bytes a node) fits;
/// a node costs 40–150 bytes in the readers' trees, so this bounds a tree to
/// ~150 MiB even for a file of nothing but `0,`.
pub const MAX_NODES: usize = 1_000_000;

/// Most aliases (`*name`) in one file. Real files use tens; the limit leaves a
/// Compose file with a merge key in each of thousands of services room.
pub const MAX_ALIASES: usize = 10_000;

/// Most nodes that alias expansion may add to one file (a tenth of
/// [`MAX_NODES`]): an alias bomb of empty nodes stops here, early, while real
/// files — which alias a few small mappings — never come close.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Most bytes of scalar text (keys included) in one file after alias expansion,
/// including the copies a reader keeps of anchored values. Twice
/// [`MAX_INPUT_BYTES`]: a file without aliases cannot reach it (its scalars are
/// no longer than its text), and a byte bomb stops after a few dozen copies of
/// a 2 MiB string instead of thousands.
pub const MAX_EXPANDED_BYTES: usize = 2 * MAX_INPUT_BYTES;

// The numbers hold together (checked when compiling): text without aliases
// never reaches the expanded-bytes limit, and every caller's own size cap is
// within the input limit.
const _: () = {
    assert!(MAX_EXPANDED_BYTES >= MAX_INPUT_BYTES);
    assert!(MAX_ALIAS_NODES <= MAX_NODES);
    assert!(MAX_INPUT_BYTES as u64 == crate::source::MAX_FILE_BYTES);
    assert!(MAX_INPUT_BYTES >= crate::model::MAX_DOCUMENT_BYTES);
    assert!(MAX_INPUT_BYTES >= crate::classify::MAX_ANALYSED_BYTES);
};

/// Which limit an input hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    InputBytes,
    Depth,
    Nodes,
    Aliases,
    AliasNodes,
    ExpandedBytes,
}

impl Limit {
    /// What was too much, with the number.
    fn what(self) -> String {
        match self {
            Limit::InputBytes => format!("it is larger than {}", mib(MAX_INPUT_BYTES)),
            Limit::Depth => format!("it nests deeper than {MAX_DEPTH} levels"),
            Limit::Nodes => format!(
                "it holds more than {} values, counting those repeated through aliases",
                thousands(MAX_NODES)
            ),
            Limit::Aliases => format!(
                "it uses more than {} aliases (`*name`)",
                thousands(MAX_ALIASES)
            ),
            Limit::AliasNodes => format!(
                "its aliases (`*name`) expand to more than {} values",
                thousands(MAX_ALIAS_NODES)
            ),
            Limit::ExpandedBytes => format!(
                "its text grows past {} when its anchors and aliases (`&name`, `*name`) are expanded",
                mib(MAX_EXPANDED_BYTES)
            ),
        }
    }

    /// What to do about it.
    fn advice(self) -> &'static str {
        match self {
            Limit::InputBytes | Limit::Nodes => "split the file or remove generated content",
            Limit::Depth => "flatten the nesting",
            Limit::Aliases | Limit::AliasNodes | Limit::ExpandedBytes => {
                "write the repeated values out instead of using aliases (an alias bomb is refused)"
            }
        }
    }
}

/// An input over one of the limits: a clear refusal, never a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitError {
    pub limit: Limit,
}

impl LimitError {
    pub fn new(limit: Limit) -> LimitError {
        LimitError { limit }
    }
}

impl From<Limit> for LimitError {
    fn from(limit: Limit) -> LimitError {
        LimitError { limit }
    }
}

impl LimitError {
    /// The whole message: `subject` (e.g. "the front matter", "tm.yaml") is over
    /// a safety limit, which one, and what to do.
    pub fn explain(&self, subject: &str) -> String {
        format!("{subject} is over a safety limit and is not read: {self}")
    }
}

impl fmt::Display for LimitError {
    /// e.g. "it uses more than 10,000 aliases (`*name`); write the repeated
    /// values out ..."; [`LimitError::explain`] says what it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.limit.what(), self.limit.advice())
    }
}

impl std::error::Error for LimitError {}

/// Refuse text over [`MAX_INPUT_BYTES`] before parsing it.
pub fn check_input(text: &str) -> Result<(), LimitError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Limit::InputBytes.into());
    }
    Ok(())
}

fn mib(bytes: usize) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// `1000000` → `1,000,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit_and_what_to_do() {
        let m = LimitError::new(Limit::ExpandedBytes).explain("tm.yaml");
        assert!(
            m.starts_with("tm.yaml is over a safety limit and is not read: its text"),
            "{m}"
        );
        assert!(m.contains("32 MiB") && m.contains("aliases"), "{m}");
        assert!(m.contains("write the repeated values out"), "{m}");
        let m = LimitError::new(Limit::Nodes).to_string();
        assert!(m.contains("1,000,000 values"), "{m}");
        assert!(
            LimitError::new(Limit::Depth)
                .to_string()
                .contains("64 levels")
        );
    }

    #[test]
    fn input_check_and_numbers_in_messages() {
        assert!(check_input("a: 1").is_ok());
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
    }
}
