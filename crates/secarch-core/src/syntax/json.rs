//! JSON text → [`Node`]: a small RFC 8259 parser that keeps the line and column
//! of every value.
//!
//! serde_json does not expose positions, and reading JSON as YAML (JSON is
//! nearly a subset of YAML 1.2) fails on real files: keys longer than 1024
//! characters, lone surrogate escapes. This parser is strict about syntax like
//! serde_json (no comments, no trailing commas) and lenient only where
//! JavaScript, which writes Threat Dragon models, is: a repeated key keeps its
//! first place and takes the last value, and a lone surrogate escape becomes
//! U+FFFD. Numbers and literals are plain scalars as written (`-1.5e+3` stays
//! so, however big), strings are quoted scalars.
//!
//! It applies the shared limits of [`super::limits`]: input size, depth and
//! node count. JSON has no aliases, so its decoded strings are never longer
//! than the text and need no byte budget of their own. Time is linear: every
//! byte is looked at once, and a repeated key is found through the mapping's
//! index.

use super::limits::{MAX_DEPTH, MAX_NODES, check_input};
use super::node::{Mapping, Node, Style, Value};
use super::{Error, Limit};
use crate::position::Pos;

/// Parse one JSON value (with surrounding white space).
pub fn parse(text: &str) -> Result<Node, Error> {
    check_input(text).map_err(|e| Error::Limit(Pos::UNKNOWN, e))?;
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        col: 1,
        depth: 0,
        nodes: 0,
    };
    p.ws();
    let root = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("unexpected characters after the JSON value"));
    }
    Ok(root)
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    line: u32,
    /// 1-based column in characters.
    col: u32,
    depth: usize,
    nodes: usize,
}

impl Parser<'_> {
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    fn err(&self, message: &str) -> Error {
        Error::Syntax(self.pos(), message.to_string())
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Consume one byte, keeping line and column.
    fn bump(&mut self) {
        if let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            if c == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                // Count characters, not UTF-8 continuation bytes.
                self.col = self.col.saturating_add(1);
            }
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), Error> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.err(&format!("expected {what}")))
        }
    }

    fn count_node(&mut self) -> Result<(), Error> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Error::Limit(self.pos(), Limit::Nodes.into()));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, Error> {
        self.count_node()?;
        let pos = self.pos();
        let value = match self.peek() {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => return Ok(Node::scalar_node(pos, self.string()?, Style::Quoted)),
            Some(b't') => self.literal("true")?,
            Some(b'f') => self.literal("false")?,
            Some(b'n') => self.literal("null")?,
            Some(b'-' | b'0'..=b'9') => {
                return Ok(Node::scalar_node(pos, self.number()?, Style::Plain));
            }
            None => return Err(self.err("unexpected end of file, expected a value")),
            Some(_) => return Err(self.err("expected a value")),
        };
        Ok(Node { pos, value })
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, Error>) -> Result<Value, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::Limit(self.pos(), Limit::Depth.into()));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Value, Error> {
        self.bump(); // {
        let mut entries = Mapping::default();
        self.ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Value::Map(entries));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let pos = self.pos();
            let key = Node::scalar_node(pos, self.string()?, Style::Quoted);
            self.ws();
            self.expect(b':', "':' after the key")?;
            self.ws();
            let v = self.value()?;
            // A string key is never refused: a repeat replaces the value.
            let _ = entries.insert(key, v, false);
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, Error> {
        self.bump(); // [
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Value::Seq(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    /// `true`, `false` or `null`: a plain scalar, typed like YAML's.
    fn literal(&mut self, word: &str) -> Result<Value, Error> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(Value::Scalar(super::node::Scalar {
                text: word.to_string(),
                style: Style::Plain,
            }))
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
        self.i - start
    }

    fn number(&mut self) -> Result<String, Error> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return Err(self.err("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number: digits expected in the exponent"));
            }
        }
        Ok(self.text[start..self.i].to_string())
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err("invalid \\u escape: four hex digits expected")),
            };
            v = v * 16 + u32::from(d);
            self.bump();
        }
        Ok(v)
    }

    /// A string literal, decoded. The input is `&str`, so copying the runs
    /// between escapes keeps valid UTF-8.
    fn string(&mut self) -> Result<String, Error> {
        self.bump(); // opening quote
        let mut out = String::new();
        let mut run = self.i;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    out.push_str(&self.text[run..self.i]);
                    self.bump();
                    return Ok(out);
                }
                Some(c) if c < 0x20 => {
                    return Err(self.err("control character in a string (escape it)"));
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.i]);
                    self.bump();
                    self.escape(&mut out)?;
                    run = self.i;
                }
                Some(_) => self.bump(),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.bump();
                let hi = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
                    // Possibly a surrogate pair; an unpaired one becomes U+FFFD.
                    let save = (self.i, self.line, self.col);
                    self.bump();
                    self.bump();
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        (self.i, self.line, self.col) = save;
                        None
                    }
                } else {
                    char::from_u32(hi)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
                return Ok(());
            }
            _ => return Err(self.err("invalid escape in a string")),
        };
        self.bump();
        out.push(c);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Kind;

    fn err_pos(text: &str) -> (u32, u32, String) {
        match parse(text) {
            Err(Error::Syntax(pos, message)) => (pos.line, pos.column, message),
            other => panic!("{text:?}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let n = parse("{\n  \"é😀\": [1, {\"k\": \"v\"}],\n\t\"b\": null\n}").unwrap();
        let a = n.get("é😀").unwrap();
        assert_eq!(a.pos, Pos::new(2, 9));
        assert_eq!(a.items()[1].pos, Pos::new(2, 13));
        assert_eq!(a.items()[1].at("k").pos, Pos::new(2, 19));
        assert_eq!(n.entry("b").map(|e| e.key), Some(Pos::new(3, 2)));
        assert!(n.at("b").is_null());
    }

    #[test]
    fn strings_numbers_and_escapes() {
        let n = parse(r#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "lone": "x\ud800y", "n": -1.5e+3, "z": 0, "t": true, "q": "true", "big": 123456789012345678901234567890}"#).unwrap();
        assert_eq!(n.at("s").as_str(), Some("a\"b\\c/d\né😀"));
        assert_eq!(n.at("lone").as_str(), Some("x\u{FFFD}y"));
        assert_eq!(
            (n.at("n").scalar(), n.at("n").kind()),
            (Some("-1.5e+3"), Kind::Number)
        );
        assert_eq!(n.at("z").scalar(), Some("0"));
        assert_eq!(n.at("t").kind(), Kind::Bool(true));
        assert_eq!(n.at("q").kind(), Kind::String);
        assert_eq!(n.at("big").scalar(), Some("123456789012345678901234567890"));
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_the_last_value() {
        let n = parse(r#"{"a": 1, "b": 2, "a": 3, "c": 4}"#).unwrap();
        let keys: Vec<&str> = n.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(n.at("a").scalar(), Some("3"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        assert_eq!(err_pos("{\"a\": 1,}").0..=err_pos("{\"a\": 1,}").1, 1..=9);
        let (l, c, m) = err_pos("[1,\n 2,\n ]");
        assert_eq!((l, c), (3, 2));
        assert!(m.contains("expected a value"), "{m}");
        assert!(err_pos("\"abc").2.contains("unterminated string"));
        assert!(err_pos("\"a\u{1}b\"").2.contains("control character"));
        assert!(err_pos("[1] x").2.contains("after the JSON value"));
        assert!(err_pos("").2.contains("unexpected end of file"));
        assert!(err_pos("01").2.contains("after the JSON value"));
        assert!(err_pos("-").2.contains("invalid number"));
        assert!(err_pos("1.").2.contains("digits expected"));
        assert!(err_pos("1e").2.contains("exponent"));
        assert!(err_pos("\"\\x\"").2.contains("invalid escape"));
        assert!(err_pos("\"\\u12\"").2.contains("four hex digits"));
        assert!(err_pos("tru").2.contains("expected a value"));
        assert!(err_pos("{\"a\" 1}").2.contains("':'"));
        assert!(err_pos("{1: 2}").2.contains("string key"));
    }

    #[test]
    fn nesting_and_node_count_are_limited() {
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(
            parse(&deep),
            Err(Error::Limit(Pos::new(1, 65), Limit::Depth.into()))
        );
        let very_deep = "[{\"a\":".repeat(200_000);
        assert!(matches!(parse(&very_deep), Err(Error::Limit(_, e)) if e.limit == Limit::Depth));
        let many = format!("[{}0]", "0,".repeat(MAX_NODES));
        assert!(matches!(parse(&many), Err(Error::Limit(_, e)) if e.limit == Limit::Nodes));
    }
}
