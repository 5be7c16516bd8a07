//! The document model: what the front matter says, every value with the
//! position of its YAML node so a finding lands on the right line.
//!
//! Values a rule may need to point at are `At<T>`. Optional fields are
//! `Option<At<T>>`; a missing required id is an empty string at the position of
//! its item (the parser reported it), so the item still takes part in the rules.

use std::collections::BTreeMap;

use serde::Serialize;

use super::body::Body;
use super::date::Date;
use crate::policy::ThreatModelRef;
use crate::position::{At, Pos};

/// A positioned string.
pub type Text = At<String>;

/// The whole document: front matter and body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    /// Repository-relative path.
    pub path: String,
    pub front_matter: FrontMatterStatus,
    /// Line of the opening `---` (1 when present).
    pub front_matter_pos: Pos,
    pub schema: Option<Text>,
    pub meta: Option<DocumentMeta>,
    pub threat_models: Vec<At<ThreatModelRef>>,
    pub layers: Vec<Layer>,
    pub zones: Vec<Zone>,
    pub components: Vec<Component>,
    pub flows: Vec<Flow>,
    pub boundaries: Vec<Boundary>,
    pub controls: Vec<Control>,
    pub diagrams: Vec<Diagram>,
    pub reviews: Vec<Review>,
    /// Threats declared natively in the front matter (namespace `native`).
    pub threats: Vec<NativeThreat>,
    /// Position of each top-level key present (`controls` → its line), for
    /// findings about a whole section.
    pub sections: BTreeMap<String, Pos>,
    pub body: Body,
    /// `TODO`/`TBD`/`FIXME` left in the file (SA006).
    pub placeholders: Vec<super::Placeholder>,
}

/// Whether the structured part could be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrontMatterStatus {
    /// Read (possibly with field-level problems, reported as SA002).
    Parsed,
    /// No `---` block at the top of the file.
    #[default]
    Missing,
    /// Present but not readable YAML (syntax error, budget exceeded, not a mapping).
    Unreadable,
}

/// `document:` — identification of the document itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocumentMeta {
    pub pos: Pos,
    pub id: Option<Text>,
    pub title: Option<Text>,
    pub version: Option<Text>,
    pub scope: Option<Text>,
}

/// Defense layer kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    Network,
    Application,
    Data,
    Authentication,
    Endpoint,
    Physical,
    SupplyChain,
    Monitoring,
    Other,
}

impl LayerKind {
    pub const ALL: [LayerKind; 9] = [
        LayerKind::Network,
        LayerKind::Application,
        LayerKind::Data,
        LayerKind::Authentication,
        LayerKind::Endpoint,
        LayerKind::Physical,
        LayerKind::SupplyChain,
        LayerKind::Monitoring,
        LayerKind::Other,
    ];

    /// The kinds every document declares (applicable or not), SA013.
    pub const CORE: [LayerKind; 5] = [
        LayerKind::Network,
        LayerKind::Application,
        LayerKind::Data,
        LayerKind::Authentication,
        LayerKind::Endpoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LayerKind::Network => "network",
            LayerKind::Application => "application",
            LayerKind::Data => "data",
            LayerKind::Authentication => "authentication",
            LayerKind::Endpoint => "endpoint",
            LayerKind::Physical => "physical",
            LayerKind::SupplyChain => "supply-chain",
            LayerKind::Monitoring => "monitoring",
            LayerKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<LayerKind> {
        LayerKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// `layers[]` — one defense layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Layer {
    pub pos: Pos,
    pub id: Text,
    pub kind: Option<At<LayerKind>>,
    /// Absent = applicable.
    pub applicable: Option<At<bool>>,
    pub rationale: Option<Text>,
}

impl Layer {
    pub fn is_applicable(&self) -> bool {
        self.applicable.as_ref().is_none_or(|a| a.value)
    }
}

/// `zones[]` — one trust zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Zone {
    pub pos: Pos,
    pub id: Text,
    pub trust: Option<Text>,
    /// Absent = internal.
    pub external: Option<At<bool>>,
}

impl Zone {
    pub fn is_external(&self) -> bool {
        self.external.as_ref().is_some_and(|e| e.value)
    }
}

/// `components[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Component {
    pub pos: Pos,
    pub id: Text,
    pub zone: Option<Text>,
}

/// `flows[]` — a data flow between two components.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Flow {
    pub pos: Pos,
    pub id: Text,
    pub from: Option<Text>,
    pub to: Option<Text>,
    pub protocol: Option<Text>,
}

/// `boundaries[]` — a trust boundary between two zones.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Boundary {
    pub pos: Pos,
    pub id: Text,
    /// Two zone ids (the parser reports any other count).
    pub between: Vec<Text>,
}

/// `controls[]` — one security control.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Control {
    pub pos: Pos,
    pub id: Text,
    pub title: Option<Text>,
    pub layer: Option<Text>,
    pub boundaries: Vec<Text>,
    /// Threat references, `ns:id` or a bare id.
    pub mitigates: Vec<Text>,
    pub requirements: Vec<Text>,
    pub verification: Vec<Text>,
    pub safety_impact: Option<SafetyImpact>,
}

/// `controls[].safety_impact` — the control's effect on clinical function.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SafetyImpact {
    pub pos: Pos,
    pub affects_clinical_function: Option<At<bool>>,
    pub assessment: Option<Text>,
    pub clinical_risk: Option<Text>,
    pub mitigation: Option<Text>,
    pub hazard_refs: Vec<Text>,
}

/// `diagrams[]` — a Mermaid block under a heading (`ref: "#anchor"`) or a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagram {
    pub pos: Pos,
    pub id: Text,
    pub view: Option<Text>,
    #[serde(rename = "ref")]
    pub reference: Option<Text>,
}

/// Review outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewOutcome {
    Approved,
    ApprovedWithActions,
    /// Needs a `rationale`.
    NoChange,
    Rejected,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 4] = [
        ReviewOutcome::Approved,
        ReviewOutcome::ApprovedWithActions,
        ReviewOutcome::NoChange,
        ReviewOutcome::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Approved => "approved",
            ReviewOutcome::ApprovedWithActions => "approved-with-actions",
            ReviewOutcome::NoChange => "no-change",
            ReviewOutcome::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewOutcome> {
        ReviewOutcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// `reviews[]` — one review record. The commit that added it is read from git.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Review {
    pub pos: Pos,
    pub reviewer: Option<Text>,
    pub role: Option<Text>,
    pub date: Option<At<Date>>,
    pub outcome: Option<At<ReviewOutcome>>,
    pub scope: Option<Text>,
    #[serde(rename = "ref")]
    pub reference: Option<Text>,
    pub rationale: Option<Text>,
}

/// The identity of a review entry, independent of where it sits in the file.
pub type ReviewKey = [Option<String>; 7];

impl Review {
    /// Two entries are the same record when every field is equal (positions ignored).
    pub fn key(&self) -> ReviewKey {
        let t = |x: &Option<Text>| x.as_ref().map(|v| v.value.trim().to_string());
        [
            t(&self.reviewer),
            t(&self.role),
            self.date.as_ref().map(|d| d.value.to_string()),
            self.outcome.as_ref().map(|o| o.value.as_str().to_string()),
            t(&self.scope),
            t(&self.reference),
            t(&self.rationale),
        ]
    }
}

/// `threats[]` — a threat declared natively in the front matter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NativeThreat {
    pub pos: Pos,
    pub id: Text,
    pub title: Option<Text>,
    /// `info | low | medium | high | critical`.
    pub severity: Option<Text>,
    /// `open | mitigated | accepted | not-applicable`.
    pub status: Option<Text>,
}

/// `zones[].trust` values (the JSON Schema's enum).
pub const ZONE_TRUST: [&str; 4] = ["untrusted", "semi-trusted", "trusted", "restricted"];

/// Threat severities, lowest first (SA032 compares against the threshold).
pub const THREAT_SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// Native threat statuses.
pub const THREAT_STATUSES: [&str; 4] = ["open", "mitigated", "accepted", "not-applicable"];

impl Document {
    /// Reviews with a date, newest last (ties keep file order).
    pub fn dated_reviews(&self) -> Vec<&Review> {
        let mut v: Vec<&Review> = self.reviews.iter().filter(|r| r.date.is_some()).collect();
        v.sort_by_key(|r| r.date.as_ref().map(|d| d.value));
        v
    }

    /// The most recent review: the latest date, the later entry on ties.
    pub fn last_review(&self) -> Option<&Review> {
        self.dated_reviews().last().copied()
    }
}
