//! Random repositories as plain data ([`Case`]): base files, each with
//! what happens to it in head, and a few additions; `build.rs` turns a case
//! into trees. Kept simple for shrinking: vectors of small enums.

use proptest::prelude::*;
use proptest::sample::select;

use super::shrink;

/// Path components. Around the directory `a`, git's entry order differs from
/// plain name order (`a-` < `a.c` < `a/` < `a0`); `é` and the space test
/// paths that are not plain ASCII words.
pub const NAMES: &[&str] = &["a", "a-", "a.c", "a0", "b", "é", "sp ace"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Exec,
    Link,
}

impl Kind {
    pub fn mode(self) -> u32 {
        match self {
            Kind::File => 0o100644,
            Kind::Exec => 0o100755,
            Kind::Link => 0o120000,
        }
    }
}

/// A base file's content: empty, or lineage `n` (lines, see `build.rs`).
#[derive(Debug, Clone, Copy)]
pub enum Body {
    Empty,
    Text(u8),
}

/// Replace the first `k`, append `k` or remove the last `k` lines; or put
/// the result right at the 50 % threshold: `Double` appends new lines as
/// long as the content plus `d` bytes (in LF text, `d` = 0: exactly half
/// the bytes are the old ones, still a rename, and the sizes exactly 1:2;
/// `d` = 1: just under, not one; CRs of CRLF text are in the size but not
/// in the score); `Trade` removes the last line first (a repeated line in
/// some lineages, then counted once in the result).
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    Replace(u8),
    Append(u8),
    Remove(u8),
    Double(i8),
    Trade(i8),
}

/// What happens to a base file in head.
#[derive(Debug, Clone)]
pub enum Op {
    Keep,
    Delete,
    Modify(Edit),
    /// File ↔ executable.
    Chmod,
    /// File ↔ symlink (same bytes).
    TypeChange,
    /// To another path, same content.
    Rename(Vec<&'static str>),
    /// Into another directory (`[]`: the root), same file name and content.
    Move(Vec<&'static str>),
    /// To another path, edited: a few lines pair, most lines must not.
    RenameEdit(Vec<&'static str>, Edit),
}

#[derive(Debug, Clone)]
pub struct FileSpec {
    pub path: Vec<&'static str>,
    pub body: Body,
    pub kind: Kind,
    pub op: Op,
}

#[derive(Debug, Clone, Copy)]
pub enum AddBody {
    Empty,
    /// A lineage of its own.
    Fresh(u8),
    /// A copy of base file `n`'s content (modulo the number of files).
    CopyOf(u8),
}

#[derive(Debug, Clone)]
pub struct AddSpec {
    pub path: Vec<&'static str>,
    pub body: AddBody,
    pub kind: Kind,
}

/// One generated repository. `fan` files live in top-level directories of
/// their own (`d00/…`, `d01/…`), each changed in head: enough changed
/// directories for the diff to be shared between threads.
#[derive(Debug, Clone)]
pub struct Case {
    pub files: Vec<FileSpec>,
    pub fan: Vec<FileSpec>,
    pub adds: Vec<AddSpec>,
    /// Objects in a pack, else loose.
    pub packed: bool,
}

fn path() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(select(NAMES), 1..=4)
}

/// Deeper, for more work in each fan directory.
fn deep_path() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(select(NAMES), 2..=4)
}

fn dir() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(select(NAMES), 0..=2)
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![1 => Just(Body::Empty), 8 => (0u8..24).prop_map(Body::Text)]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![6 => Just(Kind::File), 1 => Just(Kind::Exec), 1 => Just(Kind::Link)]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (1u8..=8).prop_map(Edit::Replace),
        (1u8..=8).prop_map(Edit::Append),
        (1u8..=8).prop_map(Edit::Remove),
        (-2i8..=2).prop_map(Edit::Double),
        (-2i8..=2).prop_map(Edit::Trade),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Keep),
        2 => Just(Op::Delete),
        2 => edit().prop_map(Op::Modify),
        1 => Just(Op::Chmod),
        1 => Just(Op::TypeChange),
        2 => path().prop_map(Op::Rename),
        2 => dir().prop_map(Op::Move),
        3 => (path(), edit()).prop_map(|(p, e)| Op::RenameEdit(p, e)),
    ]
}

/// Operations that always change a fan file's directory: nothing else
/// writes under `dNN/`.
fn fan_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Delete),
        (1u8..=3).prop_map(|k| Op::Modify(Edit::Append(k))),
        path().prop_map(Op::Rename),
        dir().prop_map(Op::Move),
        (path(), edit()).prop_map(|(p, e)| Op::RenameEdit(p, e)),
    ]
}

fn file(
    path: impl Strategy<Value = Vec<&'static str>>,
    op: impl Strategy<Value = Op>,
) -> impl Strategy<Value = FileSpec> {
    (path, body(), kind(), op).prop_map(|(path, body, kind, op)| FileSpec {
        path,
        body,
        kind,
        op,
    })
}

fn add() -> impl Strategy<Value = AddSpec> {
    let body = prop_oneof![
        1 => Just(AddBody::Empty),
        2 => (0u8..8).prop_map(AddBody::Fresh),
        3 => any::<u8>().prop_map(AddBody::CopyOf),
    ];
    (path(), body, kind()).prop_map(|(path, body, kind)| AddSpec { path, body, kind })
}

/// A few dozen files in nested directories.
pub fn nested() -> impl Strategy<Value = Case> {
    (
        shrink::vec(file(path(), op()), 1..40),
        shrink::vec(add(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(files, adds, packed)| Case {
            files,
            fan: Vec::new(),
            adds,
            packed,
        })
}

/// Fewer nested files, and a fan of at least 64 changed directories.
pub fn wide() -> impl Strategy<Value = Case> {
    (
        shrink::vec(file(path(), op()), 0..12),
        shrink::vec(file(deep_path(), fan_op()), 64..80),
        shrink::vec(add(), 0..4),
        // Unpacking ~250 loose objects takes a second on a slow disk.
        prop_oneof![7 => Just(true), 1 => Just(false)],
    )
        .prop_map(|(files, fan, adds, packed)| Case {
            files,
            fan,
            adds,
            packed,
        })
}
