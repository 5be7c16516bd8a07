//! Classification: which changed paths fall into which watch category, and the
//! content signals that say *what* changed (a new EXPOSE, an added dependency).
//!
//! Two stages (see `watch-categories.md`): a path match against the policy's
//! category globs ([`Classifier::categories_for`]), then, for categories with an
//! analyser, a comparison of the base and head blobs ([`Classifier::classify`]).
//! The path match alone triggers every category except `dependencies`, which
//! triggers only when a watchlisted dependency is added.
//!
//! Behaviour the front-ends rely on:
//! - Paths match case-insensitively, after the global `exclude` and the category's
//!   own `exclude` (`matcher.rs`). The security architecture document never
//!   triggers (updating it is the remedy); when no document is known, none of the
//!   policy's `document_names` does. The policy file triggers category `policy`.
//! - A rename or copy is classified on **both** paths (a Dockerfile moved out of a
//!   watched folder still triggers); the trigger's `path` is the new path and
//!   `old_path` the old one. A deletion triggers on its old path.
//! - One [`Trigger`] per (category, path), sorted by category then path; the output
//!   does not depend on the order of the change set.
//! - Signals report what is **new at head** (and protections removed, with the base
//!   line): a modification or rename is compared with its old blob; an addition or a
//!   copy has nothing to compare with, so everything in it is new. Signals of other
//!   categories are informative — the path already triggered.
//! - Blobs are read only for categories with an analyser, never for deletions,
//!   symlinks or submodules, at most once per change, and the base of a manifest
//!   only when the head declares a watchlisted dependency. Blobs over
//!   [`MAX_ANALYSED_BYTES`] or not text are not analysed (`not-analysed` signal; for
//!   a manifest, an `unparsable` trigger). Malformed YAML/JSON/TOML/XML gives no
//!   signals (manifests: see `signals/manifests`), never a panic; parsing is
//!   linear in the input and stays within the shared limits of
//!   [`crate::syntax::limits`] (alias bombs of bytes or nodes, deep nesting).

mod classifier;
mod globs;
mod matcher;
mod sets;
mod signals;
pub(crate) mod text;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::git::ChangeKind;

pub use classifier::{Classifier, WatchFilter};
pub use text::MAX_ANALYSED_BYTES;

/// A content signal: one fact worth a reviewer's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable machine name, e.g. `expose-added`, `dependency-added`, `privileged`.
    pub kind: String,
    /// One line for people, e.g. `new EXPOSE 8443`.
    pub message: String,
    /// Line in the head file (base file for removals), 1-based, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// A changed path that triggers a security-architecture review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub category: String,
    pub path: String,
    pub old_path: Option<String>,
    pub change: ChangeKind,
    pub signals: Vec<Signal>,
}

/// Where blob contents come from (the git layer at run time, a map in tests).
/// `id` is a `Side::id` of the change set.
pub trait BlobReader {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String>;

    /// The same blobs, readable from several threads at once: the classifier
    /// then reads and analyses a large set of watched changes on its threads.
    /// `None` (the default): everything is read on the caller's thread.
    fn shared(&self) -> Option<&(dyn BlobReader + Sync)> {
        None
    }
}

impl BlobReader for HashMap<String, Vec<u8>> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.get(id)
            .cloned()
            .ok_or_else(|| format!("blob {id} not found"))
    }

    fn shared(&self) -> Option<&(dyn BlobReader + Sync)> {
        Some(self)
    }
}

impl BlobReader for BTreeMap<String, Vec<u8>> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.get(id)
            .cloned()
            .ok_or_else(|| format!("blob {id} not found"))
    }

    fn shared(&self) -> Option<&(dyn BlobReader + Sync)> {
        Some(self)
    }
}

/// A policy whose globs cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    #[error(
        "watch category {category:?}: invalid glob {glob:?}: {message}. Fix it in .github/secarch.yml; globs use globset syntax: `**` for any depth, `*` within a path component, `{{a,b}}` for alternatives (e.g. \"deploy/**/*.nomad\")"
    )]
    Glob {
        category: String,
        glob: String,
        message: String,
    },
}
