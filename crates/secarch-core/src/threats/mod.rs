//! Threat-model adapters: native, OTM, Threagile, Threat Dragon, TM-BOM → one
//! registry `namespace → id → threat`.
//!
//! Real files often violate their own schemas: adapters are lenient about
//! everything traceability does not need, strict about what it does (ids).
//! They never execute model code and never fetch remote `$ref`s.
//!
//! Use: [`build_registry`] over the configured models (its failures are SA033),
//! [`ThreatRegistry::resolve`] for `mitigates` references (SA031), and
//! [`ThreatRegistry::iter`] with each threat's severity and
//! [`ThreatStatus::is_handled`] for unmitigated threats (SA032). How each format's
//! words map to a status is documented in its adapter module.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::position::Pos;

mod detect;
mod lenient;
mod loader;
mod native;
mod norm;
mod otm;
#[cfg(test)]
mod tests;
mod threagile;
mod threat_dragon;
mod tmbom;

pub use detect::detect;
pub use loader::{LoadError, LoadFailure, build_registry, load, parse};
pub use native::{NativeThreat, parse_native_threats};
pub use threagile::wildcard_matches;

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

impl ThreatStatus {
    /// Mitigated, accepted or not applicable: nothing left to do in the model.
    pub fn is_handled(self) -> bool {
        matches!(
            self,
            ThreatStatus::Mitigated | ThreatStatus::Accepted | ThreatStatus::NotApplicable
        )
    }
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

/// The outcome of resolving a `mitigates` reference (`ns:id` or a bare id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution<'a> {
    Found {
        namespace: &'a str,
        threat: &'a Threat,
    },
    NotFound,
    /// A bare id that exists in several namespaces: qualify it.
    Ambiguous(Vec<&'a str>),
}

impl ThreatRegistry {
    /// Add threats under a namespace (later duplicates of an id keep the first).
    pub fn insert(&mut self, namespace: &str, threats: impl IntoIterator<Item = Threat>) {
        let ns = self.namespaces.entry(namespace.to_string()).or_default();
        for t in threats {
            ns.entry(t.id.clone()).or_insert(t);
        }
    }

    /// Resolve `ns:id` or a bare `id` (unique across namespaces).
    ///
    /// An id containing `*` is a pattern (Threagile `risk_tracking` wildcards such
    /// as `unencrypted-asset@*`): a concrete risk id without an exact entry
    /// resolves to the pattern that covers it (see [`wildcard_matches`]).
    ///
    /// A reference whose prefix before the first `:` is not a namespace is tried
    /// as a bare id too, because real ids contain colons (Threagile risk ids).
    pub fn resolve(&self, reference: &str) -> Resolution<'_> {
        if let Some((ns, id)) = reference.split_once(':')
            && let Some((ns_name, threats)) = self.namespaces.get_key_value(ns)
        {
            return match lookup(threats, id) {
                Some(threat) => Resolution::Found {
                    namespace: ns_name,
                    threat,
                },
                None => Resolution::NotFound,
            };
        }
        let hits: Vec<(&str, &Threat)> = self
            .namespaces
            .iter()
            .filter_map(|(ns, m)| m.get(reference).map(|t| (ns.as_str(), t)))
            .collect();
        // No exact id anywhere: a Threagile wildcard entry may cover it.
        let hits = if hits.is_empty() {
            self.namespaces
                .iter()
                .filter_map(|(ns, m)| wildcard_lookup(m, reference).map(|t| (ns.as_str(), t)))
                .collect()
        } else {
            hits
        };
        match hits.as_slice() {
            [] => Resolution::NotFound,
            [(namespace, threat)] => Resolution::Found { namespace, threat },
            many => Resolution::Ambiguous(many.iter().map(|(ns, _)| *ns).collect()),
        }
    }

    /// Every threat with its namespace.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Threat)> {
        self.namespaces
            .iter()
            .flat_map(|(ns, m)| m.values().map(move |t| (ns.as_str(), t)))
    }

    pub fn len(&self) -> usize {
        self.namespaces.values().map(|m| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An exact id, else the first wildcard entry (in id order) that covers it.
fn lookup<'a>(threats: &'a BTreeMap<String, Threat>, id: &str) -> Option<&'a Threat> {
    threats.get(id).or_else(|| wildcard_lookup(threats, id))
}

fn wildcard_lookup<'a>(threats: &'a BTreeMap<String, Threat>, id: &str) -> Option<&'a Threat> {
    if id.contains('*') {
        return None;
    }
    threats
        .iter()
        .find(|(pattern, _)| pattern.contains('*') && wildcard_matches(pattern, id))
        .map(|(_, t)| t)
}
