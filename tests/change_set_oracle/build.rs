//! A [`Case`] made into a base tree of files and a head tree: the base
//! files in order (a later one replaces what is in its way), then one
//! operation per base file that made it, then the additions.
//!
//! Contents are lines. Every base file's content is one of a few dozen
//! *lineages* (so files share content), 2 to 10 lines long, some with a
//! repeated line, CRLF line ends or a NUL (binary: the CRs count); edits
//! replace, append or remove lines with new ones, or land right on the 50 %
//! threshold ([`Edit`]). Distinct lines have distinct chunk hashes under
//! git's own hash (`diffcore-delta.c`: modulo 107927, so it can collide),
//! with and without their CR, so git's similarity score is the exact byte
//! count, as secarch's is (32-bit hash): the two scores agree byte for byte,
//! and a pair right at the threshold is decided the same way by both. No
//! content shares a line with another lineage, so a file can only be
//! similar to its own lineage's content.
//!
//! One rule keeps git and secarch comparable on inexact renames: a lineage
//! has at most one *edited move* (a later one moves without editing). With
//! two, two different targets could compete for fewer copies of their
//! source, where git and secarch rank by design differently (git first pairs
//! unique same-name files at ≥ 75 %, and scores in 1/60000; secarch ranks
//! whole percents, then same name, then path order). Without it, a target's
//! competitors are byte-identical files, which any rule may swap.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::model::{AddBody, Body, Case, Edit, FileSpec, Kind, Op};

/// A file in a generated tree.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    lines: Vec<String>,
    lineage: Option<u32>,
    edited: bool,
    /// The spec it was made from (base files), to know who survived.
    origin: usize,
}

impl Entry {
    pub fn data(&self) -> Vec<u8> {
        self.lines.concat().into_bytes()
    }
}

/// Paths to files; a file never shares a path with a directory.
pub type Tree = BTreeMap<String, Entry>;

/// Put `entry` at `path`, removing what is in the way: a file where a
/// directory of the path must be, a directory where the file must be.
fn insert(tree: &mut Tree, path: String, entry: Entry) {
    for (i, _) in path.match_indices('/') {
        tree.remove(&path[..i]);
    }
    let under = format!("{path}/");
    let inside: Vec<String> = tree
        .range(under.clone()..)
        .take_while(|(p, _)| p.starts_with(&under))
        .map(|(p, _)| p.clone())
        .collect();
    for p in inside {
        tree.remove(&p);
    }
    tree.insert(path, entry);
}

/// git's chunk hash (`hash_chars` in `diffcore-delta.c`) of one line as
/// git hashes it (under 64 bytes; git drops the CR of a CRLF in text, not
/// in binary content).
fn git_chunk_hash(line: &[u8]) -> u32 {
    let (mut a1, mut a2) = (0u32, 0u32);
    for &c in line {
        let old = a1;
        a1 = (a1 << 7) ^ (a2 >> 25);
        a2 = (a2 << 7) ^ (old >> 25);
        a1 = a1.wrapping_add(u32::from(c));
    }
    a1.wrapping_add(a2.wrapping_mul(0x61)) % 107_927
}

/// How a line ends and whether it makes its file binary.
#[derive(Clone, Copy, Default)]
struct Style {
    crlf: bool,
    nul: bool,
}

/// Every line of a case, made once per key, with git chunk hashes (with
/// and without its CR) no other line of the case has.
#[derive(Default)]
struct Lines {
    made: HashMap<(char, u32, u32), String>,
    hashes: HashSet<u32>,
}

impl Lines {
    /// Line `b` of `a` (a lineage, an edit), `width` bytes long (20 to 63).
    /// The width is the caller's, from what the line stands for, never from
    /// the order lines are made in: a shrunk case keeps its scores.
    fn make(&mut self, tag: char, a: u32, b: u32, width: usize, style: Style) -> String {
        if let Some(l) = self.made.get(&(tag, a, b)) {
            return l.clone();
        }
        let line = (0..)
            .map(|salt| {
                let mut l = String::from(if style.nul { "\0" } else { "" });
                l.push_str(&match salt {
                    0 => format!("{tag}{a} line {b} "),
                    s => format!("{tag}{a} line {b} {s} "),
                });
                let end = if style.crlf { "\r\n" } else { "\n" };
                while l.len() + end.len() < width {
                    l.push('~');
                }
                l + end
            })
            .find(|l| {
                let hashes = [l.clone(), l.replace('\r', "")].map(|v| git_chunk_hash(v.as_bytes()));
                let free = hashes.iter().all(|h| !self.hashes.contains(h));
                if free {
                    self.hashes.extend(hashes);
                }
                free
            })
            .expect("a free hash");
        debug_assert!(
            line.len() == width && width < 64,
            "{line:?} is not {width} bytes"
        );
        self.made.insert((tag, a, b), line.clone());
        line
    }

    /// Lineage `n`'s content: 2 to 10 lines; every third repeats a line
    /// (chunks counted twice), every fourth ends its lines in CRLF, and
    /// every eighth of those is binary (a NUL: git and secarch then count
    /// the CRs too).
    fn lineage(&mut self, n: u32) -> Vec<String> {
        let style = Style {
            crlf: n % 4 == 1,
            nul: false,
        };
        let mut lines: Vec<String> = (0..2 + n % 9)
            .map(|i| {
                let nul = i == 0 && n % 8 == 5;
                self.make('L', n, i, width(n, i), Style { nul, ..style })
            })
            .collect();
        if n.is_multiple_of(3) {
            lines.push(lines[0].clone());
        }
        lines
    }
}

/// A line's width from two numbers: 20 to 42 bytes.
fn width(a: u32, b: u32) -> usize {
    20 + (a.wrapping_mul(5).wrapping_add(b * 3) % 23) as usize
}

/// Builds a case's trees; `edits` numbers the edits (each makes new lines).
struct Builder {
    lines: Lines,
    edits: u32,
    /// Lineages with an edited move already.
    moved_edited: HashSet<u32>,
}

impl Builder {
    fn entry(&mut self, lineage: Option<u32>, kind: Kind, origin: usize) -> Entry {
        let lines = lineage.map_or_else(Vec::new, |n| self.lines.lineage(n));
        // A symlink needs a target.
        let kind = if lines.is_empty() { Kind::File } else { kind };
        Entry {
            kind,
            lines,
            lineage,
            edited: false,
            origin,
        }
    }

    /// Edit the entry at base path `at` (whose op this is: the new lines'
    /// widths come from it).
    fn edit(&mut self, e: &mut Entry, edit: Edit, at: &str) {
        self.edits += 1;
        let at = at
            .bytes()
            .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
        let mut lines = e.lines.clone();
        let n = lines.len();
        match edit {
            Edit::Replace(k) => {
                for (j, l) in lines.iter_mut().take(usize::from(k)).enumerate() {
                    let j = j as u32;
                    *l = self
                        .lines
                        .make('N', self.edits, j, width(at, j), Style::default());
                }
            }
            Edit::Append(k) => {
                for j in 0..u32::from(k) {
                    let w = width(at, j);
                    lines.push(self.lines.make('N', self.edits, j, w, Style::default()));
                }
            }
            Edit::Remove(k) => lines.truncate(n.saturating_sub(usize::from(k))),
            Edit::Double(d) | Edit::Trade(d) => {
                if let Edit::Trade(_) = edit {
                    lines.pop();
                }
                let size: usize = lines.iter().map(String::len).sum();
                let want = size.saturating_add_signed(isize::from(d)).max(20);
                let parts = want.div_ceil(48);
                for j in 0..parts {
                    let len = want / parts + usize::from(j < want % parts);
                    lines.push(
                        self.lines
                            .make('G', self.edits, j as u32, len, Style::default()),
                    );
                }
            }
        }
        if e.kind == Kind::Link && lines.is_empty() {
            return;
        }
        e.lines = lines;
        e.edited = true;
    }

    fn apply(&mut self, head: &mut Tree, path: &str, op: &Op) {
        match op {
            Op::Keep => {}
            Op::Delete => {
                head.remove(path);
            }
            Op::Modify(edit) => {
                if let Some(mut e) = head.remove(path) {
                    self.edit(&mut e, *edit, path);
                    head.insert(path.to_string(), e);
                }
            }
            Op::Chmod | Op::TypeChange => {
                if let Some(e) = head.get_mut(path) {
                    e.kind = match (op, e.kind) {
                        (Op::Chmod, Kind::File) => Kind::Exec,
                        (Op::Chmod, Kind::Exec) => Kind::File,
                        (Op::TypeChange, Kind::Link) => Kind::File,
                        (Op::TypeChange, _) if !e.lines.is_empty() => Kind::Link,
                        (_, k) => k,
                    };
                }
            }
            Op::Rename(to) | Op::Move(to) | Op::RenameEdit(to, _) => {
                let Some(mut e) = head.remove(path) else {
                    return;
                };
                let dest = match op {
                    Op::Move(dir) => {
                        let name = path.rsplit('/').next().unwrap_or(path);
                        dir.iter()
                            .copied()
                            .chain([name])
                            .collect::<Vec<_>>()
                            .join("/")
                    }
                    _ => to.join("/"),
                };
                if let Op::RenameEdit(_, edit) = op {
                    let first = e.lineage.is_none_or(|n| self.moved_edited.insert(n));
                    if e.edited || first {
                        self.edit(&mut e, *edit, path);
                    }
                }
                insert(head, dest, e);
            }
        }
    }
}

/// The base and head trees of a case.
pub fn build(case: &Case) -> (Tree, Tree) {
    let mut b = Builder {
        lines: Lines::default(),
        edits: 0,
        moved_edited: HashSet::new(),
    };
    let lineage = |body: Body| match body {
        Body::Empty => None,
        Body::Text(n) => Some(u32::from(n)),
    };
    let fan = case
        .fan
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("d{i:02}/{}", f.path.join("/")), f));
    let all: Vec<(String, &FileSpec)> = case
        .files
        .iter()
        .map(|f| (f.path.join("/"), f))
        .chain(fan)
        .collect();
    let mut base = Tree::new();
    for (origin, (path, f)) in all.iter().enumerate() {
        let e = b.entry(lineage(f.body), f.kind, origin);
        insert(&mut base, path.clone(), e);
    }
    let mut head = base.clone();
    for (origin, (path, f)) in all.iter().enumerate() {
        // Only files that made it into base have an operation.
        if base.get(path).is_some_and(|e| e.origin == origin) {
            b.apply(&mut head, path, &f.op);
        }
    }
    for (i, a) in case.adds.iter().enumerate() {
        let lineage = match a.body {
            AddBody::Empty => None,
            AddBody::Fresh(n) => Some(1000 + u32::from(n)),
            AddBody::CopyOf(n) => case
                .files
                .get(usize::from(n) % case.files.len().max(1))
                .and_then(|f| lineage(f.body)),
        };
        let e = b.entry(lineage, a.kind, all.len() + i);
        insert(&mut head, a.path.join("/"), e);
    }
    (base, head)
}
