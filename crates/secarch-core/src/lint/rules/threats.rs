//! Traceability: SA030–SA033 (controls ↔ threats from the threat models).

use std::collections::HashSet;

use crate::lint::LintInput;
use crate::lint::context::{Ctx, Out, name};
use crate::model::{Document, THREAT_SEVERITIES, closest};
use crate::policy::POLICY_PATH;
use crate::position::Pos;
use crate::threats::{Resolution, ThreatStatus};

/// Unresolved references that get a "did you mean" (each scans the registry).
const MAX_SUGGESTIONS: usize = 20;

/// SA030: every control mitigates at least one threat.
pub fn sa030(cx: &Ctx<'_>, out: &mut Out) {
    for c in &cx.doc.controls {
        if c.mitigates.iter().all(|m| m.value.trim().is_empty()) {
            out.push(
                "SA030",
                c.id.pos,
                format!(
                    "control {} mitigates no threat; add mitigates: [<namespace>:<threat id>] from the threat model (a control that mitigates nothing is either missing its trace or not needed)",
                    name(&c.id)
                ),
            );
        }
    }
}

/// SA031: every `mitigates` reference resolves (an ambiguous bare id must be qualified).
pub fn sa031(cx: &Ctx<'_>, out: &mut Out) {
    let failed: HashSet<&str> = cx
        .input
        .load_failures
        .iter()
        .map(|f| f.namespace.as_str())
        .collect();
    let mut suggestions = 0;
    for c in &cx.doc.controls {
        for m in &c.mitigates {
            let reference = m.value.trim();
            if reference.is_empty() {
                continue;
            }
            let message = match cx.registry.resolve(reference) {
                Resolution::Found { .. } => continue,
                Resolution::Ambiguous(namespaces) => format!(
                    "control {}: threat {reference} exists in several threat models ({}); qualify it, e.g. {}:{reference}",
                    name(&c.id),
                    namespaces.join(", "),
                    namespaces.first().copied().unwrap_or("ns")
                ),
                Resolution::NotFound => {
                    if let Some((ns, _)) = reference.split_once(':')
                        && failed.contains(ns)
                    {
                        continue; // the model did not load: SA033 says so
                    }
                    let hint = if suggestions < MAX_SUGGESTIONS {
                        suggestions += 1;
                        suggest(cx, reference)
                    } else {
                        String::new()
                    };
                    let namespaces: Vec<&str> =
                        cx.registry.namespaces.keys().map(String::as_str).collect();
                    let known = if namespaces.is_empty() {
                        "no threat model is loaded — list one under threat_models: or declare threats:".to_string()
                    } else {
                        format!("loaded namespaces: {}", namespaces.join(", "))
                    };
                    format!(
                        "control {}: threat {reference} is not in any threat model; {hint}correct the reference or add the threat to the model ({known})",
                        name(&c.id)
                    )
                }
            };
            out.push("SA031", m.pos, message);
        }
    }
}

/// `did you mean ns:id? ` for the closest threat id, or nothing.
fn suggest(cx: &Ctx<'_>, reference: &str) -> String {
    let (ns, id) = match reference.split_once(':') {
        Some((ns, id)) if cx.registry.namespaces.contains_key(ns) => (Some(ns), id),
        _ => (None, reference),
    };
    let all: Vec<(&str, &str)> = cx
        .registry
        .iter()
        .filter(|(n, _)| ns.is_none_or(|x| x == *n))
        .map(|(n, t)| (n, t.id.as_str()))
        .collect();
    let Some(hit) = closest(id, all.iter().map(|(_, t)| *t)) else {
        return String::new();
    };
    let ns = all.iter().find(|(_, t)| *t == hit).map_or("", |(n, _)| *n);
    format!("did you mean {ns}:{hit}? ")
}

/// SA032: every threat at or above the threshold is mitigated by a control or accepted.
pub fn sa032(cx: &Ctx<'_>, out: &mut Out) {
    let threshold = cx.input.policy.lint.severity_threshold.as_str();
    let Some(min) = rank(threshold) else { return };
    let mut mitigated: HashSet<(&str, &str)> = HashSet::new();
    for c in &cx.doc.controls {
        for m in &c.mitigates {
            if let Resolution::Found { namespace, threat } = cx.registry.resolve(m.value.trim()) {
                mitigated.insert((namespace, threat.id.as_str()));
            }
        }
    }
    for (ns, t) in cx.registry.iter() {
        let Some(sev) = t.severity.as_deref().and_then(rank) else {
            continue;
        };
        if sev < min
            || matches!(
                t.status,
                ThreatStatus::Accepted | ThreatStatus::NotApplicable
            )
            || mitigated.contains(&(ns, t.id.as_str()))
        {
            continue;
        }
        let note = if t.status == ThreatStatus::Mitigated {
            " (the model marks it mitigated, but no control in the document traces to it)"
        } else {
            ""
        };
        let severity = t.severity.as_deref().unwrap_or("");
        out.push_in(
            "SA032",
            &t.path,
            t.pos,
            format!(
                "{severity} threat {ns}:{id} \"{title}\" is not mitigated by any control{note}; add {ns}:{id} to the mitigates of the control that handles it, or accept it in the threat model",
                id = t.id,
                title = t.title
            ),
        );
    }
}

fn rank(severity: &str) -> Option<usize> {
    let s = severity.trim().to_ascii_lowercase();
    THREAT_SEVERITIES.iter().position(|x| *x == s)
}

/// SA033: every configured threat model exists and loads.
pub fn sa033(input: &LintInput<'_>, doc: Option<&Document>, out: &mut Out) {
    for f in input.load_failures {
        let declared = doc.and_then(|d| {
            d.threat_models
                .iter()
                .find(|r| r.value.path == f.path)
                .map(|r| (d.path.as_str(), r.pos))
        });
        let in_policy = input.policy.threat_models.iter().any(|r| r.path == f.path);
        // A known place inside the model beats the entry that declares it:
        // that is where the fix goes.
        let model_path = f.path.strip_prefix("./").unwrap_or(&f.path);
        let (path, pos) = match declared {
            _ if f.line > 0 => (model_path, Pos::new(f.line, f.column)),
            _ if in_policy => (POLICY_PATH, Pos::UNKNOWN),
            Some(hit) => hit,
            None => (model_path, Pos::UNKNOWN),
        };
        out.push_in(
            "SA033",
            path,
            pos,
            format!(
                "threat model {} (namespace {}) could not be loaded: {}; its threats cannot be traced until it loads",
                f.path, f.namespace, f.reason
            ),
        );
    }
}

#[cfg(test)]
mod tests;
