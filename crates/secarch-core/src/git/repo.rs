//! Opening a repository and resolving revisions.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{ErrorCode, ObjectType, Odb, Oid, Repository};

use super::repo_error::{GitError, ctx};

/// Environment variable that lets secarch open a repository owned by another
/// user (see [`Repo::open`]).
pub const TRUST_OWNER_ENV: &str = "SECARCH_TRUST_REPO_OWNER";

/// Serialises repository opening, so the process-wide owner-validation switch
/// in libgit2 is only ever flipped while no other thread of ours is opening.
static OPEN_LOCK: Mutex<()> = Mutex::new(());

/// A git repository on disk. The only way the rest of secarch reads git.
pub struct Repo {
    pub(crate) git: Repository,
    /// Opened despite another owner, with the user's consent; worker
    /// threads reopen it the same way.
    pub(crate) trusted_owner: bool,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("path", &self.git.path())
            .finish()
    }
}

impl Repo {
    /// Open the repository containing `path` (searching upward, like git).
    ///
    /// A repository owned by another user is refused by libgit2 (as by git),
    /// which is the normal situation inside a GitHub Action container. secarch
    /// then opens it anyway only when told to: `SECARCH_TRUST_REPO_OWNER=1`,
    /// or `GITHUB_ACTIONS=true` (the runner checked the repository out for
    /// this very job). Otherwise the error explains both ways out.
    pub fn open(path: &Path) -> Result<Repo, GitError> {
        let trust = std::env::var_os(TRUST_OWNER_ENV).is_some_and(|v| v == "1")
            || std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        Repo::open_with(path, trust)
    }

    /// A second handle on the same repository (git2 handles are not `Sync`), for
    /// work on another thread; opened with the same owner trust.
    pub fn reopen(&self) -> Result<Repo, GitError> {
        Ok(Repo {
            git: reopen(self.git.path(), self.trusted_owner)?,
            trusted_owner: self.trusted_owner,
        })
    }

    /// [`Repo::open`] with the owner trust decided by the caller.
    pub fn open_with(path: &Path, trust_other_owner: bool) -> Result<Repo, GitError> {
        tune_libgit2();
        if !path.exists() {
            return Err(GitError::NoSuchPath {
                path: path.to_path_buf(),
            });
        }
        let gitdir = Repository::discover_path(path, std::iter::empty::<&std::ffi::OsStr>())
            .map_err(|e| match e.code() {
                ErrorCode::NotFound => GitError::NotARepository {
                    path: path.to_path_buf(),
                },
                _ => ctx(format!(
                    "cannot look for a repository at {}",
                    path.display()
                ))(e),
            })?;
        let _guard = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut trusted_owner = false;
        let opened = match Repository::open(&gitdir) {
            Err(e) if e.code() == ErrorCode::Owner && trust_other_owner => {
                trusted_owner = true;
                open_without_owner_check(&gitdir)
            }
            other => other,
        };
        match opened {
            Ok(git) => Ok(Repo { git, trusted_owner }),
            Err(e) if e.code() == ErrorCode::Owner => Err(GitError::UnsafeOwner {
                path: safe_directory_path(&gitdir),
            }),
            Err(e) => Err(ctx(format!(
                "cannot open the repository at {}",
                gitdir.display()
            ))(e)),
        }
    }

    /// Open the bare repository at exactly `gitdir` (no search upward, so a
    /// damaged mirror is never mistaken for an enclosing repository). For the
    /// App's mirror cache, whose repositories this process created.
    pub fn open_bare(gitdir: &Path) -> Result<Repo, GitError> {
        tune_libgit2();
        let _guard = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        match Repository::open_bare(gitdir) {
            Ok(git) => Ok(Repo {
                git,
                trusted_owner: false,
            }),
            Err(e) if e.code() == ErrorCode::NotFound => Err(GitError::NotARepository {
                path: gitdir.to_path_buf(),
            }),
            Err(e) => Err(ctx(format!(
                "cannot open the repository at {}",
                gitdir.display()
            ))(e)),
        }
    }

    /// Create an empty bare repository at `gitdir` (libgit2 opens it as its
    /// last step, hence the lock).
    pub fn init_bare(gitdir: &Path) -> Result<Repo, GitError> {
        tune_libgit2();
        let _guard = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        Repository::init_bare(gitdir)
            .map(|git| Repo {
                git,
                trusted_owner: false,
            })
            .map_err(ctx(format!(
                "cannot create a repository at {}",
                gitdir.display()
            )))
    }

    /// The working tree's root, `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// Paths with uncommitted changes in the working tree or the index (new, modified, deleted,
    /// renamed; ignored files left out), at most `cap`: a check compares commits, so these were
    /// not checked. Empty for a bare repository.
    pub fn uncommitted_paths(&self, cap: usize) -> Result<Vec<String>, GitError> {
        if self.git.is_bare() {
            return Ok(Vec::new());
        }
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = self
            .git
            .statuses(Some(&mut options))
            .map_err(ctx("cannot read the working tree's status"))?;
        Ok(statuses
            .iter()
            .filter_map(|e| e.path().ok().map(str::to_string))
            .take(cap)
            .collect())
    }

    /// Whether the repository has no commit yet (`git init` and nothing committed): there is no
    /// `HEAD` to check.
    pub fn has_no_commits(&self) -> bool {
        // Not `Repository::is_empty`: it expects HEAD to name `master`, and fails for `main`.
        matches!(self.git.head(), Err(e) if e.code() == ErrorCode::UnbornBranch)
    }

    /// The commits where a shallow clone's history is cut (listed in the git directory's `shallow`
    /// file: their parents are missing); empty for a full clone.
    pub fn shallow_boundary(&self) -> Vec<String> {
        std::fs::read_to_string(self.git.path().join("shallow"))
            .map(|text| text.lines().map(|l| l.trim().to_string()).collect())
            .unwrap_or_default()
    }

    /// Whether this is a shallow clone (history may be missing).
    pub fn is_shallow(&self) -> bool {
        self.git.is_shallow()
    }

    /// Resolve any revision (branch, tag, commit id, `HEAD~2`, …) to a commit id
    /// (hex); annotated tags are peeled.
    pub fn resolve_commit(&self, rev: &str) -> Result<String, GitError> {
        Ok(self.commit_oid(rev)?.to_string())
    }

    /// [`Repo::resolve_commit`] for the base of a range, which may also be git's empty tree
    /// (its id, [`super::EMPTY_TREE`], or an abbreviation): then the range holds everything
    /// reachable from its head, root commits included.
    pub fn resolve_base(&self, rev: &str) -> Result<String, GitError> {
        if super::is_empty_tree(rev) {
            return Ok(super::EMPTY_TREE.to_string());
        }
        self.resolve_commit(rev)
    }

    /// When `rev` names the parent of a root commit (`ROOT^`, `ROOT~1`, `ROOT^1`), that root
    /// commit's id: the revision cannot resolve, and the user most likely wants everything
    /// the root commit added (`--base` the empty tree).
    pub fn parent_of_root(&self, rev: &str) -> Option<String> {
        let rev = rev.trim();
        let stem = rev
            .strip_suffix('^')
            .or_else(|| rev.strip_suffix("^1"))
            .or_else(|| rev.strip_suffix("~1"))
            .or_else(|| rev.strip_suffix('~'))?;
        let oid = self.commit_oid(stem).ok()?;
        let commit = self.git.find_commit(oid).ok()?;
        (commit.parent_count() == 0).then(|| oid.to_string())
    }

    /// The libgit2 repository underneath, for adapters that fetch into it (the App's mirror cache).
    pub fn git2(&self) -> &Repository {
        &self.git
    }

    pub(crate) fn commit_oid(&self, rev: &str) -> Result<Oid, GitError> {
        let unknown = || GitError::UnknownRevision {
            rev: rev.to_string(),
            shallow: self.git.is_shallow(),
        };
        if rev.trim().is_empty() {
            return Err(unknown());
        }
        let obj = self.git.revparse_single(rev).map_err(|e| match e.code() {
            ErrorCode::NotFound | ErrorCode::InvalidSpec | ErrorCode::Ambiguous => unknown(),
            _ if e.class() == git2::ErrorClass::Odb => unknown(),
            _ => ctx(format!("cannot resolve revision '{rev}'"))(e),
        })?;
        match obj.peel(ObjectType::Commit) {
            Ok(c) => Ok(c.id()),
            Err(_) => Err(GitError::NotACommit {
                rev: rev.to_string(),
                kind: obj.kind().map_or("object", |k| k.str()).to_string(),
            }),
        }
    }

    /// The revision name to compare against when none is given: the target of
    /// `origin/HEAD` (the remote's default branch), else `main`, else `master`.
    /// For each name the remote-tracking branch wins over the local one: it is
    /// what a pull request would merge into, and a local branch is often stale.
    pub fn default_base(&self) -> Result<String, GitError> {
        if let Ok(r) = self.git.find_reference("refs/remotes/origin/HEAD")
            && let Ok(Some(target)) = r.symbolic_target()
            && let Some(short) = target.strip_prefix("refs/remotes/")
            && self.git.find_reference(target).is_ok()
        {
            return Ok(short.to_string());
        }
        for name in ["main", "master"] {
            for (full, short) in [
                (
                    format!("refs/remotes/origin/{name}"),
                    format!("origin/{name}"),
                ),
                (format!("refs/heads/{name}"), name.to_string()),
            ] {
                if self.git.find_reference(&full).is_ok() {
                    return Ok(short);
                }
            }
        }
        Err(GitError::NoDefaultBase)
    }

    /// The best common ancestor of two commits (any revisions), as a commit id. The empty tree
    /// ([`super::is_empty_tree`]) is everyone's ancestor: with it on either side, the answer is
    /// the empty tree's id.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<String, GitError> {
        if super::is_empty_tree(a) || super::is_empty_tree(b) {
            // The other side must still be a commit.
            let other = if super::is_empty_tree(a) { b } else { a };
            if !super::is_empty_tree(other) {
                self.commit_oid(other)?;
            }
            return Ok(super::EMPTY_TREE.to_string());
        }
        let (oa, ob) = (self.commit_oid(a)?, self.commit_oid(b)?);
        self.git
            .merge_base(oa, ob)
            .map(|o| o.to_string())
            .map_err(|e| match e.code() {
                ErrorCode::NotFound => GitError::NoCommonAncestor {
                    a: a.to_string(),
                    b: b.to_string(),
                    shallow: self.git.is_shallow(),
                },
                _ => ctx(format!("cannot compute the merge-base of {a} and {b}"))(e),
            })
    }
}

/// Process-wide libgit2 settings, applied once before the first open.
///
/// - No re-hashing of every object read: git does not do it either (objects
///   are verified when fetched and indexed); SHA-1 with collision detection
///   was a fifth of the time of a large diff.
/// - No object cache: secarch reads each tree once per diff or walk, and the
///   cache (up to 256 MiB) only held memory — a third of the peak on the
///   100k-file benchmark (`BENCHMARKS.md`).
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
    });
}

/// An object database of its own for worker thread `n` (1, 2, …), reading
/// the objects of a repository already opened by [`Repo::open_with`], or
/// `None` when it cannot be set up (the caller then uses [`reopen`]).
/// `probe`: an object the worker is about to read, to confirm the database
/// finds the repository's objects.
///
/// Why not a second `Repository`: libgit2 keeps one `git_pack_file` per pack
/// *path* for the whole process, shared by every handle, and each object read
/// takes that pack's mutex several times (index lookup, window, delta-base
/// cache). Two threads reading trees then spend much of their time handing
/// that lock back and forth (about a thousand futex calls in a 100k-file
/// check, see BENCHMARKS.md). Reaching the same object directory through an
/// equivalent path spelt differently (`objects/.`, `objects/./.`, …) gives the
/// worker its own pack structures and lock; only libgit2's global window-list
/// mutex stays shared. Should libgit2 ever canonicalise the path, workers
/// share the pack again: slower, same results. Loose objects and alternates
/// are read as by the repository itself (`git_odb_add_disk_alternate` loads
/// both).
pub(crate) fn worker_odb(objects: &Path, n: usize, probe: Oid) -> Option<Odb<'static>> {
    let mut spelt = objects.to_str()?.trim_end_matches('/').to_string();
    for _ in 0..n.max(1) {
        spelt.push_str("/.");
    }
    let odb = Odb::new().ok()?;
    odb.add_disk_alternate(&spelt).ok()?;
    odb.exists(probe).then_some(odb)
}

/// How threads other than the repository's own reach its objects: each
/// opens its own object database ([`worker_odb`], else [`reopen`]) on first
/// use. On a pool thread the database is kept in a thread-local slot for the
/// rest of the work (the local pools are dropped with it); on any other
/// thread it is opened for the one call.
#[derive(Debug, Clone)]
pub(crate) struct Workers {
    gitdir: PathBuf,
    objects: PathBuf,
    trusted: bool,
    probe: Option<Oid>,
    /// Tells this work's slots from another's.
    key: u64,
}

/// A pool thread's way into an object database.
enum WorkerDb {
    /// Its own pack structures ([`worker_odb`]).
    Odb(Odb<'static>),
    /// A second handle on the repository, where that is not possible.
    Repo(Repository),
}

static NEXT_WORK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    /// libgit2's handles are not `Send`, so a pool thread's database lives
    /// here, with the key of the work it belongs to.
    static WORKER_DB: std::cell::RefCell<Option<(u64, WorkerDb)>> =
        const { std::cell::RefCell::new(None) };
}

impl Workers {
    /// `probe`: an object the workers will read (confirms that a database
    /// of their own finds the repository's objects).
    pub(crate) fn new(repo: &Repo, probe: Option<Oid>) -> Workers {
        Workers {
            gitdir: repo.git.path().to_path_buf(),
            objects: repo.git.commondir().join("objects"),
            trusted: repo.trusted_owner,
            probe,
            key: NEXT_WORK.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Run `f` on this thread's object database.
    pub(crate) fn with_odb<R>(
        &self,
        f: impl FnOnce(&Odb<'_>) -> Result<R, GitError>,
    ) -> Result<R, GitError> {
        let Some(index) = rayon::current_thread_index() else {
            return self.run(&self.open(1)?, f);
        };
        WORKER_DB.with_borrow_mut(|slot| {
            if slot.as_ref().is_none_or(|(key, _)| *key != self.key) {
                // Spelt apart from the caller's thread (`1`).
                *slot = Some((self.key, self.open(index + 2)?));
            }
            match slot.as_ref() {
                Some((_, db)) => self.run(db, f),
                None => unreachable!("opened above"),
            }
        })
    }

    fn run<R>(
        &self,
        db: &WorkerDb,
        f: impl FnOnce(&Odb<'_>) -> Result<R, GitError>,
    ) -> Result<R, GitError> {
        match db {
            WorkerDb::Odb(odb) => f(odb),
            WorkerDb::Repo(repo) => {
                f(&repo.odb().map_err(ctx("cannot open the object database"))?)
            }
        }
    }

    fn open(&self, n: usize) -> Result<WorkerDb, GitError> {
        if let Some(odb) = self.probe.and_then(|id| worker_odb(&self.objects, n, id)) {
            return Ok(WorkerDb::Odb(odb));
        }
        Ok(WorkerDb::Repo(reopen(&self.gitdir, self.trusted)?))
    }

    pub(crate) fn is_shallow(&self) -> bool {
        self.gitdir.join("shallow").exists()
    }
}

/// A second handle on a repository already opened by [`Repo::open_with`]
/// (`gitdir` from `Repository::path`), for a worker thread.
pub(crate) fn reopen(gitdir: &Path, trusted_owner: bool) -> Result<Repository, GitError> {
    let _guard = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let opened = match Repository::open(gitdir) {
        Err(e) if e.code() == ErrorCode::Owner && trusted_owner => open_without_owner_check(gitdir),
        other => other,
    };
    opened.map_err(ctx(format!(
        "cannot reopen the repository at {}",
        gitdir.display()
    )))
}

/// Run `f` while holding the lock around libgit2's owner-validation switch:
/// for operations that open a repository inside libgit2 (a fetch over the
/// local transport opens the source repository).
pub fn with_open_lock<T>(f: impl FnOnce() -> T) -> T {
    let _guard = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    f()
}

/// Open with libgit2's owner validation switched off for this one call.
fn open_without_owner_check(gitdir: &Path) -> Result<Repository, git2::Error> {
    // SAFETY: the option is a process-wide flag in libgit2 that is read while
    // opening a repository. Every open in secarch goes through `Repo::open_with`
    // and holds `OPEN_LOCK` (our caller does), so no other open observes the
    // flag while it is off, and it is restored before the lock is released.
    // (`reopen`, for worker threads, holds the same lock.)
    // The caller has established that the user trusts this repository.
    unsafe {
        git2::opts::set_verify_owner_validation(false)?;
    }
    let opened = Repository::open(gitdir);
    // SAFETY: as above; restores the default.
    unsafe {
        git2::opts::set_verify_owner_validation(true)?;
    }
    opened
}

/// The directory git's `safe.directory` must name for this repository: the
/// top of the working tree (libgit2 checks that first), else the git dir.
fn safe_directory_path(gitdir: &Path) -> PathBuf {
    let gitdir = gitdir.components().as_path();
    if gitdir.file_name().is_some_and(|n| n == ".git")
        && let Some(parent) = gitdir.parent()
    {
        return parent.to_path_buf();
    }
    // A linked worktree's git dir names its working tree's `.git` file.
    if let Ok(text) = std::fs::read_to_string(gitdir.join("gitdir"))
        && let Some(top) = Path::new(text.trim()).parent()
    {
        return top.to_path_buf();
    }
    gitdir.to_path_buf()
}
