//! The classifier: path categories plus content signals for a change set.

use std::collections::BTreeSet;

use super::matcher::{DirView, Matcher};
use super::signals::Analyser;
use super::signals::manifests::{self, Manifest, Outcome, Watchlist};
use super::text::{Unreadable, decode};
use super::{BlobReader, ClassifyError, Signal, Trigger};
use rayon::prelude::*;

use crate::git::{
    ChangeKind, ChangeSet, EntryKind, FileChange, HeadFilter, Side, local_pool,
    local_pool_with_stack,
};
use crate::policy::Policy;

/// [`Classifier::watch_filter`]: a matcher of its own (cloned per worker
/// thread: it keeps per-directory state).
#[derive(Debug, Clone)]
pub struct WatchFilter {
    matcher: Matcher,
}

impl HeadFilter for WatchFilter {
    type Dir = DirView;

    fn enter(&mut self, dir: &[u8]) -> DirView {
        self.matcher.dir_view(dir)
    }

    fn keep(&mut self, dir: &DirView, parent: &[u8], name: &[u8]) -> bool {
        self.matcher.is_watched_in(dir, parent, name)
    }
}

/// Change sets at least this large have their paths matched on the pool's threads.
pub(super) const PARALLEL_MIN_CHANGES: usize = 4096;

/// At least this many watched changes have their content read and analysed
/// on the pool's threads (the 100k-file benchmark's 50 stay on one).
pub(super) const PARALLEL_MIN_CONTENT: usize = 64;

/// Compiled policy: categories, excludes, the document, the dependency watchlist.
#[derive(Debug, Clone)]
pub struct Classifier {
    matcher: Matcher,
    watch: Watchlist,
    /// Threads for matching a large change set; `0`: one per core (see
    /// [`crate::git::thread_count`]). The App sets 1: its jobs already run
    /// side by side.
    threads: usize,
}

impl Classifier {
    /// `document`: the security architecture document path (never a trigger:
    /// updating it is the remedy). When `None`, the policy's `document`, else every
    /// `document_names` candidate, is exempt (creating the document is the remedy too).
    pub fn new(policy: &Policy, document: Option<&str>) -> Result<Classifier, ClassifyError> {
        let ignored = match document.or(policy.document.as_deref()) {
            Some(d) => vec![d.strip_prefix("./").unwrap_or(d).to_string()],
            None => policy.document_names.clone(),
        };
        Ok(Classifier {
            matcher: Matcher::new(policy, ignored)?,
            watch: Watchlist::new(&policy.dependency_watchlist),
            threads: 0,
        })
    }

    /// The same classifier matching on at most `threads` threads (`0`: one per core).
    pub fn with_threads(mut self, threads: usize) -> Classifier {
        self.threads = threads;
        self
    }

    /// Categories a single path falls into (after global + per-category excludes),
    /// sorted; empty = not watched.
    pub fn categories_for(&self, path: &str) -> Vec<&str> {
        self.matcher.categories_for(path)
    }

    /// True when any category watches this path (fast filter for fingerprinting
    /// 100k-file trees).
    pub fn is_watched(&self, path: &str) -> bool {
        self.matcher.is_watched(path)
    }

    /// The filter for [`crate::git::Repo::change_set_and_files`]: the watched
    /// files of a tree walk, with each directory evaluated once.
    pub fn watch_filter(&self) -> WatchFilter {
        WatchFilter {
            matcher: self.matcher.clone(),
        }
    }

    /// Classify a change set: one [`Trigger`] per (category, path), sorted by
    /// category then path. Blobs are read only for changes whose category has a
    /// content analyser, only the sides needed, and each at most once.
    pub fn classify(&self, changes: &ChangeSet, blobs: &dyn BlobReader) -> Vec<Trigger> {
        let watched = self.watched_changes(&changes.changes);
        let watched: Vec<&FileChange> = changes
            .changes
            .iter()
            .zip(watched)
            .filter_map(|(change, watched)| watched.then_some(change))
            .collect();
        let mut out = self.classify_watched(&watched, blobs);
        // Order-independent output: sort on everything, then merge duplicates (a
        // change set naming one path twice) into one trigger per (category, path).
        out.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        let mut merged: Vec<Trigger> = Vec::with_capacity(out.len());
        for t in out {
            match merged.last_mut() {
                Some(last) if last.category == t.category && last.path == t.path => {
                    for s in t.signals {
                        if !last.signals.contains(&s) {
                            last.signals.push(s);
                        }
                    }
                    if last.old_path.is_none() {
                        last.old_path = t.old_path;
                    }
                }
                _ => merged.push(t),
            }
        }
        merged
    }

    /// The triggers of the watched changes, in no particular order. Many
    /// watched changes (a platform-wide edit of manifests) are read and
    /// analysed on a local pool when `blobs` can be shared: reading, inflating
    /// and parsing their content is nearly all of such a check's time.
    fn classify_watched(&self, watched: &[&FileChange], blobs: &dyn BlobReader) -> Vec<Trigger> {
        let parallel = blobs
            .shared()
            .filter(|_| watched.len() >= PARALLEL_MIN_CONTENT)
            .and_then(|shared| {
                let stack = Some(crate::syntax::toml::PARSE_THREAD_STACK_BYTES);
                Some((shared, local_pool_with_stack(self.threads, stack)?))
            });
        let Some((shared, pool)) = parallel else {
            let mut out = Vec::new();
            for change in watched {
                self.classify_change(change, blobs, &mut out);
            }
            return out;
        };
        pool.install(|| {
            watched
                .par_iter()
                .flat_map_iter(|change| {
                    let mut out = Vec::new();
                    self.classify_change(change, shared, &mut out);
                    out
                })
                .collect()
        })
    }

    /// Per change: does either path fall into a category? Pure path
    /// matching, so a large change set (a vendored tree, a mass rename) is
    /// split into one share per thread of a local pool, each share with its
    /// own matcher (the matcher keeps per-directory state).
    fn watched_changes(&self, changes: &[FileChange]) -> Vec<bool> {
        let touches = |m: &Matcher, c: &FileChange| {
            c.new
                .iter()
                .chain(&c.old)
                .any(|side| m.is_watched(&side.path))
        };
        let pool = (changes.len() >= PARALLEL_MIN_CHANGES)
            .then(|| local_pool(self.threads))
            .flatten();
        let Some(pool) = pool else {
            return changes.iter().map(|c| touches(&self.matcher, c)).collect();
        };
        let share = changes.len().div_ceil(pool.current_num_threads());
        pool.install(|| {
            changes
                .par_chunks(share)
                .map(|part| {
                    let matcher = self.matcher.clone();
                    part.iter()
                        .map(|c| touches(&matcher, c))
                        .collect::<Vec<bool>>()
                })
                .collect::<Vec<_>>()
                .concat()
        })
    }

    fn classify_change(&self, change: &FileChange, blobs: &dyn BlobReader, out: &mut Vec<Trigger>) {
        let new_path = change.new.as_ref().map(|s| s.path.as_str());
        let old_path = change.old.as_ref().map(|s| s.path.as_str());
        // Both paths of a rename/copy: a Dockerfile moved out of a watched folder
        // still triggers.
        let categories: BTreeSet<&str> = new_path
            .into_iter()
            .chain(old_path)
            .flat_map(|p| self.matcher.categories_for(p))
            .collect();
        if categories.is_empty() {
            return;
        }
        let mut content = Content::new(change, blobs);
        for category in categories {
            let signals = if category == "dependencies" {
                match self.dependency_outcome(change, &mut content) {
                    Some(Outcome::Quiet) => continue,
                    Some(Outcome::Trigger(s)) => s,
                    // Not a manifest we know (a custom glob): the path triggers.
                    None => Vec::new(),
                }
            } else {
                match new_path.and_then(|p| Analyser::for_path(category, p)) {
                    Some(a) => content.signals(a),
                    None => Vec::new(),
                }
            };
            out.push(Trigger {
                category: category.to_string(),
                path: change.path().to_string(),
                old_path: change.old_path().map(str::to_string),
                change: change.kind,
                signals,
            });
        }
    }

    /// `None` when the path is not a manifest format we read.
    fn dependency_outcome(
        &self,
        change: &FileChange,
        content: &mut Content<'_>,
    ) -> Option<Outcome> {
        let manifest = change
            .new
            .as_ref()
            .and_then(|s| Manifest::for_path(&s.path))
            .or_else(|| {
                change
                    .old
                    .as_ref()
                    .and_then(|s| Manifest::for_path(&s.path))
            })?;
        // Deleted (or no longer a regular file): nothing can have been added.
        if change.kind == ChangeKind::Deleted || !is_file(change.new.as_ref()) {
            return Some(Outcome::Quiet);
        }
        let head = match content.head() {
            Ok(h) => h.to_string(),
            Err(e) => return Some(manifests::unreadable(&e.describe())),
        };
        let mut base = || content.base().map(str::to_string);
        Some(manifests::added(manifest, &self.watch, &head, &mut base))
    }
}

type SortKey<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    ChangeKind,
    Vec<(&'a str, &'a str, Option<u32>)>,
);

fn sort_key(t: &Trigger) -> SortKey<'_> {
    (
        &t.category,
        &t.path,
        t.old_path.as_deref(),
        t.change,
        t.signals
            .iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect(),
    )
}

fn is_file(side: Option<&Side>) -> bool {
    side.is_some_and(|s| matches!(s.kind, EntryKind::File | EntryKind::Executable))
}

/// The base and head text of one change, read lazily and at most once.
struct Content<'a> {
    change: &'a FileChange,
    blobs: &'a dyn BlobReader,
    head: Option<Result<String, Unreadable>>,
    base: Option<Option<String>>,
}

impl<'a> Content<'a> {
    fn new(change: &'a FileChange, blobs: &'a dyn BlobReader) -> Content<'a> {
        Content {
            change,
            blobs,
            head: None,
            base: None,
        }
    }

    fn head(&mut self) -> Result<&str, Unreadable> {
        if self.head.is_none() {
            let loaded = match self.change.new.as_ref().filter(|s| is_file(Some(s))) {
                Some(side) => self
                    .blobs
                    .blob(&side.id)
                    .map_err(Unreadable::Missing)
                    .and_then(decode),
                None => Err(Unreadable::Missing("no file at head".to_string())),
            };
            self.head = Some(loaded);
        }
        match self.head.as_ref() {
            Some(Ok(t)) => Ok(t),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Unreadable::Missing("no file at head".to_string())),
        }
    }

    /// The text the head is compared against: the old side of a modification,
    /// rename or type change; nothing for additions and copies (a copy is a new
    /// file: everything in it is new). An unreadable base counts as absent, which
    /// over-reports rather than hides.
    fn base(&mut self) -> Option<&str> {
        if self.base.is_none() {
            let compare = matches!(
                self.change.kind,
                ChangeKind::Modified | ChangeKind::Renamed | ChangeKind::TypeChanged
            );
            let loaded = self
                .change
                .old
                .as_ref()
                .filter(|s| compare && is_file(Some(s)))
                .and_then(|s| self.blobs.blob(&s.id).ok())
                .and_then(|b| decode(b).ok());
            self.base = Some(loaded);
        }
        self.base.as_ref().and_then(|b| b.as_deref())
    }

    /// Informative signals of a non-dependency analyser.
    fn signals(&mut self, analyser: Analyser) -> Vec<Signal> {
        if self.change.kind == ChangeKind::Deleted || !is_file(self.change.new.as_ref()) {
            return Vec::new();
        }
        if let Err(e) = self.head() {
            return vec![super::signals::signal(
                "not-analysed",
                format!("content not analysed: {}", e.describe()),
                None,
            )];
        }
        self.base();
        // Both loaded above; borrowed, not copied.
        let (Some(Ok(head)), Some(base)) = (&self.head, &self.base) else {
            return Vec::new();
        };
        analyser.signals(self.change.path(), base.as_deref(), head)
    }
}
