//! Dockerfile / Containerfile: new `EXPOSE` ports, a final stage that now runs as
//! root, new base images.
//!
//! The Dockerfile grammar is line-oriented (one instruction per logical line, `\`
//! or the `# escape=` character continues it, `#` starts a comment), so a small
//! instruction reader is the real parser here; heredoc bodies (`RUN <<EOF`) are
//! skipped so their lines are not read as instructions.

use std::collections::{BTreeSet, HashSet};

use super::signal;
use crate::classify::Signal;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Instruction {
    keyword: String,
    args: String,
    line: u32,
}

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let head_ins = parse(head);
    let base_ins = base.map(parse);
    let base_ins = base_ins.as_deref();
    let mut out = Vec::new();

    // EXPOSE: compare the set of ports across the file.
    let base_ports: HashSet<String> = base_ins
        .unwrap_or_default()
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| i.args.split_whitespace().map(normalize_port))
        .collect();
    for i in head_ins.iter().filter(|i| i.keyword == "EXPOSE") {
        let new: Vec<&str> = i
            .args
            .split_whitespace()
            .filter(|p| !base_ports.contains(&normalize_port(p)))
            .collect();
        if !new.is_empty() {
            out.push(signal(
                "expose-added",
                format!("new EXPOSE {}", new.join(" ")),
                Some(i.line),
            ));
        }
    }

    // USER of the final stage.
    let head_user = final_user(&head_ins);
    match base_ins.map(final_user) {
        Some(Some(b)) if !is_root(&b.args) => match &head_user {
            None => out.push(signal(
                "user-removed",
                format!(
                    "USER {} removed: the final stage now runs as root",
                    b.args.trim()
                ),
                Some(b.line),
            )),
            Some(h) if is_root(&h.args) => out.push(signal(
                "user-root",
                format!("USER {} (was {})", h.args.trim(), b.args.trim()),
                Some(h.line),
            )),
            Some(_) => {}
        },
        // Already root (explicitly or by default) at base: nothing new.
        Some(_) => {}
        // A new Dockerfile: say when its image runs as root.
        None => match &head_user {
            Some(h) if is_root(&h.args) => out.push(signal(
                "user-root",
                format!("USER {}", h.args.trim()),
                Some(h.line),
            )),
            None if head_ins.iter().any(|i| i.keyword == "FROM") => out.push(signal(
                "user-root",
                "no USER: the final stage runs as root",
                None,
            )),
            _ => {}
        },
    }

    // FROM: external images not used at base.
    let base_images: BTreeSet<String> = base_ins
        .map(images)
        .unwrap_or_default()
        .into_iter()
        .map(|(image, _)| image.to_ascii_lowercase())
        .collect();
    for (image, line) in images(&head_ins) {
        if !base_images.contains(&image.to_ascii_lowercase()) {
            out.push(signal(
                "base-image-added",
                format!("new FROM image {image}"),
                Some(line),
            ));
        }
    }
    out
}

/// `8443` and `8443/TCP` are the same port.
fn normalize_port(p: &str) -> String {
    let p = p.to_ascii_lowercase();
    if p.contains('/') {
        p
    } else {
        format!("{p}/tcp")
    }
}

fn is_root(user: &str) -> bool {
    let name = user.trim().split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

/// The last USER after the last FROM.
fn final_user(ins: &[Instruction]) -> Option<&Instruction> {
    let last_from = ins.iter().rposition(|i| i.keyword == "FROM")?;
    ins[last_from..].iter().rev().find(|i| i.keyword == "USER")
}

/// External images of FROM lines (not earlier stages, not `scratch`), with lines.
fn images(ins: &[Instruction]) -> Vec<(String, u32)> {
    let mut stages: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for i in ins.iter().filter(|i| i.keyword == "FROM") {
        let words: Vec<&str> = i
            .args
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let Some(image) = words.first() else { continue };
        let lower = image.to_ascii_lowercase();
        if lower != "scratch" && !stages.contains(&lower) {
            out.push((image.to_string(), i.line));
        }
        if let [_, kw, name, ..] = words.as_slice()
            && kw.eq_ignore_ascii_case("as")
        {
            stages.insert(name.to_ascii_lowercase());
        }
    }
    out
}

fn parse(text: &str) -> Vec<Instruction> {
    let mut escape = '\\';
    let mut out = Vec::new();
    let mut current: Option<Instruction> = None;
    let mut heredoc: Vec<String> = Vec::new();
    let mut directives_done = false;
    for (index, raw) in text.lines().enumerate() {
        let line_no = crate::classify::text::line_number(index);
        if let Some(end) = heredoc.first() {
            if raw.trim() == end {
                heredoc.remove(0);
            }
            continue;
        }
        let trimmed = raw.trim();
        if !directives_done {
            if let Some(d) = trimmed.strip_prefix('#') {
                if let Some((k, v)) = d.split_once('=')
                    && k.trim().eq_ignore_ascii_case("escape")
                {
                    escape = if v.trim() == "`" { '`' } else { '\\' };
                }
                continue;
            }
            directives_done = !trimmed.is_empty();
        }
        // Comment and blank lines are dropped, inside a continuation too (as BuildKit does).
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix(escape) {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        match current.as_mut() {
            Some(c) => {
                c.args.push(' ');
                c.args.push_str(body.trim());
            }
            None => {
                let (kw, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
                current = Some(Instruction {
                    keyword: kw.to_ascii_uppercase(),
                    args: args.trim().to_string(),
                    line: line_no,
                });
            }
        }
        if !continues && let Some(done) = current.take() {
            heredoc = heredoc_ends(&done.args);
            out.push(done);
        }
    }
    out.extend(current);
    out
}

/// Delimiters of `<<EOF`, `<<-EOF`, `<<"EOF"` heredocs opened by an instruction.
fn heredoc_ends(args: &str) -> Vec<String> {
    args.match_indices("<<")
        .filter_map(|(i, _)| {
            let rest = args[i + 2..].trim_start_matches('-');
            let word: String = rest
                .trim_matches(|c| c == '"' || c == '\'')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!word.is_empty()).then_some(word)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &[Signal]) -> Vec<(&str, &str, Option<u32>)> {
        s.iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect()
    }

    const BASE: &str = "FROM node:20-alpine AS build\nRUN npm ci\nFROM node:20-alpine\nCOPY --from=build /app /app\nEXPOSE 1337\nUSER node\nCMD [\"node\", \"server.js\"]\n";

    #[test]
    fn new_expose_with_port_and_line() {
        let head = BASE.replace("EXPOSE 1337", "EXPOSE 1337\nEXPOSE 8443/tcp 9000");
        assert_eq!(
            kinds(&signals(Some(BASE), &head)),
            vec![("expose-added", "new EXPOSE 8443/tcp 9000", Some(6))]
        );
    }

    #[test]
    fn comment_change_or_port_spelling_is_not_a_signal() {
        let head = format!(
            "# build the server\n{}",
            BASE.replace("EXPOSE 1337", "EXPOSE 1337/TCP")
        );
        assert!(signals(Some(BASE), &head).is_empty());
    }

    #[test]
    fn user_root_and_user_removed() {
        let head = BASE.replace("USER node", "USER root");
        assert_eq!(
            kinds(&signals(Some(BASE), &head)),
            vec![("user-root", "USER root (was node)", Some(6))]
        );
        let head = BASE.replace("USER node\n", "");
        assert_eq!(
            kinds(&signals(Some(BASE), &head)),
            vec![(
                "user-removed",
                "USER node removed: the final stage now runs as root",
                Some(6)
            )]
        );
        // USER in the build stage only does not protect the final stage.
        let head = "FROM a AS b\nUSER app\nFROM c\nCMD x\n";
        let base = "FROM a AS b\nFROM c\nUSER app\nCMD x\n";
        assert_eq!(signals(Some(base), head)[0].kind, "user-removed");
    }

    #[test]
    fn new_from_image_not_stage_reference() {
        let head = BASE.replace(
            "FROM node:20-alpine\n",
            "FROM --platform=linux/amd64 gcr.io/distroless/nodejs20\n",
        );
        assert_eq!(
            kinds(&signals(Some(BASE), &head)),
            vec![(
                "base-image-added",
                "new FROM image gcr.io/distroless/nodejs20",
                Some(3)
            )]
        );
        let multi =
            "FROM rust:1 AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /x /x\n";
        let imgs: Vec<String> = images(&parse(multi)).into_iter().map(|(i, _)| i).collect();
        assert_eq!(imgs, vec!["rust:1"]);
    }

    #[test]
    fn new_dockerfile_reports_everything_new() {
        let s = signals(None, "FROM python:3.12-slim\nEXPOSE 8000\nCMD gunicorn\n");
        assert_eq!(
            kinds(&s),
            vec![
                ("expose-added", "new EXPOSE 8000", Some(2)),
                ("user-root", "no USER: the final stage runs as root", None),
                (
                    "base-image-added",
                    "new FROM image python:3.12-slim",
                    Some(1)
                ),
            ]
        );
    }

    #[test]
    fn continuations_escape_directive_and_heredocs() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN echo a `\n  # inside\n  && echo b\nEXPOSE 80\n";
        let ins = parse(text);
        assert_eq!(ins.len(), 3);
        assert_eq!(ins[1].args, "echo a && echo b");
        assert_eq!((ins[2].keyword.as_str(), ins[2].line), ("EXPOSE", 6));
        let text = "FROM alpine\nRUN <<EOF\nEXPOSE 22\nEOF\nexpose 80\n";
        let ports: Vec<_> = parse(text)
            .into_iter()
            .filter(|i| i.keyword == "EXPOSE")
            .collect();
        assert_eq!(ports.len(), 1);
        assert_eq!(ports[0].line, 5);
    }
}
