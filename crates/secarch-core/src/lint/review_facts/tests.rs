//! The review rules over a real git history: the git-backed
//! `crate::review_history::GitReviewHistory` on repositories built with the git CLI
//! in temp dirs.

use std::path::Path;
use std::process::Command;

use super::ReviewHistory;
use crate::git::Repo;
use crate::lint::testkit::*;
use crate::model::parse_document;
use crate::review_history::GitReviewHistory;
use crate::source::WorkTree;

const REVIEW: &str = "  - {reviewer: \"Dana Ortiz\", role: security-architect, date: 2026-10-02, outcome: approved, scope: full, ref: \"PR #412\"}\n";

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
        s.git(&["init", "-q", "-b", "main"], "Ann Lee");
        s
    }

    fn git(&self, args: &[&str], author: &str) -> String {
        let date = format!("@{} +0000", self.clock.get());
        let email = format!(
            "{}@hospital.example",
            author.to_lowercase().replace(' ', ".")
        );
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", &email)
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

    fn commit(&self, author: &str, message: &str) -> String {
        self.clock.set(self.clock.get() + 60);
        self.git(&["add", "-A"], author);
        self.git(&["commit", "-q", "--allow-empty", "-m", message], author);
        self.git(&["rev-parse", "HEAD"], author)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn without_review() -> String {
    CLEAN_DOC.replace(REVIEW, "")
}

/// Ann builds, Dana reviews, Bob changes the Dockerfile, then Bob edits prose.
struct Story {
    s: Scratch,
    review: String,
    docker: String,
    prose: String,
}

fn story() -> Story {
    assert!(CLEAN_DOC.contains(REVIEW));
    let s = Scratch::new();
    s.write("deploy/Dockerfile", "FROM scratch\n");
    s.write(DOC_PATH, &without_review());
    s.commit("Ann Lee", "gateway and its architecture");
    s.write(DOC_PATH, CLEAN_DOC);
    let review = s.commit("Dana Ortiz", "security review");
    s.write("deploy/Dockerfile", "FROM scratch\nEXPOSE 8443\n");
    let docker = s.commit("Bob Stone", "expose the admin port");
    s.write(
        DOC_PATH,
        &CLEAN_DOC.replace("Assessed per control.", "Assessed per control, see below."),
    );
    let prose = s.commit("Bob Stone", "wording");
    Story {
        s,
        review,
        docker,
        prose,
    }
}

fn last_review(text: &str) -> crate::model::Review {
    parse_document(DOC_PATH, text)
        .document
        .last_review()
        .cloned()
        .expect("a review")
}

#[test]
fn finds_the_commit_that_added_a_review_not_the_last_edit() {
    let st = story();
    let repo = Repo::open_with(st.s.path(), false).expect("open");
    let h = GitReviewHistory::new(&repo, "HEAD", |_: &str| true);
    assert_eq!(
        h.review_added_in(DOC_PATH, &last_review(CLEAN_DOC))
            .unwrap(),
        Some(st.review.clone())
    );
    // an entry only in the working tree was not added by any commit
    let other = CLEAN_DOC.replace("2026-10-02", "2026-10-30");
    assert_eq!(
        h.review_added_in(DOC_PATH, &last_review(&other)).unwrap(),
        None
    );
}

#[test]
fn a_review_removed_and_re_added_counts_from_the_re_adding_commit() {
    let st = story();
    st.s.write(DOC_PATH, &without_review());
    st.s.commit("Bob Stone", "drop the review by mistake");
    st.s.write(DOC_PATH, CLEAN_DOC);
    let again = st.s.commit("Dana Ortiz", "restore the review");
    let repo = Repo::open_with(st.s.path(), false).expect("open");
    let h = GitReviewHistory::new(&repo, "HEAD", |_: &str| true);
    assert_eq!(
        h.review_added_in(DOC_PATH, &last_review(CLEAN_DOC))
            .unwrap(),
        Some(again)
    );
}

#[test]
fn commits_between_is_oldest_first() {
    let st = story();
    let repo = Repo::open_with(st.s.path(), false).expect("open");
    let h = GitReviewHistory::new(&repo, "HEAD", |_: &str| true);
    let all = h.commits_between(Some(&st.review), None).unwrap();
    let got: Vec<(&str, &str, Vec<&str>)> = all
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.author_name.as_str(),
                c.paths.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (st.docker.as_str(), "Bob Stone", vec!["deploy/Dockerfile"]),
            (st.prose.as_str(), "Bob Stone", vec![DOC_PATH]),
        ]
    );
    assert_eq!(all[0].author_email, "bob.stone@hospital.example");
    let h = GitReviewHistory::new(&repo, "HEAD", |p: &str| p != DOC_PATH);
    let not_doc = h.commits_between(None, Some(&st.review)).unwrap();
    assert_eq!(not_doc.len(), 1);
    assert_eq!(not_doc[0].author_name, "Ann Lee");
}

#[test]
fn errors_are_messages() {
    let st = story();
    let repo = Repo::open_with(st.s.path(), false).expect("open");
    let h = GitReviewHistory::new(&repo, "HEAD", |_: &str| true);
    let err = h.commits_between(Some("0123456789012345678901234567890123456789"), None);
    assert!(err.is_err());
    assert!(!err.unwrap_err().is_empty());
}

#[test]
fn lint_with_git_history_reports_the_unreviewed_architecture_change() {
    let st = story();
    let repo = Repo::open_with(st.s.path(), false).expect("open");
    let history = GitReviewHistory::new(&repo, "HEAD", |_: &str| true);
    let src = WorkTree::new(st.s.path());
    let k = Kit::new();
    let input = crate::lint::LintInput {
        policy: &k.policy,
        document_path: None,
        source: &src,
        registry: &k.registry,
        load_failures: &[],
        history: Some(&history),
        today: k.today,
        strict: false,
    };
    let r = crate::lint::lint(&input);
    assert_eq!(rules_of(&r), ["SA052"], "{:#?}", r.findings);
    let expected = format!(
        "the system architecture changed since the last review (Dana Ortiz, 2026-10-02, added in {}): deploy/Dockerfile (container, {}); review the change and add a new review record",
        &st.review[..7],
        &st.docker[..7]
    );
    assert_eq!(r.findings[0].message, expected);

    // A new review after the change clears it; Dana did not author the
    // reviewed range (Bob did), so SA055 stays quiet too.
    let text = CLEAN_DOC.replace(
        "reviews:\n",
        "reviews:\n  - {reviewer: \"Lee Park\", role: ciso, date: 2026-10-20, outcome: approved, scope: delta}\n",
    );
    st.s.write(DOC_PATH, &text);
    st.s.commit("Lee Park", "delta review");
    let r = crate::lint::lint(&input);
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
}
