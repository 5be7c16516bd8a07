//! A cheap test in front of the file-name DFA: can any pattern of a set match
//! a name with this first byte and these last two bytes?
//!
//! A tree walk asks the file-name set about every file (100k in the
//! benchmark), and most names match nothing. The lazy DFA answers in about
//! 450 instructions for a short name, most of it search set-up. The gate
//! answers "certainly not" for most names in a few table lookups: each
//! pattern, after brace expansion, constrains the first byte, the last byte
//! and the one before it (`*.kt`: last two `kt`; `dockerfile.*`: first `d`;
//! `requirements*.txt`: first `r`, last two `xt`).
//!
//! The gate is a **necessary condition** only: it may let through names the
//! DFA then rejects, never the other way round. Anything it cannot read for
//! certain (escapes, nested or empty alternatives, too many expansions, an
//! unclosed class) makes the pattern unconstrained, which lets every name
//! through. Tested against the DFA in `sets.rs`.

use std::sync::Arc;

/// 256 bits: a set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bytes([u64; 4]);

impl Bytes {
    const NONE: Bytes = Bytes([0; 4]);
    const ALL: Bytes = Bytes([u64::MAX; 4]);

    fn one(b: u8) -> Bytes {
        let mut s = Bytes::NONE;
        s.insert(b);
        s
    }

    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn union_with(&mut self, other: Bytes) {
        for (w, o) in self.0.iter_mut().zip(other.0) {
            *w |= o;
        }
    }

    fn complement(self) -> Bytes {
        Bytes(self.0.map(|w| !w))
    }
}

/// The gate of one set of file-name patterns.
#[derive(Debug, Clone)]
pub(super) struct Gate {
    /// Per last byte (absent: no pattern ends in it), per second-to-last
    /// byte: the first bytes some pattern allows with those two. One lookup
    /// and one bit test a name; shared between clones.
    by_last: Arc<Vec<Option<Box<[Bytes; 256]>>>>,
    /// First bytes allowed by patterns that say nothing about how a name
    /// ends (`dockerfile.*`, `iptables*`): kept apart so they do not fill a
    /// table for every last byte.
    any_end_first: Bytes,
    /// Some pattern can match any name: the gate lets everything through.
    pub(super) open: bool,
}

impl Gate {
    /// A gate that lets everything through.
    pub(super) fn open() -> Gate {
        Gate {
            by_last: Arc::new(Vec::new()),
            any_end_first: Bytes::ALL,
            open: true,
        }
    }

    /// The gate of file-name patterns (no `/`: a `**/` can match nothing,
    /// which the byte reading here does not model).
    pub(super) fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Gate {
        let mut by_last: Vec<Option<Box<[Bytes; 256]>>> = vec![None; 256];
        let mut any_end_first = Bytes::NONE;
        for pattern in patterns {
            let Some(expanded) = expand(pattern) else {
                return Gate::open();
            };
            for p in expanded {
                let Some((first, second_last, last)) = constraint(&p) else {
                    return Gate::open();
                };
                if last == Bytes::ALL && second_last == Bytes::ALL {
                    any_end_first.union_with(first);
                    continue;
                }
                for l in (0..=255u8).filter(|&l| last.contains(l)) {
                    let table =
                        by_last[usize::from(l)].get_or_insert_with(|| Box::new([Bytes::NONE; 256]));
                    for s in (0..=255u8).filter(|&s| second_last.contains(s)) {
                        table[usize::from(s)].union_with(first);
                    }
                }
            }
        }
        Gate {
            by_last: Arc::new(by_last),
            any_end_first,
            open: false,
        }
    }

    /// False when no pattern can match `name` (lower case, no `/`).
    pub(super) fn may_match(&self, name: &[u8]) -> bool {
        if self.open || name.len() < 2 {
            return true;
        }
        let (first, second_last, last) = (name[0], name[name.len() - 2], name[name.len() - 1]);
        self.any_end_first.contains(first)
            || self.by_last[usize::from(last)]
                .as_ref()
                .is_some_and(|table| table[usize::from(second_last)].contains(first))
    }
}

/// One glob token, as far as the gate cares.
enum Token {
    /// Exactly one byte from this set (a literal, `?`, a class).
    One(Bytes),
    /// `*`: any number of bytes.
    Star,
}

/// (first byte, second-to-last byte, last byte) a name of two bytes or more
/// must have to match the brace-free `pattern`; `None` when unconstrained or
/// unreadable.
fn constraint(pattern: &str) -> Option<(Bytes, Bytes, Bytes)> {
    let tokens = tokens(pattern)?;
    let one = |t: &Token| match t {
        Token::One(s) => Some(*s),
        Token::Star => None,
    };
    let first = tokens
        .first()
        .map_or(Some(Bytes::NONE), one)
        .unwrap_or(Bytes::ALL);
    let last = match tokens.last() {
        // An empty pattern matches only the empty name.
        None => return Some((Bytes::NONE, Bytes::NONE, Bytes::NONE)),
        Some(Token::Star) => Bytes::ALL,
        Some(Token::One(s)) => *s,
    };
    let second_last = match tokens.last() {
        // `…*`: the star may end the name.
        Some(Token::Star) => Bytes::ALL,
        _ => match tokens.len() {
            // One single-byte token matches only one-byte names.
            1 => Bytes::NONE,
            n => one(&tokens[n - 2]).unwrap_or(Bytes::ALL),
        },
    };
    if first == Bytes::ALL && last == Bytes::ALL && second_last == Bytes::ALL {
        return None;
    }
    Some((first, second_last, last))
}

/// The tokens of a brace-free pattern; `None` for escapes or an unclosed
/// class.
fn tokens(pattern: &str) -> Option<Vec<Token>> {
    let bytes = pattern.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' | b'{' | b'}' => return None,
            b'*' => {
                if !matches!(out.last(), Some(Token::Star)) {
                    out.push(Token::Star);
                }
            }
            // Never `/` (literal separator), but a superset is fine.
            b'?' => out.push(Token::One(Bytes::ALL)),
            b'[' => {
                let (set, end) = class(bytes, i)?;
                out.push(Token::One(set));
                i = end;
            }
            b => out.push(Token::One(Bytes::one(b))),
        }
        i += 1;
    }
    Some(out)
}

/// The bytes of the class opened at `open` (globset's rules: `!` or `^`
/// negates, a `]` first is literal, `a-z` ranges) and the index of its `]`;
/// `None` when the class is not closed.
pub(super) fn class(bytes: &[u8], open: usize) -> Option<(Bytes, usize)> {
    let mut i = open + 1;
    let negated = matches!(bytes.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut set = Bytes::NONE;
    let start = i;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b']' && i > start {
            return Some((if negated { set.complement() } else { set }, i));
        }
        if bytes.get(i + 1) == Some(&b'-') && bytes.get(i + 2).is_some_and(|&e| e != b']') {
            for c in b..=bytes[i + 2] {
                set.insert(c);
            }
            i += 3;
        } else {
            set.insert(b);
            i += 1;
        }
    }
    None
}

/// At most this many patterns from one brace expansion.
const MAX_EXPANSION: usize = 256;

/// The brace-free patterns `pattern` is the union of; `None` when that is not
/// certain (nested, empty or unclosed alternatives, escapes, too many).
fn expand(pattern: &str) -> Option<Vec<String>> {
    if pattern.contains('\\') {
        return None;
    }
    let bytes = pattern.as_bytes();
    let mut out = vec![String::new()];
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i = class(bytes, i)?.1,
            b'}' => return None,
            b'{' => {
                let (alternatives, close) = alternation(pattern, i)?;
                let prefix = &pattern[literal_start..i];
                if out.len().checked_mul(alternatives.len())? > MAX_EXPANSION {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|o| alternatives.iter().map(move |a| format!("{o}{prefix}{a}")))
                    .collect();
                i = close;
                literal_start = close + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = &pattern[literal_start..];
    Some(out.into_iter().map(|o| o + rest).collect())
}

/// The alternatives of the `{…}` opened at `open` and the index of its `}`.
fn alternation(pattern: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = pattern.as_bytes();
    let mut alternatives = Vec::new();
    let mut start = open + 1;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i = class(bytes, i)?.1,
            b'{' => return None,
            b',' | b'}' => {
                if i == start {
                    return None;
                }
                alternatives.push(&pattern[start..i]);
                if bytes[i] == b'}' {
                    return Some((alternatives, i));
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_names_no_pattern_can_end_or_start_with() {
        let gate = Gate::new(["*.kt", "dockerfile.*", "requirements*.txt", "*.{yml,yaml}"]);
        assert!(!gate.open);
        for yes in [
            "x.kt",
            "dockerfile.dev",
            "requirements-dev.txt",
            "a.yml",
            "a.yaml",
        ] {
            assert!(gate.may_match(yes.as_bytes()), "{yes}");
        }
        for no in ["file_012345.txt", "main.rs", "x.json", "readme.md"] {
            assert!(!gate.may_match(no.as_bytes()), "{no}");
        }
        // Short names always pass (the DFA decides).
        assert!(gate.may_match(b"a"));
    }

    #[test]
    fn classes_and_single_bytes() {
        let gate = Gate::new(["auth[!o]*.rs", "*[-_.]sign*.sh", "a?c", "x"]);
        assert!(gate.may_match(b"authz.rs"));
        assert!(gate.may_match(b"deploy-sign.sh"));
        assert!(gate.may_match(b"abc"));
        assert!(!gate.may_match(b"xy"), "`x` matches only the one-byte name");
        assert!(!gate.may_match(b"main.py"));
    }

    #[test]
    fn anything_unreadable_opens_the_gate() {
        for pattern in ["*", "*x*y*", r"a\*b", "{a,{b,c}}", "{,a}", "[ab", "x{a"] {
            let gate = Gate::new(["dockerfile", pattern]);
            assert!(gate.may_match(b"zzzz"), "{pattern}");
        }
        let many = "{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}";
        assert!(Gate::new([many]).may_match(b"zz"));
    }
}
