//! Content similarity for inexact rename detection, scored like git
//! (`diffcore-delta.c`): split each file into chunks (a line, or 64 bytes of
//! a longer line), and count the bytes of the source whose chunks also occur
//! in the target, over the larger of the two sizes.

/// A file's content as a multiset of chunk hashes with byte counts.
pub(crate) struct Signature {
    pub size: u64,
    /// `(chunk hash, bytes)`, sorted by hash, one entry per hash.
    pub chunks: Vec<(u32, u32)>,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// Chunk like git: a chunk ends at a newline or after 64 bytes. In text (no
/// NUL in the first 8000 bytes) a CR before LF is skipped, so converting line
/// endings does not break a rename.
pub(crate) fn signature(data: &[u8]) -> Signature {
    let text = !data[..data.len().min(8000)].contains(&0);
    let mut raw: Vec<(u32, u32)> = Vec::with_capacity(data.len() / 24 + 1);
    let mut h = FNV_OFFSET;
    let mut n: u32 = 0;
    for (i, &c) in data.iter().enumerate() {
        if text && c == b'\r' && data.get(i + 1) == Some(&b'\n') {
            continue;
        }
        h = (h ^ u64::from(c)).wrapping_mul(FNV_PRIME);
        n += 1;
        if n < 64 && c != b'\n' {
            continue;
        }
        raw.push((fold(h), n));
        h = FNV_OFFSET;
        n = 0;
    }
    if n > 0 {
        raw.push((fold(h), n));
    }
    raw.sort_unstable_by_key(|c| c.0);
    let mut chunks: Vec<(u32, u32)> = Vec::with_capacity(raw.len());
    for (hash, bytes) in raw {
        match chunks.last_mut() {
            Some(last) if last.0 == hash => last.1 += bytes,
            _ => chunks.push((hash, bytes)),
        }
    }
    Signature {
        size: data.len() as u64,
        chunks,
    }
}

/// Percent of bytes in common, over the larger file.
pub(crate) fn similarity(a: &Signature, b: &Signature) -> u64 {
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

/// Whether two sizes are close enough to ever reach `threshold` percent.
pub(crate) fn sizes_compatible(a: u64, b: u64, threshold: u64) -> bool {
    let (max, min) = (a.max(b), a.min(b));
    (max - min) * 100 <= max * (100 - threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_counts_shared_bytes_over_the_larger_file() {
        let a = signature(b"one\ntwo\nthree\nfour\n");
        let b = signature(b"one\ntwo\nthree\nfive\n");
        // "one\ntwo\nthree\n" (14 bytes) shared, 19 bytes each.
        assert_eq!(similarity(&a, &b), 14 * 100 / 19);
        assert_eq!(similarity(&a, &a), 100);
        let other = signature(b"completely\ndifferent\n");
        assert_eq!(similarity(&a, &other), 0);
        assert_eq!(similarity(&signature(b""), &signature(b"")), 0);
    }

    #[test]
    fn crlf_checkouts_still_match() {
        let lf = signature(b"one\ntwo\nthree\nfour\n");
        let crlf = signature(b"one\r\ntwo\r\nthree\r\nfour\r\n");
        // All 19 LF bytes found, over the 23-byte CRLF size.
        assert_eq!(similarity(&lf, &crlf), 19 * 100 / 23);
    }

    #[test]
    fn repeated_chunks_merge_and_long_lines_split_at_64_bytes() {
        let sig = signature(&[b'x'; 130]);
        assert_eq!(
            sig.chunks.len(),
            2,
            "two identical 64-byte chunks, one 2-byte tail"
        );
        assert_eq!(sig.chunks.iter().map(|c| c.1).sum::<u32>(), 130);
        let a = signature(b"same\nsame\nsame\n");
        let b = signature(b"same\n");
        assert_eq!(
            similarity(&a, &b),
            5 * 100 / 15,
            "counted at most as often as in the smaller"
        );
    }

    #[test]
    fn sizes_far_apart_cannot_reach_the_threshold() {
        assert!(sizes_compatible(100, 150, 50));
        assert!(sizes_compatible(100, 200, 50));
        assert!(!sizes_compatible(100, 201, 50));
        assert!(sizes_compatible(0, 0, 50));
    }
}
