//! Loading configured threat models: bytes → text → tree → threats, and all
//! configured models → one registry.

use crate::policy::{ThreatModelFormat, ThreatModelRef};
use crate::position::Pos;
use crate::source::{FileSource, MAX_FILE_BYTES, is_safe_relative};

use super::lenient::{Node, parse_json, parse_yaml};
use super::{Threat, ThreatRegistry, native, otm, threagile, threat_dragon, tmbom};

/// Why a threat model could not be read. Messages say what to do next; they
/// become the text of lint finding SA033.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(
        "the file does not exist in the {place}; check `path` under `threat_models` \
         (repository-relative, `/` separators) or add the model"
    )]
    Missing { place: String },
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "the file is {bytes} bytes; threat models over {limit} bytes are not read \
         (point `path` at the model itself, not at generated output)"
    )]
    TooLarge { bytes: u64, limit: u64 },
    #[error(
        "the file is not UTF-8 text (first invalid byte at line {line}, column {column}); \
         save the model as UTF-8 JSON or YAML, or check that `path` names the model and not a binary file"
    )]
    NotUtf8 { line: u32, column: u32 },
    /// The file is not valid JSON/YAML.
    #[error("{}", located(file, *line, *column, &format!("syntax error: {message}")))]
    Syntax {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    /// Valid JSON/YAML, but not the shape of the configured format, or missing
    /// something traceability needs (a threat without an id).
    #[error("{}", located(file, *line, *column, message))]
    Shape {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    /// A Threagile `includes:` entry that cannot be followed.
    #[error("{0}")]
    Include(String),
    /// Too big or too deeply nested to read safely.
    #[error("{0}")]
    Limit(String),
}

fn located(file: &str, line: u32, column: u32, message: &str) -> String {
    match (line, column) {
        (0, _) => format!("{file}: {message}"),
        (l, 0) => format!("{file}:{l}: {message}"),
        (l, c) => format!("{file}:{l}:{c}: {message}"),
    }
}

impl LoadError {
    /// A shape error at a node.
    pub(crate) fn shape(file: &str, pos: Pos, message: impl Into<String>) -> LoadError {
        LoadError::Shape {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// The file and position the error points at, when it points at one.
    pub fn position(&self) -> Option<(&str, Pos)> {
        match self {
            LoadError::Syntax {
                file, line, column, ..
            }
            | LoadError::Shape {
                file, line, column, ..
            } if *line > 0 => Some((file.as_str(), Pos::new(*line, *column))),
            _ => None,
        }
    }
}

/// A configured model that did not load (lint finding SA033 with `reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFailure {
    /// The configured path.
    pub path: String,
    pub namespace: String,
    pub reason: String,
    /// Where in `path` the problem is (`0` when unknown or in another file,
    /// such as a Threagile include).
    pub line: u32,
    pub column: u32,
}

/// Load one configured threat model through a FileSource (working tree or commit).
pub fn load(reference: &ThreatModelRef, src: &dyn FileSource) -> Result<Vec<Threat>, LoadError> {
    let path = reference.path.strip_prefix("./").unwrap_or(&reference.path);
    let bytes = match src.read(path) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(LoadError::Missing {
                place: src.describe(),
            });
        }
        Err(e) => return Err(LoadError::Unreadable(e)),
    };
    let dir = parent_dir(path);
    let sibling = |rel: &str| -> Option<Vec<u8>> {
        if !is_safe_relative(rel) {
            return None;
        }
        src.read(&join(dir, rel)).ok().flatten()
    };
    parse(reference.format, path, &bytes, &sibling)
}

/// Parse bytes of a known format (used by [`load`] and by fuzz targets). `path` is
/// for positions and messages; `sibling` reads a file next to it by a path
/// relative to `path`'s directory (Threagile `risks.json`, includes) and may
/// return `None`.
pub fn parse(
    format: ThreatModelFormat,
    path: &str,
    bytes: &[u8],
    sibling: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Vec<Threat>, LoadError> {
    let text = decode(bytes)?;
    match format {
        ThreatModelFormat::Native => native::parse(path, text),
        ThreatModelFormat::Otm => otm::parse(path, text),
        ThreatModelFormat::Threagile => threagile::parse(path, text, sibling),
        ThreatModelFormat::ThreatDragon => threat_dragon::parse(path, text),
        ThreatModelFormat::TmBom => tmbom::parse(path, text),
    }
}

/// Load all configured models into one registry under each reference's
/// `effective_namespace()`; failures are collected, not fatal. A model that
/// fails adds no namespace.
pub fn build_registry(
    refs: &[ThreatModelRef],
    src: &dyn FileSource,
) -> (ThreatRegistry, Vec<LoadFailure>) {
    let mut registry = ThreatRegistry::default();
    let mut failures = Vec::new();
    for r in refs {
        let namespace = r.effective_namespace();
        match load(r, src) {
            Ok(threats) => registry.insert(&namespace, threats),
            Err(e) => {
                let at = e
                    .position()
                    .filter(|(file, _)| *file == r.path.strip_prefix("./").unwrap_or(&r.path))
                    .map(|(_, p)| p)
                    .unwrap_or(Pos::UNKNOWN);
                failures.push(LoadFailure {
                    path: r.path.clone(),
                    namespace,
                    reason: e.to_string(),
                    line: at.line,
                    column: at.column,
                });
            }
        }
    }
    (registry, failures)
}

/// Size limit, UTF-8 check, byte-order mark.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, LoadError> {
    let len = bytes.len() as u64;
    if len > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            bytes: len,
            limit: MAX_FILE_BYTES,
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            Err(LoadError::NotUtf8 {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            })
        }
    }
}

/// Parse JSON or YAML: by extension, else by the first character (`{`/`[` →
/// JSON, falling back to YAML, of which JSON is nearly a subset).
pub(crate) fn parse_tree(file: &str, text: &str) -> Result<Node, LoadError> {
    if text.trim().is_empty() {
        // An empty file is an empty document; each adapter says what it lacks.
        return Ok(Node::null(Pos::new(1, 1)));
    }
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".json") {
        return parse_json(file, text);
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return parse_yaml(file, text);
    }
    if text.trim_start().starts_with(['{', '[']) {
        return parse_json(file, text)
            .or_else(|json_err| parse_yaml(file, text).map_err(|_| json_err));
    }
    parse_yaml(file, text)
}

/// `a/b/model.yaml` → `a/b`; `model.yaml` → ``.
pub(crate) fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Join a directory and a relative path with `/`.
pub(crate) fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}
