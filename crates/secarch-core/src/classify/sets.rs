//! Compiled pattern sets that remember which policy glob each pattern came
//! from: a plain [`globset::GlobSet`] and, per pattern, the glob (rule) it
//! belongs to.
//!
//! Why globset and no matcher of our own: a lazy DFA per set
//! (regex-automata) with a byte gate in front of the file-name set stood
//! here until 2026-12-03. It spent fewer instructions, but not enough to
//! matter to a user: on the 100k-file benchmark of BENCHMARKS.md ("Change
//! set", section of 2026-12-03) the whole `secarch check` runs 720 M
//! instructions with `GlobSet` against 544 M (the file-name queries of the
//! tree walk 170 M against 21 M, building the sets 34 M against 17 M): CPU
//! 1.23–1.28×, wall time 1.13–1.34× (medians of interleaved runs on a busy
//! 2-core machine). The rule is to keep own code only for ≥ 1.5× on a
//! benchmark a user feels. What does make path matching cheap stays: globs
//! split into a directory side matched once per directory and a file-name
//! side (`globs.rs`).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::ClassifyError;

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

/// A compiled set and, per pattern, the policy glob (rule) it came from.
#[derive(Debug, Clone)]
pub(super) struct Owned {
    set: GlobSet,
    owner: Vec<usize>,
}

impl Owned {
    pub(super) fn is_match(&self, path: &str) -> bool {
        !self.owner.is_empty() && self.set.is_match(path)
    }

    /// The rules of every pattern matching `path`.
    pub(super) fn matches(&self, path: &str) -> impl Iterator<Item = usize> + '_ {
        let hits = if self.owner.is_empty() {
            Vec::new()
        } else {
            self.set.matches(path)
        };
        hits.into_iter().map(|p| self.owner[p])
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
    set: GlobSetBuilder,
    owner: Vec<usize>,
}

impl Collect {
    pub(super) fn new() -> Collect {
        Collect {
            set: GlobSetBuilder::new(),
            owner: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, what: &str, glob: &str, rule: usize) -> Result<(), ClassifyError> {
        self.set.add(compile(what, glob)?);
        self.owner.push(rule);
        Ok(())
    }

    pub(super) fn build(self, what: &str) -> Result<Owned, ClassifyError> {
        let set = self.set.build().map_err(|e| ClassifyError::Glob {
            category: what.to_string(),
            glob: e.glob().unwrap_or_default().to_string(),
            message: format!("{} (too many or too complex globs)", e.kind()),
        })?;
        Ok(Owned {
            set,
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
