//! Protocol Buffers (`.proto`): new `service` definitions and new `rpc` methods.
//!
//! Read with a token scan instead of a full protobuf parser: the facts we report
//! are introduced by keywords (`service Name {`, `rpc Name (`) that cannot appear
//! anywhere else once comments and string literals are skipped, so tokens plus
//! brace depth find them exactly; a real parser (protox, protobuf-parse) would add
//! a large dependency to learn nothing more for this purpose.

use std::collections::BTreeSet;

use super::signal;
use crate::classify::Signal;

#[derive(Debug, PartialEq)]
struct Decl {
    /// `Service` or `Service.Method`.
    name: String,
    is_rpc: bool,
    line: u32,
}

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let base: BTreeSet<String> = base
        .map(declarations)
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.name)
        .collect();
    declarations(head)
        .into_iter()
        .filter(|d| !base.contains(&d.name))
        .map(|d| {
            if d.is_rpc {
                signal("rpc-added", format!("new rpc {}", d.name), Some(d.line))
            } else {
                signal(
                    "service-added",
                    format!("new service {}", d.name),
                    Some(d.line),
                )
            }
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(char),
}

fn tokens(text: &str) -> Vec<(Tok<'_>, u32)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1u32);
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line = line.saturating_add(1);
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        line = line.saturating_add(1);
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.'))
                {
                    i += 1;
                }
                out.push((Tok::Word(&text[start..i]), line));
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                // Punctuation; a non-ASCII character outside comments is skipped whole.
                match text.get(i..).and_then(|s| s.chars().next()) {
                    Some(ch) => {
                        if ch.is_ascii() {
                            out.push((Tok::Punct(ch), line));
                        }
                        i += ch.len_utf8();
                    }
                    None => i += 1,
                }
            }
        }
    }
    out
}

fn declarations(text: &str) -> Vec<Decl> {
    let toks = tokens(text);
    let mut out = Vec::new();
    let mut depth = 0usize;
    // (service name, depth of its body)
    let mut service: Option<(String, usize)> = None;
    for (i, (tok, line)) in toks.iter().enumerate() {
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if service.as_ref().is_some_and(|(_, d)| depth < *d) {
                    service = None;
                }
            }
            Tok::Word("service") if depth == 0 => {
                if let Some((Tok::Word(name), _)) = toks.get(i + 1)
                    && matches!(toks.get(i + 2), Some((Tok::Punct('{'), _)))
                {
                    out.push(Decl {
                        name: name.to_string(),
                        is_rpc: false,
                        line: *line,
                    });
                    service = Some((name.to_string(), depth + 1));
                }
            }
            Tok::Word("rpc") => {
                if let Some((svc, d)) = &service
                    && depth == *d
                    && let Some((Tok::Word(name), _)) = toks.get(i + 1)
                {
                    out.push(Decl {
                        name: format!("{svc}.{name}"),
                        is_rpc: true,
                        line: *line,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "syntax = \"proto3\";\n// service Fake {\n/* rpc Nope( */\nservice Patients {\n  rpc Get (GetRequest) returns (Patient);\n}\nmessage Patient { string rpc = 1; }\n";

    #[test]
    fn new_rpc_and_service() {
        let head = BASE.replace(
            "  rpc Get (GetRequest) returns (Patient);\n}",
            "  rpc Get (GetRequest) returns (Patient);\n  rpc Delete(DeleteRequest) returns (Empty) { option (google.api.http) = { delete: \"/v1/{id}\" }; }\n}\nservice Admin { rpc Wipe(E) returns (E); }",
        );
        let s = signals(Some(BASE), &head);
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("rpc-added", "new rpc Patients.Delete", Some(6)),
                ("service-added", "new service Admin", Some(8)),
                ("rpc-added", "new rpc Admin.Wipe", Some(8)),
            ]
        );
    }

    #[test]
    fn comments_strings_and_fields_are_not_declarations() {
        let d = declarations(BASE);
        assert_eq!(d.len(), 2);
        assert!(signals(Some(BASE), &BASE.replace("// service", "// a service")).is_empty());
    }
}
