//! The git side: write a case's trees with `git fast-import`, ask
//! `git diff-tree` and `git ls-tree` about them, and the row form both
//! sides are compared in.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use secarch::git::{ChangeKind, ChangeSet, EntryKind};

use super::build::Tree;

/// Run git in `dir` with no system or global configuration (nothing like
/// `diff.renameLimit` may change the oracle) and no repository from the
/// environment (tests run from a git hook); returns stdout.
pub fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write to git");
    }
    drop(input);
    let out = child.wait_with_output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A new repository in a temporary directory (`git init` without the
/// sample hooks; the commits carry their own identity and dates).
pub fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q", "--template="], None);
    dir
}

/// Commit `base`, then `head` on top, with one `git fast-import`, the
/// objects left in its pack or unpacked into loose objects; returns both
/// commit ids.
pub fn commit_trees(dir: &Path, base: &Tree, head: &Tree, packed: bool) -> (String, String) {
    let mut s = Vec::new();
    for (mark, (name, tree)) in [("base", base), ("head", head)].into_iter().enumerate() {
        s.extend(format!("commit refs/heads/{name}\nmark :{}\n", mark + 1).as_bytes());
        s.extend(b"committer Test Dev <dev@example.com> 1793527200 +0000\n");
        s.extend(format!("data {}\n{name}\n", name.len()).as_bytes());
        if mark == 1 {
            s.extend(b"from :1\ndeleteall\n");
        }
        for (path, e) in tree {
            let data = e.data();
            s.extend(
                format!("M {:o} inline {path}\ndata {}\n", e.kind.mode(), data.len()).as_bytes(),
            );
            s.extend(&data);
            s.push(b'\n');
        }
    }
    let marks = dir.join(".git/oracle-marks");
    let export = format!("--export-marks={}", marks.display());
    // Throwaway repositories: no fsync (on a slow disk it was most of the time).
    let unpack = format!(
        "fastimport.unpackLimit={}",
        if packed { 0 } else { 1_000_000 }
    );
    let args = [
        "-c",
        "core.fsync=none",
        "-c",
        &unpack,
        "fast-import",
        "--quiet",
        &export,
    ];
    git(dir, &args, Some(&s));
    let marks = std::fs::read_to_string(marks).expect("marks");
    let id = |mark: &str| {
        marks
            .lines()
            .find_map(|l| l.strip_prefix(mark))
            .map(str::to_string)
            .expect("commit mark")
    };
    (id(":1 "), id(":2 "))
}

/// One side of a changed path: path, blob id, mode.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Side {
    pub path: String,
    pub id: String,
    pub mode: u32,
}

/// One changed path as `git diff-tree --raw` shows it (without the score).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub status: char,
    pub old: Option<Side>,
    pub new: Option<Side>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = |s: &Option<Side>| match s {
            Some(s) => format!("{} ({:o} {})", s.path, s.mode, &s.id[..7]),
            None => "-".to_string(),
        };
        write!(
            f,
            "{} {} -> {}",
            self.status,
            side(&self.old),
            side(&self.new)
        )
    }
}

/// `git diff-tree -r -z --raw` with `flags`, parsed.
pub fn diff_tree(dir: &Path, base: &str, head: &str, flags: &[&str]) -> Vec<Row> {
    let mut args = vec!["diff-tree", "-r", "-z", "--raw", "--no-abbrev"];
    args.extend_from_slice(flags);
    args.extend([base, head]);
    let out = String::from_utf8(git(dir, &args, None)).expect("UTF-8 paths");
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    let mut rows = Vec::new();
    while let Some(meta) = fields.next() {
        let m: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let [old_mode, new_mode, old_id, new_id, status] = m[..] else {
            panic!("unexpected diff-tree record {meta:?}");
        };
        let status = status.chars().next().expect("status");
        let first = fields.next().expect("path").to_string();
        let (old_path, new_path) = if matches!(status, 'R' | 'C') {
            (first, fields.next().expect("second path").to_string())
        } else {
            (first.clone(), first)
        };
        let side = |path: String, mode: &str, id: &str| {
            let mode = u32::from_str_radix(mode, 8).expect("octal mode");
            (mode != 0).then(|| Side {
                path,
                id: id.to_string(),
                mode,
            })
        };
        rows.push(Row {
            status,
            old: side(old_path, old_mode, old_id),
            new: side(new_path, new_mode, new_id),
        });
    }
    rows.sort();
    rows
}

/// `(path, blob id)` of every file and symlink at `commit`, sorted.
pub fn ls_tree(dir: &Path, commit: &str) -> Vec<(String, String)> {
    let out = git(dir, &["ls-tree", "-r", "-z", "--full-tree", commit], None);
    let mut files: Vec<(String, String)> = String::from_utf8(out)
        .expect("UTF-8 paths")
        .split('\0')
        .filter(|r| !r.is_empty())
        .filter_map(|r| {
            let (meta, path) = r.split_once('\t')?;
            let mut m = meta.split(' ');
            let (_mode, kind, id) = (m.next()?, m.next()?, m.next()?);
            (kind == "blob").then(|| (path.to_string(), id.to_string()))
        })
        .collect();
    files.sort();
    files
}

/// secarch's change set as rows.
pub fn rows(cs: &ChangeSet) -> Vec<Row> {
    let side = |s: &Option<secarch::git::Side>| {
        s.as_ref().map(|s| Side {
            path: s.path.clone(),
            id: s.id.clone(),
            mode: match s.kind {
                EntryKind::File => 0o100644,
                EntryKind::Executable => 0o100755,
                EntryKind::Symlink => 0o120000,
                EntryKind::Submodule => 0o160000,
            },
        })
    };
    let mut rows: Vec<Row> = cs
        .changes
        .iter()
        .map(|c| Row {
            status: match c.kind {
                ChangeKind::Added => 'A',
                ChangeKind::Deleted => 'D',
                ChangeKind::Modified => 'M',
                ChangeKind::Renamed => 'R',
                ChangeKind::Copied => 'C',
                ChangeKind::TypeChanged => 'T',
            },
            old: side(&c.old),
            new: side(&c.new),
        })
        .collect();
    rows.sort();
    rows
}

/// Renames undone: a deletion plus an addition, as `--no-renames` shows it.
pub fn unfold(rows: &[Row]) -> Vec<Row> {
    rows.iter()
        .flat_map(|r| match r.status {
            'R' => vec![
                Row {
                    status: 'D',
                    old: r.old.clone(),
                    new: None,
                },
                Row {
                    status: 'A',
                    old: None,
                    new: r.new.clone(),
                },
            ],
            _ => vec![r.clone()],
        })
        .collect()
}

/// How a row is compared.
pub type Key = fn(&Row) -> String;

/// Every row as it is.
pub fn exact(r: &Row) -> String {
    r.to_string()
}

/// The one allowance for inexact renames: which of several byte-identical
/// files (same blob id, both regular or both symlinks) an inexact rename
/// takes is a tie each tool breaks its own way, so inexact renames, and the
/// additions and deletions left over, are compared by content (id and
/// file/symlink) instead of path. Exact renames (same id on both sides: the
/// same rule in both tools) and every other row are compared as they are;
/// the paths of everything added and deleted are pinned by comparing
/// [`unfold`]ed rows with `--no-renames`.
pub fn by_content(r: &Row) -> String {
    let content = |s: &Option<Side>| match s {
        Some(s) if s.mode == 0o120000 => format!("link {}", s.id),
        Some(s) => format!("file {}", s.id),
        None => "-".to_string(),
    };
    let inexact = r.status == 'R' && r.old.as_ref().map(|s| &s.id) != r.new.as_ref().map(|s| &s.id);
    if inexact || matches!(r.status, 'A' | 'D') {
        format!("{}~ {} -> {}", r.status, content(&r.old), content(&r.new))
    } else {
        r.to_string()
    }
}

/// `None` when both sides have the same rows as multisets of `key`, else
/// the rows (in full) only each side has. A side is a name and its rows.
pub fn differ(a: (&str, &[Row]), b: (&str, &[Row]), key: Key) -> Option<String> {
    let only = |a: &[Row], b: &[Row]| {
        let mut left: Vec<String> = b.iter().map(key).collect();
        a.iter()
            .filter(|r| match left.iter().position(|k| *k == key(r)) {
                Some(i) => {
                    left.swap_remove(i);
                    false
                }
                None => true,
            })
            .map(|r| match key(r) {
                k if k == r.to_string() => k,
                k => format!("{r}    [compared as: {k}]"),
            })
            .collect::<Vec<_>>()
    };
    let list = |name: &str, rows: Vec<String>| match rows.is_empty() {
        true => format!("only {name}: none"),
        false => format!("only {name}:\n  {}", rows.join("\n  ")),
    };
    let (mine, theirs) = (only(a.1, b.1), only(b.1, a.1));
    (!mine.is_empty() || !theirs.is_empty())
        .then(|| format!("{}\n{}", list(a.0, mine), list(b.0, theirs)))
}
