//! The split matcher (`matcher.rs`) against the plain one: every original glob matched
//! against the whole lower-cased path, the way `Matcher` worked before the
//! rewrite (and the way the policy documentation describes it).

use proptest::prelude::*;

use crate::classify::matcher::Matcher;
use crate::classify::sets::compile;
use crate::policy::{Category, Policy};

/// Reference: whole-path matching of the globs as written.
struct Plain {
    names: Vec<String>,
    include: Vec<(globset::GlobMatcher, usize)>,
    category_exclude: Vec<(globset::GlobMatcher, usize)>,
    exclude: Vec<globset::GlobMatcher>,
}

impl Plain {
    fn new(policy: &Policy) -> Plain {
        let m = |g: &str| compile("t", g).unwrap().compile_matcher();
        let mut plain = Plain {
            names: Vec::new(),
            include: Vec::new(),
            category_exclude: Vec::new(),
            exclude: policy.exclude.iter().map(|g| m(g)).collect(),
        };
        for (i, (name, c)) in policy.categories.iter().enumerate() {
            plain.names.push(name.clone());
            plain.include.extend(c.globs.iter().map(|g| (m(g), i)));
            plain
                .category_exclude
                .extend(c.exclude.iter().map(|g| (m(g), i)));
        }
        plain
    }

    fn categories_for(&self, path: &str) -> Vec<&str> {
        let lower = path.to_ascii_lowercase();
        if self.exclude.iter().any(|g| g.is_match(&lower)) {
            return Vec::new();
        }
        let mut wanted = vec![false; self.names.len()];
        for (g, c) in &self.include {
            wanted[*c] |= g.is_match(&lower);
        }
        for (g, c) in &self.category_exclude {
            if g.is_match(&lower) {
                wanted[*c] = false;
            }
        }
        self.names
            .iter()
            .zip(wanted)
            .filter_map(|(n, w)| w.then_some(n.as_str()))
            .collect()
    }
}

const DIRS: &[&str] = &[
    "src",
    "Auth",
    "auth",
    "authz",
    "security",
    "Security",
    "tests",
    "docs",
    "k8s",
    "helm",
    "charts",
    "templates",
    "requirements",
    "threat-models",
    "threat-model-x",
    "firmware",
    "queries",
    "node_modules",
    "x.Tests",
    "keycloak-realm",
    "oauth2",
    ".github",
    "workflows",
    "architecture",
    "a",
    "b",
];
const FILES: &[&str] = &[
    "Dockerfile",
    "dockerfile.dev",
    "Dockerfile.prod",
    "main.rs",
    "auth.ts",
    "authz.py",
    "authorize.go",
    "author.go",
    "values-prod.yaml",
    "values.yml",
    "x.md",
    "README.md",
    "Cargo.toml",
    "package.json",
    "openapi.yaml",
    "test_x.py",
    "x_test.go",
    "iptables.rules",
    "iptables",
    "main.tf",
    "manifest.json",
    "manifest",
    "q.graphql",
    "x.query.graphql",
    "deploy-sign.sh",
    "signer.toml",
    "jwt_util.ts",
    "security.rs",
    "insecure.py",
    "a.b.c",
    "Procfile",
    "x.yaml",
    "reqs.txt",
    "requirements-dev.txt",
    "THREAT_MODEL.md",
    "threat-model.yaml",
    "settings.py",
    "app.json",
    "x.tests.ts",
];

fn path() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(DIRS), 0..5),
        proptest::sample::select(FILES),
    )
        .prop_map(|(dirs, file)| {
            let mut p = dirs.join("/");
            if !p.is_empty() {
                p.push('/');
            }
            p.push_str(file);
            p
        })
}

/// Globs from fragments of the shapes policies use, and some they don't.
fn glob() -> impl Strategy<Value = String> {
    let part = proptest::sample::select(
        &[
            "**",
            "*",
            "auth",
            "a",
            "src",
            "{auth,security}",
            "*auth*",
            "[ab]",
            "[!a]*",
            "{a,b}",
            "docs",
            "?",
        ][..],
    );
    let name = proptest::sample::select(
        &[
            "*.md",
            "*.{yml,yaml}",
            "Dockerfile*",
            "*",
            "**",
            "auth{[!o]*,oriz*}.{ts,go}",
            "x_test.go",
            "{a,b}.c",
            "*[-_.]sign*.sh",
            "{,x}y",
            "*.b{,.c}",
        ][..],
    );
    (proptest::collection::vec(part, 0..4), name).prop_map(|(parts, name)| {
        let mut g = parts.join("/");
        if !g.is_empty() {
            g.push('/');
        }
        g.push_str(name);
        g
    })
}

fn policy_with(globs: Vec<String>, cat_exclude: Vec<String>, exclude: Vec<String>) -> Policy {
    let mut policy = Policy::embedded_default();
    policy.categories.clear();
    let (first, second) = globs.split_at(globs.len() / 2);
    for (name, globs, exclude) in [
        ("one", first.to_vec(), cat_exclude),
        ("two", second.to_vec(), Vec::new()),
    ] {
        policy.categories.insert(
            name.to_string(),
            Category {
                description: String::new(),
                globs,
                exclude,
            },
        );
    }
    policy.exclude = exclude;
    policy
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn default_policy_agrees_with_whole_path_matching(
        paths in proptest::collection::vec(path(), 1..40)
    ) {
        // Compiled once: ~250 globs take a while in a debug build.
        static DEFAULT: std::sync::OnceLock<(Matcher, Plain)> = std::sync::OnceLock::new();
        let (fast, plain) = DEFAULT.get_or_init(|| {
            let policy = Policy::embedded_default();
            (Matcher::new(&policy, Vec::new()).unwrap(), Plain::new(&policy))
        });
        for p in &paths {
            prop_assert_eq!(fast.categories_for(p), plain.categories_for(p), "{}", p);
            prop_assert_eq!(fast.is_watched(p), !plain.categories_for(p).is_empty(), "{}", p);
        }
    }

    /// The per-directory entry point of tree walks agrees with the per-path
    /// one.
    #[test]
    fn per_directory_matching_agrees_with_per_path(
        paths in proptest::collection::vec(path(), 1..40)
    ) {
        static DEFAULT: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
        let m = DEFAULT.get_or_init(|| {
            Matcher::new(&Policy::embedded_default(), vec!["docs/security/x.md".into()]).unwrap()
        });
        for p in &paths {
            let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
            let view = m.dir_view(dir.as_bytes());
            prop_assert_eq!(
                m.is_watched_in(&view, dir.as_bytes(), name.as_bytes()),
                m.is_watched(p),
                "{}", p
            );
        }
    }

    #[test]
    fn any_globs_agree_with_whole_path_matching(
        globs in proptest::collection::vec(glob(), 1..8),
        cat_exclude in proptest::collection::vec(glob(), 0..2),
        exclude in proptest::collection::vec(glob(), 0..2),
        paths in proptest::collection::vec(path(), 1..40),
    ) {
        let policy = policy_with(globs, cat_exclude, exclude);
        let Ok(fast) = Matcher::new(&policy, Vec::new()) else {
            // Globs globset rejects are rejected as written: nothing to compare.
            return Ok(());
        };
        let plain = Plain::new(&policy);
        for p in &paths {
            prop_assert_eq!(fast.categories_for(p), plain.categories_for(p), "{}", p);
            prop_assert_eq!(fast.is_watched(p), !plain.categories_for(p).is_empty(), "{}", p);
        }
    }
}

#[test]
fn the_cache_follows_the_directory() {
    let policy = policy_with(
        vec!["**/auth/**".into(), "**/Dockerfile".into()],
        Vec::new(),
        vec!["**/tests/**".into()],
    );
    let m = Matcher::new(&policy, vec!["docs/sa.md".into()]).unwrap();
    assert_eq!(m.categories_for("src/auth/x.rs"), ["one"]);
    assert!(m.is_watched("src/auth/y.rs"));
    assert!(!m.is_watched("src/authn/y.rs"));
    assert!(!m.is_watched("src/auth/tests/y.rs"));
    assert!(m.is_watched("./Dockerfile"));
    assert!(m.is_watched("tests2/Dockerfile"));
    assert!(!m.is_watched("tests/Dockerfile"));
    assert!(m.is_watched("src/auth/y.rs"));
    assert!(!m.is_watched("docs/sa.md"));
    assert!(!m.is_watched(""));
    // A clone starts with an empty cache and answers the same.
    assert_eq!(m.clone().categories_for("src/auth/x.rs"), ["one"]);
}
