//! The layout rules of the house, checked on the source so they cannot rot: no two modules share
//! a file name (a name says what a module is), and the App server's modules import each other in
//! one direction only (a delivery's path reads top-down).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Test modules (`tests.rs`, `*_tests.rs`, files under a `tests/` folder) and `mod.rs`/`lib.rs`
/// are named by convention, not by what they hold.
fn is_named_module(path: &Path) -> bool {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let in_tests = path.components().any(|c| c.as_os_str() == "tests");
    !(in_tests || matches!(name, "mod" | "lib" | "main" | "tests") || name.ends_with("_tests"))
}

#[test]
fn no_two_modules_share_a_name() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("crates"), &mut files);
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files.iter().filter(|f| is_named_module(f)) {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let shown = f.strip_prefix(root()).unwrap().display().to_string();
        by_name.entry(name).or_default().push(shown);
    }
    let shared: Vec<_> = by_name.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(
        shared.is_empty(),
        "module names must be unique; rename one of each: {shared:#?}"
    );
}

/// `server/` module → the sibling modules it imports (`super::x`, `crate::server::x`).
fn server_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = root().join("src/server");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let names: BTreeSet<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut graph = BTreeMap::new();
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "mod" || name.ends_with("_tests") {
            continue;
        }
        let text = fs::read_to_string(f).unwrap();
        // Unit tests may reach anywhere; only the module's own code counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let mut deps = BTreeSet::new();
        for prefix in ["super::", "crate::server::"] {
            for (i, _) in code.match_indices(prefix) {
                let rest = &code[i + prefix.len()..];
                let ident: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if names.contains(&ident) && ident != name && ident != "mod" {
                    deps.insert(ident);
                }
            }
        }
        graph.insert(name, deps);
    }
    graph
}

#[test]
fn server_modules_import_each_other_in_one_direction() {
    let graph = server_imports();
    assert!(graph.len() > 10, "server modules not found: {graph:?}");
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle inside src/server: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_sees_imports() {
    // Guards the parser above: a known edge must be there.
    let graph = server_imports();
    assert!(graph["job"].contains("queue"), "{graph:?}");
    assert!(graph["pull"].contains("inputs"), "{graph:?}");
}
