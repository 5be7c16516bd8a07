//! The classifier: path categories plus content signals for a change set.

use std::collections::BTreeSet;

use super::matcher::{DirView, Matcher};
use super::signals::Analyser;
use super::signals::manifests::{self, Manifest, Outcome, Watchlist};
use super::text::{Unreadable, decode};
use super::{BlobReader, ClassifyError, Signal, Trigger};
use crate::git::{ChangeKind, ChangeSet, EntryKind, FileChange, HeadFilter, Side, thread_count};
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

/// Change sets at least this large have their paths matched on two threads.
pub(super) const PARALLEL_MIN_CHANGES: usize = 4096;

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
        let mut out: Vec<Trigger> = Vec::new();
        let watched = self.watched_changes(&changes.changes);
        for (change, watched) in changes.changes.iter().zip(watched) {
            if watched {
                self.classify_change(change, blobs, &mut out);
            }
        }
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

    /// Per change: does either path fall into a category? Pure path
    /// matching, so a large change set (a vendored tree, a mass rename) is
    /// shared with a second thread, which gets its own matcher (the matcher
    /// keeps per-directory state). Content is only read afterwards, on this
    /// thread, for the few changes that matched.
    fn watched_changes(&self, changes: &[FileChange]) -> Vec<bool> {
        let touches = |m: &Matcher, c: &FileChange| {
            c.new
                .iter()
                .chain(&c.old)
                .any(|side| m.is_watched(&side.path))
        };
        if thread_count(self.threads) < 2 || changes.len() < PARALLEL_MIN_CHANGES {
            return changes.iter().map(|c| touches(&self.matcher, c)).collect();
        }
        let (mine, theirs) = changes.split_at(changes.len() / 2);
        let matcher = self.matcher.clone();
        std::thread::scope(|scope| {
            let helper = scope.spawn(move || {
                theirs
                    .iter()
                    .map(|c| touches(&matcher, c))
                    .collect::<Vec<bool>>()
            });
            let mut watched: Vec<bool> = mine.iter().map(|c| touches(&self.matcher, c)).collect();
            match helper.join() {
                Ok(rest) => watched.extend(rest),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            watched
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
                    .and_then(|b| decode(&b)),
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
                .and_then(|b| decode(&b).ok());
            self.base = Some(loaded);
        }
        self.base.as_ref().and_then(|b| b.as_deref())
    }

    /// Informative signals of a non-dependency analyser.
    fn signals(&mut self, analyser: Analyser) -> Vec<Signal> {
        if self.change.kind == ChangeKind::Deleted || !is_file(self.change.new.as_ref()) {
            return Vec::new();
        }
        let head = match self.head() {
            Ok(h) => h.to_string(),
            Err(e) => {
                return vec![super::signals::signal(
                    "not-analysed",
                    format!("content not analysed: {}", e.describe()),
                    None,
                )];
            }
        };
        let path = self.change.path().to_string();
        let base = self.base().map(str::to_string);
        analyser.signals(&path, base.as_deref(), &head)
    }
}
