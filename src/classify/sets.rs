//! Compiled pattern sets that remember which policy glob each pattern came
//! from.

use globset::GlobBuilder;
use regex::bytes::RegexSet;

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

/// Patterns compiled into one [`RegexSet`] from globset's own translation
/// ([`globset::Glob::regex`]), and, per pattern, the policy glob (rule) it
/// came from.
///
/// Why not a `GlobSet`: it compiles a separate regex, with an eager DFA, for
/// every glob with a fixed extension (`requirements*.txt`, `*.tests`) and runs
/// up to seven strategies per query; for ~250 policy globs that measured as
/// more CPU than the 100k-file tree walk it serves (BENCHMARKS.md). One regex
/// set builds a lazy DFA and answers a file name in one pass. Globset still
/// owns the glob syntax and its meaning.
#[derive(Debug, Clone)]
pub(super) struct Owned {
    set: RegexSet,
    owner: Vec<usize>,
}

impl Owned {
    pub(super) fn is_match(&self, path: &str) -> bool {
        !self.owner.is_empty() && self.set.is_match(path.as_bytes())
    }

    /// The rules of every pattern matching `path`.
    pub(super) fn matches(&self, path: &str) -> impl Iterator<Item = usize> + '_ {
        let hits: Vec<usize> = if self.owner.is_empty() {
            Vec::new()
        } else {
            self.set.matches(path.as_bytes()).into_iter().collect()
        };
        hits.into_iter().map(|i| self.owner[i])
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
    regexes: Vec<String>,
    owner: Vec<usize>,
}

impl Collect {
    pub(super) fn new() -> Collect {
        Collect {
            regexes: Vec::new(),
            owner: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, what: &str, glob: &str, rule: usize) -> Result<(), ClassifyError> {
        self.regexes.push(compile(what, glob)?.regex().to_string());
        self.owner.push(rule);
        Ok(())
    }

    pub(super) fn build(self, what: &str) -> Result<Owned, ClassifyError> {
        let set = RegexSet::new(&self.regexes).map_err(|e| ClassifyError::Glob {
            category: what.to_string(),
            glob: String::new(),
            message: format!("{e} (too many or too complex globs)"),
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
