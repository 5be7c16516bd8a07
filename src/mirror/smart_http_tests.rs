//! Unit tests of the transport's refusals. Fetches over loopback smart HTTP
//! (`git http-backend`), authentication, redirects and time-outs are tested
//! end to end in `tests/mirror/`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::*;
use crate::mirror::url::check_url;

/// libgit2 built with git2's `https` feature links the system OpenSSL and, in
/// `git_libgit2_init`, loads the whole CA bundle: 22 % of every `secarch
/// check` run on the 100k-file benchmark, for a CLI that never touches the
/// network. HTTPS goes through this module's transport (reqwest/rustls)
/// instead, so the feature must stay off; re-enabling it would also put
/// libgit2's own HTTP transport back for URLs this one does not claim.
#[test]
fn libgit2_is_built_without_tls() {
    let version = git2::Version::get();
    assert!(
        !version.https(),
        "git2 must be built without its `https` feature (see Cargo.toml)"
    );
}

/// A listener nobody should connect to, and a way to tell whether anyone did.
struct Untouched(TcpListener);

impl Untouched {
    fn new() -> Untouched {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        Untouched(listener)
    }

    fn url(&self) -> String {
        let port = self.0.local_addr().expect("address").port();
        format!("http://127.0.0.1:{port}/octo/repo.git")
    }

    fn was_contacted(&self) -> bool {
        self.0.accept().is_ok()
    }
}

fn bare_repo() -> (tempfile::TempDir, git2::Repository) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = git2::Repository::init_bare(dir.path()).expect("bare repository");
    (dir, repo)
}

fn session_for(url: &str) -> Arc<Session> {
    let remote = check_url(url, false, None).expect("loopback URL");
    let deadline = Instant::now() + Duration::from_secs(20);
    Arc::new(Session::new(
        &remote,
        Some("ghs_unitTestToken0123456789"),
        deadline,
        1 << 30,
    ))
}

#[test]
fn without_a_fetch_session_nothing_is_sent() {
    register().expect("registered");
    let server = Untouched::new();
    let (_dir, repo) = bare_repo();
    let mut remote = repo.remote_anonymous(&server.url()).expect("remote");
    let err = remote
        .fetch(&["refs/heads/main:refs/heads/main"], None, None)
        .expect_err("no session");
    assert!(
        err.message().contains("only fetched by the mirror cache"),
        "{}",
        err.message()
    );
    assert!(!server.was_contacted());
}

#[test]
fn another_origin_than_the_clone_urls_is_refused() {
    register().expect("registered");
    let clone_host = Untouched::new();
    let elsewhere = Untouched::new();
    let session = session_for(&clone_host.url());
    let (_dir, repo) = bare_repo();
    let err = {
        let _entered = session::enter(Arc::clone(&session));
        let mut remote = repo.remote_anonymous(&elsewhere.url()).expect("remote");
        remote
            .fetch(&["refs/heads/main:refs/heads/main"], None, None)
            .expect_err("another origin")
    };
    let failure = session.failure().expect("recorded");
    assert!(
        failure
            .message()
            .contains("refusing to connect to another address"),
        "{failure:?} / {}",
        err.message()
    );
    assert!(!elsewhere.was_contacted() && !clone_host.was_contacted());
}

#[test]
fn pushing_is_refused_before_connecting() {
    register().expect("registered");
    let server = Untouched::new();
    let session = session_for(&server.url());
    let (_dir, repo) = bare_repo();
    let err = {
        let _entered = session::enter(Arc::clone(&session));
        let mut remote = repo.remote_anonymous(&server.url()).expect("remote");
        remote
            .push(&["refs/heads/main:refs/heads/main"], None)
            .expect_err("push refused")
    };
    assert!(
        err.message().contains("pushing is not supported"),
        "{}",
        err.message()
    );
    assert!(!server.was_contacted());
}

#[test]
fn registering_twice_is_harmless() {
    assert_eq!(register(), Ok(()));
    assert_eq!(register(), Ok(()));
}
