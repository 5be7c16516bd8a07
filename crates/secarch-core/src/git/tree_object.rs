//! Reading tree objects straight from the object database.
//!
//! A tree is a sequence of `<octal mode> SP <name> NUL <20-byte id>`. Parsing
//! it here, borrowing names from the inflated object, avoids libgit2's
//! per-tree entry allocations and a `strlen` per name access: the tree diff
//! and the fingerprint walk spend their time in zlib, not in bookkeeping.

use git2::{ObjectType, Odb, OdbObject, Oid};

use super::repo_error::{GitError, ctx};

const OID_LEN: usize = 20;

/// One entry of a tree object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub mode: i32,
    pub name: &'a [u8],
    /// The raw 20-byte id: compared as bytes, turned into an [`Oid`] only
    /// for entries that are kept.
    pub raw_id: &'a [u8; OID_LEN],
}

impl RawEntry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }

    pub fn id(&self) -> Oid {
        // A 20-byte slice always converts.
        Oid::from_bytes(self.raw_id).unwrap_or(Oid::ZERO_SHA1)
    }
}

/// The entries of a tree object, in stored order; stops at the first
/// malformed entry with an error.
pub(crate) struct Entries<'a> {
    data: &'a [u8],
}

pub(crate) fn entries(data: &[u8]) -> Entries<'_> {
    Entries { data }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<RawEntry<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        let parsed = parse_one(self.data);
        match parsed {
            Ok((entry, rest)) => {
                self.data = rest;
                Some(Ok(entry))
            }
            Err(e) => {
                self.data = &[];
                Some(Err(e))
            }
        }
    }
}

fn parse_one(data: &[u8]) -> Result<(RawEntry<'_>, &[u8]), &'static str> {
    let mut mode: i32 = 0;
    let mut space = None;
    for (i, &d) in data.iter().enumerate().take(8) {
        match d {
            b'0'..=b'7' => mode = mode * 8 + i32::from(d - b'0'),
            b' ' if i > 0 => {
                space = Some(i);
                break;
            }
            _ => return Err("bad file mode"),
        }
    }
    let space = space.ok_or("bad file mode")?;
    let rest = &data[space + 1..];
    let nul = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or("entry name without terminator")?;
    if nul == 0 {
        return Err("empty entry name");
    }
    let name = &rest[..nul];
    let raw_id: &[u8; OID_LEN] = rest
        .get(nul + 1..nul + 1 + OID_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or("truncated entry id")?;
    Ok((RawEntry { mode, name, raw_id }, &rest[nul + 1 + OID_LEN..]))
}

/// `prefix/name`, or `name` at the root.
pub(crate) fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(prefix.len() + 1 + name.len());
    p.extend_from_slice(prefix);
    if !prefix.is_empty() {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Read a tree object; `path` only names it in errors.
pub(crate) fn read<'o>(odb: &'o Odb<'_>, id: Oid, path: &[u8]) -> Result<OdbObject<'o>, GitError> {
    let what = || {
        if path.is_empty() {
            "the root directory".to_string()
        } else {
            format!("directory {}", String::from_utf8_lossy(path))
        }
    };
    let obj = odb
        .read(id)
        .map_err(|e| ctx(format!("cannot read {} ({id})", what()))(e))?;
    if obj.kind() != ObjectType::Tree {
        return Err(GitError::Corrupt {
            what: format!("{} ({id}) is a {}, not a tree", what(), obj.kind().str()),
        });
    }
    Ok(obj)
}

/// Turn a parse error into a [`GitError`] naming the tree.
pub(crate) fn corrupt(id: Oid, path: &[u8], why: &str) -> GitError {
    GitError::Corrupt {
        what: format!(
            "tree {id} at '{}' is malformed: {why}",
            String::from_utf8_lossy(path)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &[u8], u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name);
            out.push(0);
            out.extend_from_slice(&[*id; 20]);
        }
        out
    }

    #[test]
    fn parses_modes_names_and_ids() {
        let data = tree(&[
            ("100644", b"a.txt", 1),
            ("40000", b"dir", 2),
            ("160000", b"sub\xff", 3),
        ]);
        let got: Vec<_> = entries(&data).collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].mode, got[0].name), (0o100644, &b"a.txt"[..]));
        assert!(got[1].is_tree() && !got[0].is_tree() && !got[2].is_tree());
        assert_eq!(got[2].name, b"sub\xff");
        assert_eq!(got[2].id(), Oid::from_bytes(&[3; 20]).unwrap());
    }

    #[test]
    fn malformed_trees_error_instead_of_panicking() {
        let good = tree(&[("100644", b"a", 1)]);
        for bad in [
            &good[..good.len() - 1],           // truncated id
            b"100644 name-without-nul",        // no terminator
            b"100644",                         // no space
            b"10x644 a\0aaaaaaaaaaaaaaaaaaaa", // bad digit
            b"100644 \0aaaaaaaaaaaaaaaaaaaa",  // empty name
            b" a\0aaaaaaaaaaaaaaaaaaaa",       // empty mode
        ] {
            let results: Vec<_> = entries(bad).collect();
            assert!(results.last().is_some_and(|r| r.is_err()), "{bad:?}");
        }
        assert_eq!(entries(b"").count(), 0);
    }
}
