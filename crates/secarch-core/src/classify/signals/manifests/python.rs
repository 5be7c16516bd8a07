//! `pyproject.toml` and `requirements*.txt`.

use super::Dep;
use crate::classify::signals::read_toml;
use crate::classify::text::line_number;
use crate::syntax::Node;

pub fn parse_pyproject(text: &str) -> Result<Vec<Dep>, String> {
    let root = read_toml(text).ok_or("not valid TOML")?;
    let mut out = Vec::new();
    let mut pep508 = |n: &Node, section: &str| {
        for item in n.items() {
            if let Some(name) = item.as_str().and_then(pep508_name) {
                out.push(Dep {
                    name,
                    section: section.to_string(),
                    line: Some(item.pos.line),
                });
            }
        }
    };
    if let Some(deps) = root.path(&["project", "dependencies"]) {
        pep508(deps, "project.dependencies");
    }
    if let Some(extras) = root.path(&["project", "optional-dependencies"]) {
        for (extra, deps) in extras.entries() {
            pep508(
                &deps.value,
                &format!("project.optional-dependencies.{extra}"),
            );
        }
    }
    for (name, spec) in root
        .path(&["tool", "poetry", "dependencies"])
        .into_iter()
        .flat_map(Node::entries)
    {
        if !name.eq_ignore_ascii_case("python") {
            out.push(Dep {
                name: name.to_string(),
                section: "tool.poetry.dependencies".to_string(),
                line: Some(spec.key.line),
            });
        }
    }
    Ok(out)
}

/// The distribution name at the start of a PEP 508 requirement
/// (`Flask[async]>=2; python_version>"3.8"` → `Flask`).
pub fn pep508_name(req: &str) -> Option<String> {
    let req = req.trim();
    let name: String = req
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let name = name.trim_end_matches(['.', '-', '_']);
    name.chars()
        .next()
        .filter(char::is_ascii_alphanumeric)
        .map(|_| name.to_string())
}

/// Requirement lines; options (`-r`, `--hash`, `-i`) are skipped, editable/URL
/// requirements are named by their `#egg=` fragment.
pub fn parse_requirements(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0usize;
    for (index, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = index;
        }
        // A comment starts at `#` at line start or after whitespace (URLs keep `#egg=`).
        let line = &raw[..comment_start(raw)];
        match line.trim_end().strip_suffix('\\') {
            Some(cont) => {
                logical.push_str(cont);
                logical.push(' ');
                continue;
            }
            None => logical.push_str(line),
        }
        let req = std::mem::take(&mut logical);
        let req = req.trim();
        let name = if let Some(egg) = req.split("#egg=").nth(1) {
            pep508_name(egg)
        } else if req.starts_with('-') || req.contains("://") {
            None
        } else {
            pep508_name(req)
        };
        if let Some(name) = name {
            out.push(Dep {
                name,
                section: "requirements".to_string(),
                line: Some(line_number(start)),
            });
        }
    }
    out
}

/// Where a `#` comment starts: at line start or after whitespace (`#egg=` in a
/// URL is not a comment).
fn comment_start(line: &str) -> usize {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return i;
        }
        prev_ws = c.is_whitespace();
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep508_names() {
        assert_eq!(
            pep508_name("Flask[async]>=2; python_version>'3.8'"),
            Some("Flask".into())
        );
        assert_eq!(
            pep508_name("fhir.resources==7"),
            Some("fhir.resources".into())
        );
        assert_eq!(
            pep508_name("requests @ https://x/y.whl"),
            Some("requests".into())
        );
        assert_eq!(pep508_name(">=2"), None);
    }

    #[test]
    fn requirements_lines() {
        let text = "# pinned\n-r base.txt\n--hash=sha256:abc\nFlask==2.0 \\\n    --hash=sha256:def\npaho_mqtt>=1.6  # broker\n-e git+https://github.com/x/bleak.git#egg=bleak\nhttps://example.org/pkg.whl\n";
        let names: Vec<_> = parse_requirements(text)
            .into_iter()
            .map(|d| (d.name, d.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Flask".to_string(), Some(4)),
                ("paho_mqtt".to_string(), Some(6)),
                ("bleak".to_string(), Some(7)),
            ]
        );
    }
}
