//! The mirror cache against real repositories: a source repository built with
//! the git CLI, fetched over file:// and over smart HTTP (`git http-backend`)
//! through secarch's own HTTP transport.

#[path = "mirror/cache.rs"]
mod cache_tests;
mod common;
#[path = "mirror/http.rs"]
mod http;
#[path = "mirror/policy.rs"]
mod policy_tests;
#[path = "mirror/transport.rs"]
mod transport_tests;

use std::path::Path;
use std::time::Duration;

use common::TestRepo;
use secarch::evaluate::{PolicySource, Range, evaluate};
use secarch::git::Repo;
use secarch::mirror::{MirrorCache, MirrorConfig, MirrorError};

const TOKEN: &str = "ghs_TestOnlyToken0123456789abcdefXYZ";

/// A source repository: `base` on main, `main` one commit later, and a pull
/// request head (branched at `base`, touching a Dockerfile) only reachable
/// through `refs/pull/7/head`, like a fork's PR on GitHub.
struct Source {
    repo: TestRepo,
    base: String,
    main: String,
    pr: String,
}

fn source() -> Source {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    let base = repo.commit("base");
    repo.branch("feature");
    repo.write("deploy/Dockerfile", "FROM debian:stable\nEXPOSE 8080\n");
    let pr = repo.commit("feature: container");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-D", "-q", "feature"]);
    repo.git(&["update-ref", "refs/pull/7/head", &pr]);
    repo.write("README.md", "hello again\n");
    let main = repo.commit("main moves on");
    Source {
        repo,
        base,
        main,
        pr,
    }
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn refs() -> Vec<String> {
    vec![
        "+refs/heads/main:refs/heads/main".to_string(),
        "+refs/pull/7/head:refs/pull/7/head".to_string(),
    ]
}

fn config(root: &Path) -> MirrorConfig {
    MirrorConfig {
        root: root.to_path_buf(),
        max_bytes: 1 << 30,
        allow_file_remotes: true,
        fetch_timeout: Duration::from_secs(30),
    }
}

fn cache(root: &Path) -> MirrorCache {
    MirrorCache::new(config(root)).expect("cache")
}

#[test]
fn first_sync_fetches_and_the_core_runs_on_the_mirror() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mirrors");
    let cache = cache(&root);
    let url = file_url(src.repo.path());
    let guard = cache
        .sync(
            "Octo/Repo",
            &url,
            None,
            &refs(),
            &[src.main.clone(), src.pr.clone()],
        )
        .expect("sync");
    assert!(guard.fetched());
    assert_eq!(guard.resolve_commit(&src.main).unwrap(), src.main);
    assert_eq!(guard.resolve_commit("refs/pull/7/head").unwrap(), src.pr);
    assert_eq!(guard.merge_base(&src.main, &src.pr).unwrap(), src.base);
    let changes = guard.change_set(&src.base, &src.pr).unwrap();
    let paths: Vec<_> = changes
        .changes
        .iter()
        .filter_map(|f| f.new.as_ref())
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(paths, ["deploy/Dockerfile"]);

    // The whole evaluation gives the same report on the mirror as on the source.
    let range = Range {
        base: src.main.clone(),
        head: src.pr.clone(),
    };
    let on_mirror = evaluate(&guard, &range, &PolicySource::BaseCommit, None).expect("evaluate");
    let local = Repo::open(src.repo.path()).unwrap();
    let on_source = evaluate(&local, &range, &PolicySource::BaseCommit, None).unwrap();
    assert!(
        !on_mirror.triggers.is_empty(),
        "the Dockerfile must trigger"
    );
    assert_eq!(
        serde_json::to_value(&on_mirror).unwrap(),
        serde_json::to_value(&on_source).unwrap()
    );

    // Layout: lower-cased bare repository, no remote saved, private root.
    let dir = root.join("octo/repo.git");
    assert!(dir.join("HEAD").is_file() && !dir.join(".git").exists());
    let config = std::fs::read_to_string(dir.join("config")).unwrap();
    assert!(!config.contains("[remote"), "{config}");
    // libgit2 always truncates FETCH_HEAD; nothing is written to it.
    let fetch_head = std::fs::read(dir.join("FETCH_HEAD")).unwrap_or_default();
    assert!(fetch_head.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&root).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    let m = cache.metrics();
    assert_eq!(
        (m.fetches, m.fetch_failures, m.warm_hits, m.mirrors),
        (1, 0, 0, 1)
    );
    assert!(m.bytes > 0);
}

#[test]
fn warm_mirror_does_not_fetch_and_new_commits_are_fetched() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let url = file_url(src.repo.path());
    let want = [src.main.clone(), src.pr.clone()];
    drop(cache.sync("octo/repo", &url, None, &refs(), &want).unwrap());

    // A bogus URL proves no fetch is even attempted on a warm hit.
    let warm = cache
        .sync(
            "octo/repo",
            "https://127.0.0.1:9/nothing.git",
            None,
            &refs(),
            &want,
        )
        .unwrap();
    assert!(!warm.fetched());
    drop(warm);
    assert_eq!((cache.metrics().fetches, cache.metrics().warm_hits), (1, 1));

    src.repo.write("src/lib.rs", "pub fn f() {}\n");
    let newer = src.repo.commit("more");
    let guard = cache
        .sync(
            "octo/repo",
            &url,
            None,
            &refs(),
            std::slice::from_ref(&newer),
        )
        .unwrap();
    assert!(guard.fetched());
    assert_eq!(guard.resolve_commit("refs/heads/main").unwrap(), newer);
    assert_eq!(cache.metrics().fetches, 2);
}

#[test]
fn a_commit_the_remote_does_not_have_is_reported() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let ghost = "0123456789abcdef0123456789abcdef01234567".to_string();
    let err = cache
        .sync(
            "octo/repo",
            &file_url(src.repo.path()),
            None,
            &refs(),
            &[src.main.clone(), ghost.clone()],
        )
        .err()
        .expect("missing commit");
    match &err {
        MirrorError::MissingCommits { missing, .. } => assert_eq!(missing, &[ghost]),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("force-pushed"), "{err}");
}

#[test]
fn a_damaged_mirror_is_recreated() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let url = file_url(src.repo.path());
    drop(
        cache
            .sync(
                "octo/repo",
                &url,
                None,
                &refs(),
                std::slice::from_ref(&src.main),
            )
            .unwrap(),
    );
    let dir = tmp.path().join("octo/repo.git");
    std::fs::remove_dir_all(dir.join("objects")).unwrap();
    std::fs::write(dir.join("HEAD"), "garbage").unwrap();
    let guard = cache
        .sync(
            "octo/repo",
            &url,
            None,
            &refs(),
            std::slice::from_ref(&src.pr),
        )
        .unwrap();
    assert_eq!(guard.resolve_commit(&src.pr).unwrap(), src.pr);
    assert_eq!(cache.metrics().recreated, 1);
}

#[test]
fn a_stale_lock_or_a_corrupt_pack_does_not_wedge_a_mirror() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let url = file_url(src.repo.path());
    drop(
        cache
            .sync(
                "octo/repo",
                &url,
                None,
                &refs(),
                std::slice::from_ref(&src.main),
            )
            .unwrap(),
    );
    let dir = tmp.path().join("octo/repo.git");

    // A process killed mid-fetch leaves a ref lock behind.
    std::fs::write(dir.join("refs/heads/main.lock"), "").unwrap();
    src.repo.write("a.txt", "a\n");
    let second = src.repo.commit("second");
    let guard = cache
        .sync(
            "octo/repo",
            &url,
            None,
            &refs(),
            std::slice::from_ref(&second),
        )
        .unwrap();
    assert_eq!(guard.resolve_commit("refs/heads/main").unwrap(), second);
    drop(guard);
    assert_eq!(cache.metrics().recreated, 0);

    // Packs damaged inside (header and checksum trailer intact, so the
    // objects are still listed): noticed, and the mirror re-created once.
    let packs = |dir: &Path| -> Vec<_> {
        let entries = std::fs::read_dir(dir.join("objects/pack"))
            .unwrap()
            .flatten();
        entries
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pack"))
            .collect()
    };
    for path in packs(&dir) {
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[12..n - 20].fill(0x5a);
        std::fs::write(&path, bytes).unwrap();
    }
    src.repo.write("b.txt", "b\n");
    let third = src.repo.commit("third");
    let want = [third.clone(), src.pr.clone()];
    let guard = cache.sync("octo/repo", &url, None, &refs(), &want).unwrap();
    assert_eq!(guard.resolve_commit(&src.pr).unwrap(), src.pr);
    assert_eq!(guard.merge_base(&third, &src.pr).unwrap(), src.base);
    drop(guard);
    assert_eq!(cache.metrics().recreated, 1, "{:?}", cache.metrics());

    // Packs gone: the references point at nothing; re-created before fetching
    // (a fetch would claim to have those commits and never get them again).
    for path in packs(&dir) {
        std::fs::remove_file(path).unwrap();
    }
    let guard = cache.sync("octo/repo", &url, None, &refs(), &want).unwrap();
    assert_eq!(guard.merge_base(&third, &src.pr).unwrap(), src.base);
    assert_eq!(cache.metrics().recreated, 2, "{:?}", cache.metrics());
}

#[test]
fn a_discarded_mirror_is_fetched_afresh() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let url = file_url(src.repo.path());
    let want = [src.main.clone()];
    let guard = cache.sync("octo/repo", &url, None, &refs(), &want).unwrap();
    guard.discard().unwrap();
    assert!(!tmp.path().join("octo/repo.git").exists());
    assert_eq!((cache.metrics().mirrors, cache.metrics().bytes), (0, 0));
    assert!(
        cache
            .sync("octo/repo", &url, None, &refs(), &want)
            .unwrap()
            .fetched()
    );
}
