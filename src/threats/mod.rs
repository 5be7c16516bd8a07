//! Threat-model adapters: native, OTM, Threagile, Threat Dragon, TM-BOM → one
//! registry `namespace → id → threat`.
//!
//! Real files often violate their own schemas: adapters are lenient about
//! everything traceability does not need, strict about what it does (ids).
//! They never execute model code and never fetch remote `$ref`s.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::position::Pos;

/// How a threat is handled in its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatStatus {
    Open,
    Mitigated,
    Accepted,
    NotApplicable,
    /// The model does not say.
    Unknown,
}

/// One threat, wherever it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Threat {
    pub id: String,
    pub title: String,
    /// Normalised to `info | low | medium | high | critical` where the model says.
    pub severity: Option<String>,
    pub status: ThreatStatus,
    /// The model file (repository-relative) and the position of the threat in it.
    pub path: String,
    pub pos: Pos,
}

/// All threats, by namespace then id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ThreatRegistry {
    pub namespaces: BTreeMap<String, BTreeMap<String, Threat>>,
}
