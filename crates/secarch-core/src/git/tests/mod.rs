//! Tests over real repositories built in temp dirs with the `git` CLI (and
//! git2 where the CLI cannot easily make the object, e.g. a gitlink or a
//! non-UTF-8 name).

mod changes;
mod commit_walk;
mod open;
mod renames;
mod walk;

use std::cell::Cell;
use std::path::Path;
use std::process::Command;

use super::Repo;

/// A scratch repository driven through the git CLI, isolated from the
/// user's and the system's git configuration.
pub(crate) struct Fixture {
    pub dir: tempfile::TempDir,
    clock: Cell<i64>,
}

impl Fixture {
    /// `git init -b <branch>` in a fresh temp dir.
    pub fn new(branch: &str) -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
            clock: Cell::new(1_700_000_000),
        };
        f.git(&["init", "-q", "-b", branch]);
        f
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn repo(&self) -> Repo {
        Repo::open_with(self.path(), false).expect("open fixture repository")
    }

    /// Run git in the repository; panics with stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, self.clock.get())
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }

    /// `git mv`, creating the destination's directory first.
    pub fn mv(&self, from: &str, to: &str) {
        let full = self.path().join(to);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        self.git(&["mv", from, to]);
    }

    pub fn remove(&self, path: &str) {
        self.git(&["rm", "-q", "-r", path]);
    }

    /// Stage everything and commit; returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.clock.set(self.clock.get() + 60);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// The blob id of `path` at `rev`.
    pub fn blob(&self, rev: &str, path: &str) -> String {
        self.git(&["rev-parse", &format!("{rev}:{path}")])
    }
}

pub(super) fn git_in(dir: &Path, args: &[&str], time: i64) -> String {
    let date = format!("@{time} +0000");
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "cy@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("run git (is it installed?)");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Errors travel through `anyhow` and across threads.
#[test]
fn git_error_is_send_sync_static() {
    fn check<T: std::error::Error + Send + Sync + 'static>() {}
    check::<super::GitError>();
}
