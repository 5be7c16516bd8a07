//! Lint benchmark: a generated document with 1,000 controls against a threat
//! registry of 10,000 threats.
//!
//! Run: `cargo run --release --example bench_lint` (optionally
//! `-- <controls> <threats> <runs> <unresolved>`; `unresolved` = 1 names the
//! registry's threats so that no reference resolves: the worst case, every
//! reference reported with a "did you mean").
//!
//! Prints the document size, the findings count, and min/median wall time of
//! (a) the baseline — parsing the same front matter into an untyped value with
//! serde-saphyr, no positions, no rules — (b) `parse_document` alone and
//! (c) `lint` end to end (read, parse, all rules), with the ratio to the baseline.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use secarch::lint::{LintInput, lint};
use secarch::model::{Date, parse_document};
use secarch::policy::Policy;
use secarch::position::Pos;
use secarch::source::MemorySource;
use secarch::threats::{Threat, ThreatRegistry, ThreatStatus};

const PATH: &str = "docs/security/security-architecture.md";

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// A document with `controls` controls, each mitigating `threats / controls` threats.
fn generate(controls: usize, threats: usize) -> String {
    let zones = 50;
    let boundaries = 100;
    let per_control = (threats / controls).max(1);
    let kinds = [
        "network",
        "application",
        "data",
        "authentication",
        "endpoint",
    ];
    let mut d = String::with_capacity(controls * 700);
    d.push_str("---\nschema: secarch/v1\n");
    d.push_str(
        "document: {id: SAD-BENCH, title: \"Generated\", version: \"1\", scope: \"benchmark\"}\n",
    );
    d.push_str(
        "threat_models:\n  - {format: otm, path: tm/bench.otm.yaml, namespace: otm}\nlayers:\n",
    );
    for (i, k) in kinds.iter().enumerate() {
        let _ = writeln!(d, "  - {{id: L-{i}, kind: {k}}}");
    }
    d.push_str("zones:\n");
    for z in 0..zones {
        let _ = writeln!(
            d,
            "  - {{id: zone-{z}, trust: trusted, external: {}}}",
            z == 0
        );
    }
    d.push_str("components:\n");
    for z in 0..zones {
        let _ = writeln!(d, "  - {{id: comp-{z}, zone: zone-{z}}}");
    }
    d.push_str("flows:\n");
    for b in 0..boundaries {
        let (a, z) = (b % zones, (b + 1) % zones);
        let _ = writeln!(
            d,
            "  - {{id: F-{b}, from: comp-{a}, to: comp-{z}, protocol: \"TLS\"}}"
        );
    }
    d.push_str("boundaries:\n");
    for b in 0..boundaries {
        let (a, z) = (b % zones, (b + 1) % zones);
        let _ = writeln!(d, "  - {{id: B-{b}, between: [zone-{a}, zone-{z}]}}");
    }
    d.push_str("controls:\n");
    for c in 0..controls {
        let refs: Vec<String> = (0..per_control)
            .map(|k| format!("otm:T-{}", c * per_control + k))
            .collect();
        let _ = write!(
            d,
            "  - id: SC-{c}\n    title: Control number {c} for the generated benchmark\n    layer: L-{}\n    boundaries: [B-{}]\n    mitigates: [{}]\n    requirements: [SRS-{c}]\n    verification: [TST-{c}]\n    safety_impact:\n      affects_clinical_function: false\n      assessment: \"generated control with no effect on clinical function or timing at all\"\n",
            c % kinds.len(),
            c % boundaries,
            refs.join(", ")
        );
    }
    d.push_str("diagrams:\n  - {id: D-1, view: global-system, ref: \"#global-system-view\"}\n");
    d.push_str("reviews:\n  - {reviewer: \"Dana Ortiz\", role: security-architect, date: 2026-10-02, outcome: approved}\n---\n");
    d.push_str("# Bench\n\n## Scope\n\n## Defense in depth\n\n## Trust zones and boundaries\n\n## Security controls\n\n");
    d.push_str("## Safety and performance impact\n\n## Diagrams\n\n### Global system view\n\n```mermaid\nflowchart LR\n");
    for b in 0..boundaries {
        let (a, z) = (b % zones, (b + 1) % zones);
        let _ = writeln!(d, "  zone-{a} -- B-{b} --> zone-{z}");
    }
    d.push_str("```\n\n## Review history\n");
    d
}

fn registry(threats: usize, unresolved: bool) -> ThreatRegistry {
    let prefix = if unresolved { "X" } else { "T" };
    let mut r = ThreatRegistry::default();
    r.insert(
        "otm",
        (0..threats).map(|i| Threat {
            id: format!("{prefix}-{i}"),
            title: format!("threat {i}"),
            severity: Some(["low", "medium", "high", "critical"][i % 4].to_string()),
            status: ThreatStatus::Open,
            path: "tm/bench.otm.yaml".to_string(),
            pos: Pos::new(u32::try_from(i + 1).unwrap_or(0), 3),
        }),
    );
    r
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let controls = arg(1, 1_000);
    let threats = arg(2, 10_000);
    let runs = arg(3, 20).max(1);
    let doc = generate(controls, threats);
    let reg = registry(threats, arg(4, 0) == 1);
    let policy = Policy::embedded_default();
    let src = MemorySource::default().with(PATH, doc.as_str());
    let input = LintInput {
        policy: &policy,
        document_path: Some(PATH),
        source: &src,
        registry: &reg,
        load_failures: &[],
        history: None,
        today: Date::new(2026, 11, 1).unwrap_or_else(Date::today_utc),
        strict: false,
    };
    let report = lint(&input);
    let front_matter = doc
        .split("\n---\n")
        .next()
        .unwrap_or("")
        .trim_start_matches("---\n");
    println!(
        "document: {} bytes, {controls} controls; registry: {} threats; findings: {} ({} errors); {runs} runs",
        doc.len(),
        reg.len(),
        report.findings.len(),
        report.count(secarch::policy::Severity::Error)
    );
    let (base_min, base_med) = time(runs, || {
        serde_saphyr::from_str::<serde_json::Value>(front_matter).map(|v| v.is_object())
    });
    let (parse_min, parse_med) = time(runs, || parse_document(PATH, &doc).diagnostics.len());
    let (lint_min, lint_med) = time(runs, || lint(&input).findings.len());
    let ratio = |d: Duration| d.as_secs_f64() / base_med.as_secs_f64().max(f64::EPSILON);
    println!("| step | min | median | median / baseline |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| baseline: serde-saphyr → untyped value (front matter only) | {} | {} | 1.00 |",
        ms(base_min),
        ms(base_med)
    );
    println!(
        "| parse_document (positions, body) | {} | {} | {:.2} |",
        ms(parse_min),
        ms(parse_med),
        ratio(parse_med)
    );
    println!(
        "| lint (read, parse, all rules) | {} | {} | {:.2} |",
        ms(lint_min),
        ms(lint_med),
        ratio(lint_med)
    );
}
