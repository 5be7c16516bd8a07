//! nginx configuration: new `listen`, `proxy_pass`, TLS (`ssl_protocols`,
//! `ssl_ciphers`) and CORS (`add_header Access-Control-Allow-Origin`) directives.
//!
//! nginx's grammar is directives terminated by `;` or opening a `{` block, with
//! `#` comments and quoted strings; the tokenizer below is that grammar (without
//! `*_by_lua_block` bodies, which are Lua). Directives are compared as a multiset
//! of `name args` so moved blocks are quiet and a second identical `listen` is new.

use std::collections::HashMap;

use super::signal;
use crate::classify::Signal;

const WATCHED: [&str; 5] = [
    "listen",
    "proxy_pass",
    "ssl_protocols",
    "ssl_ciphers",
    "add_header",
];

struct Directive {
    text: String,
    line: u32,
}

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in base.map(directives).unwrap_or_default() {
        *seen.entry(d.text).or_default() += 1;
    }
    let mut out = Vec::new();
    for d in directives(head) {
        match seen.get_mut(&d.text) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                let name = d.text.split(' ').next().unwrap_or("");
                let kind = match name {
                    "listen" => "listen-added",
                    "proxy_pass" => "proxy-pass-added",
                    "ssl_protocols" | "ssl_ciphers" => "tls-settings-changed",
                    _ if d
                        .text
                        .to_ascii_lowercase()
                        .contains("access-control-allow-origin") =>
                    {
                        "cors-header-added"
                    }
                    _ => continue,
                };
                out.push(signal(kind, format!("new {}", d.text), Some(d.line)));
            }
        }
    }
    out
}

fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut start_line = 1u32;
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                line = line.saturating_add(1);
                flush_word(&mut word, &mut words);
            }
            '#' if word.is_empty() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line = line.saturating_add(1);
                        break;
                    }
                }
            }
            '"' | '\'' => {
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    if q == '\n' {
                        line = line.saturating_add(1);
                    }
                    word.push(q);
                }
            }
            ';' | '{' | '}' => {
                flush_word(&mut word, &mut words);
                if let Some(name) = words.first()
                    && WATCHED.contains(&name.as_str())
                {
                    out.push(Directive {
                        text: words.join(" "),
                        line: start_line,
                    });
                }
                words.clear();
            }
            c if c.is_whitespace() => flush_word(&mut word, &mut words),
            c => {
                if words.is_empty() && word.is_empty() {
                    start_line = line;
                }
                word.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "server {\n  listen 80;\n  location / {\n    proxy_pass http://app:3000;\n  }\n}\n";

    #[test]
    fn new_listen_proxy_pass_and_tls() {
        let head = "server {\n  listen 80;\n  listen 443 ssl; # tls\n  ssl_protocols TLSv1 TLSv1.2;\n  location / {\n    proxy_pass http://app:3000;\n  }\n  location /admin {\n    proxy_pass\n      http://admin:9000;\n    add_header 'Access-Control-Allow-Origin' '*';\n  }\n}\n";
        let got: Vec<_> = signals(Some(BASE), head)
            .into_iter()
            .map(|s| (s.kind, s.message, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("listen-added".into(), "new listen 443 ssl".into(), Some(3)),
                (
                    "tls-settings-changed".into(),
                    "new ssl_protocols TLSv1 TLSv1.2".into(),
                    Some(4)
                ),
                (
                    "proxy-pass-added".into(),
                    "new proxy_pass http://admin:9000".into(),
                    Some(9)
                ),
                (
                    "cors-header-added".into(),
                    "new add_header Access-Control-Allow-Origin *".into(),
                    Some(11)
                ),
            ]
        );
    }

    #[test]
    fn reindent_and_comments_are_quiet() {
        let head =
            "# front proxy\nserver {\nlisten 80;\nlocation / { proxy_pass http://app:3000; }\n}\n";
        assert!(signals(Some(BASE), head).is_empty());
    }
}
