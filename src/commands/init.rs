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

/// Write the scaffold into the repository that contains `dir` (its top folder, found as git
/// finds it; `dir` itself outside a repository); existing files are kept unless `force`.
pub fn init(dir: &Path, force: bool) -> u8 {
    if !dir.is_dir() {
        return fail(format!("{} is not a directory", dir.display()));
    }
    let root = crate::git::Repo::open(dir)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf());
    let mut written: Vec<PathBuf> = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    for (rel, content) in INIT_FILES {
        let path = root.join(rel);
        if path.exists() && !force {
            kept.push(rel);
            continue;
        }
        if !stays_inside(&root, &path) {
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
    // What is still to fill in, counted in the files as they are now (a re-run after some
    // edits shows what is left, not what the template had).
    let (doc_rel, _) = INIT_FILES[0];
    let (policy_rel, _) = INIT_FILES[1];
    let left = |rel: &str| {
        std::fs::read_to_string(root.join(rel))
            .map(|text| placeholder_lines(&text))
            .unwrap_or_default()
    };
    let (doc_left, policy_left) = (left(doc_rel), left(policy_rel));
    out += "\nStill to fill in:\n";
    for (rel, lines) in [(doc_rel, &doc_left), (policy_rel, &policy_left)] {
        out += &match lines.len() {
            0 => format!("  {rel}: no placeholders left\n"),
            n => format!("  {rel}: {n} placeholder(s), lines {}\n", line_list(lines)),
        };
    }
    out += &format!(
        "\nNext steps:\n  1. Fill in the placeholders in {doc_rel} (layers, zones, boundaries, controls,\n     threats or threat_models, safety impact) — `secarch lint` shows what is still missing, with line numbers.\n  2. Name your security reviewers in {policy_rel} (signoff.reviewers).\n  3. Replay your history with the policy: `secarch log -n 200` shows, commit by commit, what the check would\n     have flagged and why; tune the watch globs in {policy_rel} (`secarch log --policy FILE` tries a candidate)\n     until the commits flagged are the ones that needed a security-architecture review.\n  4. Record the first review in `reviews:` and commit; from then on `secarch check` fails every change that\n     touches the architecture until the document is updated and reviewed again.\n"
    );
    emit(&out, 0)
}

/// Lines (1-based) holding a placeholder, as SA006 finds them.
fn placeholder_lines(text: &str) -> Vec<usize> {
    let mut lines: Vec<usize> = crate::model::placeholders(text)
        .iter()
        .map(|p| p.pos.line as usize)
        .collect();
    lines.dedup();
    lines
}

/// "3, 7, 12" — the first few, then "and N more".
fn line_list(lines: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut list: Vec<String> = lines.iter().take(SHOWN).map(usize::to_string).collect();
    if lines.len() > SHOWN {
        list.push(format!("and {} more", lines.len() - SHOWN));
    }
    list.join(", ")
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
