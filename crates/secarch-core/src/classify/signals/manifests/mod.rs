//! Dependency manifests: the `dependencies` category triggers **only** when a
//! dependency on the policy's watchlist is added — present at head, absent at base
//! in every dependency table the manifest format has that ships with the product.
//! Version bumps, reordering, lock-file churn and added dependencies that are not
//! on the watchlist are quiet.
//!
//! What counts as a shipped dependency, per format (tests and build tooling are
//! not the product's attack surface):
//! - Cargo: `[dependencies]`, `[target.*.dependencies]`, `[workspace.dependencies]`
//!   (renamed with `package = ...` matched by the real name); not
//!   `[dev-dependencies]` (tests, examples, benches) nor `[build-dependencies]`
//!   (run at build time, not shipped).
//! - npm: `dependencies`, `optionalDependencies`, `peerDependencies`; not
//!   `devDependencies`.
//! - Python: PEP 621 `project.dependencies` and `project.optional-dependencies`,
//!   Poetry `tool.poetry.dependencies` (not Poetry groups nor PEP 735
//!   `dependency-groups`, which hold dev tooling); `requirements*.txt` lines. Names
//!   are PEP 503-normalised (`Flask_Login` = `flask-login`).
//! - Go: `require` lines without `// indirect` (indirect entries are transitive
//!   churn written by `go mod tidy`); a watchlist entry matches the module and its
//!   sub-modules (`github.com/labstack/echo` matches `.../echo/v4`).
//! - Maven `pom.xml`: `<dependency>` in `<dependencies>` and
//!   `<dependencyManagement>` (like Cargo's workspace table), not in build plugins,
//!   not `<scope>test</scope>`, not `<scope>import</scope>` BOMs (they pin versions
//!   only). A watchlist entry `group` matches that group and its sub-groups;
//!   `group:artifact` matches exactly.
//! - Gradle: `implementation 'g:a:v'`-style declarations, read with a string-literal
//!   tokenizer because there is no Gradle (Groovy/Kotlin) parser for Rust; test
//!   configurations and `platform(...)` BOMs are skipped. Version catalogs
//!   (`libs.versions.toml`) are not read.
//! - .NET `*.csproj`: `<PackageReference Include>`, `<FrameworkReference Include>`,
//!   and `Sdk="Microsoft.NET.Sdk.Web"` (which brings ASP.NET Core, i.e.
//!   `Microsoft.AspNetCore.App`).
//! - Ruby `Gemfile`: `gem 'name'` lines outside `group :development/:test` blocks,
//!   read line by line (a Gemfile is Ruby; its `gem` calls are one per line).
//!
//! **Unparsable manifests.** A structured manifest (TOML, JSON, XML) that does not
//! parse at head hides what it adds, so it triggers with an `unparsable` signal —
//! the fail-safe choice — when the base parsed (or the file is new): the change
//! broke it, and the package manager will not accept it either, so this is rare and
//! never repeats once fixed. When the base did not parse either (a template
//! `package.json` with `{{ }}`, say), triggering on every edit would be noise; then
//! only a new line naming a watchlisted dependency triggers. A manifest too large
//! (> 2 MiB) or not text at head also triggers `unparsable`.

mod cargo;
mod dotnet;
mod go;
mod jvm;
mod npm;
mod python;
mod ruby;

use std::collections::{BTreeMap, BTreeSet};

use super::signal;
use crate::classify::Signal;
use crate::classify::text::new_lines;

/// A manifest format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    Cargo,
    Npm,
    Pyproject,
    Requirements,
    GoMod,
    Pom,
    Gradle,
    Csproj,
    Gemfile,
}

impl Manifest {
    /// The format of a manifest path, by its (case-insensitive) name.
    pub fn for_path(path: &str) -> Option<Manifest> {
        let base = super::basename(path).to_ascii_lowercase();
        let parent = path.rsplit('/').nth(1).unwrap_or("").to_ascii_lowercase();
        Some(match base.as_str() {
            "cargo.toml" => Manifest::Cargo,
            "package.json" => Manifest::Npm,
            "pyproject.toml" => Manifest::Pyproject,
            "go.mod" => Manifest::GoMod,
            "pom.xml" => Manifest::Pom,
            "build.gradle" | "build.gradle.kts" => Manifest::Gradle,
            "gemfile" => Manifest::Gemfile,
            b if b.ends_with(".csproj") => Manifest::Csproj,
            b if b.ends_with(".txt")
                && (b.starts_with("requirements") || parent == "requirements") =>
            {
                Manifest::Requirements
            }
            _ => return None,
        })
    }

    /// The watchlist ecosystem (`policy.dependency_watchlist` key).
    pub fn ecosystem(self) -> &'static str {
        match self {
            Manifest::Cargo => "cargo",
            Manifest::Npm => "npm",
            Manifest::Pyproject | Manifest::Requirements => "pypi",
            Manifest::GoMod => "go",
            Manifest::Pom | Manifest::Gradle => "maven",
            Manifest::Csproj => "nuget",
            Manifest::Gemfile => "rubygems",
        }
    }

    fn parse(self, text: &str) -> Result<Vec<Dep>, String> {
        match self {
            Manifest::Cargo => cargo::parse(text),
            Manifest::Npm => npm::parse(text),
            Manifest::Pyproject => python::parse_pyproject(text),
            Manifest::Requirements => Ok(python::parse_requirements(text)),
            Manifest::GoMod => Ok(go::parse(text)),
            Manifest::Pom => jvm::parse_pom(text),
            Manifest::Gradle => Ok(jvm::parse_gradle(text)),
            Manifest::Csproj => dotnet::parse(text),
            Manifest::Gemfile => Ok(ruby::parse(text)),
        }
    }
}

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// As written (`Flask`, `io.netty:netty-all`).
    pub name: String,
    /// Where it is declared (`[dependencies]`, `devDependencies`, ...).
    pub section: String,
    pub line: Option<u32>,
}

/// The policy's watchlist, normalised once per ecosystem.
#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    lists: BTreeMap<String, Vec<(String, String)>>,
}

impl Watchlist {
    pub fn new(policy: &BTreeMap<String, Vec<String>>) -> Watchlist {
        let lists = policy
            .iter()
            .map(|(eco, names)| {
                let entries = names
                    .iter()
                    .map(|n| (normalize(eco, n), n.clone()))
                    .collect();
                (eco.clone(), entries)
            })
            .collect();
        Watchlist { lists }
    }

    /// The watchlist entry (as written in the policy) that `name` matches.
    pub fn matches(&self, ecosystem: &str, name: &str) -> Option<&str> {
        let key = normalize(ecosystem, name);
        let list = self.lists.get(ecosystem)?;
        list.iter()
            .find(|(w, _)| match ecosystem {
                "go" => key == *w || key.starts_with(&format!("{w}/")),
                "maven" if !w.contains(':') => {
                    let group = key.split(':').next().unwrap_or("");
                    group == w || group.starts_with(&format!("{w}."))
                }
                _ => key == *w,
            })
            .map(|(_, original)| original.as_str())
    }
}

/// Comparison key of a dependency name in its ecosystem.
pub fn normalize(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match ecosystem {
        "cargo" => name.to_ascii_lowercase().replace('_', "-"),
        // PEP 503: runs of `-`, `_`, `.` are one `-`, case-insensitive.
        "pypi" => {
            let mut out = String::with_capacity(name.len());
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
        "go" => name.to_string(),
        _ => name.to_ascii_lowercase(),
    }
}

/// The dependency verdict for one manifest change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing watchlisted was added: no trigger.
    Quiet,
    /// Trigger, with these signals (`dependency-added` or `unparsable`).
    Trigger(Vec<Signal>),
}

/// Compare a manifest at base and head. `base` is `None` when the file is new (or
/// its base could not be read: then everything watchlisted at head counts as new).
/// `base` is only called when the head declares a watchlisted dependency.
pub fn added(
    manifest: Manifest,
    watch: &Watchlist,
    head: &str,
    base: &mut dyn FnMut() -> Option<String>,
) -> Outcome {
    let eco = manifest.ecosystem();
    let head_deps = match manifest.parse(head) {
        Ok(d) => d,
        Err(e) => return unparsable(manifest, watch, head, &e, base),
    };
    let watched: Vec<(&Dep, &str)> = head_deps
        .iter()
        .filter_map(|d| watch.matches(eco, &d.name).map(|w| (d, w)))
        .collect();
    if watched.is_empty() {
        return Outcome::Quiet;
    }
    let base_keys: BTreeSet<String> = base()
        .and_then(|b| manifest.parse(&b).ok())
        .unwrap_or_default()
        .iter()
        .map(|d| normalize(eco, &d.name))
        .collect();
    let mut signals = Vec::new();
    let mut reported = BTreeSet::new();
    for (dep, entry) in watched {
        let key = normalize(eco, &dep.name);
        if base_keys.contains(&key) || !reported.insert(key) {
            continue;
        }
        // Name the watchlist entry when it is spelled differently (`Flask_Login`,
        // a Go sub-module, a Maven artifact of a watchlisted group).
        let also = if entry.eq_ignore_ascii_case(&dep.name) {
            String::new()
        } else {
            format!(", watchlist entry {entry}")
        };
        signals.push(signal(
            "dependency-added",
            format!("new dependency {} ({eco}, {}{also})", dep.name, dep.section),
            dep.line,
        ));
    }
    if signals.is_empty() {
        Outcome::Quiet
    } else {
        Outcome::Trigger(signals)
    }
}

fn unparsable(
    manifest: Manifest,
    watch: &Watchlist,
    head: &str,
    error: &str,
    base: &mut dyn FnMut() -> Option<String>,
) -> Outcome {
    let base_text = base();
    let base_parsed = base_text.as_deref().map(|b| manifest.parse(b).is_ok());
    if base_parsed != Some(false) {
        return Outcome::Trigger(vec![signal(
            "unparsable",
            format!(
                "manifest does not parse at head ({error}); it may add a watchlisted dependency — fix the manifest, or review it by hand"
            ),
            None,
        )]);
    }
    // Unparsable before and after: only a new line naming a watchlisted dependency.
    let eco = manifest.ecosystem();
    for (line, text) in new_lines(base_text.as_deref(), head) {
        let hit = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.@/:".contains(c)))
            .find_map(|token| watch.matches(eco, token.trim_matches(':')));
        if let Some(entry) = hit {
            return Outcome::Trigger(vec![signal(
                "unparsable",
                format!(
                    "manifest does not parse (before or after this change); a new line names watchlisted dependency {entry}"
                ),
                Some(line),
            )]);
        }
    }
    Outcome::Quiet
}

/// The head of a manifest could not be read as text: fail safe.
pub fn unreadable(reason: &str) -> Outcome {
    Outcome::Trigger(vec![signal(
        "unparsable",
        format!(
            "manifest not analysed ({reason}); it may add a watchlisted dependency — review it by hand"
        ),
        None,
    )])
}

#[cfg(test)]
mod tests;
