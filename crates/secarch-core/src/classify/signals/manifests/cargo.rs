//! `Cargo.toml`.

use super::Dep;
use crate::classify::tree::{Node, parse_toml};

pub fn parse(text: &str) -> Result<Vec<Dep>, String> {
    let root = parse_toml(text).ok_or("not valid TOML")?;
    let mut out = Vec::new();
    table(root.get("dependencies"), "[dependencies]", &mut out);
    table(
        root.at(&["workspace", "dependencies"]),
        "[workspace.dependencies]",
        &mut out,
    );
    if let Some(targets) = root.get("target") {
        for (cfg, t) in targets.entries() {
            table(
                t.get("dependencies"),
                &format!("[target.'{cfg}'.dependencies]"),
                &mut out,
            );
        }
    }
    Ok(out)
}

fn table(t: Option<&Node>, section: &str, out: &mut Vec<Dep>) {
    for (key, spec) in t.map(Node::entries).unwrap_or_default() {
        // `web = { package = "axum", ... }` depends on axum.
        let name = spec.get("package").and_then(Node::as_str).unwrap_or(key);
        out.push(Dep {
            name: name.to_string(),
            section: section.to_string(),
            line: spec.line(),
        });
    }
}
