//! `secarch init`: scaffold the document, the policy and a workflow.

use std::path::{Path, PathBuf};

use super::{emit, fail};

const DOCUMENT: &str = include_str!("../../config/init/security-architecture.md");
const POLICY: &str = include_str!("../../config/init/secarch.yml");
const WORKFLOW: &str = include_str!("../../config/init/workflow.yml");

/// Files `init` writes, repository-relative.
pub const INIT_FILES: [(&str, &str); 3] = [
    ("docs/security/security-architecture.md", DOCUMENT),
    (".github/secarch.yml", POLICY),
    (".github/workflows/secarch.yml", WORKFLOW),
];

/// Write the scaffold into `repo`; existing files are kept unless `force`.
pub fn init(repo: &Path, force: bool) -> u8 {
    if !repo.is_dir() {
        return fail(format!("{} is not a directory", repo.display()));
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    for (rel, content) in INIT_FILES {
        let path = repo.join(rel);
        if path.exists() && !force {
            kept.push(rel);
            continue;
        }
        if !stays_inside(repo, &path) {
            return fail(format!(
                "refusing to write {rel}: it resolves outside the repository through a symbolic link; \
                 remove the link or write the file yourself"
            ));
        }
        if let Some(parent) = path.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            return fail(format!("cannot create {}: {e}", parent.display()));
        }
        if let Err(e) = std::fs::write(&path, content) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
        written.push(path);
    }
    let mut out = String::new();
    for p in &written {
        out += &format!("created {}\n", p.display());
    }
    for k in &kept {
        out += &format!("kept    {k} (exists; pass --force to overwrite)\n");
    }
    let todos: Vec<(usize, &str)> = DOCUMENT
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("TODO"))
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    out += &format!(
        "\nNext steps:\n  1. Fill in the {} TODOs in docs/security/security-architecture.md (layers, zones, boundaries, controls,\n     threats or threat_models, safety impact) — `secarch lint` shows what is still missing, with line numbers.\n  2. Name your security reviewers in .github/secarch.yml (signoff.reviewers).\n  3. Record the first review in `reviews:` and commit; from then on `secarch check` fails every change that\n     touches the architecture until the document is updated and reviewed again.",
        todos.len()
    );
    emit(&out, 0)
}

/// Whether writing `path` stays inside `root`: its nearest existing ancestor (the file itself
/// when it exists, a symbolic link included, dangling or not) resolves under the repository
/// root. `--force` must not overwrite a file elsewhere that a link in the repository names.
fn stays_inside(root: &Path, path: &Path) -> bool {
    let Ok(root) = std::fs::canonicalize(root) else {
        return false;
    };
    let mut probe = path;
    loop {
        if std::fs::symlink_metadata(probe).is_ok() {
            return std::fs::canonicalize(probe).is_ok_and(|p| p.starts_with(&root));
        }
        match probe.parent() {
            Some(parent) => probe = parent,
            None => return false,
        }
    }
}
