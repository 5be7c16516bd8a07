//! Unit tests for the threat-model adapters, on small hand-written models.

mod detect;
mod hostile;
mod native;
mod otm;
mod registry;
mod threagile;
mod threat_dragon;
mod tmbom;

use super::{LoadError, Threat, ThreatStatus, parse};
use crate::policy::ThreatModelFormat;
use crate::position::Pos;

/// Parse text of a format with no sibling files.
fn p(format: ThreatModelFormat, path: &str, text: &str) -> Result<Vec<Threat>, LoadError> {
    parse(format, path, text.as_bytes(), &|_| None)
}

fn ids(threats: &[Threat]) -> Vec<&str> {
    threats.iter().map(|t| t.id.as_str()).collect()
}

fn by_id<'a>(threats: &'a [Threat], id: &str) -> &'a Threat {
    threats
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no threat {id} in {:?}", ids(threats)))
}

fn status(threats: &[Threat], id: &str) -> ThreatStatus {
    by_id(threats, id).status
}

/// The position of a shape/syntax error, and its message.
fn err_at(e: &LoadError) -> (Pos, String) {
    (
        e.position().map(|(_, p)| p).unwrap_or(Pos::UNKNOWN),
        e.to_string(),
    )
}
