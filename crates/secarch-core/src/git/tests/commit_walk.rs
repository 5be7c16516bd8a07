//! The history walk of `secarch log` and the empty tree as a base.

use super::Fixture;
use crate::git::{ChangeKind, ChangeSetOptions, EMPTY_TREE, WalkEnd, WalkSpec, is_empty_tree};

fn spec(head: &str) -> WalkSpec {
    WalkSpec {
        head: head.to_string(),
        since: None,
        first_parent: true,
        limit: None,
    }
}

#[test]
fn the_empty_tree_is_recognised_by_its_id_or_an_abbreviation() {
    assert!(is_empty_tree(EMPTY_TREE));
    assert!(is_empty_tree("4b825dc"));
    assert!(is_empty_tree("4B825DC642CB"));
    assert!(!is_empty_tree("4b825d"), "too short to be taken for it");
    assert!(!is_empty_tree("4b825dd"));
    assert!(!is_empty_tree(&format!("{EMPTY_TREE}0")));
    assert!(!is_empty_tree("HEAD"));
}

/// Each commit's changes equal the change set between its first parent and
/// it (the oracle: `Repo::change_set`, tested against `git diff` elsewhere);
/// a root commit's equal the diff from the empty tree.
#[test]
fn each_commit_is_diffed_against_its_first_parent_and_a_root_against_nothing() {
    let f = Fixture::new("main");
    f.write("Dockerfile", "FROM debian:12\n");
    f.write("src/a.rs", "fn a() {}\n");
    let root = f.commit("root");
    f.mv("src/a.rs", "src/b.rs");
    f.write("Dockerfile", "FROM debian:12\nEXPOSE 80\n");
    f.commit("rename and edit");
    f.git(&["checkout", "-q", "-b", "topic"]);
    f.write("topic.txt", "t\n");
    f.commit("topic");
    f.git(&["checkout", "-q", "main"]);
    f.write("main.txt", "m\n");
    f.commit("main");
    f.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);
    let repo = f.repo();

    let mut seen = Vec::new();
    let end = repo
        .walk_commits(&spec("HEAD"), &mut |c| {
            let got = repo
                .commit_changes(&c, &ChangeSetOptions::default(), None)
                .unwrap();
            let base = c.parent.clone().unwrap_or(EMPTY_TREE.to_string());
            let want = repo.change_set(&base, &c.id).unwrap();
            assert_eq!(got.changes, want.changes, "{}", c.summary);
            assert_eq!(got.base, want.base);
            seen.push((c.summary.clone(), c.parents, c.is_root(), got.changes.len()));
            Ok(true)
        })
        .unwrap();
    assert_eq!(end, WalkEnd::Complete);
    assert_eq!(
        seen,
        [
            ("merge topic".to_string(), 2, false, 1),
            ("main".to_string(), 1, false, 1),
            ("rename and edit".to_string(), 1, false, 2),
            ("root".to_string(), 0, true, 2),
        ]
    );

    // Every non-merge commit: the topic commit too, the merge left out.
    let mut all = Vec::new();
    let every = WalkSpec {
        first_parent: false,
        ..spec("HEAD")
    };
    repo.walk_commits(&every, &mut |c| {
        all.push(c.summary);
        Ok(true)
    })
    .unwrap();
    all.sort();
    assert_eq!(all, ["main", "rename and edit", "root", "topic"]);

    // A limit, and a visitor that stops.
    let mut n = 0;
    let limited = WalkSpec {
        limit: Some(2),
        ..spec("HEAD")
    };
    let end = repo
        .walk_commits(&limited, &mut |_| {
            n += 1;
            Ok(true)
        })
        .unwrap();
    assert_eq!((end, n), (WalkEnd::Limit, 2));
    let end = repo
        .walk_commits(&spec("HEAD"), &mut |_| Ok(false))
        .unwrap();
    assert_eq!(end, WalkEnd::Stopped);
    let since = WalkSpec {
        since: Some(root.clone()),
        ..spec("HEAD")
    };
    let mut ids = Vec::new();
    repo.walk_commits(&since, &mut |c| {
        ids.push(c.id);
        Ok(true)
    })
    .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(!ids.contains(&root));
}

#[test]
fn a_range_from_the_empty_tree_holds_everything_at_head() {
    let f = Fixture::new("main");
    f.write("Dockerfile", "FROM debian:12\n");
    f.write(".github/secarch.yml", "check:\n  name: x\n");
    let root = f.commit("root");
    f.write("b.txt", "b\n");
    let head = f.commit("second");
    let repo = f.repo();
    assert_eq!(repo.resolve_base("4b825dc").unwrap(), EMPTY_TREE);
    assert_eq!(repo.merge_base(EMPTY_TREE, &head).unwrap(), EMPTY_TREE);
    assert!(repo.merge_base(EMPTY_TREE, "nosuch").is_err());
    assert_eq!(repo.count_commits(EMPTY_TREE, &head, 10).unwrap(), 2);
    assert_eq!(
        repo.read_file_at(EMPTY_TREE, ".github/secarch.yml")
            .unwrap(),
        None
    );
    assert!(repo.tree_files(EMPTY_TREE, &|_| true).unwrap().is_empty());
    let cs = repo.change_set(EMPTY_TREE, &head).unwrap();
    assert_eq!(cs.base, EMPTY_TREE);
    let paths: Vec<(&str, ChangeKind)> = cs.changes.iter().map(|c| (c.path(), c.kind)).collect();
    assert_eq!(
        paths,
        [
            (".github/secarch.yml", ChangeKind::Added),
            ("Dockerfile", ChangeKind::Added),
            ("b.txt", ChangeKind::Added)
        ]
    );
    assert_eq!(repo.parent_of_root(&format!("{root}^")), Some(root.clone()));
    assert_eq!(
        repo.parent_of_root(&format!("{root}~1")),
        Some(root.clone())
    );
    assert_eq!(
        repo.parent_of_root(&format!("{head}^")),
        None,
        "head has a parent"
    );
    assert_eq!(repo.parent_of_root("HEAD"), None);
}
