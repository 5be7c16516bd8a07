//! `Cargo.toml`.

use super::Dep;
use crate::classify::signals::read_toml;
use crate::syntax::Node;

pub fn parse(text: &str) -> Result<Vec<Dep>, String> {
    let root = read_toml(text).ok_or("not valid TOML")?;
    let mut out = Vec::new();
    table(root.get("dependencies"), "[dependencies]", &mut out);
    table(
        root.path(&["workspace", "dependencies"]),
        "[workspace.dependencies]",
        &mut out,
    );
    if let Some(targets) = root.get("target") {
        for (cfg, t) in targets.entries() {
            table(
                t.value.get("dependencies"),
                &format!("[target.'{cfg}'.dependencies]"),
                &mut out,
            );
        }
    }
    Ok(out)
}

fn table(t: Option<&Node>, section: &str, out: &mut Vec<Dep>) {
    for (key, spec) in t.into_iter().flat_map(Node::entries) {
        // `web = { package = "axum", ... }` depends on axum.
        let name = spec
            .value
            .get("package")
            .and_then(Node::as_str)
            .unwrap_or(key);
        out.push(Dep {
            name: name.to_string(),
            section: section.to_string(),
            line: Some(spec.key.line),
        });
    }
}
