//! Shared helpers for integration tests: real git repositories in temp dirs and
//! running the real `secarch` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A real git repository in a temporary directory, driven with the git CLI.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    /// `git init` with `main` as the initial branch and a fixed identity.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let r = TestRepo { dir };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.name", "Test Dev"]);
        r.git(&["config", "user.email", "dev@example.com"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run git in the repository; panics with git's stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-01T10:00:00Z")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Write a file (creating directories).
    pub fn write(&self, path: &str, content: &str) -> &TestRepo {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
        self
    }

    pub fn remove(&self, path: &str) -> &TestRepo {
        self.git(&["rm", "-q", path]);
        self
    }

    /// Stage everything and commit; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Start a feature branch from the current commit.
    pub fn branch(&self, name: &str) {
        self.git(&["checkout", "-q", "-b", name]);
    }
}

/// Run the built `secarch` binary.
pub fn secarch(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secarch"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .expect("secarch runs")
}

/// Exit code, stdout and stderr of a run, for assertions with context.
pub fn outcome(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `secarch check --format json` on the repository; returns (exit code, parsed JSON or Null, stderr).
pub fn check_json(repo: &TestRepo, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let out = secarch(&args, repo.path());
    let (code, stdout, stderr) = outcome(&out);
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (code, json, stderr)
}

/// Directory of this crate's own test data.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A complete, lint-clean security architecture document (tests/data).
pub fn good_document() -> String {
    std::fs::read_to_string(data_dir().join("security-architecture.md"))
        .expect("tests/data document")
}

/// Append a review record to a document's `reviews:` list.
pub fn add_review(doc: &str, reviewer: &str, outcome: &str, extra: &str) -> String {
    let entry = format!(
        "  - {{reviewer: \"{reviewer}\", role: security-architect, date: 2026-11-20, outcome: {outcome}, scope: delta{extra}}}\n"
    );
    let marker = "\n---\n";
    let end = doc[4..]
        .find(marker)
        .map(|i| i + 4)
        .expect("front matter end");
    let mut out = String::new();
    out.push_str(&doc[..end + 1]);
    out.push_str(&entry);
    out.push_str(&doc[end + 1..]);
    out
}
