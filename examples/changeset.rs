//! Benchmark driver for the change-set step (`scripts/bench-diff.sh`): does what
//! `secarch check` does before classification — open, resolve, merge-base,
//! change set — and prints the counts as JSON.
//!
//! `cargo run --release --example changeset -- --repo DIR --base REV --head REV
//!     [--rename-limit N] [--threads N] [--engine secarch|libgit2]`
//!
//! `--engine libgit2` runs libgit2's own diff and rename search instead, with
//! the best options found, for comparison.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secarch::git::{ChangeSetOptions, Repo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut repo, mut base, mut head, mut engine) = (
        PathBuf::from("."),
        None,
        "HEAD".to_string(),
        "secarch".to_string(),
    );
    let mut opts = ChangeSetOptions::default();
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--repo" => repo = PathBuf::from(val()?),
            "--base" => base = Some(val()?),
            "--head" => head = val()?,
            "--engine" => engine = val()?,
            "--rename-limit" => opts.rename_limit = val()?.parse()?,
            "--threads" => opts.threads = val()?.parse()?,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let r = Repo::open(&repo)?;
    let head = r.resolve_commit(&head)?;
    let base_rev = match base {
        Some(b) => b,
        None => r.default_base()?,
    };
    let base = r.merge_base(&r.resolve_commit(&base_rev)?, &head)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    match engine.as_str() {
        "secarch" => {
            for c in r.change_set_with(&base, &head, &opts)?.changes {
                *counts.entry(c.kind.as_str().to_string()).or_default() += 1;
            }
        }
        "libgit2" => libgit2(&repo, &base, &head, opts.rename_limit, &mut counts)?,
        other => return Err(format!("unknown engine {other}").into()),
    }
    let total: usize = counts.values().sum();
    println!(
        "{}",
        serde_json::json!({ "engine": engine, "changes": total, "by_kind": counts })
    );
    Ok(())
}

/// libgit2's tree diff + `find_similar`, tuned: no content loaded for the
/// diff itself, type changes reported, renames (exact and 50 % similar) only.
fn libgit2(
    repo: &std::path::Path,
    base: &str,
    head: &str,
    rename_limit: usize,
    counts: &mut BTreeMap<String, usize>,
) -> Result<(), git2::Error> {
    let git = git2::Repository::discover(repo)?;
    let tree = |id: &str| git.find_commit(git2::Oid::from_str(id)?)?.tree();
    let mut opts = git2::DiffOptions::new();
    opts.include_typechange(true)
        .skip_binary_check(true)
        .ignore_submodules(false);
    let mut diff =
        git.diff_tree_to_tree(Some(&tree(base)?), Some(&tree(head)?), Some(&mut opts))?;
    let mut find = git2::DiffFindOptions::new();
    find.renames(true)
        .copies(false)
        .rename_threshold(50)
        .rename_limit(rename_limit);
    diff.find_similar(Some(&mut find))?;
    for d in diff.deltas() {
        *counts
            .entry(format!("{:?}", d.status()).to_lowercase())
            .or_default() += 1;
    }
    Ok(())
}
