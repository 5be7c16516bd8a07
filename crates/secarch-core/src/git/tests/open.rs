//! Opening, revision resolution, default base and reading files at a commit.

use super::{Fixture, git_in};
use crate::git::{GitError, Repo};
use crate::source::{FileSource, MAX_FILE_BYTES};

#[test]
fn open_discovers_upward_and_reports_workdir() {
    let f = Fixture::new("main");
    f.write("deep/er/file.txt", "x\n");
    f.commit("c");
    let repo = Repo::open_with(&f.path().join("deep/er"), false).unwrap();
    let want = f.path().canonicalize().unwrap();
    assert_eq!(repo.workdir().unwrap().canonicalize().unwrap(), want);
}

#[test]
fn not_a_repository_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = Repo::open_with(dir.path(), false).unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(
        msg.contains("not inside a git repository") && msg.contains("--repo"),
        "{msg}"
    );
}

/// Needs root (to hand the repository to another user) and no global
/// `safe.directory` in the real configuration (libgit2 reads it).
#[test]
fn repository_of_another_owner_needs_explicit_trust() {
    let f = Fixture::new("main");
    for d in 0..80 {
        f.write(&format!("d{d}/a.txt"), "a\n");
    }
    let c1 = f.commit("c1");
    for d in 0..80 {
        f.write(&format!("d{d}/a.txt"), "b\n");
    }
    let c2 = f.commit("c2");
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(f.path())
        .status();
    let global = std::process::Command::new("git")
        .args(["config", "--global", "--get-all", "safe.directory"])
        .output();
    let has_safe_dirs = global.is_ok_and(|o| !o.stdout.is_empty());
    if !chown.is_ok_and(|s| s.success()) || has_safe_dirs {
        eprintln!(
            "SKIP repository_of_another_owner_needs_explicit_trust: needs root and no global safe.directory"
        );
        return;
    }
    let err = Repo::open_with(f.path(), false).unwrap_err();
    assert!(matches!(err, GitError::UnsafeOwner { .. }), "{err:?}");
    let msg = err.to_string();
    let top = f.path().display().to_string();
    assert!(
        msg.contains(&format!("git config --global --add safe.directory {top}")),
        "{msg}"
    );
    assert!(msg.contains("SECARCH_TRUST_REPO_OWNER=1"), "{msg}");
    let repo = Repo::open_with(f.path(), true).expect("trusted open");
    assert_eq!(repo.resolve_commit("HEAD").unwrap(), c2);
    // Wide enough for worker threads, which reopen the repository trusted too.
    assert_eq!(repo.change_set(&c1, &c2).unwrap().changes.len(), 80);
    // Trust was for that one open: the refusal stands for the next untrusted one.
    assert!(matches!(
        Repo::open_with(f.path(), false),
        Err(GitError::UnsafeOwner { .. })
    ));
}

#[test]
fn resolve_commit_accepts_revspecs_and_peels_tags() {
    let f = Fixture::new("main");
    f.write("a.txt", "1\n");
    let c1 = f.commit("one");
    f.write("a.txt", "2\n");
    let c2 = f.commit("two");
    f.git(&["tag", "-a", "v1", "-m", "release", &c1]);
    f.git(&["tag", "light", &c2]);
    let repo = f.repo();
    assert_eq!(repo.resolve_commit("HEAD").unwrap(), c2);
    assert_eq!(repo.resolve_commit("HEAD~1").unwrap(), c1);
    assert_eq!(repo.resolve_commit("main").unwrap(), c2);
    assert_eq!(repo.resolve_commit("v1").unwrap(), c1);
    assert_eq!(repo.resolve_commit("light").unwrap(), c2);
    assert_eq!(repo.resolve_commit(&c1[..10]).unwrap(), c1);
    let tree = f.git(&["rev-parse", "HEAD^{tree}"]);
    let err = repo.resolve_commit(&tree).unwrap_err();
    assert!(err.to_string().contains("is a tree, not a commit"), "{err}");
}

#[test]
fn unknown_revision_names_it_and_suggests_fetch() {
    let f = Fixture::new("main");
    f.write("a.txt", "1\n");
    f.commit("one");
    let repo = f.repo();
    for rev in [
        "origin/nope",
        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
        "HEAD~5",
        "",
    ] {
        let err = repo.resolve_commit(rev).unwrap_err();
        assert!(
            matches!(err, GitError::UnknownRevision { .. }),
            "{rev}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&format!("unknown revision '{rev}'")), "{msg}");
        assert!(msg.contains("git fetch") && msg.contains("--base"), "{msg}");
    }
}

#[test]
fn default_base_prefers_main_then_master() {
    let f = Fixture::new("main");
    f.write("a.txt", "1\n");
    f.commit("one");
    f.git(&["branch", "master"]);
    assert_eq!(f.repo().default_base().unwrap(), "main");

    let g = Fixture::new("master");
    g.write("a.txt", "1\n");
    g.commit("one");
    assert_eq!(g.repo().default_base().unwrap(), "master");

    let h = Fixture::new("trunk");
    h.write("a.txt", "1\n");
    h.commit("one");
    let err = h.repo().default_base().unwrap_err();
    assert!(matches!(err, GitError::NoDefaultBase));
    assert!(err.to_string().contains("pass --base"), "{err}");
}

#[test]
fn default_base_follows_origin_head_then_remote_tracking_branches() {
    // A bare "origin" whose default branch is `develop`, with `main` too.
    let origin = tempfile::tempdir().unwrap();
    git_in(origin.path(), &["init", "-q", "--bare", "-b", "develop"], 0);
    let up = Fixture::new("develop");
    up.write("a.txt", "1\n");
    up.commit("one");
    up.git(&["branch", "main"]);
    let url = origin.path().display().to_string();
    up.git(&["push", "-q", &url, "develop", "main"]);

    // Fetch without origin/HEAD: the remote-tracking main wins.
    let f = Fixture::new("feature");
    f.git(&["remote", "add", "origin", &url]);
    f.git(&["fetch", "-q", "origin"]);
    assert_eq!(f.repo().default_base().unwrap(), "origin/main");
    // With origin/HEAD (as `git clone` sets it): the remote's default branch.
    f.git(&["remote", "set-head", "origin", "--auto"]);
    let repo = f.repo();
    assert_eq!(repo.default_base().unwrap(), "origin/develop");
    assert_eq!(
        repo.resolve_commit(&repo.default_base().unwrap()).unwrap(),
        up.git(&["rev-parse", "develop"])
    );
}

#[test]
fn read_file_at_reads_regular_files_only() {
    let f = Fixture::new("main");
    f.write("docs/arch.md", "# Architecture\n");
    f.write("dir/inner.txt", "i\n");
    std::os::unix::fs::symlink("docs/arch.md", f.path().join("link.md")).unwrap();
    let c1 = f.commit("one");
    f.write("docs/arch.md", "# Architecture v2\n");
    let c2 = f.commit("two");
    let repo = f.repo();
    assert_eq!(
        repo.read_file_at(&c1, "docs/arch.md").unwrap().unwrap(),
        b"# Architecture\n"
    );
    assert_eq!(
        repo.read_file_at(&c2, "./docs/arch.md").unwrap().unwrap(),
        b"# Architecture v2\n"
    );
    assert_eq!(repo.read_file_at(&c2, "missing.md").unwrap(), None);
    assert_eq!(repo.read_file_at(&c2, "dir").unwrap(), None);
    assert_eq!(repo.read_file_at(&c2, "docs/arch.md/deeper").unwrap(), None);
    assert_eq!(repo.read_file_at(&c2, "link.md").unwrap(), None);
    let err = repo.read_file_at(&c2, "../etc/passwd").unwrap_err();
    assert!(matches!(err, GitError::InvalidPath { .. }), "{err:?}");
}

#[test]
fn commit_source_reads_through_the_file_source_trait() {
    let f = Fixture::new("main");
    f.write(".github/secarch.yml", "document: docs/arch.md\n");
    let c1 = f.commit("one");
    f.remove(".github/secarch.yml");
    f.commit("two");
    let repo = f.repo();
    let src = repo.commit_source("HEAD~1").unwrap();
    assert_eq!(src.commit(), c1);
    assert_eq!(src.describe(), format!("commit {}", &c1[..7]));
    assert_eq!(
        src.read(".github/secarch.yml").unwrap().unwrap(),
        b"document: docs/arch.md\n"
    );
    assert!(src.exists(".github/secarch.yml"));
    assert!(
        !repo
            .commit_source("HEAD")
            .unwrap()
            .exists(".github/secarch.yml")
    );
    assert!(
        src.read("/abs")
            .unwrap_err()
            .contains("repository-relative")
    );
}

#[test]
fn tree_files_filters_and_sorts() {
    let f = Fixture::new("main");
    f.write("b/deploy.yml", "b\n");
    f.write("a/x/compose.yml", "a\n");
    f.write("a/readme.md", "r\n");
    f.write("top.yml", "t\n");
    let c = f.commit("files");
    let files = f.repo().tree_files(&c, &|p| p.ends_with(".yml")).unwrap();
    let want: Vec<(String, String)> = ["a/x/compose.yml", "b/deploy.yml", "top.yml"]
        .iter()
        .map(|p| (p.to_string(), f.blob(&c, p)))
        .collect();
    assert_eq!(files, want);
    assert_eq!(f.repo().tree_files(&c, &|_| true).unwrap().len(), 4);
}

#[test]
fn read_blob_refuses_blobs_over_the_cap() {
    let f = Fixture::new("main");
    let repo = f.repo();
    let small = repo.git.blob(b"small\n").unwrap().to_string();
    assert_eq!(repo.read_blob(&small).unwrap(), b"small\n");
    let big = vec![b'x'; MAX_FILE_BYTES as usize + 1];
    let big = repo.git.blob(&big).unwrap().to_string();
    let err = repo.read_blob(&big).unwrap_err();
    assert!(matches!(err, GitError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("not read"), "{err}");
    assert!(repo.read_blob("not-hex").is_err());
    let f2 = Fixture::new("main");
    f2.write("a.txt", "a\n");
    let c = f2.commit("c");
    let err = f2.repo().read_blob(&c).unwrap_err();
    assert!(
        err.to_string().contains("is a commit, not file content"),
        "{err}"
    );
}

#[test]
fn worker_object_databases_read_packed_loose_and_borrowed_objects() {
    use git2::Oid;

    use crate::git::repo::worker_odb;

    let origin = Fixture::new("main");
    origin.write("packed.txt", "in the pack\n");
    origin.commit("packed");
    origin.git(&["repack", "-adq"]);
    origin.write("loose.txt", "a loose object\n");
    origin.commit("loose");
    // A clone sharing the origin's objects through `objects/info/alternates`,
    // with one object of its own.
    let parent = tempfile::tempdir().unwrap();
    let origin_path = origin.path().to_str().unwrap();
    git_in(
        parent.path(),
        &["clone", "-q", "--shared", origin_path, "clone"],
        1_700_000_000,
    );
    let clone = parent.path().join("clone");
    std::fs::write(clone.join("own.txt"), "the clone's own\n").unwrap();
    git_in(&clone, &["add", "own.txt"], 1_700_000_000);
    let oid = |dir: &std::path::Path, path: &str| {
        Oid::from_str(&git_in(dir, &["rev-parse", &format!("HEAD:{path}")], 0)).unwrap()
    };
    let own = Oid::from_str(&git_in(&clone, &["rev-parse", ":own.txt"], 0)).unwrap();
    let packed = oid(&clone, "packed.txt");
    let loose = oid(&clone, "loose.txt");

    let objects = clone.join(".git/objects");
    for n in [1, 2, 3] {
        let odb = worker_odb(&objects, n, packed).expect("a worker database");
        assert_eq!(odb.read(packed).unwrap().data(), b"in the pack\n");
        assert_eq!(odb.read(loose).unwrap().data(), b"a loose object\n");
        assert_eq!(odb.read(own).unwrap().data(), b"the clone's own\n");
    }
    // An object the repository lacks: no database, the caller falls back.
    let absent = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
    assert!(worker_odb(&objects, 1, absent).is_none());
    assert!(worker_odb(&clone.join("no-such-dir"), 1, packed).is_none());
}
