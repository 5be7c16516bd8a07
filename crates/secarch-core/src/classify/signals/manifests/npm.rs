//! `package.json`.

use super::Dep;
use crate::classify::signals::read_json;
use crate::syntax::Node;

/// Shipped dependency tables; `devDependencies` is build and test tooling.
const SECTIONS: [&str; 3] = ["dependencies", "optionalDependencies", "peerDependencies"];

pub fn parse(text: &str) -> Result<Vec<Dep>, String> {
    let root = read_json(text).ok_or("not valid JSON")?;
    if !root.is_map() {
        return Err("not a JSON object".to_string());
    }
    let mut out = Vec::new();
    for section in SECTIONS {
        for (name, spec) in root.get(section).into_iter().flat_map(Node::entries) {
            out.push(Dep {
                name: name.to_string(),
                section: section.to_string(),
                line: Some(spec.key.line),
            });
        }
    }
    Ok(out)
}
