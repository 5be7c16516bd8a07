//! Compiled pattern sets that remember which policy glob each pattern came
//! from.

use std::sync::Mutex;

use globset::GlobBuilder;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::{Anchored, Input, MatchKind, PatternID, PatternSet, util::syntax};

use super::ClassifyError;
use super::gate::Gate;

/// Compile one glob the way every policy glob is read: lower case (paths are
/// lower-cased too, so every component matches ASCII-case-insensitively), `*`
/// never crossing a `/`.
pub(super) fn compile(what: &str, glob: &str) -> Result<globset::Glob, ClassifyError> {
    GlobBuilder::new(&glob.to_ascii_lowercase())
        .literal_separator(true)
        .build()
        .map_err(|e| ClassifyError::Glob {
            category: what.to_string(),
            glob: glob.to_string(),
            message: e.kind().to_string(),
        })
}

/// Patterns compiled into one lazy DFA from globset's own translation
/// ([`globset::Glob::regex`]), and, per pattern, the policy glob (rule) it
/// came from.
///
/// Why not a `GlobSet`: it compiles a separate regex, with an eager DFA, for
/// every glob with a fixed extension (`requirements*.txt`, `*.tests`) and runs
/// up to seven strategies per query; for ~250 policy globs that measured as
/// more CPU than the 100k-file tree walk it serves (BENCHMARKS.md). Why not
/// `regex::RegexSet`: its per-search set-up (picking an engine, borrowing a
/// cache from a pool) cost as much as the search on a short file name. A lazy
/// DFA asked directly, with a cache of its own, answers in one pass over the
/// name. Globset still owns the glob syntax and its meaning.
#[derive(Debug)]
pub(super) struct Owned {
    /// Rejects most non-matching paths before the DFA is asked.
    gate: Gate,
    dfa: DFA,
    /// This copy's search cache; a clone gets a fresh one (one per thread in
    /// the tree walk). `try_lock`: a contended cache is replaced by a
    /// temporary one, never waited for.
    cache: Mutex<Cache>,
    owner: Vec<usize>,
}

impl Clone for Owned {
    fn clone(&self) -> Owned {
        Owned {
            gate: self.gate.clone(),
            dfa: self.dfa.clone(),
            cache: Mutex::new(self.dfa.create_cache()),
            owner: self.owner.clone(),
        }
    }
}

impl Owned {
    fn with_cache<R>(&self, f: impl FnOnce(&mut Cache) -> R) -> R {
        match self.cache.try_lock() {
            Ok(mut cache) => f(&mut cache),
            Err(_) => f(&mut self.dfa.create_cache()),
        }
    }

    pub(super) fn is_match(&self, path: &str) -> bool {
        let path = path.as_bytes();
        if self.owner.is_empty() || !self.gate.may_match(path) {
            return false;
        }
        let input = Input::new(path).anchored(Anchored::Yes).earliest(true);
        // The DFA has no quit bytes, no Unicode word boundaries and never
        // gives up (see `Collect::build`), so a search cannot fail; were it to,
        // "matches" is the answer that loses nothing (the path is looked at).
        self.with_cache(|cache| self.dfa.try_search_fwd(cache, &input))
            .map_or(true, |m| m.is_some())
    }

    /// The rules of every pattern matching `path`.
    pub(super) fn matches(&self, path: &str) -> impl Iterator<Item = usize> + '_ {
        let mut hits = PatternSet::new(self.owner.len());
        if !self.owner.is_empty() && self.gate.may_match(path.as_bytes()) {
            let input = Input::new(path).anchored(Anchored::Yes);
            // As in `is_match`: cannot fail; if it did, every pattern counts.
            if self
                .with_cache(|cache| {
                    self.dfa
                        .try_which_overlapping_matches(cache, &input, &mut hits)
                })
                .is_err()
            {
                for p in 0..self.owner.len() {
                    let _ = hits.try_insert(PatternID::new_unchecked(p));
                }
            }
        }
        hits.iter()
            .map(|p| self.owner[p.as_usize()])
            .collect::<Vec<_>>()
            .into_iter()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    pub(super) fn owners(&self) -> &[usize] {
        &self.owner
    }
}

/// An [`Owned`] being built.
pub(super) struct Collect {
    /// Build a [`Gate`] in front of the DFA (file-name sets asked about every
    /// file).
    gated: bool,
    globs: Vec<String>,
    regexes: Vec<String>,
    owner: Vec<usize>,
}

impl Collect {
    pub(super) fn new() -> Collect {
        Collect {
            gated: false,
            globs: Vec::new(),
            regexes: Vec::new(),
            owner: Vec::new(),
        }
    }

    /// A set of file-name patterns asked about every file of a tree walk.
    pub(super) fn gated() -> Collect {
        Collect {
            gated: true,
            ..Collect::new()
        }
    }

    pub(super) fn add(&mut self, what: &str, glob: &str, rule: usize) -> Result<(), ClassifyError> {
        self.regexes.push(compile(what, glob)?.regex().to_string());
        self.globs.push(glob.to_ascii_lowercase());
        self.owner.push(rule);
        Ok(())
    }

    pub(super) fn build(self, what: &str) -> Result<Owned, ClassifyError> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    // Every pattern that matches, not the first.
                    .match_kind(MatchKind::All)
                    // Never give up on a search (a huge policy only costs
                    // time); searches then cannot fail.
                    .minimum_cache_clear_count(None),
            )
            // Globset's regexes are byte-oriented (`(?-u)`): `[^/]` may match
            // any byte.
            .syntax(syntax::Config::new().utf8(false))
            .thompson(thompson::Config::new().utf8(false))
            .build_many(&self.regexes)
            .map_err(|e| ClassifyError::Glob {
                category: what.to_string(),
                glob: String::new(),
                message: format!("{e} (too many or too complex globs)"),
            })?;
        Ok(Owned {
            // Only where every file of a walk asks (`Collect::gated`); the
            // other sets are asked once per directory or after a match.
            gate: if !self.gated || self.globs.iter().any(|g| g.contains('/')) {
                Gate::open()
            } else {
                Gate::new(self.globs.iter().map(String::as_str))
            },
            cache: Mutex::new(dfa.create_cache()),
            dfa,
            owner: self.owner,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_reports_its_rule() {
        let mut c = Collect::new();
        let globs = [
            "dockerfile",
            "*.{yml,yaml}",
            "requirements*.txt",
            "*{jwt,oidc}*.ts",
        ];
        for (rule, p) in globs.iter().enumerate() {
            c.add("t", p, rule).unwrap();
        }
        let set = c.build("t").unwrap();
        let hits = |n: &str| set.matches(n).collect::<Vec<_>>();
        assert_eq!(hits("dockerfile"), [0]);
        assert_eq!(hits("x.yaml"), [1]);
        assert_eq!(hits("requirements-dev.txt"), [2]);
        assert_eq!(hits("my-oidc-client.ts"), [3]);
        assert!(hits("requirements.md").is_empty());
        assert!(hits("a/x.yaml").is_empty(), "`*` never crosses a `/`");
        assert!(set.is_match("a.yml") && set.is_match("jwt.ts") && !set.is_match("main.rs"));
        assert_eq!(set.owners(), [0, 1, 2, 3]);
        let empty = Collect::new().build("t").unwrap();
        assert!(empty.is_empty() && !empty.is_match("x") && empty.matches("x").count() == 0);
    }
}

#[cfg(test)]
mod gate_tests {
    //! The gate in front of the DFA never hides a match.

    use proptest::prelude::*;

    use super::*;
    use crate::policy::Policy;

    /// Every file-name side of the default policy's globs.
    fn default_names() -> Vec<String> {
        let policy = Policy::embedded_default();
        let globs = policy
            .categories
            .values()
            .flat_map(|c| c.globs.iter().chain(&c.exclude))
            .chain(&policy.exclude);
        globs
            .filter_map(
                |g| match crate::classify::globs::shape(&g.to_ascii_lowercase()) {
                    crate::classify::globs::Shape::Split { name: Some(n), .. } => Some(n),
                    _ => None,
                },
            )
            .collect()
    }

    fn set(patterns: &[String]) -> Owned {
        let mut c = Collect::gated();
        for (i, p) in patterns.iter().enumerate() {
            c.add("t", p, i).unwrap();
        }
        c.build("t").unwrap()
    }

    fn dfa_only(set: &Owned, name: &str) -> bool {
        let input = Input::new(name).anchored(Anchored::Yes).earliest(true);
        set.with_cache(|cache| set.dfa.try_search_fwd(cache, &input))
            .unwrap()
            .is_some()
    }

    const NAMES: &[&str] = &[
        "dockerfile",
        "dockerfile.dev",
        "x.kt",
        "x.txt",
        "requirements-dev.txt",
        "auth.ts",
        "authz.py",
        "authorize.go",
        "values-prod.yaml",
        "deploy-sign.sh",
        "signer.toml",
        "x_test.go",
        "test_x.py",
        "cargo.toml",
        "package.json",
        "openapi.yaml",
        "main.tf",
        "iptables",
        "iptables.rules",
        "a",
        "ab",
        "procfile",
        "jwt_util.ts",
        "insecure.py",
        "x.graphql",
        "x.query.graphql",
        "chart.yaml",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Names built from pieces of real ones: whenever the DFA matches,
        /// the gate let the name through.
        #[test]
        fn the_gate_never_hides_a_match(
            pieces in proptest::collection::vec(proptest::sample::select(NAMES), 1..3),
            cut in 0usize..6,
        ) {
            static SET: std::sync::OnceLock<Owned> = std::sync::OnceLock::new();
            let set = SET.get_or_init(|| set(&default_names()));
            let joined = pieces.concat();
            let name = &joined[joined.len().saturating_sub(joined.len().min(cut + 8))..];
            for n in [joined.as_str(), name] {
                if dfa_only(set, n) {
                    prop_assert!(set.gate.may_match(n.as_bytes()), "{}", n);
                }
            }
        }
    }

    #[test]
    fn the_default_file_names_are_gated() {
        let set = set(&default_names());
        assert!(
            !set.gate.open,
            "the default policy's names are all readable"
        );
        for n in NAMES {
            assert_eq!(set.is_match(n), dfa_only(&set, n), "{n}");
        }
        assert!(!set.gate.may_match(b"file_012345.qqq"));
    }
}
