use crate::position::Pos;
use crate::threats::LoadError;
use crate::threats::json::parse_json;
use crate::threats::node::{Node, Value};

fn parse(text: &str) -> Result<Node, LoadError> {
    parse_json("f.json", text)
}

fn err_pos(text: &str) -> (u32, u32, String) {
    match parse(text) {
        Err(LoadError::Syntax {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
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
    assert_eq!(n.entries()[1].0.pos, Pos::new(3, 2));
    assert_eq!(n.at("b").value, Value::Null);
}

#[test]
fn strings_numbers_and_escapes() {
    let n = parse(r#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "lone": "x\ud800y", "n": -1.5e+3, "z": 0, "t": true}"#).unwrap();
    assert_eq!(n.at("s").str(), Some("a\"b\\c/d\né😀"));
    assert_eq!(n.at("lone").str(), Some("x\u{FFFD}y"));
    assert_eq!(n.at("n").text().as_deref(), Some("-1.5e+3"));
    assert_eq!(n.at("n").number(), Some(-1500.0));
    assert_eq!(n.at("z").text().as_deref(), Some("0"));
    assert_eq!(n.at("t").text().as_deref(), Some("true"));
}

#[test]
fn a_repeated_key_keeps_the_last_value() {
    let n = parse(r#"{"a": 1, "a": 2}"#).unwrap();
    assert_eq!(n.at("a").text().as_deref(), Some("2"));
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
fn nesting_is_limited_without_overflowing_the_stack() {
    // The shared limit of every structured reader (crate::syntax::limits).
    let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    let limit = |text: &str| match parse(text) {
        Err(LoadError::Limit(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        limit(&deep),
        "f.json (at line 1, column 65) is over a safety limit and is not read: \
         it nests deeper than 64 levels; flatten the nesting"
    );
    let very_deep = "[{\"a\":".repeat(200_000);
    assert!(limit(&very_deep).contains("deeper than 64 levels"));
}

#[test]
fn node_count_and_size_are_limited() {
    let many = format!("[{}0]", "0,".repeat(crate::syntax::limits::MAX_NODES));
    let m = match parse(&many) {
        Err(LoadError::Limit(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(m.contains("more than 1,000,000 values"), "{m}");
}
