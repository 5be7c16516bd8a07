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
    /// A reference whose prefix before the first `:` is not a namespace is tried
    /// as a bare id too, because real ids contain colons (Threagile risk ids).
    pub fn resolve(&self, reference: &str) -> Resolution<'_> {
        if let Some((ns, id)) = reference.split_once(':')
            && let Some((ns_name, threats)) = self.namespaces.get_key_value(ns)
        {
            return match threats.get(id) {
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
