//! `Repo::change_set_and_files` (one traversal) agrees with `change_set` plus
//! `tree_files` (two) on real repositories.

mod common;

use common::TestRepo;
use secarch::classify::Classifier;
use secarch::git::{ByPath, ChangeSetOptions, Repo};
use secarch::policy::Policy;

type Filter<'a> = &'a (dyn Fn(&str) -> bool + Sync);

fn agree(r: &TestRepo, base: &str, head: &str) {
    let repo = Repo::open(r.path()).unwrap();
    let filters: [Filter<'_>; 3] = [
        &|_: &str| true,
        &|p: &str| p.ends_with(".yaml") || p.contains("Dockerfile"),
        &|_: &str| false,
    ];
    for filter in filters {
        let expected_cs = repo.change_set(base, head).unwrap();
        let expected_files = repo.tree_files(head, filter).unwrap();
        // One thread, and several: the work is dealt out once enough
        // directories are pending (changed or not).
        for threads in [1, 2, 3] {
            let opts = ChangeSetOptions {
                threads,
                ..ChangeSetOptions::default()
            };
            let (cs, files) = repo
                .change_set_and_files(base, head, &opts, ByPath(filter))
                .unwrap();
            assert_eq!(cs.changes, expected_cs.changes, "{threads} threads");
            assert_eq!((&cs.base, &cs.head), (&expected_cs.base, &expected_cs.head));
            assert_eq!(files, expected_files, "{threads} threads");
        }
    }
}

#[test]
fn one_traversal_equals_diff_plus_walk() {
    let r = TestRepo::new();
    for d in 0..6 {
        for f in 0..5 {
            r.write(
                &format!("dir{d}/sub{f}/file{f}.txt"),
                &format!("content {d} {f}\n"),
            );
        }
        r.write(
            &format!("dir{d}/k8s/deploy.yaml"),
            &format!("kind: Deployment\nname: d{d}\n"),
        );
    }
    r.write("Dockerfile", "FROM x\n").write("top.txt", "top\n");
    let base = r.commit("base");
    // modify, add, delete, rename (same content), rename a whole directory,
    // delete a directory, add a directory, a file becomes a directory.
    r.write("dir0/sub0/file0.txt", "changed\n");
    r.write("dir1/new.yaml", "new: 1\n");
    r.remove("dir2/sub1/file1.txt");
    r.git(&["mv", "dir3/sub2/file2.txt", "dir3/moved.txt"]);
    r.git(&["mv", "dir4", "dir4-renamed"]);
    r.git(&["rm", "-rq", "dir5/sub3"]);
    r.write("newdir/deep/er/Dockerfile", "FROM y\nEXPOSE 1\n");
    r.remove("top.txt");
    r.write("top.txt/inner.txt", "now a directory\n");
    let head = r.commit("head");
    agree(&r, &base, &head);
    agree(&r, &head, &base);
    agree(&r, &base, &base);
}

#[test]
fn symlinks_and_executables_are_listed_like_tree_files() {
    let r = TestRepo::new();
    r.write("a/run.sh", "#!/bin/sh\n")
        .write("a/b.yaml", "x: 1\n");
    let base = r.commit("base");
    std::os::unix::fs::symlink("b.yaml", r.path().join("a/link.yaml")).unwrap();
    r.git(&["update-index", "--add", "--chmod=+x", "a/run.sh"]);
    let head = r.commit("head");
    agree(&r, &base, &head);
}

/// Enough directories for the traversal to be shared between threads: a
/// change spread over 100 directories, and a small change in a tree of 100
/// unchanged ones (only the listing is shared then).
#[test]
fn shared_between_threads_equals_one_thread() {
    let r = TestRepo::new();
    for d in 0..100 {
        for f in 0..3 {
            r.write(
                &format!("d{d:03}/s{}/f{f}.yaml", d % 7),
                &format!("{d} {f}\n"),
            );
        }
    }
    let base = r.commit("base");
    r.write("d050/s1/new.yaml", "one small change\n");
    let small = r.commit("small");
    for d in (0..100).step_by(2) {
        r.write(&format!("d{d:03}/s{}/f0.yaml", d % 7), "changed\n");
        r.remove(&format!("d{d:03}/s{}/f1.yaml", d % 7));
        r.write(&format!("d{d:03}/Dockerfile"), "FROM z\n");
    }
    let spread = r.commit("spread");
    agree(&r, &base, &small);
    agree(&r, &base, &spread);
    agree(&r, &spread, &base);
}

/// One directory holding most of the tree among many small ones: its
/// subdirectories are tasks other threads steal (`crates/secarch-core/src/git/listing.rs`). Packed
/// like a clone, so each thread reads the pack through its own object database.
#[test]
fn a_lopsided_packed_tree_agrees_on_any_thread_count() {
    let r = TestRepo::new();
    for d in 0..70 {
        r.write(&format!("small{d:02}/f.yaml"), "x\n");
    }
    for a in 0..12 {
        for b in 0..10 {
            for f in 0..3 {
                r.write(
                    &format!("big/a{a:02}/b{b}/f{f}.yaml"),
                    &format!("{a} {b} {f}\n"),
                );
            }
        }
    }
    let base = r.commit("base");
    for a in 0..12 {
        for b in (0..10).step_by(3) {
            r.write(&format!("big/a{a:02}/b{b}/f0.yaml"), "changed\n");
            r.remove(&format!("big/a{a:02}/b{b}/f1.yaml"));
            r.write(&format!("big/a{a:02}/b{b}/Dockerfile"), "FROM z\n");
        }
    }
    r.write("small03/f.yaml", "changed\n");
    let head = r.commit("head");
    r.git(&["repack", "-adq"]);
    agree(&r, &base, &head);
    agree(&r, &head, &base);
}

/// `similarity_only_for_kept`: edited renames are searched for only when a
/// kept file is among the leftovers; exact renames always pair.
#[test]
fn similarity_search_only_when_a_kept_file_is_left_over() {
    let r = TestRepo::new();
    let text: String = (0..40).map(|i| format!("line {i}\n")).collect();
    r.write("a/notes.txt", &text);
    r.write("a/same.txt", "same\n");
    r.write("a/Dockerfile", &format!("FROM x\n{text}"));
    let base = r.commit("base");
    r.remove("a/notes.txt");
    r.write("b/notes-moved.txt", &format!("{text}one more\n"));
    r.remove("a/same.txt");
    r.write("b/same.txt", "same\n");
    let unwatched = r.commit("edited rename of an unwatched file");
    r.remove("a/Dockerfile");
    r.write("b/Dockerfile.old", &format!("FROM x\n{text}one more\n"));
    let watched = r.commit("and of a watched one");
    let repo = Repo::open(r.path()).unwrap();
    let watched_only = ByPath(|p: &str| p.contains("Dockerfile"));
    let kinds = |to: &str, only: bool| {
        let opts = ChangeSetOptions {
            similarity_only_for_kept: only,
            ..ChangeSetOptions::default()
        };
        let (cs, _) = repo
            .change_set_and_files(&base, to, &opts, watched_only.clone())
            .unwrap();
        cs.changes
            .iter()
            .map(|c| format!("{:?} {}", c.kind, c.path()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&unwatched, false),
        ["Renamed b/notes-moved.txt", "Renamed b/same.txt"]
    );
    assert_eq!(
        kinds(&unwatched, true),
        [
            "Deleted a/notes.txt",
            "Added b/notes-moved.txt",
            "Renamed b/same.txt"
        ]
    );
    // A watched leftover: the full search, as by default.
    assert_eq!(kinds(&watched, true), kinds(&watched, false));
    assert!(kinds(&watched, true).contains(&"Renamed b/Dockerfile.old".to_string()));
}

/// A tree missing from the object database is an error on any thread count,
/// reported once every task has stopped (no thread is left waiting).
#[test]
fn a_missing_tree_fails_the_traversal_on_any_thread_count() {
    let r = TestRepo::new();
    for d in 0..100 {
        r.write(&format!("d{d:03}/s/f.yaml"), &format!("{d}\n"));
    }
    let base = r.commit("base");
    for d in 0..100 {
        r.write(&format!("d{d:03}/s/f.yaml"), "changed\n");
    }
    let head = r.commit("head");
    let tree = r.git(&["rev-parse", &format!("{head}:d077/s")]);
    let tree = tree.trim();
    std::fs::remove_file(
        r.path()
            .join(".git/objects")
            .join(&tree[..2])
            .join(&tree[2..]),
    )
    .unwrap();
    let repo = Repo::open(r.path()).unwrap();
    for threads in [1, 2, 3] {
        let opts = ChangeSetOptions {
            threads,
            ..ChangeSetOptions::default()
        };
        let walked = repo.change_set_and_files(&base, &head, &opts, ByPath(|_: &str| true));
        assert!(walked.is_err(), "{threads} threads");
        assert!(
            repo.change_set_with(&base, &head, &opts).is_err(),
            "{threads} threads"
        );
    }
}

/// The classifier's own filter (each directory evaluated once, files mostly
/// rejected by name) keeps exactly the files `is_watched` keeps.
#[test]
fn the_watch_filter_keeps_what_is_watched_keeps() {
    let r = TestRepo::new();
    let files = [
        "Dockerfile",
        "src/Auth/Login.ts",
        "src/auth/session.rs",
        "src/main.rs",
        "deploy/k8s/Service.YAML",
        "deploy/k8s/tests/fixture.yaml",
        "tests/Dockerfile",
        "Security/notes.md",
        "docs/security/security-architecture.md",
        "api/OpenAPI.yaml",
        "README.md",
        "charts/app/templates/deployment.yaml",
        "requirements-dev.txt",
        "vendor/lib/auth.go",
    ];
    for (i, f) in files.iter().enumerate() {
        r.write(f, &format!("content {i}\n"));
    }
    for d in 0..80 {
        r.write(&format!("pkg{d:02}/src/lib.rs"), "x\n");
        r.write(&format!("pkg{d:02}/Dockerfile.Dev"), "FROM a\n");
    }
    let base = r.commit("base");
    r.write("src/auth/new.rs", "new\n");
    r.write("pkg07/Cargo.toml", "[package]\n");
    let head = r.commit("head");
    let repo = Repo::open(r.path()).unwrap();
    let classifier = Classifier::new(
        &Policy::embedded_default(),
        Some("docs/security/security-architecture.md"),
    )
    .unwrap();
    let expected = repo
        .tree_files(&head, &|p: &str| classifier.is_watched(p))
        .unwrap();
    assert!(expected.len() > 80, "{expected:?}");
    for threads in [1, 2] {
        let opts = ChangeSetOptions {
            threads,
            ..ChangeSetOptions::default()
        };
        let (_, files) = repo
            .change_set_and_files(&base, &head, &opts, classifier.watch_filter())
            .unwrap();
        assert_eq!(files, expected, "{threads} threads");
    }
}
