//! The README's example command lines run against a real repository, so they cannot drift from
//! the CLI: every `secarch …` line of its code blocks (alternatives `a | b` and optional `[…]`
//! parts expanded) must parse and run, ending with 0 or 1 (2 would be a usage or set-up error).
//! `secarch serve` is left out (it runs until stopped; `tests/serve_cli.rs` starts it).

mod common;

use common::{TestRepo, good_document, outcome, secarch};

/// `secarch …` lines inside the README's fenced code blocks, comments removed.
fn readme_commands() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut in_block = false;
    let mut out = Vec::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let Some(rest) = line.strip_prefix("secarch ").filter(|_| in_block) else {
            continue;
        };
        let command = rest.split("  #").next().unwrap_or(rest).trim();
        out.push(command.to_string());
    }
    out
}

/// One command line per alternative: `--format json | sarif | github` gives three; an optional
/// `[--repo DIR]` is given once with and once without.
fn expand(command: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut lines: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.starts_with('[') {
            // An optional group up to the word ending in `]`.
            let mut group = Vec::new();
            while i < words.len() {
                let part = words[i].trim_start_matches('[').trim_end_matches(']');
                group.push(placeholder(part));
                if words[i].ends_with(']') {
                    break;
                }
                i += 1;
            }
            let with: Vec<Vec<String>> = lines
                .iter()
                .map(|l| l.iter().cloned().chain(group.iter().cloned()).collect())
                .collect();
            lines.extend(with);
        } else if words.get(i + 1) == Some(&"|") {
            let mut alternatives = vec![w];
            while words.get(i + 1) == Some(&"|") {
                alternatives.push(words[i + 2]);
                i += 2;
            }
            lines = lines
                .iter()
                .flat_map(|l| {
                    alternatives.iter().map(move |a| {
                        let mut l = l.clone();
                        l.push(placeholder(a));
                        l
                    })
                })
                .collect();
        } else {
            for l in &mut lines {
                l.push(placeholder(w));
            }
        }
        i += 1;
    }
    lines
}

/// Placeholders of the README, made real in the test repository.
fn placeholder(word: &str) -> String {
    match word {
        "DIR" | "path/to/repo" | "path/to/your/repository" => ".".to_string(),
        "FILE" => "my-policy.yml".to_string(),
        other => other.to_string(),
    }
}

#[test]
fn every_readme_example_runs() {
    let commands = readme_commands();
    assert!(
        commands.len() >= 12,
        "README examples not found: {commands:?}"
    );
    let r = TestRepo::new();
    r.write("docs/security/security-architecture.md", &good_document())
        .write(
            ".github/secarch.yml",
            "document: docs/security/security-architecture.md\n",
        )
        .write("my-policy.yml", "check:\n  name: security-architecture\n");
    r.commit("initial");
    r.git(&["branch", "-M", "main"]);
    r.git(&["tag", "v1.2"]);
    r.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    r.write("Dockerfile", "FROM debian:12\nEXPOSE 8443\n");
    r.commit("a container");
    let mut ran = 0;
    for command in commands.iter().filter(|c| !c.starts_with("serve")) {
        for args in expand(command) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, out, err) = outcome(&secarch(&args, r.path()));
            assert!(
                code == 0 || code == 1,
                "README example `secarch {}` exited {code}:\n{out}\n{err}",
                args.join(" ")
            );
            ran += 1;
        }
    }
    assert!(ran >= 18, "only {ran} example runs");
}
