//! Rename detection over a raw tree diff, in git's two steps.
//!
//! 1. Exact: a deleted and an added entry with the same blob id (hash join,
//!    linear). Ties prefer the same file name, then path order.
//! 2. Inexact, for what is left: content similarity ≥ [`THRESHOLD`] % scored
//!    like git (`diffcore-delta.c`: bytes of the source found in the target
//!    over the larger size). git compares every source with every target and
//!    gives up above its rename limit; here candidates come from an inverted
//!    index of rare content chunks, so the work follows the number of
//!    plausible pairs and thousands of renames stay cheap. Still bounded:
//!    at most [`MAX_CANDIDATES`] per side, files up to [`MAX_SIMILARITY_BYTES`],
//!    [`MAX_TOTAL_BYTES`] read in all. Beyond the bounds the leftovers stay
//!    additions and deletions — which still name both paths, so no watched
//!    path can hide behind a missed rename.
//!
//! Copies are not detected. Empty files are never paired (every empty file
//! has the same id; pairing them would be noise).

use std::collections::HashMap;

use git2::{ObjectType, Oid};

use super::diff::{RawChange, modified};
use super::error::GitError;
use super::repo::Repo;
use super::{ChangeKind, EntryKind, FileChange, Side, entry_kind};

/// Minimum similarity (percent) for an inexact rename, git's default.
pub const THRESHOLD: u64 = 50;
/// Most deleted or added files considered for inexact renames.
pub const MAX_CANDIDATES: usize = 20_000;
/// Larger files are only paired by exact id.
pub const MAX_SIMILARITY_BYTES: usize = 1024 * 1024;
/// Total content read for inexact renames.
pub const MAX_TOTAL_BYTES: usize = 256 * 1024 * 1024;
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

    fn side(&self) -> Side {
        Side {
            path: String::from_utf8_lossy(&self.path).into_owned(),
            id: self.id.to_string(),
            kind: self.kind,
        }
    }

    fn basename(&self) -> &[u8] {
        self.path
            .rsplit(|&b| b == b'/')
            .next()
            .unwrap_or(&self.path)
    }

    fn is_regular(&self) -> bool {
        matches!(self.kind, EntryKind::File | EntryKind::Executable)
    }
}

/// Pair deletions with additions into renames; everything else passes through.
pub(crate) fn detect(repo: &Repo, raw: Vec<RawChange>) -> Result<Vec<FileChange>, GitError> {
    let mut out = Vec::with_capacity(raw.len());
    let (mut added, mut deleted) = (Vec::new(), Vec::new());
    for change in raw {
        match change {
            RawChange::Added(e) => added.push(e),
            RawChange::Deleted(e) => deleted.push(e),
            RawChange::Modified(o, n) => out.push(modified(o.side(), n.side())),
        }
    }
    // Deterministic pairing regardless of traversal order.
    added.sort_by(|a, b| a.path.cmp(&b.path));
    deleted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut src_used = vec![false; deleted.len()];
    let mut tgt_used = vec![false; added.len()];
    let mut pairs = exact(&added, &deleted, &mut src_used, &mut tgt_used);
    pairs.extend(inexact(
        repo,
        &added,
        &deleted,
        &mut src_used,
        &mut tgt_used,
    )?);
    for (s, t) in pairs {
        out.push(FileChange {
            kind: ChangeKind::Renamed,
            old: Some(deleted[s].side()),
            new: Some(added[t].side()),
        });
    }
    for (e, _) in deleted.iter().zip(&src_used).filter(|(_, u)| !**u) {
        out.push(FileChange {
            kind: ChangeKind::Deleted,
            old: Some(e.side()),
            new: None,
        });
    }
    for (e, _) in added.iter().zip(&tgt_used).filter(|(_, u)| !**u) {
        out.push(FileChange {
            kind: ChangeKind::Added,
            old: None,
            new: Some(e.side()),
        });
    }
    Ok(out)
}

/// Same blob id, compatible kind (file/executable with each other, symlink with symlink).
fn exact(
    added: &[Entry],
    deleted: &[Entry],
    src_used: &mut [bool],
    tgt_used: &mut [bool],
) -> Vec<(usize, usize)> {
    let empty = Oid::from_str(EMPTY_BLOB).ok();
    let pairable =
        |e: &Entry| Some(e.id) != empty && (e.is_regular() || e.kind == EntryKind::Symlink);
    let mut by_id: HashMap<Oid, Vec<usize>> = HashMap::new();
    for (i, d) in deleted.iter().enumerate().filter(|(_, d)| pairable(d)) {
        by_id.entry(d.id).or_default().push(i);
    }
    let mut pairs = Vec::new();
    if by_id.is_empty() {
        return pairs;
    }
    for (t, a) in added.iter().enumerate().filter(|(_, a)| pairable(a)) {
        let Some(cands) = by_id.get(&a.id) else {
            continue;
        };
        let usable = |&&s: &&usize| !src_used[s] && deleted[s].is_regular() == a.is_regular();
        let best = cands
            .iter()
            .filter(usable)
            .find(|&&s| deleted[s].basename() == a.basename())
            .or_else(|| cands.iter().find(usable));
        if let Some(&s) = best {
            src_used[s] = true;
            tgt_used[t] = true;
            pairs.push((s, t));
        }
    }
    pairs
}

/// A file's content as a multiset of chunk hashes with byte counts.
struct Signature {
    size: u64,
    /// Sorted by hash.
    chunks: Vec<(u32, u32)>,
}

/// Split like git: a chunk ends at a newline or after 64 bytes; in text, a
/// CR before LF is ignored so line-ending changes do not break a rename.
fn signature(data: &[u8]) -> Signature {
    let text = !data[..data.len().min(8000)].contains(&0);
    let mut counts: HashMap<u32, u32> = HashMap::with_capacity(data.len() / 32 + 1);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut n: u32 = 0;
    for (i, &c) in data.iter().enumerate() {
        if text && c == b'\r' && data.get(i + 1) == Some(&b'\n') {
            continue;
        }
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
        n += 1;
        if n < 64 && c != b'\n' {
            continue;
        }
        *counts.entry((h ^ (h >> 32)) as u32).or_default() += n;
        h = 0xcbf2_9ce4_8422_2325;
        n = 0;
    }
    if n > 0 {
        *counts.entry((h ^ (h >> 32)) as u32).or_default() += n;
    }
    let mut chunks: Vec<(u32, u32)> = counts.into_iter().collect();
    chunks.sort_unstable();
    Signature {
        size: data.len() as u64,
        chunks,
    }
}

/// Percent of bytes in common, over the larger file (git's estimate).
fn similarity(a: &Signature, b: &Signature) -> u64 {
    let max = a.size.max(b.size);
    if max == 0 {
        return 0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0u64);
    while i < a.chunks.len() && j < b.chunks.len() {
        let (ha, ca) = a.chunks[i];
        let (hb, cb) = b.chunks[j];
        match ha.cmp(&hb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += u64::from(ca.min(cb));
                i += 1;
                j += 1;
            }
        }
    }
    common * 100 / max
}

/// Whether two sizes are close enough to ever reach the threshold.
fn sizes_compatible(a: u64, b: u64) -> bool {
    let (max, min) = (a.max(b), a.min(b));
    (max - min) * 100 <= max * (100 - THRESHOLD)
}

/// Signatures of the still-unpaired regular files, within the bounds.
fn signatures(
    repo: &Repo,
    entries: &[Entry],
    used: &[bool],
    budget: &mut usize,
) -> Result<Vec<(usize, Signature)>, GitError> {
    let odb = repo
        .git
        .odb()
        .map_err(super::error::ctx("cannot open the object database"))?;
    let empty = Oid::from_str(EMPTY_BLOB).ok();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if used[i] || !e.is_regular() || Some(e.id) == empty {
            continue;
        }
        // A missing or unreadable object only costs the rename, not the diff.
        let Ok((size, ObjectType::Blob)) = odb.read_header(e.id) else {
            continue;
        };
        if size > MAX_SIMILARITY_BYTES || size > *budget {
            continue;
        }
        let Ok(obj) = odb.read(e.id) else { continue };
        *budget -= size;
        out.push((i, signature(obj.data())));
    }
    Ok(out)
}

fn inexact(
    repo: &Repo,
    added: &[Entry],
    deleted: &[Entry],
    src_used: &mut [bool],
    tgt_used: &mut [bool],
) -> Result<Vec<(usize, usize)>, GitError> {
    let open = |e: &[Entry], used: &[bool]| {
        e.iter()
            .zip(used)
            .filter(|(e, u)| !**u && e.is_regular())
            .count()
    };
    let (n_src, n_tgt) = (open(deleted, src_used), open(added, tgt_used));
    if n_src == 0 || n_tgt == 0 || n_src > MAX_CANDIDATES || n_tgt > MAX_CANDIDATES {
        return Ok(Vec::new());
    }
    let mut budget = MAX_TOTAL_BYTES;
    let srcs = signatures(repo, deleted, src_used, &mut budget)?;
    let tgts = signatures(repo, added, tgt_used, &mut budget)?;
    if srcs.is_empty() || tgts.is_empty() {
        return Ok(Vec::new());
    }
    // Inverted index: chunk hash -> targets containing it.
    let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
    for (ti, (_, sig)) in tgts.iter().enumerate() {
        for &(h, _) in &sig.chunks {
            index.entry(h).or_default().push(ti as u32);
        }
    }
    let mut seen = vec![false; tgts.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut scored: Vec<(u64, bool, usize, usize)> = Vec::new();
    for (s, ssig) in &srcs {
        for &(h, _) in &ssig.chunks {
            let Some(post) = index.get(&h) else { continue };
            if post.len() > POSTING_CAP {
                continue;
            }
            for &ti in post {
                if !seen[ti as usize] {
                    seen[ti as usize] = true;
                    touched.push(ti);
                }
            }
        }
        for ti in touched.drain(..) {
            seen[ti as usize] = false;
            let (t, tsig) = &tgts[ti as usize];
            if !sizes_compatible(ssig.size, tsig.size) {
                continue;
            }
            let score = similarity(ssig, tsig);
            if score >= THRESHOLD {
                let same_name = deleted[*s].basename() == added[*t].basename();
                scored.push((score, same_name, *s, *t));
            }
        }
    }
    // Best first; ties: same file name, then path order (indices are path-sorted).
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut pairs = Vec::new();
    for (_, _, s, t) in scored {
        if !src_used[s] && !tgt_used[t] {
            src_used[s] = true;
            tgt_used[t] = true;
            pairs.push((s, t));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_counts_shared_bytes_over_the_larger_file() {
        let a = signature(b"one\ntwo\nthree\nfour\n");
        let b = signature(b"one\ntwo\nthree\nfive\n");
        // 14 of 19 bytes shared.
        assert_eq!(similarity(&a, &b), 14 * 100 / 19);
        assert_eq!(similarity(&a, &a), 100);
        let crlf = signature(b"one\r\ntwo\r\nthree\r\nfour\r\n");
        assert!(similarity(&a, &crlf) >= 80, "{}", similarity(&a, &crlf));
        let other = signature(b"completely\ndifferent\n");
        assert_eq!(similarity(&a, &other), 0);
    }

    #[test]
    fn long_lines_are_split_into_64_byte_chunks() {
        let sig = signature(&[b'x'; 130]);
        let total: u32 = sig.chunks.iter().map(|c| c.1).sum();
        assert_eq!(total, 130);
        assert_eq!(
            sig.chunks.len(),
            2,
            "two identical 64-byte chunks and a 2-byte tail"
        );
    }

    #[test]
    fn sizes_far_apart_cannot_be_renames() {
        assert!(sizes_compatible(100, 150));
        assert!(sizes_compatible(100, 200));
        assert!(!sizes_compatible(100, 201));
    }
}
