//! Threagile models (YAML, optionally split over `includes:`), plus the
//! `risks.json` Threagile writes, when it sits beside the model.
//!
//! Threagile computes risks from the architecture; the model only *tracks* them
//! (`risk_tracking`, keyed by risk ids like `unencrypted-asset@sql-database`,
//! `*` standing for one `@`-separated part) and declares individual risk
//! categories with manually identified risks. Threat ids here are:
//! - every `risk_tracking` key, as written (wildcards kept), with its status;
//! - every risk category id (`individual_risk_categories`, `custom_risk_categories`,
//!   or a standalone category file), and each manually identified risk in it
//!   under the id Threagile gives it (`category@asset@link@boundary@runtime@data`);
//! - every `synthetic_id` in `risks.json`, with its severity.
//!
//! A concrete risk's status is its tracking entry (exact, else a matching
//! wildcard — see [`wildcard_matches`]), else `risk_status` in `risks.json`, else
//! open (Threagile's "unchecked").

use std::collections::{HashMap, HashSet};

use super::lenient::{Lenient, Node, parse_json};
use super::loader::{LoadError, decode, join, parent_dir, parse_tree};
use super::norm::{self, strip_html, worst};
use super::{Threat, ThreatStatus};
use crate::position::Pos;
use crate::source::{MAX_FILE_BYTES, is_safe_relative};

/// Includes nested deeper than this are refused (Threagile models nest 2 levels).
const MAX_INCLUDE_DEPTH: usize = 8;
/// At most this many files make one model.
const MAX_FILES: usize = 64;

/// Top-level keys of a Threagile model (any one marks a model file).
const MODEL_KEYS: [&str; 12] = [
    "threagile_version",
    "includes",
    "technical_assets",
    "data_assets",
    "trust_boundaries",
    "shared_runtimes",
    "risk_tracking",
    "individual_risk_categories",
    "custom_risk_categories",
    "security_requirements",
    "abuse_cases",
    "business_criticality",
];

/// Does a Threagile risk-tracking pattern cover a concrete risk id?
///
/// As in Threagile, `*` matches one or more characters other than `@`, and the
/// pattern may cover a prefix of the id's `@`-separated parts (Threagile's match
/// is unanchored at the end). Unlike Threagile, the match is anchored at the
/// start, so `asset@*` does not cover `unencrypted-asset@db`.
pub fn wildcard_matches(pattern: &str, id: &str) -> bool {
    let p: Vec<&str> = pattern.split('@').collect();
    let s: Vec<&str> = id.split('@').collect();
    s.len() >= p.len() && p.iter().zip(&s).all(|(p, s)| segment_matches(p, s))
}

/// Glob match of one part, `*` = one or more characters.
fn segment_matches(pattern: &str, s: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Any,
        Star,
        Lit(char),
    }
    let mut p = Vec::new();
    for c in pattern.chars() {
        if c == '*' {
            p.extend([Tok::Any, Tok::Star]);
        } else {
            p.push(Tok::Lit(c));
        }
    }
    let s: Vec<char> = s.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(Tok::Any) => (pi, si) = (pi + 1, si + 1),
            Some(Tok::Lit(c)) if *c == s[si] => (pi, si) = (pi + 1, si + 1),
            Some(Tok::Star) => {
                star = Some((pi, si));
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    star = Some((sp, ss + 1));
                    (pi, si) = (sp + 1, ss + 1);
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|t| *t == Tok::Star)
}

struct File {
    /// Repository-relative path (for positions and messages).
    path: String,
    /// Path relative to the model's directory (for `sibling`).
    rel: String,
    root: Node,
}

struct Ctx<'a> {
    model_dir: &'a str,
    sibling: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    seen: HashSet<String>,
    bytes: u64,
    files: Vec<File>,
}

/// A risk with a concrete id.
struct Risk {
    threat: Threat,
    category: String,
    reported: Option<ThreatStatus>,
}

pub(super) fn parse(
    path: &str,
    text: &str,
    sibling: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Vec<Threat>, LoadError> {
    let root = parse_tree(path, text)?;
    let standalone_category = root.get("id").is_some() && root.get("title").is_some();
    if !MODEL_KEYS.iter().any(|k| root.get(k).is_some()) && !standalone_category {
        return Err(LoadError::shape(
            path,
            root.pos,
            "not a Threagile model: none of `threagile_version`, `technical_assets`, \
             `risk_tracking`, `includes`, ... at the top level; check `format:` under `threat_models`",
        ));
    }
    let rel = path.rsplit('/').next().unwrap_or(path).to_string();
    let mut ctx = Ctx {
        model_dir: parent_dir(path),
        sibling,
        seen: HashSet::from([rel.clone()]),
        bytes: text.len() as u64,
        files: Vec::new(),
    };
    let main = File {
        path: path.to_string(),
        rel,
        root,
    };
    include_all(&mut ctx, main, 0)?;

    let mut tracking: Vec<(Threat, String)> = Vec::new(); // (entry, pattern)
    let mut risks: Vec<Risk> = risks_json(&ctx)?;
    let mut categories: Vec<Threat> = Vec::new();
    for (i, f) in ctx.files.iter().enumerate() {
        for (k, e) in f.root.at("risk_tracking").entries() {
            let id = k.trim();
            if !id.is_empty() {
                let status = tracking_status(&e.value);
                let t = threat(&f.path, id, String::new(), None, status, e.key);
                tracking.push((t, id.to_string()));
            }
        }
        for (k, e) in f.root.at("individual_risk_categories").entries() {
            category(f, &e.value, Some((k, e.key)), &mut categories, &mut risks);
        }
        for cat in f.root.at("custom_risk_categories").items() {
            category(f, cat, None, &mut categories, &mut risks);
        }
        if i == 0 && standalone_category {
            category(f, &f.root, None, &mut categories, &mut risks);
        }
    }

    // Exact tracking entries by id (the first one wins), so a risk is looked up,
    // not searched for: a scan per risk was quadratic in a model's risks. Only
    // the wildcard entries are tried one by one.
    let mut exact: HashMap<&str, ThreatStatus> = HashMap::new();
    for (t, p) in &tracking {
        exact.entry(p.as_str()).or_insert(t.status);
    }
    let wildcards: Vec<&(Threat, String)> =
        tracking.iter().filter(|(_, p)| p.contains('*')).collect();
    let tracked = |id: &str| {
        exact.get(id).copied().or_else(|| {
            wildcards
                .iter()
                .find(|(_, p)| wildcard_matches(p, id))
                .map(|(t, _)| t.status)
        })
    };
    for r in &mut risks {
        r.threat.status = tracked(&r.threat.id)
            .or(r.reported)
            .unwrap_or(ThreatStatus::Open);
    }
    // A category's status is the worst of its risks', folded in one pass.
    let mut by_category: HashMap<&str, ThreatStatus> = HashMap::new();
    for r in &risks {
        by_category
            .entry(r.category.as_str())
            .and_modify(|s| *s = worst(*s, r.threat.status))
            .or_insert(r.threat.status);
    }
    for c in &mut categories {
        c.status = by_category
            .get(c.id.as_str())
            .copied()
            .unwrap_or(ThreatStatus::Unknown);
    }

    let mut seen = HashSet::new();
    let all = risks
        .into_iter()
        .map(|r| r.threat)
        .chain(categories)
        .chain(tracking.into_iter().map(|(t, _)| t));
    Ok(all.filter(|t| seen.insert(t.id.clone())).collect())
}

fn threat(
    path: &str,
    id: &str,
    title: String,
    severity: Option<String>,
    status: ThreatStatus,
    pos: Pos,
) -> Threat {
    Threat {
        id: id.to_string(),
        title,
        severity,
        status,
        path: path.to_string(),
        pos,
    }
}

/// Follow `includes:` depth-first (Threagile resolves them against the including
/// file's directory), never leaving the model's directory.
fn include_all(ctx: &mut Ctx, file: File, depth: usize) -> Result<(), LoadError> {
    let includes: Vec<(String, Pos)> = file
        .root
        .at("includes")
        .items()
        .iter()
        .filter_map(|n| n.text().map(|t| (t, n.pos)))
        .collect();
    let dir = parent_dir(&file.rel).to_string();
    let from = file.path.clone();
    ctx.files.push(file);
    for (inc, pos) in includes {
        let err = |reason: String| {
            LoadError::Include(format!(
                "{from}:{}:{}: include `{inc}`: {reason}",
                pos.line, pos.column
            ))
        };
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return Err(err(format!(
                "includes are nested deeper than {MAX_INCLUDE_DEPTH} levels; flatten them"
            )));
        }
        let clean = inc.strip_prefix("./").unwrap_or(&inc);
        if !is_safe_relative(clean) {
            return Err(err(
                "only files inside the model's directory are read: use a relative path \
                 with `/` separators and no `..`"
                    .to_string(),
            ));
        }
        let rel = join(&dir, clean);
        if !ctx.seen.insert(rel.clone()) {
            continue; // included twice, or a cycle: read once
        }
        if ctx.seen.len() > MAX_FILES {
            return Err(err(format!("a model may span at most {MAX_FILES} files")));
        }
        let Some(bytes) = (ctx.sibling)(&rel) else {
            return Err(err(format!(
                "`{}` does not exist; fix the include or add the file",
                join(ctx.model_dir, &rel)
            )));
        };
        ctx.bytes += bytes.len() as u64;
        if ctx.bytes > MAX_FILE_BYTES {
            return Err(err(format!(
                "the model and its includes exceed {MAX_FILE_BYTES} bytes"
            )));
        }
        let path = join(ctx.model_dir, &rel);
        let text = decode(&bytes).map_err(|e| err(e.to_string()))?;
        let root = parse_tree(&path, text)?;
        include_all(ctx, File { path, rel, root }, depth + 1)?;
    }
    Ok(())
}

/// `status` of a tracking entry: accepted, mitigated and false-positive are
/// handled; unchecked, in-discussion and in-progress are open.
fn tracking_status(entry: &Node) -> ThreatStatus {
    word_status(entry.at("status").str().unwrap_or("unchecked"))
}

fn word_status(raw: &str) -> ThreatStatus {
    match norm::word(raw).as_str() {
        "accepted" => ThreatStatus::Accepted,
        "mitigated" => ThreatStatus::Mitigated,
        "false-positive" => ThreatStatus::NotApplicable,
        _ => ThreatStatus::Open,
    }
}

/// A risk category (its id is a threat id) and its manually identified risks.
fn category(
    f: &File,
    cat: &Node,
    key: Option<(&str, Pos)>,
    categories: &mut Vec<Threat>,
    risks: &mut Vec<Risk>,
) {
    let Some(id) = cat.at("id").text().or_else(|| {
        key.map(|(k, _)| k.trim().to_string())
            .filter(|k| !k.is_empty())
    }) else {
        return;
    };
    let title = cat
        .at("title")
        .text()
        .or_else(|| key.map(|(k, _)| k.to_string()))
        .unwrap_or_default();
    let pos = key.map_or(cat.pos, |(_, p)| p);
    for (rk, e) in cat.at("risks_identified").entries() {
        let r = &e.value;
        // Threagile's synthetic id: category, then the most relevant elements.
        let mut rid = id.clone();
        for part in [
            "most_relevant_technical_asset",
            "most_relevant_communication_link",
            "most_relevant_trust_boundary",
            "most_relevant_shared_runtime",
            "most_relevant_data_asset",
        ] {
            if let Some(p) = r.at(part).text() {
                rid = format!("{rid}@{p}");
            }
        }
        let severity = r.at("severity").str().and_then(norm::severity);
        risks.push(Risk {
            threat: threat(
                &f.path,
                &rid,
                strip_html(rk),
                severity,
                ThreatStatus::Open,
                e.key,
            ),
            category: id.clone(),
            reported: None,
        });
    }
    categories.push(threat(
        &f.path,
        &id,
        strip_html(&title),
        None,
        ThreatStatus::Unknown,
        pos,
    ));
}

/// Risks from Threagile's `risks.json` output beside the model, when present.
fn risks_json(ctx: &Ctx) -> Result<Vec<Risk>, LoadError> {
    let Some(bytes) = (ctx.sibling)("risks.json") else {
        return Ok(Vec::new());
    };
    let path = join(ctx.model_dir, "risks.json");
    let text = decode(&bytes).map_err(|e| LoadError::shape(&path, Pos::UNKNOWN, e.to_string()))?;
    let root = parse_json(&path, text)?;
    if !root.is_seq() {
        return Err(LoadError::shape(
            &path,
            root.pos,
            format!(
                "Threagile's risks.json is a list of risks, this is {}; regenerate it with Threagile or remove it",
                root.what()
            ),
        ));
    }
    let mut out = Vec::new();
    for r in root.items() {
        let Some(id) = r.at("synthetic_id").text() else {
            continue;
        };
        let category = r
            .at("category")
            .text()
            .unwrap_or_else(|| id.split('@').next().unwrap_or_default().to_string());
        let severity = r.at("severity").str().and_then(norm::severity);
        let title = strip_html(r.at("title").str().unwrap_or_default());
        out.push(Risk {
            threat: threat(&path, &id, title, severity, ThreatStatus::Open, r.pos),
            category,
            reported: r.at("risk_status").str().map(word_status),
        });
    }
    Ok(out)
}
