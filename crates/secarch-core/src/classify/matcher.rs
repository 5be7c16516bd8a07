//! Path → watch categories, with globs compiled once.
//!
//! Every glob (category includes, category excludes, global excludes) is split
//! into a directory side and a file-name side (`globs.rs`). Directory sides are
//! matched once per directory (cached for the last few directories: tree walks
//! and sorted change sets ask for one directory many times in a row); file
//! names are matched with a `globset::GlobSet` over the base name (`sets.rs`).
//! So `is_watched` over a 100k-file tree costs about one set query on a short
//! name per file.
//!
//! **Case.** Every glob matches ASCII-case-insensitively, directory and base names
//! alike. Developers check repositories out on case-insensitive file systems (macOS,
//! Windows) where `dockerfile`, `DOCKERFILE` and `Dockerfile` are the same file to
//! Docker, and teams write `Auth/`, `Security/` or `Tests/` (.NET, Xcode) where
//! the defaults say `auth/`, `security/`, `tests/`. One rule for every component is
//! easier to predict than "basenames only": a custom glob `deploy/Prod/**` also
//! matches `deploy/prod/x`. The cost is the odd extra match, never a miss.
//!
//! Globs match repository-relative `/` paths with `literal_separator(true)`: `*`
//! stays within one component, `**/Dockerfile` matches `Dockerfile` at the root too.

use std::sync::{Arc, Mutex};

use super::ClassifyError;
use super::globs::{DirPattern, Shape, shape};
use super::sets::{Collect, Owned, compile};
use crate::policy::Policy;

/// What a glob does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Puts the path into this category.
    Include(usize),
    /// Takes the path out of this category.
    CategoryExclude(usize),
    /// Takes the path out of every category.
    Exclude,
}

/// How one glob's directory side is decided (see `globs.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirRule {
    Any,
    Root,
    /// Decided by `Matcher::dirs` (its patterns are owned by this rule).
    Globs,
    /// A whole-path glob: the directory says nothing.
    Whole,
}

/// Compiled categories of one policy.
///
/// Every glob is split (`globs.rs`) into a directory side, matched once per
/// directory, and a file-name side, matched on the base name; globs that
/// cannot be split are matched against the whole path. The result is the same
/// as matching every glob against the whole path — tested below against
/// exactly that.
#[derive(Debug)]
pub struct Matcher {
    /// Category names in policy (alphabetical) order.
    names: Vec<String>,
    /// Per glob: its effect and how its directory side is decided.
    groups: Vec<Group>,
    dir_rules: Vec<DirRule>,
    /// Directory patterns, with the glob each belongs to.
    dirs: Owned,
    /// File-name patterns of globs that accept any directory (`**/NAME`).
    any_dir_names: Owned,
    /// The same for exclude globs: consulted only for paths an include matched
    /// (a category may exclude all source code, `**/*.{rs,go,…}`, and most
    /// files of a repository are source code).
    any_dir_excludes: Owned,
    /// File-name patterns of the other globs (`DIR/NAME`, root-only `NAME`),
    /// tried only in directories where one of them applies.
    dir_names: Owned,
    dir_excludes: Owned,
    /// The globs with a pattern in `dir_names`, and in `dir_excludes`.
    dir_name_rules: Vec<usize>,
    dir_exclude_rules: Vec<usize>,
    /// Whole-path globs.
    whole: Owned,
    /// Globs that match every file below a directory (`DIR/**`).
    subtree: Vec<usize>,
    /// The state of a directory (not the root) that no directory pattern
    /// matches, shared.
    plain_dir: Arc<DirState>,
    /// Paths that never trigger: the security architecture document (updating it
    /// is the remedy, not a reason for another review).
    ignored: Vec<String>,
    /// Recently evaluated directories: files arrive grouped by directory (tree
    /// walks, sorted change sets; a rename asks for two directories in turn),
    /// so a few entries catch nearly every lookup. `try_lock` only: a
    /// contended cache is skipped, never waited for.
    recent: Mutex<Vec<(String, Arc<DirState>)>>,
}

/// How many directories `Matcher::recent` keeps.
const RECENT_DIRS: usize = 4;

/// A directory's state for [`Matcher::is_watched_in`]; `None` when its path
/// is not UTF-8.
#[derive(Debug, Clone)]
pub struct DirView(Option<Arc<DirState>>);

/// What a directory decides for the files directly in it.
#[derive(Debug, Default)]
struct DirState {
    /// Per glob: the directory side matches (`Globs` and `Root` globs only).
    ok: Vec<bool>,
    /// Some glob of `Matcher::dir_names` applies here.
    any_dir_name: bool,
    /// Some glob of `Matcher::dir_excludes` applies here.
    any_dir_exclude: bool,
    /// Globs that match every file here (`DIR/**` whose directory matches).
    subtree: Vec<usize>,
    /// A global exclude covers the whole directory.
    excluded: bool,
    /// Some `DIR/**` include covers the whole directory.
    includes_all: bool,
}

impl Clone for Matcher {
    fn clone(&self) -> Matcher {
        Matcher {
            names: self.names.clone(),
            groups: self.groups.clone(),
            dir_rules: self.dir_rules.clone(),
            dirs: self.dirs.clone(),
            any_dir_names: self.any_dir_names.clone(),
            any_dir_excludes: self.any_dir_excludes.clone(),
            dir_names: self.dir_names.clone(),
            dir_excludes: self.dir_excludes.clone(),
            dir_name_rules: self.dir_name_rules.clone(),
            dir_exclude_rules: self.dir_exclude_rules.clone(),
            whole: self.whole.clone(),
            subtree: self.subtree.clone(),
            plain_dir: Arc::clone(&self.plain_dir),
            ignored: self.ignored.clone(),
            recent: Mutex::new(Vec::new()),
        }
    }
}

/// Collects globs while the matcher is built.
struct Builder {
    groups: Vec<Group>,
    dir_rules: Vec<DirRule>,
    dirs: Collect,
    any_dir_names: Collect,
    any_dir_excludes: Collect,
    dir_names: Collect,
    dir_excludes: Collect,
    whole: Collect,
    subtree: Vec<usize>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            groups: Vec::new(),
            dir_rules: Vec::new(),
            dirs: Collect::new(),
            any_dir_names: Collect::new(),
            any_dir_excludes: Collect::new(),
            dir_names: Collect::new(),
            dir_excludes: Collect::new(),
            whole: Collect::new(),
            subtree: Vec::new(),
        }
    }

    /// Add one policy glob: validated as written (so errors quote it), then
    /// split.
    fn add(&mut self, what: &str, glob: &str, group: Group) -> Result<(), ClassifyError> {
        compile(what, glob)?;
        let rule = self.groups.len();
        let dir_rule = match shape(&glob.to_ascii_lowercase()) {
            Shape::Whole(g) => {
                self.whole.add(what, &g, rule)?;
                DirRule::Whole
            }
            Shape::Split { dir, name } => {
                let dir_rule = match dir {
                    DirPattern::Any => DirRule::Any,
                    DirPattern::Root => DirRule::Root,
                    DirPattern::Globs(globs) => {
                        for g in globs {
                            self.dirs.add(what, &g, rule)?;
                        }
                        DirRule::Globs
                    }
                };
                match name {
                    Some(name) => {
                        let include = matches!(group, Group::Include(_));
                        let names = match (dir_rule == DirRule::Any, include) {
                            (true, true) => &mut self.any_dir_names,
                            (true, false) => &mut self.any_dir_excludes,
                            (false, true) => &mut self.dir_names,
                            (false, false) => &mut self.dir_excludes,
                        };
                        names.add(what, &name, rule)?;
                    }
                    None => self.subtree.push(rule),
                }
                dir_rule
            }
        };
        self.groups.push(group);
        self.dir_rules.push(dir_rule);
        Ok(())
    }
}

impl Matcher {
    pub fn new(policy: &Policy, ignored: Vec<String>) -> Result<Matcher, ClassifyError> {
        let mut names = Vec::new();
        let mut b = Builder::new();
        for (index, (name, category)) in policy.categories.iter().enumerate() {
            names.push(name.clone());
            for g in &category.globs {
                b.add(name, g, Group::Include(index))?;
            }
            for g in &category.exclude {
                b.add(name, g, Group::CategoryExclude(index))?;
            }
        }
        for g in &policy.exclude {
            b.add("exclude", g, Group::Exclude)?;
        }
        let Builder {
            groups,
            dir_rules,
            dirs,
            any_dir_names,
            any_dir_excludes,
            dir_names,
            dir_excludes,
            whole,
            subtree,
        } = b;
        let [
            dirs,
            any_dir_names,
            any_dir_excludes,
            dir_names,
            dir_excludes,
            whole,
        ] = [
            dirs,
            any_dir_names,
            any_dir_excludes,
            dir_names,
            dir_excludes,
            whole,
        ]
        .map(|c| c.build("categories"));
        let (dir_names, dir_excludes) = (dir_names?, dir_excludes?);
        let rules_of = |set: &Owned| {
            let mut rules = set.owners().to_vec();
            rules.dedup();
            rules
        };
        let (dir_name_rules, dir_exclude_rules) = (rules_of(&dir_names), rules_of(&dir_excludes));
        let mut matcher = Matcher {
            names,
            groups,
            dir_rules,
            dirs: dirs?,
            any_dir_names: any_dir_names?,
            any_dir_excludes: any_dir_excludes?,
            dir_names,
            dir_excludes,
            dir_name_rules,
            dir_exclude_rules,
            whole: whole?,
            subtree,
            ignored,
            recent: Mutex::new(Vec::new()),
            plain_dir: Arc::new(DirState::default()),
        };
        // Any non-empty name: directory patterns are not consulted for it.
        matcher.plain_dir = Arc::new(matcher.dir_state_plain());
        Ok(matcher)
    }

    /// Categories of `path` after excludes, sorted by name; empty = not watched.
    pub fn categories_for(&self, path: &str) -> Vec<&str> {
        let Some((lower, base_len)) = self.prepare(path) else {
            return Vec::new();
        };
        let dir = self.dir_state(&lower[..lower.len() - base_len]);
        if !self.may_match(&dir, &lower[lower.len() - base_len..]) || self.is_ignored(path) {
            return Vec::new();
        }
        self.resolve(&dir, &lower, base_len)
    }

    /// True when any category watches `path`.
    pub fn is_watched(&self, path: &str) -> bool {
        let Some((lower, base_len)) = self.prepare(path) else {
            return false;
        };
        let split = lower.len() - base_len;
        self.with_dir_state(&lower[..split], |m, dir| {
            m.may_match(dir, &lower[split..])
                && !m.resolve(dir, &lower, base_len).is_empty()
                && !m.is_ignored(path)
        })
    }

    /// A directory evaluated once for every file listed in it (tree walks):
    /// see [`Matcher::is_watched_in`].
    pub fn dir_view(&self, dir: &[u8]) -> DirView {
        match std::str::from_utf8(dir) {
            Ok(d) => DirView(Some(self.dir_state(&lowercase(d)))),
            // Decided path by path, on the lossily decoded path.
            Err(_) => DirView(None),
        }
    }

    /// [`Matcher::is_watched`] for the file `name` of the directory `parent`
    /// (`dir`: its view). Most files are rejected on their name alone, before
    /// their path is even put together; the others are decided on the whole
    /// path, exactly as `is_watched`.
    pub fn is_watched_in(&self, dir: &DirView, parent: &[u8], name: &[u8]) -> bool {
        let exact = || {
            let path = crate::git::join_path(parent, name);
            match std::str::from_utf8(&path) {
                Ok(p) => self.is_watched(p),
                Err(_) => self.is_watched(&String::from_utf8_lossy(&path)),
            }
        };
        let Some(state) = &dir.0 else {
            return exact();
        };
        let Ok(name) = std::str::from_utf8(name) else {
            return exact();
        };
        self.may_match(state, &lowercase(name)) && exact()
    }

    /// Cheap reject first: most files of a tree match no glob at all, and
    /// most directories have only `**/NAME` globs to try.
    fn may_match(&self, dir: &DirState, base: &str) -> bool {
        !dir.excluded
            && (dir.includes_all
                || dir.any_dir_name
                || !self.whole.is_empty()
                || self.any_dir_names.is_match(base))
    }

    /// The normalised, lower-cased path and the length of its base name;
    /// `None` for paths that never trigger.
    fn prepare<'p>(&self, path: &'p str) -> Option<(std::borrow::Cow<'p, str>, usize)> {
        let path = normalize(path);
        if path.is_empty() {
            return None;
        }
        let base_len = path.len() - path.rfind('/').map_or(0, |i| i + 1);
        // ASCII lower case keeps every byte offset.
        Some((lowercase(path), base_len))
    }

    /// The document (and the like) never triggers; asked only of paths that
    /// matched something.
    fn is_ignored(&self, path: &str) -> bool {
        let path = normalize(path);
        self.ignored.iter().any(|d| d == path)
    }

    /// The categories of the file `lower` (lower-cased, its base name the last
    /// `base_len` bytes) in directory `dir`.
    fn resolve(&self, dir: &DirState, lower: &str, base_len: usize) -> Vec<&str> {
        let base = &lower[lower.len() - base_len..];
        let mut rules: Vec<usize> = dir.subtree.clone();
        rules.extend(self.any_dir_names.matches(base));
        if dir.any_dir_name {
            rules.extend(self.dir_names.matches(base).filter(|&r| dir.ok[r]));
        }
        if !self.whole.is_empty() {
            rules.extend(self.whole.matches(lower));
        }
        // Excludes only matter once an include matched.
        if !rules
            .iter()
            .any(|&r| matches!(self.groups[r], Group::Include(_)))
        {
            return Vec::new();
        }
        rules.extend(self.any_dir_excludes.matches(base));
        if dir.any_dir_exclude {
            rules.extend(self.dir_excludes.matches(base).filter(|&r| dir.ok[r]));
        }
        let mut wanted = vec![false; self.names.len()];
        for &r in &rules {
            match self.groups[r] {
                Group::Include(c) => wanted[c] = true,
                Group::Exclude => return Vec::new(),
                Group::CategoryExclude(_) => {}
            }
        }
        for &r in &rules {
            if let Group::CategoryExclude(c) = self.groups[r] {
                wanted[c] = false;
            }
        }
        // `names` is sorted (the policy keeps categories in a BTreeMap).
        self.names
            .iter()
            .zip(wanted)
            .filter_map(|(name, w)| w.then_some(name.as_str()))
            .collect()
    }

    /// The state of directory `dir` (lower case, ending in `/`, or empty for
    /// the root), from the cache of recent directories when it is there.
    fn dir_state(&self, dir: &str) -> Arc<DirState> {
        self.with_dir_state(dir, |_, state| Arc::clone(state))
    }

    /// Run `f` on the state of directory `dir` (lower case, ending in `/`, or
    /// empty for the root), taken from the cache of recent directories when
    /// it is there — borrowed, without touching its reference count, in the
    /// common case of the same directory as last time.
    fn with_dir_state<R>(&self, dir: &str, f: impl FnOnce(&Self, &Arc<DirState>) -> R) -> R {
        let dir = dir.strip_suffix('/').unwrap_or(dir);
        let Ok(mut recent) = self.recent.try_lock() else {
            return f(self, &self.compute_dir_state(dir));
        };
        if let Some(i) = recent.iter().position(|(d, _)| d == dir) {
            // Most recent first.
            recent[..=i].rotate_right(1);
            return f(self, &recent[0].1);
        }
        let state = self.compute_dir_state(dir);
        recent.truncate(RECENT_DIRS - 1);
        recent.insert(0, (dir.to_string(), state));
        f(self, &recent[0].1)
    }

    fn compute_dir_state(&self, dir: &str) -> Arc<DirState> {
        // Most directories match no directory pattern: one shared state.
        if !dir.is_empty() && !self.dirs.is_match(dir) {
            return Arc::clone(&self.plain_dir);
        }
        Arc::new(self.dir_state_uncached(dir))
    }

    /// The state of a directory no directory pattern matches.
    fn dir_state_plain(&self) -> DirState {
        self.state_from(self.dir_rules.iter().map(|&r| r == DirRule::Any).collect())
    }

    fn dir_state_uncached(&self, dir: &str) -> DirState {
        let mut ok: Vec<bool> = self
            .dir_rules
            .iter()
            .map(|&r| r == DirRule::Any || (r == DirRule::Root && dir.is_empty()))
            .collect();
        // Directory patterns never apply to the root (see `globs::shape`).
        if !dir.is_empty() {
            for rule in self.dirs.matches(dir) {
                ok[rule] = true;
            }
        }
        self.state_from(ok)
    }

    /// A directory's state from which globs' directory sides it satisfies.
    fn state_from(&self, ok: Vec<bool>) -> DirState {
        let any_dir_name = self.dir_name_rules.iter().any(|&r| ok[r]);
        let any_dir_exclude = self.dir_exclude_rules.iter().any(|&r| ok[r]);
        let subtree: Vec<usize> = self.subtree.iter().copied().filter(|&r| ok[r]).collect();
        let excluded = subtree.iter().any(|&r| self.groups[r] == Group::Exclude);
        let includes_all = subtree
            .iter()
            .any(|&r| matches!(self.groups[r], Group::Include(_)));
        DirState {
            ok,
            any_dir_name,
            any_dir_exclude,
            subtree,
            excluded,
            includes_all,
        }
    }
}

/// ASCII lower case, borrowed when there is nothing to change (most paths).
fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Git paths never start with `./`; people typing a path on the command line do.
fn normalize(path: &str) -> &str {
    path.strip_prefix("./").unwrap_or(path)
}
