//! A small RFC 8259 JSON parser that keeps the line and column of every value.
//!
//! serde_json does not expose positions, and reading JSON as YAML (JSON is
//! nearly a subset of YAML 1.2) fails on real files: keys longer than 1024
//! characters, repeated keys, lone surrogate escapes. This parser is strict about
//! syntax like serde_json (no comments, no trailing commas) and lenient only
//! where JavaScript, which writes Threat Dragon models, is: a repeated key keeps
//! the last value (see `Node::get`) and a lone surrogate escape becomes U+FFFD.
//!
//! It applies the shared limits of [`crate::syntax::limits`]: input size, depth
//! and node count. JSON has no aliases, so its decoded strings are never longer
//! than the text and need no byte budget of their own. Time is linear: every
//! byte is looked at once (keys are kept in order; lookups by name happen per
//! adapter field, not per key).

use super::LoadError;
use super::node::{Key, Node, Value, limit};
use crate::position::Pos;
use crate::syntax::Limit;
use crate::syntax::limits::{MAX_DEPTH, MAX_NODES, check_input};

pub(crate) fn parse_json(file: &str, text: &str) -> Result<Node, LoadError> {
    check_input(text).map_err(|e| limit(file, Pos::UNKNOWN, e))?;
    let mut p = Parser {
        file,
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
    file: &'a str,
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

    fn err(&self, message: &str) -> LoadError {
        LoadError::Syntax {
            file: self.file.to_string(),
            line: self.line,
            column: self.col,
            message: format!("{message} (the file is not valid JSON)"),
        }
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

    fn expect(&mut self, c: u8, what: &str) -> Result<(), LoadError> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.err(&format!("expected {what}")))
        }
    }

    fn count_node(&mut self) -> Result<(), LoadError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(limit(self.file, self.pos(), Limit::Nodes.into()));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, LoadError> {
        self.count_node()?;
        let pos = self.pos();
        let value = match self.peek() {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            None => return Err(self.err("unexpected end of file, expected a value")),
            Some(_) => return Err(self.err("expected a value")),
        };
        Ok(Node::new(pos, value))
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, LoadError>) -> Result<Value, LoadError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(limit(self.file, self.pos(), Limit::Depth.into()));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn object(&mut self) -> Result<Value, LoadError> {
        self.bump(); // {
        let mut entries = Vec::new();
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
            let name = self.string()?;
            self.ws();
            self.expect(b':', "':' after the key")?;
            self.ws();
            let v = self.value()?;
            entries.push((Key { name, pos }, v));
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

    fn array(&mut self) -> Result<Value, LoadError> {
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

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, LoadError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(v)
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

    fn number(&mut self) -> Result<String, LoadError> {
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

    fn hex4(&mut self) -> Result<u32, LoadError> {
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
    fn string(&mut self) -> Result<String, LoadError> {
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

    fn escape(&mut self, out: &mut String) -> Result<(), LoadError> {
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
