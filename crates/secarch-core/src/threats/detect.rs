//! Guessing the format of a file nobody configured (discovery): by extension,
//! then by the keys each format always has.

use crate::policy::ThreatModelFormat;
use crate::source::MAX_FILE_BYTES;

use super::lenient::{Lenient, Node};
use super::loader::parse_tree;

/// Words at least one of which every supported model contains; a file without
/// any is not parsed at all.
const MARKERS: [&str; 6] = [
    "otmVersion",
    "threagile_version",
    "risk_tracking",
    "technical_assets",
    "diagrams",
    "threats",
];

/// Guess the format of an unconfigured file (extension + content sniffing), for
/// discovery. `None` when it is not a threat model we read (or not readable).
pub fn detect(path: &str, bytes: &[u8]) -> Option<ThreatModelFormat> {
    let lower = path.to_ascii_lowercase();
    if ![".json", ".yaml", ".yml", ".otm"]
        .iter()
        .any(|e| lower.ends_with(e))
        || bytes.len() as u64 > MAX_FILE_BYTES
    {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !MARKERS.iter().any(|m| text.contains(m)) {
        return None;
    }
    let root = parse_tree(path, text).ok()?;
    classify(&root, &lower)
}

fn classify(root: &Node, lower_path: &str) -> Option<ThreatModelFormat> {
    if !root.is_map() {
        return None;
    }
    if root.get("otmVersion").is_some() {
        return Some(ThreatModelFormat::Otm);
    }
    if root.get("threagile_version").is_some()
        || (root.get("technical_assets").is_some() && root.get("data_assets").is_some())
    {
        return Some(ThreatModelFormat::Threagile);
    }
    if root.get("summary").is_some() && root.at("detail").get("diagrams").is_some() {
        return Some(ThreatModelFormat::ThreatDragon);
    }
    let schema = root.at("$schema").str().unwrap_or_default();
    if schema.contains("threat-model-library")
        || (root.get("scope").is_some()
            && root.get("threats").is_some()
            && root.get("controls").is_some())
    {
        return Some(ThreatModelFormat::TmBom);
    }
    let threats = root.get("threats")?;
    let all_have_ids = threats
        .items()
        .iter()
        .all(|t| t.is_map() && t.get("id").is_some());
    let named =
        lower_path.ends_with("threat-model.yaml") || lower_path.ends_with("threat-model.yml");
    if all_have_ids && (!threats.items().is_empty() || named) {
        return Some(ThreatModelFormat::Native);
    }
    None
}
