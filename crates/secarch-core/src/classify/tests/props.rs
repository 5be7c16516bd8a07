//! Property tests: exclusions are absolute, renames classify on both paths,
//! classification does not depend on input order.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::Fx;
use crate::classify::Classifier;
use crate::git::ChangeKind;
use crate::policy::{Category, Policy};

const SEGMENTS: &[&str] = &[
    "src",
    "k8s",
    "auth",
    "docs",
    "nginx",
    "deploy",
    "fhir",
    "charts",
    "templates",
    "security",
    "lib",
    "api",
    "Auth",
    "helm",
    "infra",
    "app",
    "ota",
    "proto",
    "config",
];
const EXCLUDED: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "fixtures",
    "examples",
    "vendor",
    "node_modules",
    "third_party",
    "Tests",
    "TESTDATA",
    "Node_Modules",
];
const NAMES: &[&str] = &[
    "Dockerfile",
    "dockerfile",
    "main.tf",
    "swagger.yaml",
    "openapi.json",
    "Cargo.toml",
    "package.json",
    "README.md",
    "x.proto",
    "values.yaml",
    "nginx.conf",
    "prj.conf",
    "settings.py",
    "index.js",
    "AndroidManifest.xml",
    "docker-compose.yml",
    "requirements.txt",
    "threat-model.yaml",
    "deploy.yaml",
    "appsettings.json",
    "go.mod",
    "pom.xml",
    "Gemfile",
];
const CONTENTS: &[&str] = &[
    "",
    "FROM alpine\nEXPOSE 22\nUSER root\n",
    "[dependencies]\naxum = \"0.8\"\n",
    "{\"dependencies\": {\"express\": \"4\"}, \"paths\": {\"/a\": {\"post\": {}}}}",
    "kind: Service\nspec:\n  type: LoadBalancer\n  hostNetwork: true\n",
    "openapi: 3.0.0\npaths:\n  /p:\n    get: {}\n",
    "service S { rpc R(A) returns (B); }",
    "CONFIG_BT=y\nDEBUG = True\nlisten 443;\n",
    "Flask==2\nrequire github.com/gin-gonic/gin v1\n",
    "\u{0}\u{1}binary",
    "key: [unclosed\n",
];

fn path() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(SEGMENTS), 0..4),
        prop::sample::select(NAMES),
    )
        .prop_map(|(dirs, name)| {
            let mut p: Vec<&str> = dirs;
            p.push(name);
            p.join("/")
        })
}

fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(CONTENTS).prop_map(str::to_string),
        ".{0,80}"
    ]
}

/// A glob from the shapes people write, some matching everything.
fn glob() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("**".to_string()),
        Just("**/*".to_string()),
        prop::sample::select(SEGMENTS).prop_map(|s| format!("**/{s}/**")),
        prop::sample::select(EXCLUDED).prop_map(|s| format!("**/{s}/**")),
        prop::sample::select(NAMES).prop_map(|n| format!("**/{n}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn excluded_paths_never_trigger(
        before in prop::collection::vec(prop::sample::select(SEGMENTS), 0..3),
        excluded in prop::sample::select(EXCLUDED),
        after in prop::collection::vec(prop::sample::select(SEGMENTS), 0..3),
        name in prop::sample::select(NAMES),
        globs in prop::collection::vec(glob(), 1..5),
        body in content(),
    ) {
        let mut policy = Policy::embedded_default();
        policy.categories.insert("custom".into(), Category { globs, ..Category::default() });
        let c = Classifier::new(&policy, None).expect("globs compile");
        let mut parts = before;
        parts.push(excluded);
        parts.extend(after);
        parts.push(name);
        let p = parts.join("/");
        prop_assert!(c.categories_for(&p).is_empty(), "{} -> {:?}", p, c.categories_for(&p));
        prop_assert!(!c.is_watched(&p));
        let mut fx = Fx::default();
        fx.add(&p, &body).modify(&p, "", &body);
        prop_assert!(fx.classify(&c).is_empty());
    }

    #[test]
    fn rename_triggers_on_both_paths(from in path(), to in path(), a in content(), b in content()) {
        prop_assume!(from != to);
        let c = super::classifier();
        let mut fx = Fx::default();
        fx.rename(&from, &to, &a, &b);
        let ts = fx.classify(c);
        let got: BTreeSet<&str> = ts.iter().map(|t| t.category.as_str()).collect();
        // `dependencies` is content-gated (only additions of watchlisted dependencies).
        let want: BTreeSet<&str> = c.categories_for(&from).into_iter()
            .chain(c.categories_for(&to))
            .filter(|c| *c != "dependencies")
            .collect();
        prop_assert!(got.is_superset(&want), "{:?} not ⊇ {:?}", got, want);
        for t in &ts {
            prop_assert_eq!(&t.path, &to);
            prop_assert_eq!(t.old_path.as_deref(), Some(from.as_str()));
            prop_assert_eq!(t.change, ChangeKind::Renamed);
        }
    }

    #[test]
    fn classification_is_order_independent(
        changes in prop::collection::vec((path(), content(), content(), 0..4u8), 1..8),
        seed in any::<u64>(),
    ) {
        let c = super::classifier();
        let mut fx = Fx::default();
        for (i, (p, a, b, kind)) in changes.iter().enumerate() {
            match kind {
                0 => fx.add(p, b),
                1 => fx.modify(p, a, b),
                2 => fx.delete(p, a),
                _ => fx.rename(&format!("old{i}/{p}"), p, a, b),
            };
        }
        let first = fx.classify(c);
        // Deterministic: the same input twice gives the same output.
        prop_assert_eq!(&first, &fx.classify(c));
        // Order-independent: a permutation of the changes gives the same output.
        let mut shuffled = fx.set();
        let n = shuffled.changes.len();
        let mut state = seed;
        for i in (1..n).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.changes.swap(i, (state >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(&first, &c.classify(&shuffled, &fx));
        // Sorted by category then path, one trigger per (category, path).
        let keys: Vec<(&str, &str)> = first.iter().map(|t| (t.category.as_str(), t.path.as_str())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(keys, sorted);
    }
}
