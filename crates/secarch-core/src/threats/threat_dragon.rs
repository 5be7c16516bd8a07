//! OWASP Threat Dragon models, v1 (`diagramJson.cells[].threats`) and v2
//! (`cells[].data.threats`).
//!
//! Threat ids: the `number` Threat Dragon 2.2+ shows in its UI, else the v1
//! `threatId`, else the v2 `id`. Older models have none of these; such a threat
//! still counts (an open high threat matters even without an id) under the
//! fragile id `<cell id>#<n>` (n-th threat of the cell) — open and save the model
//! in a current Threat Dragon to get numbers.

use super::lenient::{Lenient, Node};
use super::loader::{LoadError, parse_tree};
use super::norm::{self, is_not_applicable};
use super::{Threat, ThreatStatus};

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Threat>, LoadError> {
    let root = parse_tree(path, text)?;
    let diagrams = root.at("detail").get("diagrams");
    let Some(diagrams) = diagrams.filter(|d| d.is_seq()) else {
        let keys: Vec<&str> = root.entries().map(|(k, _)| k).collect();
        return Err(LoadError::shape(
            path,
            root.pos,
            format!(
                "not a Threat Dragon model: no `detail.diagrams` list (top-level keys: {}); \
                 check `format:` under `threat_models`, or open and save the model in Threat Dragon",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            ),
        ));
    };
    let mut out = Vec::new();
    for (d, diagram) in diagrams.items().iter().enumerate() {
        let cells = match diagram.get("cells") {
            Some(c) => c,
            None => diagram.at("diagramJson").at("cells"),
        };
        for (c, cell) in cells.items().iter().enumerate() {
            let v2 = cell.at("data").at("threats");
            let threats = if v2.items().is_empty() {
                cell.at("threats")
            } else {
                v2
            };
            let cell_id = cell
                .at("id")
                .text()
                .unwrap_or_else(|| format!("diagram{}-cell{}", d + 1, c + 1));
            for (k, t) in threats.items().iter().enumerate() {
                if !t.is_map() {
                    continue;
                }
                let id = t
                    .at("number")
                    .text()
                    .or_else(|| t.at("threatId").text())
                    .or_else(|| t.at("id").text())
                    .unwrap_or_else(|| format!("{cell_id}#{}", k + 1));
                out.push(Threat {
                    id,
                    title: t.at("title").text().unwrap_or_default(),
                    severity: t.at("severity").str().and_then(norm::severity),
                    status: status(t.at("status")),
                    path: path.to_string(),
                    pos: t.pos,
                });
            }
        }
    }
    Ok(out)
}

/// `Open`, `Mitigated`, `NA` (also `Not Applicable`); unknown words are open.
fn status(node: &Node) -> ThreatStatus {
    let Some(raw) = node.str() else {
        return ThreatStatus::Unknown;
    };
    match norm::word(raw).as_str() {
        "mitigated" => ThreatStatus::Mitigated,
        "accepted" => ThreatStatus::Accepted,
        w if is_not_applicable(w) => ThreatStatus::NotApplicable,
        _ => ThreatStatus::Open,
    }
}
