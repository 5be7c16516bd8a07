//! A cache of bare git mirrors, one per repository, for the GitHub App: each
//! pull request is evaluated by the unchanged core (`evaluate::evaluate`) on a
//! mirror that has the base and head commits.
//!
//! - Layout: `<root>/<owner>/<name>.git` (lower-cased), bare, created by this
//!   process; the root is `0700` and locked against a second process.
//! - [`MirrorCache::sync`] fetches the requested refs with an anonymous remote
//!   (`fetch.rs`) under the URL policy of `url.rs`; when every wanted commit
//!   is already there it does not fetch at all (a warm hit).
//! - `http(s)://` goes through secarch's own smart-HTTP transport on
//!   reqwest/rustls (`transport.rs`, registered with libgit2 once by
//!   [`MirrorCache::new`]; libgit2 itself is built without TLS). The
//!   installation token is sent as HTTP Basic auth only to the clone URL's
//!   scheme, host and port, redirects are not followed, and each request's
//!   time-out is what is left of the fetch's deadline (`session.rs`).
//! - One thread at a time per mirror: [`MirrorGuard`] holds the mirror while
//!   the caller evaluates, so eviction cannot delete it under the caller.
//!   Different repositories sync in parallel.
//! - Size bound: after each sync, least-recently-used mirrors not in use are
//!   evicted until the total is under [`MirrorConfig::max_bytes`] (`store.rs`).
//! - A mirror that cannot be opened, or whose fetch fails on local damage, is
//!   deleted and re-created once.
//! - Errors are safe to log: tokens are never put in a URL, a config or an
//!   error, and libgit2's and the transport's messages are redacted
//!   (`crate::redact`).
//!
//! For the server: share one `Arc<MirrorCache>`; in `spawn_blocking` (the
//! transport's blocking HTTP client must not run on an async thread), sync
//! with `fetch = ["+refs/heads/<base>:refs/heads/<base>",
//! "+refs/pull/<n>/head:refs/pull/<n>/head"]` and `want = [base_sha,
//! head_sha]`, then `evaluate(&guard, &Range { base, head }, …)` and drop the
//! guard in the same closure. Refs the remote does not have are skipped
//! silently, so `want` is what is verified: [`MirrorError::MissingCommits`]
//! usually means a force-push since the event (a newer event follows). A warm
//! hit does not move refs; evaluate by commit id. If evaluation reports a
//! damaged object, [`MirrorGuard::discard`] the mirror.

mod fetch;
mod mirror_error;
mod name;
mod session;
mod smart_http;
mod store;
mod url;

use std::fs;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::git::Repo;
use fetch::FetchFailure;
pub use mirror_error::MirrorError;
use name::MirrorKey;
use store::{Lease, Store};
pub use url::ALLOW_FILE_REMOTES_ENV;

/// Settings of a [`MirrorCache`].
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// Directory holding the mirrors (created `0700`).
    pub root: PathBuf,
    /// Bound on the cache's size on disk; exceeded only while the mirrors
    /// over it are in use.
    pub max_bytes: u64,
    /// Accept `file://` URLs and absolute paths as clone URLs (tests).
    pub allow_file_remotes: bool,
    /// Longest time one fetch may take, connecting and every HTTP request
    /// included.
    pub fetch_timeout: Duration,
}

impl MirrorConfig {
    /// Defaults: 10 GiB, no file remotes unless `SECARCH_ALLOW_FILE_REMOTES=1`,
    /// 5-minute fetches.
    pub fn new(root: impl Into<PathBuf>) -> MirrorConfig {
        MirrorConfig {
            root: root.into(),
            max_bytes: 10 << 30,
            allow_file_remotes: std::env::var_os(ALLOW_FILE_REMOTES_ENV).is_some_and(|v| v == "1"),
            fetch_timeout: Duration::from_secs(300),
        }
    }
}

/// Counters for `/metrics` (monotonic, except `mirrors` and `bytes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MirrorMetrics {
    /// Fetch attempts.
    pub fetches: u64,
    /// Fetch attempts that failed (including time-outs).
    pub fetch_failures: u64,
    /// Syncs served without fetching: every wanted commit was present.
    pub warm_hits: u64,
    /// Mirrors deleted to stay under the size bound.
    pub evictions: u64,
    /// Evictions whose deletion failed (retried after a later sync).
    pub eviction_failures: u64,
    /// Damaged mirrors deleted and re-created.
    pub recreated: u64,
    /// Mirrors on disk now.
    pub mirrors: u64,
    /// Their total size in bytes, as last measured.
    pub bytes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    fetches: AtomicU64,
    fetch_failures: AtomicU64,
    warm_hits: AtomicU64,
    evictions: AtomicU64,
    eviction_failures: AtomicU64,
    recreated: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

/// The mirror cache. `Send + Sync`: share it with an `Arc`.
pub struct MirrorCache {
    cfg: MirrorConfig,
    store: Store,
    counters: Counters,
    /// Held (locked) for the cache's lifetime: one process per root.
    _root_lock: fs::File,
}

/// A synced mirror, held for exclusive use until dropped. Derefs to the
/// [`Repo`] to evaluate on.
pub struct MirrorGuard<'a> {
    // Declared before the lease: the repository is closed before the mirror
    // is released to other threads or to eviction.
    repo: Repo,
    fetched: bool,
    _lease: Lease<'a>,
}

impl MirrorGuard<'_> {
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// Whether this sync fetched (false: a warm hit, or nothing to fetch).
    pub fn fetched(&self) -> bool {
        self.fetched
    }

    /// Delete this mirror, e.g. when evaluating on it met a damaged object
    /// (`GitError::Corrupt`): the next sync fetches it afresh.
    pub fn discard(self) -> Result<(), MirrorError> {
        let MirrorGuard {
            repo,
            _lease: lease,
            ..
        } = self;
        drop(repo);
        lease
            .delete()
            .map_err(MirrorError::io("cannot delete the mirror"))
    }
}

impl Deref for MirrorGuard<'_> {
    type Target = Repo;
    fn deref(&self) -> &Repo {
        &self.repo
    }
}

/// How long opening a cache waits for its root's lock before reporting the
/// root in use. The lock (`flock`) belongs to an open file description, which
/// a process keeps for a moment after the cache is dropped when it is
/// exiting (a restart), and which a child process started by another thread
/// shares between its fork and its exec; either lets go within milliseconds.
/// A root really held by another running process is still refused, half a
/// second later.
const ROOT_LOCK_WAIT: Duration = Duration::from_millis(500);

impl MirrorCache {
    /// Open (or create) the cache at `cfg.root`: `0700`, locked against a
    /// second process, mirrors already there adopted with their sizes, the
    /// size bound applied.
    pub fn new(cfg: MirrorConfig) -> Result<MirrorCache, MirrorError> {
        let root = &cfg.root;
        create_private_dir(root)?;
        let lock_path = root.join(".lock");
        let lock = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(MirrorError::io(format!(
                "cannot create {}",
                lock_path.display()
            )))?;
        let asked = std::time::Instant::now();
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if asked.elapsed() < ROOT_LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(MirrorError::RootInUse { root: root.clone() });
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(MirrorError::io(format!(
                        "cannot lock {}",
                        lock_path.display()
                    ))(e));
                }
            }
        }
        // Before this cache can fetch (see the SAFETY note in `register`).
        smart_http::register().map_err(|message| MirrorError::Transport { message })?;
        let store = Store::open(root);
        let cache = MirrorCache {
            store,
            counters: Counters::default(),
            _root_lock: lock,
            cfg,
        };
        cache.evict();
        Ok(cache)
    }

    pub fn root(&self) -> &Path {
        &self.cfg.root
    }

    /// Make sure the mirror of `repo_full_name` (`owner/name`) has the commits
    /// in `want` (full ids), fetching `fetch` refspecs (e.g.
    /// `+refs/pull/42/head:refs/pull/42/head`) from `clone_url` with `token`
    /// when any is missing (or when `want` is empty). Blocks: call it from
    /// `spawn_blocking`. Waits while another thread holds the same mirror.
    pub fn sync(
        &self,
        repo_full_name: &str,
        clone_url: &str,
        token: Option<&str>,
        fetch: &[String],
        want: &[String],
    ) -> Result<MirrorGuard<'_>, MirrorError> {
        let key = MirrorKey::parse(repo_full_name)?;
        let remote = url::check_url(clone_url, self.cfg.allow_file_remotes, token)?;
        for spec in fetch {
            fetch::check_refspec(spec)?;
        }
        let wanted = want
            .iter()
            .map(|w| fetch::parse_want(w))
            .collect::<Result<Vec<_>, _>>()?;

        let lease = self.store.acquire(&key);
        let (mut repo, mut recreated) = self.open_or_create(&key, &lease)?;
        let before = fetch::presence(&repo, &wanted);
        if !wanted.is_empty() && before.complete() {
            bump(&self.counters.warm_hits, 1);
            self.store.touch(&lease);
            return Ok(MirrorGuard {
                repo,
                fetched: false,
                _lease: lease,
            });
        }
        if before.damaged {
            repo = self.recreate(&key, &lease, repo)?;
            recreated = true;
        }
        let mut fetched = false;
        let found = loop {
            if !fetch.is_empty() {
                bump(&self.counters.fetches, 1);
                fetched = true;
                if let Err(failure) = fetch::fetch(
                    &repo,
                    &remote,
                    token,
                    fetch,
                    self.cfg.fetch_timeout,
                    self.cfg.max_bytes,
                ) {
                    bump(&self.counters.fetch_failures, 1);
                    if matches!(failure, FetchFailure::Local(_)) && !recreated {
                        repo = self.recreate(&key, &lease, repo)?;
                        recreated = true;
                        continue;
                    }
                    self.store.record(&lease);
                    return Err(self.fetch_error(&key, failure));
                }
            }
            // Objects the mirror lists but cannot read: damage the fetch did
            // not notice (it only sends what the mirror claims to lack).
            let found = fetch::presence(&repo, &wanted);
            if found.damaged && !recreated {
                repo = self.recreate(&key, &lease, repo)?;
                recreated = true;
                continue;
            }
            break found;
        };
        self.store.record(&lease);
        self.evict();
        if found.damaged {
            return Err(self.fetch_error(
                &key,
                FetchFailure::Local(
                    "the fetched commits cannot be read back from the mirror".to_string(),
                ),
            ));
        }
        if !found.missing.is_empty() {
            return Err(MirrorError::MissingCommits {
                repo: key.to_string(),
                missing: found.missing,
            });
        }
        Ok(MirrorGuard {
            repo,
            fetched,
            _lease: lease,
        })
    }

    fn fetch_error(&self, key: &MirrorKey, failure: FetchFailure) -> MirrorError {
        match failure {
            FetchFailure::Local(message) | FetchFailure::Remote(message) => MirrorError::Fetch {
                repo: key.to_string(),
                message,
                transient: true,
            },
            FetchFailure::Permanent(message) => MirrorError::Fetch {
                repo: key.to_string(),
                message,
                transient: false,
            },
            FetchFailure::TimedOut => MirrorError::Timeout {
                repo: key.to_string(),
                after: self.cfg.fetch_timeout,
            },
        }
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> MirrorMetrics {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (mirrors, bytes) = self.store.totals();
        MirrorMetrics {
            fetches: get(&c.fetches),
            fetch_failures: get(&c.fetch_failures),
            warm_hits: get(&c.warm_hits),
            evictions: get(&c.evictions),
            eviction_failures: get(&c.eviction_failures),
            recreated: get(&c.recreated),
            mirrors,
            bytes,
        }
    }

    fn evict(&self) {
        let (evicted, failed) = self.store.evict(self.cfg.max_bytes);
        bump(&self.counters.evictions, evicted);
        bump(&self.counters.eviction_failures, failed);
    }

    /// Open the mirror, creating it when absent and re-creating it (once)
    /// when it does not open. The flag says whether it was re-created.
    fn open_or_create(
        &self,
        key: &MirrorKey,
        lease: &Lease<'_>,
    ) -> Result<(Repo, bool), MirrorError> {
        let dir = key.dir(&self.cfg.root);
        if !dir.exists() {
            create_private_dir(&key.owner_dir(&self.cfg.root))?;
            let repo = Repo::init_bare(&dir).map_err(|source| MirrorError::Git {
                repo: key.to_string(),
                source,
            })?;
            return Ok((repo, false));
        }
        store::remove_stale_locks(&dir);
        let healthy = Repo::open_bare(&dir)
            .ok()
            .filter(|repo| repo.git2().is_bare() && fetch::refs_intact(repo));
        match healthy {
            Some(repo) => Ok((repo, false)),
            None => Ok((self.recreate(key, lease, None)?, true)),
        }
    }

    /// Delete the mirror and create it empty; `old` (if open) is closed first.
    fn recreate(
        &self,
        key: &MirrorKey,
        lease: &Lease<'_>,
        old: impl Into<Option<Repo>>,
    ) -> Result<Repo, MirrorError> {
        drop(old.into());
        bump(&self.counters.recreated, 1);
        let dir = key.dir(&self.cfg.root);
        lease.delete().map_err(MirrorError::io(format!(
            "cannot delete the damaged mirror {}",
            dir.display()
        )))?;
        create_private_dir(&key.owner_dir(&self.cfg.root))?;
        Repo::init_bare(&dir).map_err(|source| MirrorError::Git {
            repo: key.to_string(),
            source,
        })
    }
}

/// Create `dir` (and parents) and make it `0700`: mirrors of private
/// repositories must not be readable by other users of the machine.
fn create_private_dir(dir: &Path) -> Result<(), MirrorError> {
    fs::create_dir_all(dir).map_err(MirrorError::io(format!("cannot create {}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(MirrorError::io(
            format!("cannot make {} private (0700)", dir.display()),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shareable_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<super::MirrorCache>();
        send_sync::<super::MirrorError>();
        send::<super::MirrorGuard<'static>>();
    }
}
