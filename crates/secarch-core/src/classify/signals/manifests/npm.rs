//! `package.json`.

use super::Dep;
use crate::classify::tree::{Value, parse_json};

/// Shipped dependency tables; `devDependencies` is build and test tooling.
const SECTIONS: [&str; 3] = ["dependencies", "optionalDependencies", "peerDependencies"];

pub fn parse(text: &str) -> Result<Vec<Dep>, String> {
    let root = parse_json(text).ok_or("not valid JSON")?;
    if !matches!(root.value, Value::Map(_)) {
        return Err("not a JSON object".to_string());
    }
    let mut out = Vec::new();
    for section in SECTIONS {
        for (name, spec) in root.get(section).map(|s| s.entries()).unwrap_or_default() {
            out.push(Dep {
                name: name.clone(),
                section: section.to_string(),
                line: spec.line(),
            });
        }
    }
    Ok(out)
}
