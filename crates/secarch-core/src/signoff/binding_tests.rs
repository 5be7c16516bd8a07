//! Content prints over real repositories built with the git CLI in temp dirs.

use std::process::Command;

use super::*;
use crate::classify::Classifier;
use crate::evaluate::{PolicySource, Range, evaluate};
use crate::git::Repo;
use crate::policy::Policy;

const DOC_PATH: &str = "docs/security/security-architecture.md";
const DOC: &str = "---\nschema: secarch/v1\ncontrols:\n  - id: SC-01\nreviews:\n  - {reviewer: A, role: security-architect, date: 2026-01-01, outcome: approved}\n---\n# Scope\nThe gateway.\n";

struct Scratch {
    dir: tempfile::TempDir,
    clock: std::cell::Cell<i64>,
}

impl Scratch {
    fn new() -> Scratch {
        let s = Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
            clock: std::cell::Cell::new(1_790_000_000),
        };
        s.git(&["init", "-q", "-b", "main"]);
        s
    }

    fn git(&self, args: &[&str]) -> String {
        let date = format!("@{} +0000", self.clock.get());
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ann Lee")
            .env("GIT_AUTHOR_EMAIL", "ann@hospital.example")
            .env("GIT_COMMITTER_NAME", "CI")
            .env("GIT_COMMITTER_EMAIL", "ci@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("run git (is it installed?)");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, path: &str, content: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }

    fn commit(&self, message: &str) -> String {
        self.clock.set(self.clock.get() + 60);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn repo(&self) -> Repo {
        Repo::open_with(self.dir.path(), false).expect("open")
    }
}

/// A repository with a watched Dockerfile, a threat model, the document and an unwatched file.
fn scratch() -> (Scratch, String) {
    let s = Scratch::new();
    s.write("Dockerfile", "FROM alpine\nEXPOSE 8080\n");
    s.write("threat-model.yaml", "threats: []\n");
    s.write(DOC_PATH, DOC);
    s.write("README.md", "hello\n");
    let base = s.commit("base");
    (s, base)
}

fn print(s: &Scratch, commit: &str) -> ContentPrint {
    let policy = Policy::embedded_default();
    let classifier = Classifier::new(&policy, Some(DOC_PATH)).expect("classifier");
    ContentPrint::at(&s.repo(), &classifier, Some(DOC_PATH), commit).expect("print")
}

#[test]
fn unrelated_files_and_review_records_keep_the_print_watched_files_change_it() {
    let (s, base) = scratch();
    let a = print(&s, &base);
    assert_eq!(a.commit, base);
    assert!(a.entries.contains_key("Dockerfile"), "{:?}", a.entries);
    assert!(a.entries.contains_key(DOC_PATH));
    assert!(!a.entries.contains_key("README.md"));

    s.write("README.md", "hello again\n");
    let unrelated = s.commit("docs");
    assert_eq!(print(&s, &unrelated).fingerprint, a.fingerprint);

    s.write(
        DOC_PATH,
        &DOC.replace(
            "outcome: approved}\n",
            "outcome: approved}\n  - {reviewer: B, role: ciso, date: 2026-02-01, outcome: approved}\n",
        ),
    );
    let reviewed = s.commit("review record");
    assert_eq!(print(&s, &reviewed).fingerprint, a.fingerprint);

    s.write("Dockerfile", "FROM alpine\nEXPOSE 8443\n");
    s.write(
        DOC_PATH,
        &DOC.replace("The gateway.", "The gateway, now on 8443."),
    );
    let changed = s.commit("new port");
    let b = print(&s, &changed);
    assert_ne!(b.fingerprint, a.fingerprint);
    assert_eq!(a.changed_paths(&b), ["Dockerfile", DOC_PATH]);
    assert_eq!(b.changed_paths(&a), ["Dockerfile", DOC_PATH]);

    s.git(&["rm", "-q", "threat-model.yaml"]);
    let removed = s.commit("drop the threat model");
    assert_eq!(b.changed_paths(&print(&s, &removed)), ["threat-model.yaml"]);
}

#[test]
fn a_rebase_with_identical_content_keeps_the_print() {
    let (s, base) = scratch();
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.write("Dockerfile", "FROM alpine\nEXPOSE 8443\n");
    let feature = s.commit("port");
    let before = print(&s, &feature);
    // main moves on with an unrelated file; the feature is rebased onto it.
    s.git(&["checkout", "-q", "main"]);
    s.write("src/lib.rs", "pub fn f() {}\n");
    s.commit("unrelated");
    s.git(&["checkout", "-q", "feature"]);
    s.git(&["rebase", "-q", "main"]);
    let rebased = s.git(&["rev-parse", "HEAD"]);
    assert_ne!(rebased, feature);
    let after = print(&s, &rebased);
    assert_eq!(after.fingerprint, before.fingerprint);
    assert_ne!(after.fingerprint, print(&s, &base).fingerprint);
}

/// The print of the head is the fingerprint `secarch check` reports: a sign-off binds to what
/// the check run shows.
#[test]
fn the_head_print_is_the_check_reports_fingerprint() {
    let (s, base) = scratch();
    s.write("Dockerfile", "FROM alpine\nEXPOSE 8443\n");
    s.write("README.md", "changed\n");
    let head = s.commit("port");
    let report = evaluate(
        &s.repo(),
        &Range {
            base: base.clone(),
            head: head.clone(),
        },
        &PolicySource::BaseCommit,
        None,
    )
    .expect("evaluate");
    assert_eq!(report.fingerprint, print(&s, &head).fingerprint);
    assert_ne!(report.fingerprint, print(&s, &base).fingerprint);
}

#[test]
fn an_unreadable_commit_has_no_print() {
    let (s, base) = scratch();
    let policy = Policy::embedded_default();
    let classifier = Classifier::new(&policy, Some(DOC_PATH)).expect("classifier");
    let repo = s.repo();
    let prints = RepoPrints {
        repo: &repo,
        classifier: &classifier,
        document: Some(DOC_PATH),
    };
    assert!(prints.print(&base).is_some());
    assert!(
        prints
            .print("0123456789012345678901234567890123456789")
            .is_none()
    );
}

#[test]
fn commit_prefixes_resolve_among_the_pulls_commits_only() {
    let commits = vec![
        "3f2a9c1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_string(),
        "3f2a9c1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".to_string(),
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_string(),
    ];
    assert_eq!(resolve_commit("EC26C3E", &commits), Ok(commits[2].clone()));
    assert_eq!(
        resolve_commit("3f2a9c1", &commits),
        Err(CommitError::Ambiguous {
            prefix: "3f2a9c1".into(),
            count: 2
        })
    );
    assert_eq!(resolve_commit("3f2a9c1b", &commits), Ok(commits[1].clone()));
    let e = resolve_commit("1234567", &commits).unwrap_err();
    assert_eq!(
        e,
        CommitError::NotInPull {
            prefix: "1234567".into()
        }
    );
    assert!(e.to_string().contains("/secarch approve"), "{e}");
}
