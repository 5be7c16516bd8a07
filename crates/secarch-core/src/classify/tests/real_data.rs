//! Real data from `../shared/fixtures/`: co-change lists of real repositories
//! (paths and labels of real commits), a real compose before/after pair and a
//! real OpenAPI description. Skipped with a notice when the fixtures are absent.

use std::path::Path;

use serde_json::Value;

use super::{Fx, classifier};
use crate::classify::Classifier;
use crate::policy::Policy;
use crate::testing::skip_without_fixtures;

struct Case {
    label: String,
    doc_files: Vec<String>,
    arch_files: Vec<String>,
}

fn cases(file: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(file).expect("fixture readable");
    let v: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let strings = |c: &Value, k: &str| -> Vec<String> {
        c[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    v["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .map(|c| Case {
            label: c["label"].as_str().unwrap_or_default().to_string(),
            doc_files: strings(c, "doc_files"),
            arch_files: strings(c, "arch_files"),
        })
        .collect()
}

/// The document each repository would configure (its main security document).
fn document_of(repo_file: &str) -> Option<&'static str> {
    match repo_file {
        f if f.starts_with("nightscout") => Some("lib/api3/doc/security.md"),
        f if f.starts_with("icanbwell") => Some("readme/security.md"),
        f if f.starts_with("apache-groovy") => Some("THREAT_MODEL.md"),
        _ => None,
    }
}

#[test]
fn cochange_commits_classify_sensibly() {
    let Some(dir) = skip_without_fixtures("cochange_commits_classify_sensibly") else {
        return;
    };
    let dir = dir.join("real-repo-candidates");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-cochange.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *-cochange.json in {}", dir.display());
    let policy = Policy::embedded_default();
    let (mut doc_only, mut doc_only_triggered, mut doc_only_noise) = (0, 0, 0);
    let (mut arch, mut arch_detected) = (0, 0);
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let c = Classifier::new(&policy, document_of(name)).expect("compiles");
        let mut missed = std::collections::BTreeSet::new();
        for case in cases(file) {
            let cats: Vec<&str> = case
                .doc_files
                .iter()
                .chain(&case.arch_files)
                .flat_map(|p| c.categories_for(p))
                .collect();
            if case.label == "doc-only" {
                doc_only += 1;
                doc_only_triggered += usize::from(!cats.is_empty());
                // A threat-model edit is an intended trigger; anything else on a
                // documentation-only commit is noise.
                let noisy: Vec<&str> = cats
                    .iter()
                    .copied()
                    .filter(|c| *c != "threat-model")
                    .collect();
                if !noisy.is_empty() {
                    doc_only_noise += 1;
                    eprintln!("noise: {name}: {:?} -> {noisy:?}", case.doc_files);
                }
            } else {
                arch += 1;
                let watched = case.arch_files.iter().any(|p| c.is_watched(p));
                arch_detected += usize::from(watched);
                missed.extend(case.arch_files.iter().filter(|p| !c.is_watched(p)).cloned());
            }
        }
        eprintln!("{name}: arch paths not watched: {missed:?}");
    }
    let frac = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    eprintln!(
        "doc-only commits: {doc_only}, any trigger: {doc_only_triggered} ({:.0}%), noise (non-threat-model): {doc_only_noise} ({:.0}%)",
        100.0 * frac(doc_only_triggered, doc_only),
        100.0 * frac(doc_only_noise, doc_only)
    );
    eprintln!(
        "arch commits: {arch}, with a watched path: {arch_detected} ({:.0}%)",
        100.0 * frac(arch_detected, arch)
    );
    assert!(
        doc_only >= 20,
        "expected the fixtures' doc-only commits, found {doc_only}"
    );
    // Documentation-only commits: at most the odd threat-model edit triggers.
    assert!(
        frac(doc_only_noise, doc_only) <= 0.05,
        "documentation-only commits trigger: {doc_only_noise}/{doc_only}"
    );
    assert!(
        frac(doc_only_triggered, doc_only) <= 0.10,
        "documentation-only commits trigger (threat models included): {doc_only_triggered}/{doc_only}"
    );
    // And most commits the research labelled architecture-relevant are seen.
    assert!(
        frac(arch_detected, arch) >= 0.5,
        "only {arch_detected}/{arch} architecture commits touch a watched path"
    );
}

#[test]
fn real_paths_from_the_candidates() {
    if skip_without_fixtures("real_paths_from_the_candidates").is_none() {
        return;
    }
    let c = classifier();
    for p in [
        "docker-compose.yml",
        "Dockerfile",
        "azuredeploy.json",
        "app.json",
        "lib/api3/swagger.yaml",
        "lib/api3/swagger.json",
        "lib/server/swagger.yaml",
        "src/swagger_doc.json",
        "lib/authorization/index.js",
        "src/operations/security/scopesManager.js",
        "threat-model.yaml",
    ] {
        assert!(c.is_watched(p), "{p} should be watched");
    }
    for p in [
        "README.md",
        "lib/client/index.js",
        "lib/client/careportal.js",
        "docs/security-audit.md",
        "readme/security.md",
        "docs/resource-authorization.md",
    ] {
        assert!(
            !c.is_watched(p),
            "{p} should not be watched: {:?}",
            c.categories_for(p)
        );
    }
}

#[test]
fn real_compose_change_adds_keycloak() {
    let Some(dir) = skip_without_fixtures("real_compose_change_adds_keycloak") else {
        return;
    };
    let dir = dir.join("real-repo-candidates/icanbwell-fhir-server");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("fixture readable");
    let (before, after) = (
        read("docker-compose.before-1d906bf3e2.yml"),
        read("docker-compose.after-1d906bf3e2.yml"),
    );
    let mut fx = Fx::default();
    fx.modify("docker-compose.yml", &before, &after);
    let ts = fx.classify(classifier());
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0].category, "container");
    for s in &ts[0].signals {
        eprintln!("{:?} {} {}", s.line, s.kind, s.message);
    }
    assert!(
        ts[0]
            .signals
            .iter()
            .any(|s| s.kind == "service-added" && s.message.contains("keycloak")),
        "{:?}",
        ts[0].signals
    );
    let line = ts[0]
        .signals
        .iter()
        .find(|s| s.kind == "service-added")
        .and_then(|s| s.line)
        .expect("line");
    let at = after.lines().nth(line as usize - 1).unwrap_or_default();
    assert!(at.contains("keycloak"), "line {line} is {at:?}");
}

#[test]
fn real_openapi_description_operations() {
    let Some(dir) = skip_without_fixtures("real_openapi_description_operations") else {
        return;
    };
    let dir = dir.join("github-rest-openapi");
    let head = std::fs::read_to_string(dir.join("github-app-subset.openapi.json"))
        .expect("fixture readable");
    let mut spec: Value = serde_json::from_str(&head).expect("JSON");
    let paths = spec["paths"].as_object_mut().expect("paths");
    let removed = "/repos/{owner}/{repo}/check-runs";
    assert!(paths.remove(removed).is_some());
    let base = serde_json::to_string_pretty(&spec).expect("serialises");
    let mut fx = Fx::default();
    fx.modify("api/openapi.json", &base, &head)
        .add("api2/openapi.json", &head);
    let ts = fx.classify(classifier());
    assert_eq!(ts.len(), 2);
    let added: Vec<&str> = ts[0].signals.iter().map(|s| s.message.as_str()).collect();
    assert_eq!(
        added,
        vec!["new operation POST /repos/{owner}/{repo}/check-runs"]
    );
    let line = ts[0].signals[0].line.expect("line") as usize;
    assert!(
        head.lines()
            .nth(line - 1)
            .unwrap_or_default()
            .contains("\"post\"")
    );
    let all = ts[1]
        .signals
        .iter()
        .filter(|s| s.kind == "operation-added")
        .count();
    assert!(
        all >= 20,
        "a new description reports every operation: {all}"
    );
    // The 3.2 MB webhooks description is over the analysis limit: said, not analysed.
    let big =
        std::fs::read(dir.join("github-webhooks-subset.openapi.json")).expect("fixture readable");
    let mut fx = Fx::default();
    fx.modify_bytes("openapi.json", b"{}", &big);
    let ts = fx.classify(classifier());
    assert_eq!(ts[0].signals[0].kind, "not-analysed");
}
