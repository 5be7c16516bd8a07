//! Rename detection limits: exact always, full similarity search within the
//! limit, same-name pairs above it.

use super::Fixture;
use crate::git::{ChangeKind, ChangeSet, ChangeSetOptions};

fn text(seed: &str) -> String {
    (0..12).map(|i| format!("{seed} line {i}\n")).collect()
}

fn renames(cs: &ChangeSet) -> Vec<(&str, &str)> {
    cs.changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Renamed)
        .map(|c| (c.old_path().unwrap_or_default(), c.path()))
        .collect()
}

/// Base: four files; head: one exact move, two edited directory moves
/// (same file name), one edited move with a new name.
fn fixture() -> (Fixture, String, String) {
    let f = Fixture::new("main");
    f.write("exact/a.txt", text("a"));
    f.write("old/b.yml", text("b"));
    f.write("old/c.yml", text("c"));
    f.write("old/d.yml", text("d"));
    let base = f.commit("base");
    f.mv("exact/a.txt", "moved/a.txt");
    for (name, seed) in [("b.yml", "b"), ("c.yml", "c")] {
        f.remove(&format!("old/{name}"));
        f.write(&format!("new/{name}"), text(seed) + "edited\n");
    }
    f.remove("old/d.yml");
    f.write("new/renamed-d.yml", text("d") + "edited\n");
    let head = f.commit("moves");
    (f, base, head)
}

#[test]
fn within_the_limit_every_similar_pair_is_found() {
    let (f, base, head) = fixture();
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(
        renames(&cs),
        vec![
            ("exact/a.txt", "moved/a.txt"),
            ("old/b.yml", "new/b.yml"),
            ("old/c.yml", "new/c.yml"),
            ("old/d.yml", "new/renamed-d.yml"),
        ]
    );
    assert_eq!(cs.changes.len(), 4);
}

#[test]
fn above_the_limit_only_same_name_pairs_are_compared() {
    let (f, base, head) = fixture();
    // 3 sources + 3 targets left after the exact pass > 5.
    let opts = ChangeSetOptions {
        rename_limit: 5,
        ..Default::default()
    };
    let cs = f.repo().change_set_with(&base, &head, &opts).unwrap();
    assert_eq!(
        renames(&cs),
        vec![
            ("exact/a.txt", "moved/a.txt"),
            ("old/b.yml", "new/b.yml"),
            ("old/c.yml", "new/c.yml"),
        ]
    );
    let kinds: Vec<_> = cs.changes.iter().map(|c| (c.path(), c.kind)).collect();
    assert!(
        kinds.contains(&("new/renamed-d.yml", ChangeKind::Added)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("old/d.yml", ChangeKind::Deleted)),
        "{kinds:?}"
    );
    // Exactly at the limit the full search runs.
    let opts = ChangeSetOptions {
        rename_limit: 6,
        ..Default::default()
    };
    let cs = f.repo().change_set_with(&base, &head, &opts).unwrap();
    assert_eq!(renames(&cs).len(), 4);
}

#[test]
fn limit_zero_keeps_exact_renames_only() {
    let (f, base, head) = fixture();
    let opts = ChangeSetOptions {
        rename_limit: 0,
        ..Default::default()
    };
    let cs = f.repo().change_set_with(&base, &head, &opts).unwrap();
    assert_eq!(renames(&cs), vec![("exact/a.txt", "moved/a.txt")]);
    assert_eq!(cs.changes.len(), 7);
}

#[test]
fn ambiguous_names_are_not_paired_by_name() {
    let f = Fixture::new("main");
    f.write("x/conf.yml", text("x"));
    f.write("y/conf.yml", text("y"));
    let base = f.commit("base");
    f.remove("x");
    f.remove("y");
    f.write("z/conf.yml", text("x") + "edited\n");
    let head = f.commit("merge two into one");
    let opts = ChangeSetOptions {
        rename_limit: 1,
        ..Default::default()
    };
    let cs = f.repo().change_set_with(&base, &head, &opts).unwrap();
    assert!(renames(&cs).is_empty(), "{:?}", renames(&cs));
    // The full search picks the right one.
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(renames(&cs), vec![("x/conf.yml", "z/conf.yml")]);
}

#[test]
fn names_repeated_among_the_targets_are_not_paired_by_name() {
    let f = Fixture::new("main");
    for name in ["one", "three", "solo"] {
        f.write(&format!("src/{name}.yml"), text(name));
    }
    let base = f.commit("base");
    f.remove("src");
    // Twice, three times, once.
    for dir in ["p", "q"] {
        f.write(&format!("{dir}/one.yml"), text("one") + dir);
    }
    for dir in ["r", "s", "t"] {
        f.write(&format!("{dir}/three.yml"), text("three") + dir);
    }
    f.write("moved/solo.yml", text("solo") + "edited\n");
    let head = f.commit("copies and a move");
    let opts = ChangeSetOptions {
        rename_limit: 1,
        ..Default::default()
    };
    let cs = f.repo().change_set_with(&base, &head, &opts).unwrap();
    assert_eq!(renames(&cs), vec![("src/solo.yml", "moved/solo.yml")]);
}

#[test]
fn best_match_wins_when_several_sources_are_similar() {
    let f = Fixture::new("main");
    let common = text("shared");
    f.write("a.txt", common.clone() + "only in a 1\nonly in a 2\n");
    f.write("b.txt", common.clone() + "only in b 1\nonly in b 2\n");
    let base = f.commit("base");
    f.remove("a.txt");
    f.remove("b.txt");
    f.write("new.txt", common + "only in b 1\nonly in b 2\nplus\n");
    let head = f.commit("one survives");
    let cs = f.repo().change_set(&base, &head).unwrap();
    assert_eq!(renames(&cs), vec![("b.txt", "new.txt")]);
    assert_eq!(cs.changes.len(), 2, "a.txt stays a deletion");
}
