//! An independent oracle for the change set: secarch's tree diff and rename
//! detection against `git diff-tree` on random repositories.
//!
//! Each case is a base commit with a random tree (nested directories whose
//! names straddle `/` in git's entry order, files sharing content, empty
//! files, executables, symlinks, CRLF and binary content) and a head commit
//! made from it by random operations: add, copy, delete, modify, chmod,
//! file ↔ symlink, rename with the same content, move to another directory,
//! rename with edits (a few lines: must pair; exactly half the bytes: must
//! pair; one byte less: must not; most lines: must not), and whatever the
//! paths make of it (a file replaced by a directory and back, a rename onto
//! a path that existed). Both commits are written with `git fast-import`,
//! their objects packed or loose. In `change_set_oracle/`: `model.rs`
//! generates cases, `build.rs` makes them into trees, `oracle.rs` asks git,
//! `shrink.rs` shrinks a failing case to a small one.
//!
//! Compared, in both directions (base → head and head → base), for 1, 2 and
//! 3 threads, through both entry points (`change_set_with`, and
//! `change_set_and_files`, which must give the same change set and list the
//! head files as `git ls-tree -r` does):
//!
//! - every change set with its renames undone equals `git diff-tree
//!   --no-renames`, path for path, id for id, mode for mode;
//! - exact renames only (`rename_limit: 0`, the nearest secarch has to
//!   "renames off": it always pairs identical files) equals `git diff-tree
//!   -M100% --no-rename-empty` (git's exact pass only) row for row, the
//!   pairing of identical files included: both prefer the same file name,
//!   then path order;
//! - renames by similarity (the default) equals `git diff-tree -M50%
//!   --no-rename-empty` (secarch's `RENAME_THRESHOLD`; empty files are never
//!   paired by secarch) with one allowance, [`oracle::by_content`]: which of
//!   several byte-identical files an inexact rename takes is a tie each tool
//!   breaks its own way. Everything else, which target pairs with which
//!   content, at which threshold, is compared exactly. The generator keeps
//!   away from the one situation where git and secarch rank differently by
//!   design (see `build.rs`).
//!
//! 48 cases per property (`PROPTEST_CASES` to change it). A failure prints
//! the shrunk [`model::Case`]; paste it into a `#[test]` calling
//! [`check_case`] to keep it.

#[path = "change_set_oracle/build.rs"]
mod build;
#[path = "change_set_oracle/model.rs"]
mod model;
#[path = "change_set_oracle/oracle.rs"]
mod oracle;
#[path = "change_set_oracle/shrink.rs"]
mod shrink;

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use secarch::git::{ByPath, ChangeSetOptions, DEFAULT_RENAME_LIMIT, RENAME_THRESHOLD, Repo};

use model::{AddBody, AddSpec, Body, Case, Edit, FileSpec, Kind, Op};
use oracle::{Key, Row, by_content, diff_tree, differ, exact, ls_tree, rows, unfold};

/// Head-file filters for `change_set_and_files`: all, and some.
const FILTERS: [fn(&str) -> bool; 2] = [|_| true, |p| p.contains('0') || p.ends_with(".c")];

/// `a` and `b`, each a name and its rows, have the same rows by `key`.
fn agree(what: &str, a: (&str, &[Row]), b: (&str, &[Row]), key: Key) -> Result<(), TestCaseError> {
    match differ(a, b, key) {
        None => Ok(()),
        Some(d) => Err(TestCaseError::fail(format!("{what}:\n{d}"))),
    }
}

/// secarch and git agree on the range `from..to`; returns git's rows with
/// renames.
fn compare(repo: &Repo, dir: &Path, from: &str, to: &str) -> Result<Vec<Row>, TestCaseError> {
    let threshold = format!("-M{RENAME_THRESHOLD}%");
    let plain = diff_tree(dir, from, to, &["--no-renames"]);
    let exact_git = diff_tree(dir, from, to, &["-M100%", "--no-rename-empty"]);
    let similar_git = diff_tree(dir, from, to, &[&threshold, "--no-rename-empty"]);
    // The oracle's own premise: renames only pair what --no-renames lists.
    let undone = "renames undone vs --no-renames";
    let no_renames = ("git --no-renames", &plain[..]);
    agree(
        undone,
        ("git -M100%", &unfold(&exact_git)),
        no_renames,
        exact,
    )?;
    agree(undone, ("git -M", &unfold(&similar_git)), no_renames, exact)?;
    let head_files = ls_tree(dir, to);
    let modes: [(usize, &[Row], Key, &str); 2] = [
        (0, &exact_git, exact, "exact renames vs git -M100%"),
        (
            DEFAULT_RENAME_LIMIT,
            &similar_git,
            by_content,
            "renames vs git -M",
        ),
    ];
    for threads in 1..=3 {
        for (rename_limit, git_rows, key, what) in modes {
            let ctx =
                format!("{from:.7}..{to:.7}, {threads} thread(s), rename_limit {rename_limit}");
            let opts = ChangeSetOptions {
                rename_limit,
                threads,
                ..ChangeSetOptions::default()
            };
            let cs = repo
                .change_set_with(from, to, &opts)
                .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
            let ours = rows(&cs);
            let secarch = ("secarch", &ours[..]);
            agree(
                &format!("{ctx}: {undone}"),
                ("secarch", &unfold(&ours)),
                no_renames,
                exact,
            )?;
            agree(&format!("{ctx}: {what}"), secarch, ("git", git_rows), key)?;
            for keep in FILTERS {
                let (also, files) = repo
                    .change_set_and_files(from, to, &opts, ByPath(keep))
                    .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                let one_pass = format!("{ctx}: change_set_and_files vs change_set_with");
                agree(
                    &one_pass,
                    ("change_set_and_files", &rows(&also)),
                    secarch,
                    exact,
                )?;
                prop_assert_eq!(&also.changes, &cs.changes, "{}", one_pass);
                let want: Vec<_> = head_files
                    .iter()
                    .filter(|(p, _)| keep(p))
                    .cloned()
                    .collect();
                prop_assert_eq!(files, want, "{}: head files vs git ls-tree", ctx);
            }
        }
    }
    Ok(similar_git)
}

/// Build the case's repository and compare both directions; returns git's
/// rows (with renames) from base to head.
fn check_case(case: &Case) -> Result<Vec<Row>, TestCaseError> {
    let (base, head) = build::build(case);
    let dir = oracle::init();
    let (b, h) = oracle::commit_trees(dir.path(), &base, &head, case.packed);
    let repo = Repo::open(dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    compare(&repo, dir.path(), &h, &b)?;
    compare(&repo, dir.path(), &b, &h)
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        // A failure prints the shrunk case; keep it as a #[test] below.
        failure_persistence: None,
        // Shrinking runs every candidate in full (a wide one takes a second
        // or more): bounded in time rather than by proptest's default of
        // 4 steps per case, too few for the repeated passes of `shrink.rs`.
        max_shrink_iters: 10_000,
        max_shrink_time: 120_000,
        result_cache: proptest::test_runner::basic_result_cache,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn change_set_matches_git_on_nested_trees(case in model::nested()) {
        check_case(&case)?;
    }

    /// At least 64 changed top-level directories: the diff is shared
    /// between threads (`PARALLEL_MIN_PAIRS` in `crates/secarch-core/src/git/diff.rs`).
    #[test]
    fn change_set_matches_git_when_threads_share_the_diff(case in model::wide()) {
        let rows = check_case(&case)?;
        let fan: std::collections::BTreeSet<&str> = rows
            .iter()
            .flat_map(|r| [&r.old, &r.new])
            .flatten()
            .filter_map(|s| s.path.split_once('/').map(|(top, _)| top))
            .filter(|top| top.len() == 3 && top.starts_with('d'))
            .collect();
        prop_assert!(fan.len() >= 64, "only {} fan directories changed", fan.len());
    }
}

fn file(path: &[&'static str], body: Body, kind: Kind, op: Op) -> FileSpec {
    FileSpec {
        path: path.to_vec(),
        body,
        kind,
        op,
    }
}

/// A fixed case with every kind of change the properties rely on, checked
/// on git's side first: the generator makes what it claims.
#[test]
fn a_fixed_case_has_every_kind_of_change() {
    use Body::*;
    let case = Case {
        files: vec![
            // Lineage 1: 3 lines, one replaced (about 2/3 kept): pairs.
            file(
                &["a", "x"],
                Text(1),
                Kind::File,
                Op::RenameEdit(vec!["b", "x"], Edit::Replace(1)),
            ),
            // As many new bytes as old ones: exactly 50 %, pairs; one
            // more byte: just under, must not.
            file(
                &["a", "g0"],
                Text(2),
                Kind::File,
                Op::RenameEdit(vec!["b", "g0"], Edit::Double(0)),
            ),
            file(
                &["a", "g1"],
                Text(8),
                Kind::File,
                Op::RenameEdit(vec!["b", "g1"], Edit::Double(1)),
            ),
            // Lineage 7: 9 lines, 6 replaced: must not pair.
            file(
                &["a.c"],
                Text(7),
                Kind::File,
                Op::RenameEdit(vec!["b", "y"], Edit::Replace(6)),
            ),
            // Two copies of lineage 3, one moved: an exact rename with a
            // choice of sources; the same file name wins over path order.
            file(&["b0"], Text(3), Kind::File, Op::Delete),
            file(&["é", "a0"], Text(3), Kind::Exec, Op::Move(vec!["sp ace"])),
            file(&["é", "t"], Text(4), Kind::File, Op::TypeChange),
            file(
                &["a-", "a0"],
                Text(5),
                Kind::File,
                Op::Modify(Edit::Append(1)),
            ),
            file(&["a-", "e"], Empty, Kind::File, Op::Chmod),
            // A file replaced by a directory holding it.
            file(
                &["a-", "f"],
                Text(6),
                Kind::File,
                Op::Rename(vec!["a-", "f", "f"]),
            ),
        ],
        fan: Vec::new(),
        adds: vec![AddSpec {
            path: vec!["a", "new"],
            body: AddBody::Fresh(1),
            kind: Kind::Link,
        }],
        packed: true,
    };
    let rows = check_case(&case).unwrap();
    let mut shown: Vec<String> = rows
        .iter()
        .map(|r| {
            let path =
                |s: &Option<oracle::Side>| s.as_ref().map_or("-", |s| s.path.as_str()).to_string();
            let same = r.old.as_ref().map(|s| &s.id) == r.new.as_ref().map(|s| &s.id);
            format!(
                "{}{} {} {}",
                r.status,
                if same { "=" } else { "" },
                path(&r.old),
                path(&r.new)
            )
        })
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            "A - a/new",
            "A - b/g1",
            "A - b/y",
            "D a.c -",
            "D a/g1 -",
            "D b0 -",
            "M a-/a0 a-/a0",
            "M= a-/e a-/e",
            "R a/g0 b/g0",
            "R a/x b/x",
            "R= a-/f a-/f/f",
            "R= é/a0 sp ace/a0",
            "T= é/t é/t",
        ]
    );
}
