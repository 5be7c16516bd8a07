//! Classifier tests: path categories, triggers from change sets, blob loading.

mod equivalence;
mod paths;
mod props;
mod real_data;

use std::cell::RefCell;
use std::collections::HashMap;

use super::*;
use crate::git::{ChangeKind, ChangeSet, EntryKind, FileChange, Side};
use crate::policy::Policy;

/// The default policy's classifier, compiled once for all tests.
pub(super) fn classifier() -> &'static Classifier {
    static CLASSIFIER: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        Classifier::new(
            &Policy::embedded_default(),
            Some("docs/security/security-architecture.md"),
        )
        .expect("default policy compiles")
    })
}

/// An in-memory change set whose blob reads are counted.
#[derive(Default)]
pub(super) struct Fx {
    blobs: HashMap<String, Vec<u8>>,
    pub changes: Vec<FileChange>,
    pub reads: RefCell<Vec<String>>,
}

impl BlobReader for Fx {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.reads.borrow_mut().push(id.to_string());
        self.blobs.blob(id)
    }
}

impl Fx {
    fn side(&mut self, path: &str, content: &[u8], tag: &str) -> Side {
        let id = format!("{tag}:{path}:{}", self.blobs.len());
        self.blobs.insert(id.clone(), content.to_vec());
        Side {
            path: path.to_string(),
            id,
            kind: EntryKind::File,
        }
    }

    pub fn add(&mut self, path: &str, head: &str) -> &mut Fx {
        let new = Some(self.side(path, head.as_bytes(), "new"));
        self.changes.push(FileChange {
            kind: ChangeKind::Added,
            old: None,
            new,
        });
        self
    }

    pub fn modify(&mut self, path: &str, base: &str, head: &str) -> &mut Fx {
        let old = Some(self.side(path, base.as_bytes(), "old"));
        let new = Some(self.side(path, head.as_bytes(), "new"));
        self.changes.push(FileChange {
            kind: ChangeKind::Modified,
            old,
            new,
        });
        self
    }

    pub fn modify_bytes(&mut self, path: &str, base: &[u8], head: &[u8]) -> &mut Fx {
        let old = Some(self.side(path, base, "old"));
        let new = Some(self.side(path, head, "new"));
        self.changes.push(FileChange {
            kind: ChangeKind::Modified,
            old,
            new,
        });
        self
    }

    pub fn rename(&mut self, from: &str, to: &str, base: &str, head: &str) -> &mut Fx {
        let old = Some(self.side(from, base.as_bytes(), "old"));
        let new = Some(self.side(to, head.as_bytes(), "new"));
        self.changes.push(FileChange {
            kind: ChangeKind::Renamed,
            old,
            new,
        });
        self
    }

    pub fn delete(&mut self, path: &str, base: &str) -> &mut Fx {
        let old = Some(self.side(path, base.as_bytes(), "old"));
        self.changes.push(FileChange {
            kind: ChangeKind::Deleted,
            old,
            new: None,
        });
        self
    }

    pub fn set(&self) -> ChangeSet {
        ChangeSet {
            base: "b".repeat(40),
            head: "h".repeat(40),
            changes: self.changes.clone(),
        }
    }

    pub fn classify(&self, c: &Classifier) -> Vec<Trigger> {
        c.classify(&self.set(), self)
    }
}

/// `(category, path, signal kinds)` of each trigger.
fn summary(ts: &[Trigger]) -> Vec<(String, String, Vec<String>)> {
    ts.iter()
        .map(|t| {
            (
                t.category.clone(),
                t.path.clone(),
                t.signals.iter().map(|s| s.kind.clone()).collect(),
            )
        })
        .collect()
}

const DOCKERFILE: &str = "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nEXPOSE 1337\nUSER node\nCMD [\"node\", \"server.js\"]\n";

#[test]
fn dockerfile_expose_added_signal_with_port_and_line() {
    let c = classifier();
    let mut fx = Fx::default();
    fx.modify(
        "Dockerfile",
        DOCKERFILE,
        &DOCKERFILE.replace("EXPOSE 1337", "EXPOSE 1337 8443"),
    );
    let ts = fx.classify(c);
    assert_eq!(ts.len(), 1);
    assert_eq!(
        (ts[0].category.as_str(), ts[0].change),
        ("container", ChangeKind::Modified)
    );
    assert_eq!(
        ts[0].signals,
        vec![Signal {
            kind: "expose-added".into(),
            message: "new EXPOSE 8443".into(),
            line: Some(4)
        }]
    );
}

#[test]
fn dockerfile_comment_change_triggers_without_signal() {
    let c = classifier();
    let mut fx = Fx::default();
    fx.modify(
        "deploy/dockerfile",
        DOCKERFILE,
        &format!("# runtime image\n{DOCKERFILE}"),
    );
    assert_eq!(
        summary(&fx.classify(c)),
        vec![("container".into(), "deploy/dockerfile".into(), vec![])]
    );
}

#[test]
fn dependencies_trigger_only_on_watchlisted_additions() {
    let c = classifier();
    let base = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n";
    let mut fx = Fx::default();
    fx.modify(
        "Cargo.toml",
        base,
        &base.replace("serde = \"1\"", "serde = \"1.0.228\""),
    )
    .modify(
        "crates/api/Cargo.toml",
        base,
        &format!("{base}axum = \"0.8\"\n"),
    )
    .modify(
        "web/package.json",
        "{\"dependencies\": {}}",
        "{\"dependencies\": {\"lodash\": \"4\"}}",
    )
    .add("svc/requirements.txt", "Flask==2.0\n")
    .delete(
        "old/package.json",
        "{\"dependencies\": {\"express\": \"4\"}}",
    );
    let ts = fx.classify(c);
    assert_eq!(
        summary(&ts),
        vec![
            (
                "dependencies".into(),
                "crates/api/Cargo.toml".into(),
                vec!["dependency-added".into()]
            ),
            (
                "dependencies".into(),
                "svc/requirements.txt".into(),
                vec!["dependency-added".into()]
            ),
        ]
    );
    assert_eq!(
        ts[0].signals[0].message,
        "new dependency axum (cargo, [dependencies])"
    );
    assert_eq!(
        ts[1].signals[0].message,
        "new dependency Flask (pypi, requirements)"
    );
    // The deletion was never read; the serde bump's base was never needed.
    let reads = fx.reads.borrow();
    assert!(
        !reads.iter().any(|r| r.contains("old/package.json")),
        "{reads:?}"
    );
    assert!(
        !reads.iter().any(|r| r.starts_with("old:Cargo.toml")),
        "{reads:?}"
    );
}

#[test]
fn rename_classifies_both_paths_and_reports_new_path() {
    let c = classifier();
    let mut fx = Fx::default();
    // Moved out of the watched k8s folder into an unwatched one: still a trigger.
    fx.rename(
        "k8s/api.yaml",
        "old-stuff/api.yaml",
        "kind: Service\n",
        "kind: Service\n",
    )
    .rename("tests/Dockerfile", "Dockerfile", DOCKERFILE, DOCKERFILE);
    let ts = fx.classify(c);
    assert_eq!(
        ts.iter()
            .map(|t| (t.category.as_str(), t.path.as_str(), t.old_path.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            ("container", "Dockerfile", Some("tests/Dockerfile")),
            ("container", "old-stuff/api.yaml", Some("k8s/api.yaml")),
        ]
    );
    // Same content on both sides: nothing new to report.
    assert!(ts.iter().all(|t| t.signals.is_empty()), "{ts:?}");
}

#[test]
fn blobs_are_read_only_for_categories_with_analysers() {
    let c = classifier();
    let mut fx = Fx::default();
    fx.modify("src/auth/session.rs", "a", "b")
        .modify(".github/workflows/ci.yml", "a", "b")
        .modify("README.md", "a", "b")
        .modify("threat-model.yaml", "a", "b")
        .delete("Dockerfile", DOCKERFILE);
    let ts = fx.classify(c);
    assert_eq!(
        summary(&ts),
        vec![
            ("auth-crypto".into(), "src/auth/session.rs".into(), vec![]),
            ("container".into(), "Dockerfile".into(), vec![]),
            ("threat-model".into(), "threat-model.yaml".into(), vec![]),
            (
                "update-path".into(),
                ".github/workflows/ci.yml".into(),
                vec![]
            ),
        ]
    );
    assert!(fx.reads.borrow().is_empty(), "{:?}", fx.reads.borrow());
}

#[test]
fn each_blob_is_read_once_across_categories() {
    let c = classifier();
    let mut fx = Fx::default();
    // nginx/ingress.yaml is both `container`-adjacent and `network`; k8s/ingress.yaml both.
    fx.modify(
        "k8s/ingress.yaml",
        "kind: Ingress\n",
        "kind: Ingress\nspec:\n  rules:\n    - host: a.example\n",
    );
    let ts = fx.classify(c);
    assert_eq!(ts.len(), 2);
    assert!(
        ts.iter()
            .all(|t| t.signals.len() == 1 && t.signals[0].kind == "ingress-host")
    );
    assert_eq!(fx.reads.borrow().len(), 2, "base and head once each");
}

#[test]
fn hostile_blobs_do_not_panic() {
    let c = classifier();
    let big = vec![b'a'; MAX_ANALYSED_BYTES + 10];
    let binary = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    let mut fx = Fx::default();
    fx.modify_bytes("Dockerfile", DOCKERFILE.as_bytes(), &big)
        .modify_bytes("package.json", b"{}", &binary)
        .modify_bytes("docker-compose.yml", b"services: {}", b"services: [[[[[[[[\n: : :")
        .modify_bytes("Cargo.toml", b"[dependencies]\n", &[b'['; 100_000])
        .modify_bytes("k8s/x.yaml", b"", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n".as_bytes());
    let ts = fx.classify(c);
    let got = summary(&ts);
    assert_eq!(
        got,
        vec![
            (
                "container".into(),
                "Dockerfile".into(),
                vec!["not-analysed".into()]
            ),
            ("container".into(), "docker-compose.yml".into(), vec![]),
            ("container".into(), "k8s/x.yaml".into(), vec![]),
            (
                "dependencies".into(),
                "Cargo.toml".into(),
                vec!["unparsable".into()]
            ),
            (
                "dependencies".into(),
                "package.json".into(),
                vec!["unparsable".into()]
            ),
        ]
    );
    assert!(
        ts[0].signals[0]
            .message
            .contains("over the 2 MiB analysis limit")
    );
}

#[test]
fn document_never_triggers_policy_file_does() {
    let c = classifier();
    let mut fx = Fx::default();
    fx.modify("docs/security/security-architecture.md", "a", "b")
        .modify(".github/secarch.yml", "a", "b");
    assert_eq!(
        summary(&fx.classify(c)),
        vec![("policy".into(), ".github/secarch.yml".into(), vec![])]
    );
}

#[test]
fn duplicate_paths_merge_into_one_trigger() {
    let c = classifier();
    let mut fx = Fx::default();
    fx.modify("Dockerfile", DOCKERFILE, &DOCKERFILE.replace("1337", "80"))
        .modify(
            "Dockerfile",
            DOCKERFILE,
            &DOCKERFILE.replace("USER node\n", ""),
        );
    let ts = fx.classify(c);
    assert_eq!(ts.len(), 1);
    let kinds: Vec<&str> = ts[0].signals.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, vec!["expose-added", "user-removed"]);
}

#[test]
fn invalid_glob_is_an_error_that_says_what_to_do() {
    let mut policy = Policy::embedded_default();
    policy
        .categories
        .entry("container".into())
        .or_default()
        .globs
        .push("deploy/{a,b".into());
    let err = Classifier::new(&policy, None).expect_err("unclosed alternation");
    let text = err.to_string();
    assert!(
        text.contains("\"container\"")
            && text.contains("deploy/{a,b")
            && text.contains("globset syntax"),
        "{text}"
    );
}

/// A change set large enough for its paths to be matched on two threads gives
/// the triggers one thread gives, in the same order, each once.
#[test]
fn large_change_sets_classify_like_small_ones() {
    let mut fx = Fx::default();
    for i in 0..4500 {
        fx.add(&format!("src/m{}/file_{i}.txt", i % 97), "x\n");
        if i % 100 == 0 {
            fx.add(&format!("deploy/d{i}/Dockerfile"), "FROM a\nEXPOSE 80\n");
            fx.rename(
                &format!("k8s/app{i}.yaml"),
                &format!("moved/app{i}.yaml"),
                "kind: Service\n",
                "kind: Service\n",
            );
        }
    }
    let c = classifier();
    let whole = fx.classify(c);
    assert!(fx.changes.len() >= super::classifier::PARALLEL_MIN_CHANGES);
    assert_eq!(whole.len(), 90, "45 Dockerfiles + 45 moved manifests");
    // The same changes in pieces below the threshold (one thread each).
    let mut pieces = Vec::new();
    for chunk in fx.changes.chunks(1000) {
        let set = ChangeSet {
            base: "b".into(),
            head: "h".into(),
            changes: chunk.to_vec(),
        };
        pieces.extend(c.classify(&set, &fx));
    }
    pieces.sort_by(|a, b| (&a.category, &a.path).cmp(&(&b.category, &b.path)));
    assert_eq!(summary(&whole), summary(&pieces));
}

/// Many watched changes are read and analysed on the pool's threads: the
/// triggers are exactly those of one thread, and every blob is still read.
#[test]
fn many_watched_changes_classify_alike_on_one_thread_and_on_several() {
    let mut fx = Fx::default();
    for s in 0..super::classifier::PARALLEL_MIN_CONTENT {
        fx.modify(
            &format!("svc/s{s:03}/Dockerfile"),
            DOCKERFILE,
            &format!("{DOCKERFILE}EXPOSE {}\n", 9000 + s),
        );
        fx.modify(
            &format!("svc/s{s:03}/k8s/deployment.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: []\n",
        );
        fx.add(&format!("svc/s{s:03}/src/main_{s}.txt"), "not watched");
        if s % 8 == 0 {
            fx.delete(&format!("svc/s{s:03}/Dockerfile.old"), DOCKERFILE);
        }
    }
    let set = fx.set();
    let one = classifier()
        .clone()
        .with_threads(1)
        .classify(&set, &fx.blobs);
    let several = classifier()
        .clone()
        .with_threads(3)
        .classify(&set, &fx.blobs);
    assert_eq!(one, several);
    let n = super::classifier::PARALLEL_MIN_CONTENT;
    assert_eq!(one.len(), 2 * n + n / 8, "{:?}", summary(&one));
    assert!(
        one.iter()
            .filter(|t| t.path.ends_with("/Dockerfile"))
            .all(|t| t.signals.iter().any(|s| s.kind == "expose-added")),
        "{:?}",
        summary(&one)
    );
    // Fx's own reader is not shared: the same set on one thread, every read counted.
    assert_eq!(fx.classify(&classifier().clone().with_threads(3)), one);
}
