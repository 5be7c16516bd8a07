//! Rename detection over a raw tree diff.
//!
//! 1. **Exact**: a deleted and an added entry with the same blob id (a hash
//!    join, linear, unbounded). Ties prefer the same file name, then path order.
//! 2. **Similar content** (≥ [`THRESHOLD`] %, scored like git, see
//!    `similarity.rs`) among what is left, when at most
//!    [`ChangeSetOptions::rename_limit`] files are left on both sides together.
//!    git compares every pair; here candidates come from an index of rare
//!    content chunks, so the cost is reading the files, not the pairs.
//! 3. Above the limit, like git, no full search — reading thousands of blobs
//!    would cost more than the whole tree diff — but pairs with the same
//!    file name (unique on each side; a moved directory) are still compared.
//!
//! What stays unpaired is an addition plus a deletion, which still names both
//! paths: no watched path can hide behind a missed rename. Copies are not
//! detected. Empty files are never paired (all empty files share one id).

use std::collections::HashMap;

use git2::{ObjectType, Odb, Oid};

use super::diff::{ChangeSetOptions, modified};
use super::repo::Repo;
use super::repo_error::{GitError, ctx};
use super::similarity::{Signature, signature, similarity, sizes_compatible};
use super::{ChangeKind, EntryKind, FileChange, Side, entry_kind};

/// Minimum similarity (percent) for an inexact rename, git's default.
pub const THRESHOLD: u64 = 50;
/// Default [`ChangeSetOptions::rename_limit`]. Reading 2,000 small blobs
/// takes ≈ 30 ms on the benchmark machine (`BENCHMARKS.md`), under half the
/// tree diff of a 100k-file change; git's own default allows a 1000 × 1000
/// search, i.e. 2,000 files.
pub const DEFAULT_RENAME_LIMIT: usize = 2_000;
/// Most same-name pairs compared when the full search is skipped.
const MAX_NAME_PAIRS: usize = 20_000;
/// Larger files are only paired by exact id.
const MAX_SIMILARITY_BYTES: usize = 1024 * 1024;
/// Total content read for inexact renames.
const MAX_TOTAL_BYTES: usize = 256 * 1024 * 1024;
/// Chunks found in more targets than this do not nominate candidates
/// (blank lines, `}`, licence headers); they still count in the score.
const POSTING_CAP: usize = 128;
/// git's id of the empty blob.
const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

/// One side of a raw change: path in bytes (git paths need not be UTF-8).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: Vec<u8>,
    pub id: Oid,
    pub kind: EntryKind,
}

impl Entry {
    /// `None` for trees and unknown modes.
    pub fn new(path: Vec<u8>, id: Oid, mode: i32) -> Option<Entry> {
        entry_kind(mode).map(|kind| Entry { path, id, kind })
    }

    fn into_side(self) -> Side {
        Side {
            path: String::from_utf8(self.path)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            id: hex_id(self.id),
            kind: self.kind,
        }
    }
}

/// An addition or deletion waiting for rename detection: already in its
/// change-set form (converted by the traversal's worker that found it, not
/// by the serial detection), with its id kept binary for the joins.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub side: Side,
    id: Oid,
}

impl From<Entry> for Candidate {
    fn from(e: Entry) -> Candidate {
        let id = e.id;
        Candidate {
            side: e.into_side(),
            id,
        }
    }
}

impl Candidate {
    fn basename(&self) -> &str {
        self.side.path.rsplit('/').next().unwrap_or(&self.side.path)
    }

    fn is_regular(&self) -> bool {
        matches!(self.side.kind, EntryKind::File | EntryKind::Executable)
    }

    fn kind(&self) -> EntryKind {
        self.side.kind
    }
}

/// Order of the candidates [`detect`] takes: by path.
pub(crate) fn by_path(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    a.side.path.cmp(&b.side.path)
}

/// Lowercase hex of an id, without going through `fmt` (10k+ per change set).
fn hex_id(id: Oid) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * id.as_bytes().len());
    for &b in id.as_bytes() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Pair deletions with additions into renames; the rest stay additions and
/// deletions. Both sides come sorted by path ([`by_path`]), which makes the
/// pairing deterministic whatever order the traversal found them in.
pub(crate) fn detect(
    repo: &Repo,
    added: Vec<Candidate>,
    deleted: Vec<Candidate>,
    opts: &ChangeSetOptions,
    wanted: Option<&mut dyn FnMut(&str) -> bool>,
) -> Result<Vec<FileChange>, GitError> {
    debug_assert!(added.is_sorted_by(|a, b| by_path(a, b).is_le()));
    debug_assert!(deleted.is_sorted_by(|a, b| by_path(a, b).is_le()));
    let mut out = Vec::with_capacity(added.len() + deleted.len());
    let mut src_used = vec![false; deleted.len()];
    let mut tgt_used = vec![false; added.len()];
    let mut pairs = exact(&added, &deleted, &mut src_used, &mut tgt_used);
    // The caller looks at `wanted` paths only: without one among the
    // leftovers, no pairing can change what it sees.
    let needed = wanted.is_none_or(|wanted| {
        added
            .iter()
            .zip(&tgt_used)
            .chain(deleted.iter().zip(&src_used))
            .any(|(c, used)| !used && wanted(&c.side.path))
    });
    if opts.rename_limit > 0 && needed {
        let mut sides = Sides {
            added: &added,
            deleted: &deleted,
            src_used: &mut src_used,
            tgt_used: &mut tgt_used,
        };
        pairs.extend(sides.inexact(repo, opts.rename_limit)?);
    }
    let mut deleted: Vec<Option<Side>> = deleted.into_iter().map(|c| Some(c.side)).collect();
    let mut added: Vec<Option<Side>> = added.into_iter().map(|c| Some(c.side)).collect();
    for (s, t) in pairs {
        out.push(FileChange {
            kind: ChangeKind::Renamed,
            old: deleted[s].take(),
            new: added[t].take(),
        });
    }
    out.extend(deleted.into_iter().flatten().map(|old| FileChange {
        kind: ChangeKind::Deleted,
        old: Some(old),
        new: None,
    }));
    out.extend(added.into_iter().flatten().map(|new| FileChange {
        kind: ChangeKind::Added,
        old: None,
        new: Some(new),
    }));
    Ok(out)
}

/// A same-path change as it appears in a change set. Needs no other change,
/// so the traversal's workers convert their own (`listing.rs`).
pub(crate) fn modified_change(old: Entry, new: Entry) -> FileChange {
    modified(old.into_side(), new.into_side())
}

/// Same blob id, compatible kind (file/executable with each other, symlink with symlink).
fn exact(
    added: &[Candidate],
    deleted: &[Candidate],
    src_used: &mut [bool],
    tgt_used: &mut [bool],
) -> Vec<(usize, usize)> {
    let empty = Oid::from_str(EMPTY_BLOB).ok();
    let pairable =
        |e: &Candidate| Some(e.id) != empty && (e.is_regular() || e.kind() == EntryKind::Symlink);
    // Deletions by id: the first of each id in `first`, the others chained in
    // `next`, all in path order (no vector per id).
    let mut first: HashMap<Oid, usize, IdHash> = HashMap::default();
    let mut next = vec![usize::MAX; deleted.len()];
    for (i, d) in deleted
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, d)| pairable(d))
    {
        if let Some(later) = first.insert(d.id, i) {
            next[i] = later;
        }
    }
    let mut pairs = Vec::new();
    if first.is_empty() {
        return pairs;
    }
    for (t, a) in added.iter().enumerate().filter(|(_, a)| pairable(a)) {
        let Some(&head) = first.get(&a.id) else {
            continue;
        };
        let cands =
            std::iter::successors(Some(head), |&s| Some(next[s]).filter(|&n| n != usize::MAX));
        let usable = |&s: &usize| !src_used[s] && deleted[s].is_regular() == a.is_regular();
        let best = cands
            .clone()
            .filter(usable)
            .find(|&s| deleted[s].basename() == a.basename())
            .or_else(|| cands.clone().find(usable));
        if let Some(s) = best {
            src_used[s] = true;
            tgt_used[t] = true;
            pairs.push((s, t));
        }
    }
    pairs
}

/// Hashes object ids by their first eight bytes: an id is already a
/// cryptographic hash, so SipHash's mixing (the standard map's default) buys
/// nothing here and cost a tenth of the rename detection.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

type IdHash = std::hash::BuildHasherDefault<IdHasher>;

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `Oid` hashes its bytes as a slice: a length, then the bytes. Any
        // input still hashes (short ones fold in byte by byte).
        for chunk in bytes.chunks(8).take(1) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }

    fn write_usize(&mut self, _len: usize) {}
}

/// The unpaired entries of both sides.
struct Sides<'a> {
    added: &'a [Candidate],
    deleted: &'a [Candidate],
    src_used: &'a mut [bool],
    tgt_used: &'a mut [bool],
}

impl Sides<'_> {
    fn inexact(&mut self, repo: &Repo, limit: usize) -> Result<Vec<(usize, usize)>, GitError> {
        let empty = Oid::from_str(EMPTY_BLOB).ok();
        let open = |e: &[Candidate], used: &[bool]| -> Vec<usize> {
            (0..e.len())
                .filter(|&i| !used[i] && e[i].is_regular() && Some(e[i].id) != empty)
                .collect()
        };
        let srcs = open(self.deleted, self.src_used);
        let tgts = open(self.added, self.tgt_used);
        if srcs.is_empty() || tgts.is_empty() {
            return Ok(Vec::new());
        }
        let mut loader = Loader {
            odb: repo
                .git
                .odb()
                .map_err(ctx("cannot open the object database"))?,
            budget: MAX_TOTAL_BYTES,
        };
        let scored = if srcs.len() + tgts.len() <= limit {
            self.score_all(&mut loader, &srcs, &tgts)
        } else {
            self.score_same_names(&mut loader, &srcs, &tgts)
        };
        Ok(self.assign(scored))
    }

    /// Every plausible pair, found through an index of target chunks.
    fn score_all(&self, loader: &mut Loader<'_>, srcs: &[usize], tgts: &[usize]) -> Vec<Scored> {
        let load = |loader: &mut Loader<'_>,
                    side: &[Candidate],
                    idx: &[usize]|
         -> Vec<(usize, Signature)> {
            idx.iter()
                .filter_map(|&i| loader.signature(&side[i]).map(|s| (i, s)))
                .collect()
        };
        let srcs = load(loader, self.deleted, srcs);
        let tgts = load(loader, self.added, tgts);
        // (chunk hash, target position), sorted: a flat inverted index.
        let mut index: Vec<(u32, u32)> = tgts
            .iter()
            .enumerate()
            .flat_map(|(ti, (_, sig))| sig.chunks.iter().map(move |c| (c.0, ti as u32)))
            .collect();
        index.sort_unstable();
        let mut seen = vec![false; tgts.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut scored = Vec::new();
        for (s, ssig) in &srcs {
            for &(h, _) in &ssig.chunks {
                let start = index.partition_point(|e| e.0 < h);
                let end = start + index[start..].partition_point(|e| e.0 == h);
                if end - start > POSTING_CAP {
                    continue;
                }
                for &(_, ti) in &index[start..end] {
                    if !std::mem::replace(&mut seen[ti as usize], true) {
                        touched.push(ti);
                    }
                }
            }
            for ti in touched.drain(..) {
                seen[ti as usize] = false;
                let (t, tsig) = &tgts[ti as usize];
                if sizes_compatible(ssig.size, tsig.size, THRESHOLD) {
                    self.push_if_similar(&mut scored, *s, ssig, *t, tsig);
                }
            }
        }
        scored
    }

    /// Only pairs whose file name is unique among the unpaired files of each side.
    fn score_same_names(
        &self,
        loader: &mut Loader<'_>,
        srcs: &[usize],
        tgts: &[usize],
    ) -> Vec<Scored> {
        // (file name, position), sorted, keeping only names that occur once.
        // Sorted lists joined, not hash maps: cheaper than SipHash on every
        // name, and n log n whatever names the change under review holds.
        fn unique<'e>(side: &'e [Candidate], idx: &[usize]) -> Vec<(&'e str, usize)> {
            let mut named: Vec<(&str, usize)> =
                idx.iter().map(|&i| (side[i].basename(), i)).collect();
            named.sort_unstable();
            let mut once = Vec::with_capacity(named.len());
            for (k, &(name, i)) in named.iter().enumerate() {
                let same = |j: usize| named.get(j).is_some_and(|n| n.0 == name);
                let repeated = (k > 0 && same(k - 1)) || same(k + 1);
                if !repeated {
                    once.push((name, i));
                }
            }
            once
        }
        let (sources, targets) = (unique(self.deleted, srcs), unique(self.added, tgts));
        let mut pairs = Vec::new();
        let (mut a, mut b) = (sources.iter().peekable(), targets.iter().peekable());
        while let (Some(&&(sn, s)), Some(&&(tn, t))) = (a.peek(), b.peek()) {
            let ord = sn.cmp(tn);
            if ord.is_eq() {
                pairs.push((s, t));
            }
            if ord.is_le() {
                a.next();
            }
            if ord.is_ge() {
                b.next();
            }
        }
        pairs.sort_unstable();
        pairs.truncate(MAX_NAME_PAIRS);
        let mut scored = Vec::new();
        for (s, t) in pairs {
            let (Some(ssig), Some(tsig)) = (
                loader.signature(&self.deleted[s]),
                loader.signature(&self.added[t]),
            ) else {
                continue;
            };
            if sizes_compatible(ssig.size, tsig.size, THRESHOLD) {
                self.push_if_similar(&mut scored, s, &ssig, t, &tsig);
            }
        }
        scored
    }

    fn push_if_similar(
        &self,
        out: &mut Vec<Scored>,
        s: usize,
        ss: &Signature,
        t: usize,
        ts: &Signature,
    ) {
        let score = similarity(ss, ts);
        if score >= THRESHOLD {
            let same_name = self.deleted[s].basename() == self.added[t].basename();
            out.push(Scored {
                score,
                same_name,
                s,
                t,
            });
        }
    }

    /// Best first; ties: same file name, then path order (indices are path-sorted).
    fn assign(&mut self, mut scored: Vec<Scored>) -> Vec<(usize, usize)> {
        scored.sort_by(|a, b| {
            (b.score, b.same_name, a.s, a.t).cmp(&(a.score, a.same_name, b.s, b.t))
        });
        let mut pairs = Vec::new();
        for Scored { s, t, .. } in scored {
            if !self.src_used[s] && !self.tgt_used[t] {
                self.src_used[s] = true;
                self.tgt_used[t] = true;
                pairs.push((s, t));
            }
        }
        pairs
    }
}

/// A candidate rename: source and target positions with their score.
struct Scored {
    score: u64,
    same_name: bool,
    s: usize,
    t: usize,
}

/// Reads blobs for scoring within the size bounds.
struct Loader<'r> {
    odb: Odb<'r>,
    budget: usize,
}

impl Loader<'_> {
    /// `None` when the blob is too large, over budget or unreadable: a
    /// missing object only costs the rename, not the diff.
    fn signature(&mut self, e: &Candidate) -> Option<Signature> {
        let (size, kind) = self.odb.read_header(e.id).ok()?;
        if kind != ObjectType::Blob || size > MAX_SIMILARITY_BYTES || size > self.budget {
            return None;
        }
        let obj = self.odb.read(e.id).ok()?;
        self.budget -= size;
        Some(signature(obj.data()))
    }
}
