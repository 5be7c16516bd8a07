//! `Repo::change_set` on real histories.

use git2::{Oid, Signature, Time};

use super::Fixture;
use crate::git::{ChangeKind, ChangeSet, ChangeSetOptions, EntryKind, FileChange, Repo};

fn change<'a>(cs: &'a ChangeSet, path: &str) -> &'a FileChange {
    cs.changes
        .iter()
        .find(|c| c.path() == path)
        .unwrap_or_else(|| panic!("no change for {path} in {:#?}", cs.changes))
}

fn kinds(cs: &ChangeSet) -> Vec<(String, ChangeKind)> {
    cs.changes
        .iter()
        .map(|c| (c.path().to_string(), c.kind))
        .collect()
}

/// Ten lines of distinct text, so small edits stay above the rename threshold.
fn text(seed: &str) -> String {
    (0..10).map(|i| format!("{seed} line {i}\n")).collect()
}

#[test]
fn additions_deletions_modifications_sorted_by_path() {
    let f = Fixture::new("main");
    f.write("keep.txt", "same\n");
    f.write("gone.txt", text("gone"));
    f.write("docs/change.md", "v1\n");
    let base = f.commit("base");
    f.remove("gone.txt");
    f.write("docs/change.md", "v2\n");
    f.write("zz/new.yml", "new: true\n");
    f.write("a-new.txt", "hello\n");
    let head = f.commit("head");

    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        (cs.base.as_str(), cs.head.as_str()),
        (base.as_str(), head.as_str())
    );
    assert_eq!(
        kinds(&cs),
        vec![
            ("a-new.txt".into(), ChangeKind::Added),
            ("docs/change.md".into(), ChangeKind::Modified),
            ("gone.txt".into(), ChangeKind::Deleted),
            ("zz/new.yml".into(), ChangeKind::Added),
        ]
    );
    let m = change(&cs, "docs/change.md");
    assert_eq!(m.old.as_ref().unwrap().id, f.blob(&base, "docs/change.md"));
    assert_eq!(m.new.as_ref().unwrap().id, f.blob(&head, "docs/change.md"));
    assert_eq!(m.new.as_ref().unwrap().kind, EntryKind::File);
    let d = change(&cs, "gone.txt");
    assert!(d.new.is_none());
    assert_eq!(d.old.as_ref().unwrap().id, f.blob(&base, "gone.txt"));
    let a = change(&cs, "zz/new.yml");
    assert!(a.old.is_none());
    assert_eq!(a.new.as_ref().unwrap().id, f.blob(&head, "zz/new.yml"));
}

#[test]
fn exact_rename_keeps_both_paths_and_ids() {
    let f = Fixture::new("main");
    f.write("deploy/Dockerfile", text("FROM alpine"));
    let base = f.commit("base");
    f.mv("deploy/Dockerfile", "build/Dockerfile.prod");
    let head = f.commit("move");

    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(cs.changes.len(), 1, "{:#?}", cs.changes);
    let r = &cs.changes[0];
    assert_eq!(r.kind, ChangeKind::Renamed);
    assert_eq!(r.path(), "build/Dockerfile.prod");
    assert_eq!(r.old_path(), Some("deploy/Dockerfile"));
    let id = f.blob(&base, "deploy/Dockerfile");
    assert_eq!(r.old.as_ref().unwrap().id, id);
    assert_eq!(r.new.as_ref().unwrap().id, id);
}

#[test]
fn rename_with_small_edit_is_still_a_rename() {
    let f = Fixture::new("main");
    f.write("api/openapi.yaml", text("paths"));
    f.write("unrelated.txt", text("other"));
    let base = f.commit("base");
    f.remove("api/openapi.yaml");
    f.write("api/v2/openapi.yaml", text("paths") + "extra: line\n");
    let head = f.commit("move and edit");

    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![("api/v2/openapi.yaml".into(), ChangeKind::Renamed)]
    );
    let r = &cs.changes[0];
    assert_eq!(r.old_path(), Some("api/openapi.yaml"));
    assert_eq!(
        r.old.as_ref().unwrap().id,
        f.blob(&base, "api/openapi.yaml")
    );
    assert_eq!(
        r.new.as_ref().unwrap().id,
        f.blob(&head, "api/v2/openapi.yaml")
    );
}

#[test]
fn dissimilar_replacement_is_delete_plus_add() {
    let f = Fixture::new("main");
    f.write("old.txt", text("alpha"));
    let base = f.commit("base");
    f.remove("old.txt");
    f.write("new.txt", text("omega"));
    let head = f.commit("replace");
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![
            ("new.txt".into(), ChangeKind::Added),
            ("old.txt".into(), ChangeKind::Deleted)
        ]
    );
}

#[test]
fn identical_copies_pair_by_file_name_and_empty_files_never_pair() {
    let f = Fixture::new("main");
    f.write("a/config.yml", "same: 1\n");
    f.write("b/other.yml", "same: 1\n");
    f.write("empty.txt", "");
    let base = f.commit("base");
    f.remove("a");
    f.remove("b");
    f.remove("empty.txt");
    f.write("c/other.yml", "same: 1\n");
    f.write("d/config.yml", "same: 1\n");
    f.write("also-empty.txt", "");
    let head = f.commit("shuffle");
    let cs = f.repo().change_set(&base, &head).unwrap();
    let renames: Vec<_> = cs
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Renamed)
        .map(|c| (c.old_path().unwrap(), c.path()))
        .collect();
    assert_eq!(
        renames,
        vec![
            ("b/other.yml", "c/other.yml"),
            ("a/config.yml", "d/config.yml")
        ]
    );
    assert_eq!(change(&cs, "also-empty.txt").kind, ChangeKind::Added);
    assert_eq!(change(&cs, "empty.txt").kind, ChangeKind::Deleted);
}

#[test]
fn exec_bit_is_a_modification_with_both_kinds() {
    let f = Fixture::new("main");
    f.write("run.sh", "echo hi\n");
    let base = f.commit("base");
    f.git(&["update-index", "--chmod=+x", "run.sh"]);
    f.git(&["commit", "-q", "-m", "exec"]);
    let head = f.git(&["rev-parse", "HEAD"]);
    let cs = f.repo().change_set(&base, &head).unwrap();
    let c = change(&cs, "run.sh");
    assert_eq!(c.kind, ChangeKind::Modified);
    assert_eq!(c.old.as_ref().unwrap().kind, EntryKind::File);
    assert_eq!(c.new.as_ref().unwrap().kind, EntryKind::Executable);
    assert_eq!(c.old.as_ref().unwrap().id, c.new.as_ref().unwrap().id);
}

#[test]
fn file_to_symlink_is_a_type_change() {
    let f = Fixture::new("main");
    f.write("target.txt", "t\n");
    f.write("link", "was a file\n");
    let base = f.commit("base");
    std::fs::remove_file(f.path().join("link")).unwrap();
    std::os::unix::fs::symlink("target.txt", f.path().join("link")).unwrap();
    let head = f.commit("symlink");
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(kinds(&cs), vec![("link".into(), ChangeKind::TypeChanged)]);
    let c = &cs.changes[0];
    assert_eq!(c.old.as_ref().unwrap().kind, EntryKind::File);
    assert_eq!(c.new.as_ref().unwrap().kind, EntryKind::Symlink);
}

#[test]
fn file_replaced_by_directory_is_delete_plus_add() {
    let f = Fixture::new("main");
    f.write("conf", "flat\n");
    let base = f.commit("base");
    f.remove("conf");
    f.write("conf/app.yml", "nested: true\n");
    let head = f.commit("dir");
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![
            ("conf".into(), ChangeKind::Deleted),
            ("conf/app.yml".into(), ChangeKind::Added)
        ]
    );
}

/// Commit a root tree built with git2 (gitlinks, non-UTF-8 names) on `main`.
fn commit_entries(repo: &Repo, entries: &[(&[u8], Oid, i32)], parent: Option<Oid>) -> String {
    let git = &repo.git;
    let mut tb = git.treebuilder(None).unwrap();
    for (name, id, mode) in entries {
        tb.insert(name, *id, *mode).unwrap();
    }
    let tree = git.find_tree(tb.write().unwrap()).unwrap();
    let sig = Signature::new("T", "t@example.com", &Time::new(1_700_000_000, 0)).unwrap();
    let parents: Vec<_> = parent
        .map(|p| git.find_commit(p).unwrap())
        .into_iter()
        .collect();
    let refs: Vec<_> = parents.iter().collect();
    git.commit(Some("refs/heads/main"), &sig, &sig, "c", &tree, &refs)
        .unwrap()
        .to_string()
}

#[test]
fn submodule_pointer_added_and_changed() {
    let f = Fixture::new("main");
    let repo = f.repo();
    let readme = repo.git.blob(b"readme\n").unwrap();
    let (sub1, sub2) = (
        Oid::from_str(&"1".repeat(40)).unwrap(),
        Oid::from_str(&"2".repeat(40)).unwrap(),
    );
    let c0 = commit_entries(&repo, &[(b"README", readme, 0o100644)], None);
    let e1: &[(&[u8], Oid, i32)] = &[
        (b"README", readme, 0o100644),
        (b"vendor-lib", sub1, 0o160000),
    ];
    let c1 = commit_entries(&repo, e1, Some(Oid::from_str(&c0).unwrap()));
    let e2: &[(&[u8], Oid, i32)] = &[
        (b"README", readme, 0o100644),
        (b"vendor-lib", sub2, 0o160000),
    ];
    let c2 = commit_entries(&repo, e2, Some(Oid::from_str(&c1).unwrap()));

    let added = repo.change_set(&c0, &c1).unwrap();
    assert_eq!(
        kinds(&added),
        vec![("vendor-lib".into(), ChangeKind::Added)]
    );
    let side = added.changes[0].new.as_ref().unwrap();
    assert_eq!(
        (side.kind, side.id.as_str()),
        (EntryKind::Submodule, "1".repeat(40).as_str())
    );

    let moved = repo.change_set(&c1, &c2).unwrap();
    assert_eq!(
        kinds(&moved),
        vec![("vendor-lib".into(), ChangeKind::Modified)]
    );
    let c = &moved.changes[0];
    assert_eq!(c.old.as_ref().unwrap().id, "1".repeat(40));
    assert_eq!(c.new.as_ref().unwrap().id, "2".repeat(40));
    assert_eq!(c.new.as_ref().unwrap().kind, EntryKind::Submodule);

    // A submodule replaced by a file is a type change.
    let e3: &[(&[u8], Oid, i32)] = &[
        (b"README", readme, 0o100644),
        (b"vendor-lib", readme, 0o100644),
    ];
    let c3 = commit_entries(&repo, e3, Some(Oid::from_str(&c2).unwrap()));
    let tc = repo.change_set(&c2, &c3).unwrap();
    assert_eq!(
        kinds(&tc),
        vec![("vendor-lib".into(), ChangeKind::TypeChanged)]
    );
}

#[test]
fn non_utf8_paths_are_lossy_not_fatal() {
    let f = Fixture::new("main");
    let repo = f.repo();
    let blob = repo.git.blob(b"bytes\n").unwrap();
    let c0 = commit_entries(&repo, &[(b"ok.txt", blob, 0o100644)], None);
    let sub = {
        let mut tb = repo.git.treebuilder(None).unwrap();
        tb.insert(&b"inner.txt"[..], blob, 0o100644).unwrap();
        tb.write().unwrap()
    };
    let e1: &[(&[u8], Oid, i32)] = &[
        (b"ok.txt", blob, 0o100644),
        (b"caf\xe9.txt", blob, 0o100644),
        (b"dir\xff", sub, 0o040000),
    ];
    let c1 = commit_entries(&repo, e1, Some(Oid::from_str(&c0).unwrap()));
    let cs = repo.change_set(&c0, &c1).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![
            ("caf\u{FFFD}.txt".into(), ChangeKind::Added),
            ("dir\u{FFFD}/inner.txt".into(), ChangeKind::Added),
        ]
    );
    let files = repo.tree_files(&c1, &|_| true).unwrap();
    let paths: Vec<_> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        vec!["caf\u{FFFD}.txt", "dir\u{FFFD}/inner.txt", "ok.txt"]
    );
}

#[test]
fn binary_files_are_diffed_by_id() {
    let f = Fixture::new("main");
    let bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    f.write("img/logo.png", &bin);
    let base = f.commit("base");
    let mut bin2 = bin.clone();
    bin2[10] = 0;
    f.remove("img/logo.png");
    f.write("assets/logo.png", &bin2);
    let head = f.commit("binary edit and move");
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![("assets/logo.png".into(), ChangeKind::Renamed)]
    );
    assert_eq!(
        cs.changes[0].new.as_ref().unwrap().id,
        f.blob(&head, "assets/logo.png")
    );
}

#[test]
fn same_commit_and_same_tree_give_empty_change_sets() {
    let f = Fixture::new("main");
    f.write("a.txt", "a\n");
    let c1 = f.commit("one");
    let c2 = f.commit("empty commit, same tree");
    let repo = f.repo();
    assert!(repo.change_set(&c1, &c1).unwrap().changes.is_empty());
    assert!(repo.change_set(&c1, &c2).unwrap().changes.is_empty());
    assert!(
        repo.change_set("HEAD~1", "HEAD")
            .unwrap()
            .changes
            .is_empty()
    );
}

#[test]
fn merge_base_of_branched_history_limits_the_change_set() {
    let f = Fixture::new("main");
    f.write("shared.txt", "root\n");
    f.commit("A");
    f.write("shared.txt", "B\n");
    let b = f.commit("B");
    f.git(&["checkout", "-q", "-b", "feature"]);
    f.write("feature.txt", "D\n");
    f.commit("D");
    f.write("feature2.txt", "E\n");
    let e = f.commit("E");
    f.git(&["checkout", "-q", "main"]);
    f.write("main-only.txt", "C\n");
    let c = f.commit("C");

    let repo = f.repo();
    assert_eq!(repo.merge_base("main", "feature").unwrap(), b);
    assert_eq!(repo.merge_base(&c, &e).unwrap(), b);
    let base = repo
        .merge_base(&repo.resolve_commit("main").unwrap(), &e)
        .unwrap();
    let cs = repo.change_set(&base, &e).unwrap();
    assert_eq!(
        kinds(&cs),
        vec![
            ("feature.txt".into(), ChangeKind::Added),
            ("feature2.txt".into(), ChangeKind::Added)
        ]
    );
}

#[test]
fn unrelated_histories_have_no_merge_base() {
    let f = Fixture::new("main");
    f.write("a.txt", "a\n");
    f.commit("main root");
    f.git(&["checkout", "-q", "--orphan", "other"]);
    f.write("b.txt", "b\n");
    f.commit("other root");
    let err = f.repo().merge_base("main", "other").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("no common ancestor") && msg.contains("--base"),
        "{msg}"
    );
}

#[test]
fn wide_change_across_many_directories_is_complete() {
    // Enough changed directories for the diff to be shared between threads.
    let f = Fixture::new("main");
    for d in 0..150 {
        f.write(&format!("d{d:03}/keep.txt"), format!("keep {d}\n"));
        f.write(&format!("d{d:03}/edit.txt"), format!("v1 {d}\n"));
        f.write(
            &format!("d{d:03}/deep/move.txt"),
            text(&format!("move {d}")),
        );
    }
    let base = f.commit("base");
    for d in 0..150 {
        f.write(&format!("d{d:03}/edit.txt"), format!("v2 {d}\n"));
        f.mv(
            &format!("d{d:03}/deep/move.txt"),
            &format!("moved/m{d:03}.txt"),
        );
    }
    let head = f.commit("wide");
    let repo = f.repo();
    let cs = repo.change_set(&base, &head).unwrap();
    // Threaded (default on a multi-core machine, forced here) and serial agree.
    for threads in [1, 3] {
        let opts = ChangeSetOptions {
            threads,
            ..Default::default()
        };
        assert_eq!(
            repo.change_set_with(&base, &head, &opts).unwrap().changes,
            cs.changes
        );
    }
    assert_eq!(cs.changes.len(), 300, "{:#?}", &cs.changes[..3]);
    let modified = cs
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Modified)
        .count();
    let renamed: Vec<_> = cs
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Renamed)
        .map(|c| (c.old_path().unwrap().to_string(), c.path().to_string()))
        .collect();
    assert_eq!(modified, 150);
    assert_eq!(renamed.len(), 150);
    assert_eq!(
        renamed[7],
        (
            "d007/deep/move.txt".to_string(),
            "moved/m007.txt".to_string()
        )
    );
    let paths: Vec<&str> = cs.changes.iter().map(|c| c.path()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);

    // Packed, as in a clone: workers read the pack through their own object
    // databases (`worker_odb`) and still agree.
    f.git(&["repack", "-adq"]);
    let packed = f.repo();
    for threads in [1, 2, 3] {
        let opts = ChangeSetOptions {
            threads,
            ..Default::default()
        };
        assert_eq!(
            packed.change_set_with(&base, &head, &opts).unwrap().changes,
            cs.changes,
            "{threads} threads on a packed repository"
        );
    }
}
