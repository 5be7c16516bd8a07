//! secarch's own threat list: `threats: [{id, title, severity, status}]`, in a
//! standalone `threat-model.yaml` or in the document's front matter.
//!
//! This is our format, so values are checked (a misspelt status would silently
//! leave a threat open); unknown keys are ignored so teams can keep notes.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::lenient::{Lenient, Node, clamp};
use super::loader::{LoadError, parse_tree};
use super::norm::{self, is_not_applicable};
use super::{Threat, ThreatStatus};
use crate::position::Pos;

const STATUSES: &str = "open, accepted, mitigated, not-applicable";
const SEVERITIES: &str = "info, low, medium, high, critical";

/// A standalone native model: a mapping with a `threats:` list.
pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Threat>, LoadError> {
    let root = parse_tree(path, text)?;
    let Some(list) = root.get("threats") else {
        return Err(LoadError::shape(
            path,
            root.pos,
            "no `threats:` list; a native threat model is YAML like \
             `threats: [{id: T-01, title: ..., severity: high, status: open}]` \
             (or set `format:` to the tool that wrote the file)",
        ));
    };
    threats_from(path, list, 0)
}

/// Threats from YAML text with an optional `threats:` key, such as a document's
/// front matter (no key → no threats). `first_line` is the line of the text's
/// first line in the file, so positions point into the file.
pub fn parse_native_threats(
    path: &str,
    yaml: &str,
    first_line: u32,
) -> Result<Vec<Threat>, LoadError> {
    let offset = first_line.saturating_sub(1);
    let root = parse_tree(path, yaml).map_err(|e| shift(e, offset))?;
    match root.get("threats") {
        Some(list) => threats_from(path, list, offset),
        None => Ok(Vec::new()),
    }
}

fn shift(e: LoadError, offset: u32) -> LoadError {
    match e {
        LoadError::Syntax {
            file,
            line,
            column,
            message,
        } if line > 0 => LoadError::Syntax {
            file,
            line: line.saturating_add(offset),
            column,
            message,
        },
        e => e,
    }
}

fn threats_from(path: &str, list: &Node, offset: u32) -> Result<Vec<Threat>, LoadError> {
    let at = |p: Pos| Pos::new(p.line.saturating_add(offset), p.column);
    if !(list.is_seq() || list.is_null()) {
        return Err(LoadError::shape(
            path,
            at(list.pos),
            format!("`threats:` is {}; write a list of threats", list.what()),
        ));
    }
    let mut seen: HashMap<String, Pos> = HashMap::new();
    let mut out = Vec::new();
    for entry in list.items() {
        if !entry.is_map() {
            return Err(LoadError::shape(
                path,
                at(entry.pos),
                format!(
                    "a threat is {}; write a mapping like `- {{id: T-01, title: ..., severity: high, status: open}}`",
                    entry.what()
                ),
            ));
        }
        let Some(id) = entry.at("id").text() else {
            return Err(LoadError::shape(
                path,
                at(entry.pos),
                "this threat has no `id`; every threat needs a unique id that controls cite in `mitigates:`",
            ));
        };
        let pos = at(entry.pos);
        if let Some(first) = seen.insert(id.clone(), pos) {
            return Err(LoadError::shape(
                path,
                pos,
                format!(
                    "threat id `{id}` is already used at line {}; ids must be unique",
                    first.line
                ),
            ));
        }
        let severity = entry
            .get("severity")
            .and_then(|n| n.text().map(|s| (s, at(n.pos))));
        let status = entry
            .get("status")
            .and_then(|n| n.text().map(|s| (s, at(n.pos))));
        out.push(make(
            path,
            id,
            pos,
            entry.at("title").text().unwrap_or_default(),
            severity.as_ref().map(|(s, p)| (s.as_str(), *p)),
            status.as_ref().map(|(s, p)| (s.as_str(), *p)),
        )?);
    }
    Ok(out)
}

/// Check and normalise one native threat.
fn make(
    path: &str,
    id: String,
    pos: Pos,
    title: String,
    severity: Option<(&str, Pos)>,
    status: Option<(&str, Pos)>,
) -> Result<Threat, LoadError> {
    let severity = match severity {
        None => None,
        Some((raw, p)) => Some(norm::severity(raw).ok_or_else(|| {
            LoadError::shape(
                path,
                p,
                format!("threat `{id}`: severity `{raw}` is not one of {SEVERITIES}"),
            )
        })?),
    };
    let status = match status {
        None => ThreatStatus::Open,
        Some((raw, p)) => {
            let w = norm::word(raw);
            match w.as_str() {
                "open" => ThreatStatus::Open,
                "accepted" => ThreatStatus::Accepted,
                "mitigated" => ThreatStatus::Mitigated,
                w if is_not_applicable(w) => ThreatStatus::NotApplicable,
                _ => {
                    return Err(LoadError::shape(
                        path,
                        p,
                        format!("threat `{id}`: status `{raw}` is not one of {STATUSES}"),
                    ));
                }
            }
        }
    };
    Ok(Threat {
        id,
        title,
        severity,
        status,
        path: path.to_string(),
        pos,
    })
}

/// One entry of a native `threats:` list, for callers that deserialize front
/// matter into their own structs. Unknown keys are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct NativeThreat {
    pub id: Spanned<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    #[serde(default)]
    pub status: Option<Spanned<String>>,
}

impl NativeThreat {
    /// Check and normalise (same rules as a `threat-model.yaml`).
    pub fn to_threat(&self, path: &str) -> Result<Threat, LoadError> {
        let pos = |s: &serde_saphyr::Location| Pos::new(clamp(s.line()), clamp(s.column()));
        make(
            path,
            self.id.value.trim().to_string(),
            pos(&self.id.referenced),
            self.title.clone().unwrap_or_default(),
            self.severity
                .as_ref()
                .map(|s| (s.value.as_str(), pos(&s.referenced))),
            self.status
                .as_ref()
                .map(|s| (s.value.as_str(), pos(&s.referenced))),
        )
    }
}
