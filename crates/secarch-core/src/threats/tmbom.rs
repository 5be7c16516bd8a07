//! OWASP Threat Model Library ("TM-BOM") JSON.
//!
//! Threat ids are `threats[].symbolic_name`. A threat is mitigated when a control
//! lists it in `controls[].threats` (the format's own traceability link), unless
//! that control is `wont_do` or `retired`; otherwise it is open. Threats carry no
//! severity of their own: the highest `level` of the risks that list the threat
//! is used.

use std::collections::{HashMap, HashSet};

use super::lenient::Lenient;
use super::loader::{LoadError, parse_tree};
use super::norm::{self, max_severity};
use super::{Threat, ThreatStatus};

pub(super) fn parse(path: &str, text: &str) -> Result<Vec<Threat>, LoadError> {
    let root = parse_tree(path, text)?;
    let threats = root.get("threats");
    let Some(threats) = threats.filter(|t| t.is_seq() || t.is_null()) else {
        return Err(LoadError::shape(
            path,
            root.pos,
            "not an OWASP Threat Model Library (TM-BOM) model: no `threats` list; \
             check `format:` under `threat_models`",
        ));
    };

    let mut covered: HashSet<String> = HashSet::new();
    for control in root.at("controls").items() {
        let status = control
            .at("status")
            .str()
            .map(norm::word)
            .unwrap_or_default();
        if status == "wont-do" || status == "retired" {
            continue;
        }
        covered.extend(
            control
                .at("threats")
                .items()
                .iter()
                .filter_map(|t| t.text()),
        );
    }
    let mut severity: HashMap<String, String> = HashMap::new();
    for risk in root.at("risks").items() {
        let Some(level) = risk.at("level").str().and_then(norm::severity) else {
            continue;
        };
        for t in risk.at("threats").items().iter().filter_map(|t| t.text()) {
            let cur = severity.remove(&t);
            if let Some(s) = max_severity(cur, Some(level.clone())) {
                severity.insert(t, s);
            }
        }
    }

    let mut out = Vec::new();
    for t in threats.items() {
        let Some(id) = t.at("symbolic_name").text() else {
            return Err(LoadError::shape(
                path,
                t.pos,
                "this threat has no `symbolic_name`; it is the id controls cite in `mitigates:`",
            ));
        };
        out.push(Threat {
            status: if covered.contains(&id) {
                ThreatStatus::Mitigated
            } else {
                ThreatStatus::Open
            },
            severity: severity.get(&id).cloned(),
            title: t.at("title").text().unwrap_or_default(),
            id,
            path: path.to_string(),
            pos: t.pos,
        });
    }
    Ok(out)
}
