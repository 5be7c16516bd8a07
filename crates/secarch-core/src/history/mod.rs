//! History replay: what the check would have said about each commit of a
//! branch. `secarch log` prints it, so a maintainer can tune a policy on the
//! repository's own history before turning the check on; the audit report
//! (issue 14) walks the same history with the same function.
//!
//! The walk is [`Repo::walk_commits`] (one revwalk, each commit against its
//! first parent, a root commit against the empty tree), and each commit gets
//! **classification only**: the tree diff and the classifier with its content
//! signals. No lint, no document parse, no fingerprint per commit: those
//! depend on the document at head, not on the history. Blobs are read only
//! where the classifier needs them (watched files with an analyser) and for
//! renames of watched files scored by similarity.
//!
//! Memory stays bounded whatever the history: commits are handed to the
//! caller one at a time, in order, and forgotten; a commit keeps at most
//! [`MAX_TRIGGERS_KEPT`] triggers (all are counted), so a root commit that
//! adds a 100,000-file tree is one record of bounded size. Batches of commits
//! can be classified on a local pool ([`ReplayOptions::threads`]; one thread
//! by default, see there), each thread with its own repository handle; the
//! order handed out is the walk's.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::classify::{BlobReader, Classifier, Trigger};
use crate::git::{
    ChangeSetOptions, GitError, Repo, SharedBlobs, WalkEnd, WalkSpec, WalkedCommit, local_pool,
};

/// Most triggers a commit record keeps (all are counted in
/// [`CommitReplay::trigger_count`] and in the categories).
pub const MAX_TRIGGERS_KEPT: usize = 50;

/// Commits classified together: large enough to keep a pool busy, small
/// enough that the first lines of `secarch log` appear at once and a reader
/// that goes away (`| head`) stops the walk soon.
const BATCH: usize = 256;

/// How a replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Threads classifying commits side by side; `0`: one per core (at most
    /// [`crate::git::MAX_THREADS`]), `1` (the default): on the caller's thread.
    pub threads: usize,
}

/// One thread by default: a commit costs about 0.1 ms (a few small trees,
/// rarely a blob), and on the 10,000-commit benchmark (BENCHMARKS.md,
/// "History replay") two threads took ~20 % more CPU and were no faster on
/// the shared 2-core machine (median 1.33 s against 1.14 s on one).
impl Default for ReplayOptions {
    fn default() -> ReplayOptions {
        ReplayOptions { threads: 1 }
    }
}

/// One commit of the history, as the check would have seen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitReplay {
    /// Full commit id.
    pub commit: String,
    /// The commit it is compared with: its first parent, else (a root
    /// commit) git's empty tree id.
    pub base: String,
    /// Author time, unix seconds.
    pub time: i64,
    pub author: String,
    /// The first line of the message.
    pub summary: String,
    /// A merge commit (compared with its first parent: what the merge brought in).
    pub merge: bool,
    /// A root commit (compared with the empty tree: everything in it is new).
    pub root: bool,
    /// Paths changed (renames count once).
    pub files: usize,
    /// Whether any trigger was found: the check would have asked for a review.
    pub triggered: bool,
    /// Categories that triggered, sorted.
    pub categories: Vec<String>,
    /// The triggers (category, path, change, signals), sorted by category and
    /// path; at most [`MAX_TRIGGERS_KEPT`].
    pub triggers: Vec<Trigger>,
    /// How many triggers there were (≥ `triggers.len()`).
    pub trigger_count: usize,
}

/// Why the replay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplayEnd {
    /// Every commit in range was replayed (down to the root or to `since`).
    Complete,
    /// The commit limit was reached; older commits were not looked at.
    Limit,
    /// The clone is shallow: the walk stopped where the fetched history ends.
    Shallow,
    /// The caller stopped it (its reader went away).
    Stopped,
}

/// What a replay found, over every commit handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplaySummary {
    /// The commit the walk started at.
    pub head: String,
    /// The excluded commit (`since..head`), if any.
    pub since: Option<String>,
    /// `true`: the first-parent line; `false`: every non-merge commit.
    pub first_parent: bool,
    /// Commits replayed.
    pub commits: usize,
    /// Commits that triggered.
    pub triggered: usize,
    /// Per category: how many commits triggered it.
    pub categories: BTreeMap<String, usize>,
    pub end: ReplayEnd,
    /// Shallow-boundary commits met: their parents were not fetched, so what
    /// they changed is unknown and they are not counted as commits.
    pub shallow_boundary: Vec<String>,
}

impl ReplaySummary {
    fn count(&mut self, record: &CommitReplay) {
        self.commits += 1;
        if record.triggered {
            self.triggered += 1;
        }
        for c in &record.categories {
            *self.categories.entry(c.clone()).or_default() += 1;
        }
    }
}

/// Replay `spec` with `classifier`: each commit's record goes to `visit`,
/// newest first, until it returns `false` (then the summary says
/// [`ReplayEnd::Stopped`]). The summary counts every record handed out.
pub fn replay(
    repo: &Repo,
    classifier: &Classifier,
    spec: &WalkSpec,
    options: ReplayOptions,
    visit: &mut dyn FnMut(&CommitReplay) -> bool,
) -> Result<ReplaySummary, GitError> {
    let head = repo.resolve_commit(&spec.head)?;
    let mut summary = ReplaySummary {
        head: head.clone(),
        since: match &spec.since {
            Some(s) => Some(repo.resolve_commit(s)?),
            None => None,
        },
        first_parent: spec.first_parent,
        commits: 0,
        triggered: 0,
        categories: BTreeMap::new(),
        end: ReplayEnd::Complete,
        shallow_boundary: Vec::new(),
    };
    let pool = local_pool(options.threads);
    let blobs = repo.shared_blobs(&head);
    let mut batch: Vec<WalkedCommit> = Vec::with_capacity(BATCH);
    let mut stopped = false;
    let mut flush =
        |batch: &mut Vec<WalkedCommit>, summary: &mut ReplaySummary| -> Result<bool, GitError> {
            let records = classify_batch(repo, classifier, &blobs, pool.as_ref(), batch)?;
            batch.clear();
            for record in &records {
                summary.count(record);
                if !visit(record) {
                    return Ok(false);
                }
            }
            Ok(true)
        };
    let end = repo.walk_commits(spec, &mut |commit| {
        if commit.shallow_boundary {
            summary.shallow_boundary.push(commit.id.clone());
            return Ok(true);
        }
        batch.push(commit);
        if batch.len() >= BATCH && !flush(&mut batch, &mut summary)? {
            stopped = true;
            return Ok(false);
        }
        Ok(true)
    })?;
    if !stopped && !batch.is_empty() && !flush(&mut batch, &mut summary)? {
        stopped = true;
    }
    summary.end = match end {
        _ if stopped => ReplayEnd::Stopped,
        WalkEnd::Stopped => ReplayEnd::Stopped,
        WalkEnd::Limit => ReplayEnd::Limit,
        WalkEnd::Complete if !summary.shallow_boundary.is_empty() => ReplayEnd::Shallow,
        WalkEnd::Complete => ReplayEnd::Complete,
    };
    Ok(summary)
}

/// Classify a batch of commits, in order: on the pool's threads when there
/// is a pool and more than one commit, each thread with its own repository
/// handle and classifier (neither is shared across threads).
fn classify_batch(
    repo: &Repo,
    classifier: &Classifier,
    blobs: &SharedBlobs,
    pool: Option<&rayon::ThreadPool>,
    batch: &[WalkedCommit],
) -> Result<Vec<CommitReplay>, GitError> {
    let serial = classifier.clone().with_threads(1);
    let Some(pool) = pool.filter(|_| batch.len() > 1) else {
        return batch
            .iter()
            .map(|c| replay_commit(repo, &serial, blobs, c))
            .collect();
    };
    let share = batch.len().div_ceil(pool.current_num_threads());
    let location = repo.location();
    let parts: Vec<Result<Vec<CommitReplay>, GitError>> = pool.install(|| {
        batch
            .par_chunks(share)
            .map(|part| {
                let repo = location.open()?;
                let classifier = serial.clone();
                part.iter()
                    .map(|c| replay_commit(&repo, &classifier, blobs, c))
                    .collect()
            })
            .collect()
    });
    let mut out = Vec::with_capacity(batch.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// One commit: its changes against the first parent, classified.
fn replay_commit(
    repo: &Repo,
    classifier: &Classifier,
    blobs: &SharedBlobs,
    commit: &WalkedCommit,
) -> Result<CommitReplay, GitError> {
    let opts = ChangeSetOptions {
        threads: 1,
        similarity_only_for_kept: true,
        ..ChangeSetOptions::default()
    };
    let mut watched = |p: &str| classifier.is_watched(p);
    let changes = repo.commit_changes(commit, &opts, Some(&mut watched))?;
    let mut triggers = classifier.classify(&changes, &ReplayBlobs(repo, blobs));
    let mut categories: Vec<String> = triggers.iter().map(|t| t.category.clone()).collect();
    categories.dedup();
    let trigger_count = triggers.len();
    triggers.truncate(MAX_TRIGGERS_KEPT);
    Ok(CommitReplay {
        commit: commit.id.clone(),
        base: changes.base,
        time: commit.time,
        author: commit.author_name.clone(),
        summary: commit.summary.clone(),
        merge: commit.parents > 1,
        root: commit.is_root(),
        files: changes.changes.len(),
        triggered: trigger_count > 0,
        categories,
        triggers,
        trigger_count,
    })
}

/// Blobs through this thread's repository handle; the classifier's own
/// threads (a commit with many watched changes) read through [`SharedBlobs`].
struct ReplayBlobs<'a>(&'a Repo, &'a SharedBlobs);

impl BlobReader for ReplayBlobs<'_> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0.read_blob(id).map_err(|e| e.to_string())
    }

    fn shared(&self) -> Option<&(dyn BlobReader + Sync)> {
        Some(self.1)
    }
}

#[cfg(test)]
mod tests;
