//! The tree traversal behind every diff: the change set, and optionally the
//! watched head files in the same pass, shared between threads.
//!
//! `secarch check` needs both the diff of a range and the `(path, blob)` of
//! every watched file at head (the content fingerprint). Done separately, the
//! head's trees are read twice; here the diff lists the head side of every
//! directory pair it compares, and the unchanged subtrees it skips are listed
//! by the same workers. Work starts breadth-first on the caller's thread;
//! once enough directories are pending — changed pairs or unchanged subtrees,
//! so a small change in a large repository spreads too — they become rayon
//! tasks on a local pool of `threads` threads ([`super::local_pool`]): every
//! directory is a task and uncovers more, a thread works depth-first on its
//! own and idle threads steal the oldest tasks (the directories nearest the
//! root, the largest subtrees). Directories differ wildly in size (one `src/`
//! may hold most of a repository), which is why fixed shares do not do.
//! Each pool thread reads through its own object database (its own pack
//! lock, see `repo::worker_odb`) and keeps its own copy of the filter (the
//! path matcher keeps per-directory state). With [`NoFiles`] it is the plain
//! diff: unchanged subtrees are skipped, not listed.
//!
//! Why rayon: an own work pool (per-thread stacks, the older half handed to
//! a thread that ran dry) stood here until 2026-12-03; rayon's work stealing
//! does the same, and the diff step measured the same with it (BENCHMARKS.md,
//! "Change set", 2026-12-03: CPU 1.03×, fastest runs equal, medians within
//! noise), so the pool was not worth its code. The pool's threads are started
//! per traversal and read through a database of their own, one more than
//! before (the caller's only does the breadth-first start): +2.7 MiB of peak
//! memory on the 100k-file benchmark.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use git2::{Odb, Oid};

use super::diff::{
    ChangeSetOptions, Listed, PARALLEL_MIN_PAIRS, Pair, RawChange, diff_level, local_pool,
    thread_count,
};
use super::renames::{self, Candidate};
use super::repo::{Repo, Workers};
use super::repo_error::{GitError, ctx};
use super::tree_object::{self, join};
use super::{ChangeSet, EntryKind, FileChange};

/// One unit of work: a directory pair to diff (and list), or an unchanged
/// head subtree to list.
enum Work {
    Diff(Pair),
    List(Vec<u8>, Oid),
}

/// Head files kept by the filter: `(path, blob id)`.
type Files = Vec<(String, String)>;

/// Which head files a combined traversal keeps, asked one directory at a
/// time: `enter` once per directory listed, then `keep` for each of its files.
/// Each worker thread gets its own clone.
pub trait HeadFilter: Clone + Send {
    /// What the filter works out once per directory.
    type Dir;
    /// `dir`: the directory's path (`/`-separated bytes, empty for the root).
    fn enter(&mut self, dir: &[u8]) -> Self::Dir;
    /// A file of that directory: `parent` is the directory's path again,
    /// `name` the file's. The whole path is left to the filter to build: most
    /// files are turned down on their name alone, and the traversal builds
    /// paths only for the files kept.
    fn keep(&mut self, dir: &Self::Dir, parent: &[u8], name: &[u8]) -> bool;
    /// False when the filter keeps nothing: the traversal then skips
    /// unchanged subtrees instead of listing them.
    fn lists(&self) -> bool {
        true
    }
}

/// The filter of a plain diff: no head files.
#[derive(Clone)]
pub(crate) struct NoFiles;

impl HeadFilter for NoFiles {
    type Dir = ();

    fn enter(&mut self, _dir: &[u8]) {}

    fn keep(&mut self, _dir: &(), _parent: &[u8], _name: &[u8]) -> bool {
        false
    }

    fn lists(&self) -> bool {
        false
    }
}

/// A filter on whole paths (decoded as UTF-8, lossily), for callers with no
/// per-directory work.
#[derive(Clone)]
pub struct ByPath<F>(pub F);

impl<F: FnMut(&str) -> bool + Clone + Send> HeadFilter for ByPath<F> {
    type Dir = ();

    fn enter(&mut self, _dir: &[u8]) {}

    fn keep(&mut self, _dir: &(), parent: &[u8], name: &[u8]) -> bool {
        (self.0)(&String::from_utf8_lossy(&join(parent, name)))
    }
}

/// What one worker found.
struct Found<F> {
    raw: Vec<RawChange>,
    files: Files,
    filter: F,
}

impl<F: HeadFilter> Found<F> {
    fn new(filter: F) -> Found<F> {
        Found {
            raw: Vec::new(),
            files: Vec::new(),
            filter,
        }
    }

    /// Do one unit, handing the units it uncovers to `more`.
    fn step(
        &mut self,
        odb: &Odb<'_>,
        work: Work,
        more: &mut dyn FnMut(Work),
    ) -> Result<(), GitError> {
        match work {
            Work::Diff(pair) if !self.filter.lists() => {
                diff_level(odb, pair, &mut self.raw, &mut |p| more(Work::Diff(p)), None)
            }
            Work::Diff(pair) => {
                let Found { raw, files, filter } = self;
                let dir = filter.enter(&pair.0);
                let mut unchanged = Vec::new();
                diff_level(
                    odb,
                    pair,
                    raw,
                    &mut |p| more(Work::Diff(p)),
                    Some(&mut |item: Listed<'_>| match item {
                        Listed::File(parent, e) => {
                            keep(files, filter, &dir, parent, e.name, e.id(), e.mode)
                        }
                        Listed::Subtree(path, id) => unchanged.push(Work::List(path, id)),
                    }),
                )?;
                unchanged.into_iter().for_each(more);
                Ok(())
            }
            Work::List(prefix, id) => {
                let obj = tree_object::read(odb, id, &prefix)?;
                let dir = self.filter.enter(&prefix);
                for entry in tree_object::entries(obj.data()) {
                    let entry = entry.map_err(|why| tree_object::corrupt(id, &prefix, why))?;
                    if entry.is_tree() {
                        more(Work::List(join(&prefix, entry.name), entry.id()));
                    } else {
                        let (id, mode) = (entry.id(), entry.mode);
                        keep(
                            &mut self.files,
                            &mut self.filter,
                            &dir,
                            &prefix,
                            entry.name,
                            id,
                            mode,
                        );
                    }
                }
                Ok(())
            }
        }
    }

    /// Hand over the results, prepared here on the worker so little waits
    /// for the serial rename detection: same-path modifications converted,
    /// additions and deletions in their change-set form, each list sorted by
    /// path (the caller merges the workers' sorted runs).
    fn finish(self) -> Done {
        let mut done = Done {
            added: Vec::new(),
            deleted: Vec::new(),
            modified: Vec::new(),
            files: self.files,
        };
        for change in self.raw {
            match change {
                RawChange::Modified(o, n) => done.modified.push(renames::modified_change(o, n)),
                RawChange::Added(e) => done.added.push(e.into()),
                RawChange::Deleted(e) => done.deleted.push(e.into()),
            }
        }
        // Paths are unique within each list, so unstable sorts are exact.
        done.added.sort_unstable_by(renames::by_path);
        done.deleted.sort_unstable_by(renames::by_path);
        done.modified
            .sort_unstable_by(|a, b| a.path().cmp(b.path()));
        done
    }
}

/// A traversal's results.
pub(crate) struct Done {
    /// Additions and deletions (rename candidates), each a run of sorted
    /// runs: one per worker, in the order they were joined.
    pub(crate) added: Vec<Candidate>,
    pub(crate) deleted: Vec<Candidate>,
    /// Same-path changes, converted by the workers; sorted runs too.
    pub(crate) modified: Vec<FileChange>,
    /// Head files the filter kept, in no particular order.
    files: Files,
}

impl Done {
    fn extend(&mut self, other: Done) {
        self.added.extend(other.added);
        self.deleted.extend(other.deleted);
        self.modified.extend(other.modified);
        self.files.extend(other.files);
    }
}

/// Keep a head entry when it is a file (or symlink) the filter wants.
fn keep<F: HeadFilter>(
    files: &mut Files,
    filter: &mut F,
    dir: &F::Dir,
    parent: &[u8],
    name: &[u8],
    id: Oid,
    mode: i32,
) {
    if matches!(
        super::entry_kind(mode),
        Some(EntryKind::File | EntryKind::Executable | EntryKind::Symlink)
    ) && filter.keep(dir, parent, name)
    {
        // Valid UTF-8 is the rule: take the fast check, and the lossy
        // conversion (what every other path of secarch shows) only otherwise.
        let path = String::from_utf8(join(parent, name))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        files.push((path, id.to_string()));
    }
}

impl Repo {
    /// The change set from `base` to `head` **and** the `(path, blob id)` of
    /// every head file passing `filter` (as [`Repo::tree_files`]), sorted by
    /// path, in one traversal: each head tree is read once, shared by the diff
    /// and the listing. Uses up to `opts.threads` threads; each gets its own
    /// clone of `filter`. Used by `secarch check` for the content fingerprint.
    pub fn change_set_and_files<F>(
        &self,
        base: &str,
        head: &str,
        opts: &ChangeSetOptions,
        filter: F,
    ) -> Result<(ChangeSet, Files), GitError>
    where
        F: HeadFilter,
    {
        let (base_oid, head_oid, old, new) = self.range_trees(base, head)?;
        let mut kept = filter.clone();
        let mut done = self.traverse(old, Some(new), opts.threads, filter)?;
        let mut files = std::mem::take(&mut done.files);
        files.sort_unstable();
        // A leftover's path is asked like a listed file: its directory, then
        // its name.
        let mut wanted = |path: &str| {
            let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
            let dir = kept.enter(parent.as_bytes());
            kept.keep(&dir, parent.as_bytes(), name.as_bytes())
        };
        let wanted: Option<&mut dyn FnMut(&str) -> bool> = if opts.similarity_only_for_kept {
            Some(&mut wanted)
        } else {
            None
        };
        Ok((
            self.change_set_from(base_oid, head_oid, done, opts, wanted)?,
            files,
        ))
    }

    /// Rename detection over a traversal's additions and deletions, and the
    /// order every change set is handed out in. `wanted`: see
    /// [`ChangeSetOptions::similarity_only_for_kept`].
    pub(super) fn change_set_from(
        &self,
        base: Oid,
        head: Oid,
        mut done: Done,
        opts: &ChangeSetOptions,
        wanted: Option<&mut dyn FnMut(&str) -> bool>,
    ) -> Result<ChangeSet, GitError> {
        // Stable sorts find the workers' sorted runs and merge them in
        // linear time; an unstable sort would start over.
        done.added.sort_by(renames::by_path);
        done.deleted.sort_by(renames::by_path);
        let mut changes = ChangeSet {
            base: base.to_string(),
            head: head.to_string(),
            changes: renames::detect(self, done.added, done.deleted, opts, wanted)?,
        };
        changes.changes.append(&mut done.modified);
        changes.sort();
        Ok(changes)
    }

    /// Diff two trees (`None`: the empty tree) and list the head files
    /// `filter` keeps. Starts breadth-first on this thread; once enough
    /// directories are pending they are shared between up to `threads`
    /// threads (`0`: one per core) of a local rayon pool, each with its own
    /// object database (libgit2 objects are not shared across threads, and a
    /// shared pack would be read under one lock). A small change, or one
    /// thread, never spawns.
    pub(crate) fn traverse<F: HeadFilter>(
        &self,
        old: Option<Oid>,
        new: Option<Oid>,
        threads: usize,
        filter: F,
    ) -> Result<Done, GitError> {
        let odb = self
            .git
            .odb()
            .map_err(ctx("cannot open the object database"))?;
        let threads = thread_count(threads);
        let mut mine = Found::new(filter.clone());
        let mut frontier = VecDeque::from([Work::Diff((Vec::new(), old, new))]);
        while let Some(work) = frontier.pop_front() {
            mine.step(&odb, work, &mut |w| frontier.push_back(w))?;
            if threads > 1 && frontier.len() >= PARALLEL_MIN_PAIRS {
                break;
            }
        }
        // On one thread, or for a small change, the loop above did it all.
        if frontier.is_empty() {
            return Ok(mine.finish());
        }
        let Some(pool) = local_pool(threads) else {
            // No thread could be started: finish here.
            while let Some(work) = frontier.pop_front() {
                mine.step(&odb, work, &mut |w| frontier.push_back(w))?;
            }
            return Ok(mine.finish());
        };
        let mut done = mine.finish();
        let spread = Spread {
            workers: Workers::new(self, new.or(old)),
            filter: Mutex::new(filter),
            found: (0..pool.current_num_threads())
                .map(|_| Mutex::new(None))
                .collect(),
            failed: Mutex::new(None),
            stopped: AtomicBool::new(false),
        };
        pool.scope(|scope| {
            // The first directories found are the largest: spawned last, they
            // are the first an idle thread steals.
            for work in frontier {
                scope.spawn(|scope| spread.run(scope, work));
            }
        });
        if let Some(e) = lock(&spread.failed).take() {
            return Err(e);
        }
        for found in spread.found {
            if let Some(found) = found.into_inner().unwrap_or_else(|p| p.into_inner()) {
                done.extend(found.finish());
            }
        }
        Ok(done)
    }
}

/// The shared state of one traversal on a pool.
struct Spread<F> {
    workers: Workers,
    /// Cloned once per pool thread (a `Mutex`: filters need not be `Sync`).
    filter: Mutex<F>,
    /// Per pool thread (by `rayon::current_thread_index`): what it found.
    /// Only that thread locks it, so it is never contended.
    found: Vec<Mutex<Option<Found<F>>>>,
    /// The first error; the other tasks then return without working.
    failed: Mutex<Option<GitError>>,
    stopped: AtomicBool,
}

impl<F: HeadFilter> Spread<F> {
    /// One task: one directory, spawning a task for each it uncovers.
    fn run<'s>(&'s self, scope: &rayon::Scope<'s>, work: Work) {
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        let mut more = Vec::new();
        if let Err(e) = self.step(work, &mut more) {
            self.stopped.store(true, Ordering::Relaxed);
            lock(&self.failed).get_or_insert(e);
            return;
        }
        for work in more {
            scope.spawn(move |scope| self.run(scope, work));
        }
    }

    fn step(&self, work: Work, more: &mut Vec<Work>) -> Result<(), GitError> {
        let index = rayon::current_thread_index().unwrap_or(0) % self.found.len();
        self.workers.with_odb(|odb| {
            let mut found = lock(&self.found[index]);
            let found = found.get_or_insert_with(|| Found::new(lock(&self.filter).clone()));
            found.step(odb, work, &mut |w| more.push(w))
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing is left half-done under these locks, so a poisoned one is
    // still usable (the panic itself reaches the caller through the scope).
    m.lock().unwrap_or_else(|p| p.into_inner())
}
