//! `Gemfile` (Ruby): `gem 'name'` calls, one per line by convention, outside
//! development/test groups.

use super::Dep;
use crate::classify::text::line_number;

pub fn parse(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    // One entry per open `do ... end` / `if ... end` block: is it a dev/test group?
    let mut blocks: Vec<bool> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if first == "end" {
            blocks.pop();
            continue;
        }
        let opens = line.ends_with(" do")
            || line.contains(" do |")
            || matches!(first, "if" | "unless" | "case");
        if opens {
            blocks.push(first == "group" && dev_only(line));
            continue;
        }
        if first != "gem" || blocks.iter().any(|&dev| dev) {
            continue;
        }
        if line.contains("group:") || line.contains(":group =>") || line.contains("groups:") {
            let rest = line.split_once("group").map(|(_, r)| r).unwrap_or("");
            if dev_only(rest) {
                continue;
            }
        }
        let rest = line
            .trim_start_matches("gem")
            .trim_start_matches('(')
            .trim();
        let quote = rest.chars().next();
        if let Some(q @ ('\'' | '"')) = quote
            && let Some(name) = rest[1..].split(q).next()
            && !name.is_empty()
        {
            out.push(Dep {
                name: name.to_string(),
                section: "gem".to_string(),
                line: Some(line_number(index)),
            });
        }
    }
    out
}

/// `group :development, :test do` / `group: [:test]` name only dev/test groups.
fn dev_only(spec: &str) -> bool {
    let groups: Vec<&str> = spec
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && *w != "group" && *w != "groups" && *w != "do")
        .collect();
    !groups.is_empty()
        && groups
            .iter()
            .all(|g| matches!(*g, "development" | "test" | "ci" | "lint" | "rubocop"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gems_outside_dev_groups() {
        let text = "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem \"puma\" # server\ngroup :development, :test do\n  gem 'rspec'\n  gem 'sinatra'\nend\ngroup :production do\n  gem 'faraday'\nend\ngem 'mqtt', group: :test\n";
        let names: Vec<_> = parse(text).into_iter().map(|d| (d.name, d.line)).collect();
        assert_eq!(
            names,
            vec![
                ("rails".to_string(), Some(2)),
                ("puma".to_string(), Some(3)),
                ("faraday".to_string(), Some(9)),
            ]
        );
    }
}
