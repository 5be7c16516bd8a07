//! Test support for the rules: a small document that lints clean, a threat
//! registry it traces to, and helpers to lint a variant and look at findings.

use super::review_facts::{HistoryCommit, ReviewHistory};
use super::{Finding, LintInput, LintReport, ThreatModelFailure, lint};
use crate::model::Date;
use crate::model::Review;
use crate::policy::Policy;
use crate::position::Pos;
use crate::source::MemorySource;
use crate::threats::{Threat, ThreatRegistry, ThreatStatus};

pub const DOC_PATH: &str = "docs/security/security-architecture.md";

/// A compact document that produces no finding under the default policy.
pub const CLEAN_DOC: &str = r##"---
schema: secarch/v1
document: {id: SAD-T, title: "Test security architecture", version: "1.0", scope: "pump gateway and records"}
threat_models:
  - {format: otm, path: threat-model/gw.otm.yaml, namespace: otm}
layers:
  - {id: L-NET, kind: network}
  - {id: L-APP, kind: application}
  - {id: L-DATA, kind: data}
  - {id: L-AUTH, kind: authentication}
  - {id: L-END, kind: endpoint}
  - {id: L-PHY, kind: physical, applicable: false, rationale: "sealed enclosure, no service ports"}
zones:
  - {id: lan, trust: semi-trusted, external: true}
  - {id: gateway, trust: trusted}
  - {id: records, trust: restricted}
components: [{id: pump, zone: lan}, {id: gw, zone: gateway}, {id: db, zone: records}]
flows:
  - {id: F1, from: pump, to: gw, protocol: "MQTT over TLS 1.3"}
  - {id: F2, from: gw, to: db, protocol: "PostgreSQL over TLS"}
boundaries:
  - {id: B-EDGE, between: [lan, gateway]}
  - {id: B-DATA, between: [gateway, records]}
controls:
  - id: SC-01
    title: Mutual TLS between pump and gateway
    layer: L-NET
    boundaries: [B-EDGE]
    mitigates: [otm:T-1]
    requirements: [SRS-SEC-1]
    verification: [TST-SEC-1]
    safety_impact:
      affects_clinical_function: true
      assessment: "the handshake adds about 40 ms once per session"
      clinical_risk: "delayed alarm forwarding"
      mitigation: "session resumption; alarms bypass the batch queue"
      hazard_refs: [HAZ-17]
  - {id: SC-02, title: "Schema validation of pump messages", layer: L-APP, boundaries: [B-EDGE], mitigates: [T-2], requirements: [SRS-SEC-2], verification: [TST-SEC-2], safety_impact: {affects_clinical_function: false, assessment: "validation takes microseconds and rejects only malformed messages"}}
  - {id: SC-03, title: "Least-privilege database roles", layer: L-DATA, boundaries: [B-DATA], mitigates: [otm:T-3], requirements: [SRS-SEC-3], verification: [TST-SEC-3], safety_impact: {affects_clinical_function: false, assessment: "roles are checked at connection time only, no runtime cost"}}
  - {id: SC-04, title: "OAuth client credentials for the gateway", layer: L-AUTH, boundaries: [B-DATA], mitigates: [otm:T-4], requirements: [SRS-SEC-4], verification: [TST-SEC-4], safety_impact: {affects_clinical_function: false, assessment: "tokens are refreshed in the background before they expire"}}
  - {id: SC-05, title: "Secure boot of the gateway", layer: L-END, mitigates: [otm:T-5], requirements: [SRS-SEC-5], verification: [TST-SEC-5], safety_impact: {affects_clinical_function: false, assessment: "signature check adds two seconds to a cold start, not to operation"}}
diagrams:
  - {id: D-1, view: global-system, ref: "#global-system-view"}
reviews:
  - {reviewer: "Dana Ortiz", role: security-architect, date: 2026-10-02, outcome: approved, scope: full, ref: "PR #412"}
---
# Test security architecture

## Scope

The pump gateway and the records database.

## Defense in depth

Five applicable layers, each with a control.

## Trust zones and boundaries

The hospital LAN is external; the gateway and the records zone are separated internally.

## Security controls

See the front matter.

## Safety and performance impact

Assessed per control.

## Diagrams

### Global system view

```mermaid
flowchart LR
  subgraph lan [Hospital LAN]
    pump
  end
  subgraph gateway [Gateway]
    gw
  end
  subgraph records [Records]
    db
  end
  pump -- "F1 crosses B-EDGE" --> gw
  gw -- "F2 crosses B-DATA" --> db
```

## Review history

See the front matter.
"##;

pub fn clean_doc() -> String {
    CLEAN_DOC.to_string()
}

pub fn threat(id: &str, severity: &str, status: ThreatStatus) -> Threat {
    Threat {
        id: id.to_string(),
        title: format!("threat {id}"),
        severity: Some(severity.to_string()),
        status,
        path: "threat-model/gw.otm.yaml".to_string(),
        pos: Pos::new(10, 5),
    }
}

/// The inputs of one lint run, with defaults that make `CLEAN_DOC` clean.
pub struct Kit {
    pub policy: Policy,
    pub registry: ThreatRegistry,
    pub failures: Vec<ThreatModelFailure>,
    pub history: Option<FakeHistory>,
    pub today: Date,
    pub strict: bool,
    /// Extra files in the source besides the document.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Kit {
    pub fn new() -> Kit {
        let mut registry = ThreatRegistry::default();
        registry.insert(
            "otm",
            (1..=5).map(|i| threat(&format!("T-{i}"), "high", ThreatStatus::Open)),
        );
        Kit {
            policy: Policy::embedded_default(),
            registry,
            failures: Vec::new(),
            history: None,
            today: Date::parse("2026-11-01").unwrap_or_else(Date::today_utc),
            strict: false,
            files: Vec::new(),
        }
    }

    pub fn file(mut self, path: &str, content: &str) -> Kit {
        self.files
            .push((path.to_string(), content.as_bytes().to_vec()));
        self
    }

    /// Lint `doc` at [`DOC_PATH`].
    pub fn lint(&self, doc: &str) -> LintReport {
        let mut src = MemorySource::default().with(DOC_PATH, doc);
        for (p, c) in &self.files {
            src = src.with(p, c.clone());
        }
        self.lint_source(&src, Some(DOC_PATH))
    }

    pub fn lint_source(&self, src: &MemorySource, path: Option<&str>) -> LintReport {
        let input = LintInput {
            policy: &self.policy,
            document_path: path,
            source: src,
            registry: &self.registry,
            load_failures: &self.failures,
            history: self
                .history
                .as_ref()
                .map(|h| h as &dyn super::ReviewHistory),
            today: self.today,
            strict: self.strict,
        };
        lint(&input)
    }
}

pub fn rules_of(r: &LintReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule.as_str()).collect()
}

pub fn has(r: &LintReport, rule: &str) -> bool {
    r.findings.iter().any(|f| f.rule == rule)
}

pub fn messages<'r>(r: &'r LintReport, rule: &str) -> Vec<&'r str> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.as_str())
        .collect()
}

/// The only finding of `rule` (panics with all findings otherwise).
pub fn only<'r>(r: &'r LintReport, rule: &str) -> &'r Finding {
    let hits: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(hits.len(), 1, "expected one {rule}, got {:#?}", r.findings);
    hits[0]
}

/// The 1-based line of the first line of `doc` containing `needle`.
pub fn line_of(doc: &str, needle: &str) -> u32 {
    let i = doc
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in document"));
    u32::try_from(i + 1).unwrap_or(0)
}

/// The 1-based line of the first line equal to `exact`.
pub fn line_eq(doc: &str, exact: &str) -> u32 {
    let i = doc
        .lines()
        .position(|l| l == exact)
        .unwrap_or_else(|| panic!("no line {exact:?} in document"));
    u32::try_from(i + 1).unwrap_or(0)
}

/// The 1-based column of `needle` in the first line containing it.
pub fn col_of(doc: &str, needle: &str) -> u32 {
    let line = doc
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in document"));
    let byte = line.find(needle).unwrap_or(0);
    u32::try_from(line[..byte].chars().count() + 1).unwrap_or(0)
}

/// A scripted history: commits oldest first, and which commit added which
/// review (by reviewer name).
#[derive(Debug, Default, Clone)]
pub struct FakeHistory {
    pub commits: Vec<HistoryCommit>,
    pub added: Vec<(String, String)>,
    pub fail: Option<String>,
}

impl FakeHistory {
    pub fn commit(mut self, id: &str, author: &str, paths: &[&str]) -> FakeHistory {
        self.commits.push(HistoryCommit {
            id: id.to_string(),
            author_name: author.to_string(),
            author_email: format!("{}@example.org", author.to_lowercase().replace(' ', ".")),
            paths: paths.iter().map(|p| p.to_string()).collect(),
        });
        self
    }

    pub fn review_added(mut self, reviewer: &str, commit: &str) -> FakeHistory {
        self.added.push((reviewer.to_string(), commit.to_string()));
        self
    }
}

impl ReviewHistory for FakeHistory {
    fn review_added_in(&self, _doc: &str, review: &Review) -> Result<Option<String>, String> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        let who = review.reviewer.as_ref().map(|r| r.value.as_str());
        Ok(self
            .added
            .iter()
            .find(|(r, _)| Some(r.as_str()) == who)
            .map(|(_, c)| c.clone()))
    }

    fn commits_between(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<HistoryCommit>, String> {
        let position = |id: &str| {
            self.commits
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| format!("unknown commit {id}"))
        };
        let start = since
            .map(|s| position(s).map(|i| i + 1))
            .transpose()?
            .unwrap_or(0);
        let end = until
            .map(|u| position(u).map(|i| i + 1))
            .transpose()?
            .unwrap_or(self.commits.len());
        Ok(self.commits.get(start..end).unwrap_or_default().to_vec())
    }
}
