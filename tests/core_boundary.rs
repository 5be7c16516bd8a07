//! The core crate stays free of any network stack: the compiler can only keep that promise if
//! nobody adds such a dependency, so this test asks cargo for the core's dependency tree.

use std::process::Command;

const NETWORK_CRATES: &[&str] = &["tokio", "reqwest", "hyper", "axum", "rustls", "h2", "mio"];

#[test]
fn the_core_has_no_network_stack_in_its_dependency_tree() {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "-p",
            "secarch-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--locked", "--offline", "--format", "{p}"])
        .output()
        .expect("run cargo tree");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        names.contains(&"secarch-core"),
        "unexpected cargo tree output:\n{stdout}"
    );
    assert!(
        names.contains(&"git2"),
        "unexpected cargo tree output:\n{stdout}"
    );
    let network: Vec<&&str> = names
        .iter()
        .filter(|n| NETWORK_CRATES.contains(n))
        .collect();
    assert!(
        network.is_empty(),
        "secarch-core must not depend on a network stack, found {network:?}: move the code \
         that needs it to the `secarch` package (src/github, src/mirror, src/server)"
    );
}

#[test]
fn the_root_package_does_depend_on_them() {
    // The check above is only meaningful if cargo tree names these crates when they are there.
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "-p", "secarch", "-e", "normal", "--prefix", "none"])
        .args(["--locked", "--offline", "--format", "{p}"])
        .output()
        .expect("run cargo tree");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in ["tokio", "reqwest", "hyper", "axum", "rustls"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing from the root package's tree:\n{stdout}"
        );
    }
}
