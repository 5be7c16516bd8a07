//! Cache-wide behaviour: eviction, concurrency, restart.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use secarch::mirror::{MirrorCache, MirrorConfig, MirrorError};

use super::{cache, config, file_url, refs, source};

#[test]
fn least_recently_used_mirrors_are_evicted_but_not_one_in_use() {
    let src = source();
    let url = file_url(src.repo.path());
    let want = [src.main.clone(), src.pr.clone()];
    // One mirror's size, measured on a throw-away cache.
    let probe = tempfile::tempdir().unwrap();
    let one = {
        let c = cache(probe.path());
        drop(c.sync("probe/size", &url, None, &refs(), &want).unwrap());
        c.metrics().bytes
    };
    let tmp = tempfile::tempdir().unwrap();
    let bounded = |root: &Path| {
        MirrorCache::new(MirrorConfig {
            max_bytes: one + one / 2,
            ..config(root)
        })
        .unwrap()
    };
    let exists = |root: &Path, name: &str| root.join(format!("{name}.git")).join("HEAD").exists();

    // a, b, c in turn: only the most recent stays.
    let root = tmp.path().join("lru");
    let c = bounded(&root);
    for name in ["octo/a", "octo/b", "octo/c"] {
        drop(c.sync(name, &url, None, &refs(), &want).unwrap());
    }
    assert!(!exists(&root, "octo/a") && !exists(&root, "octo/b") && exists(&root, "octo/c"));
    assert_eq!((c.metrics().evictions, c.metrics().mirrors), (2, 1));
    // An evicted mirror is fetched again when needed.
    assert!(
        c.sync("octo/a", &url, None, &refs(), &want)
            .unwrap()
            .fetched()
    );

    // a held by a guard while b and c are synced: b (least recent free) goes.
    let root = tmp.path().join("held");
    let c = bounded(&root);
    let held = c.sync("octo/a", &url, None, &refs(), &want).unwrap();
    drop(c.sync("octo/b", &url, None, &refs(), &want).unwrap());
    drop(c.sync("octo/c", &url, None, &refs(), &want).unwrap());
    assert!(exists(&root, "octo/a") && !exists(&root, "octo/b") && exists(&root, "octo/c"));
    assert_eq!(held.resolve_commit("refs/pull/7/head").unwrap(), src.pr);
    assert_eq!(c.metrics().evictions, 1);
    assert!(
        c.metrics().bytes > one,
        "over the bound while a mirror is held"
    );
    drop(held);
}

#[test]
fn concurrent_syncs_of_one_repository_fetch_once() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = Arc::new(cache(tmp.path()));
    let url = file_url(src.repo.path());
    let want = vec![src.main.clone(), src.pr.clone()];
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let (cache, url, want, pr) = (
                Arc::clone(&cache),
                url.clone(),
                want.clone(),
                src.pr.clone(),
            );
            // Two repositories, so different mirrors also run side by side.
            let name = if i % 2 == 0 { "octo/even" } else { "octo/odd" };
            std::thread::spawn(move || {
                let guard = cache.sync(name, &url, None, &refs(), &want).expect("sync");
                assert_eq!(guard.resolve_commit("refs/pull/7/head").unwrap(), pr);
                std::thread::sleep(Duration::from_millis(20));
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let m = cache.metrics();
    assert_eq!(
        (m.fetches, m.warm_hits, m.fetch_failures),
        (2, 4, 0),
        "{m:?}"
    );
}

/// A root let go of while a new cache waits for it (a restart whose previous
/// process is still exiting) is taken, not refused.
#[test]
fn a_root_freed_while_waiting_is_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let first = cache(tmp.path());
    std::thread::scope(|scope| {
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(first);
        });
        let second = MirrorCache::new(config(tmp.path()));
        assert!(second.is_ok(), "{:?}", second.err());
    });
}

#[test]
fn a_restarted_cache_adopts_its_mirrors_and_one_process_owns_a_root() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let url = file_url(src.repo.path());
    let want = [src.main.clone()];
    let first = cache(tmp.path());
    drop(first.sync("octo/repo", &url, None, &refs(), &want).unwrap());
    let err = MirrorCache::new(config(tmp.path()))
        .err()
        .expect("root in use");
    assert!(matches!(err, MirrorError::RootInUse { .. }), "{err:?}");
    drop(first);
    let again = cache(tmp.path());
    assert_eq!(again.metrics().mirrors, 1);
    assert!(
        !again
            .sync("octo/repo", &url, None, &refs(), &want)
            .unwrap()
            .fetched()
    );
}
