//! One fetch into a mirror: an anonymous remote (nothing saved in the mirror's
//! config), the token offered only through a credentials callback, no tags, no
//! FETCH_HEAD, no off-site redirects, and a deadline.

use std::cell::Cell;
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, Cred, CredentialType, ErrorClass, ErrorCode, FetchOptions, FetchPrune, Oid,
    ProxyOptions, Reference, RemoteCallbacks, RemoteRedirect,
};

use super::error::MirrorError;
use super::redact::redact;
use super::url::{RemoteKind, RemoteUrl};
use crate::git::{Repo, with_open_lock};

/// The user name GitHub expects with an installation token.
const TOKEN_USER: &str = "x-access-token";

/// Why a fetch failed, with a message already redacted.
#[derive(Debug)]
pub(crate) enum FetchFailure {
    /// The local mirror looks damaged (object database, refs, files): worth
    /// re-creating it and trying once more.
    Local(String),
    /// The remote side, the network or the credentials.
    Remote(String),
    TimedOut,
}

/// Check a refspec the caller asks for: `[+]refs/…:refs/…`, exact names (no
/// globs, which could pull every pull-request ref of a busy repository).
pub(crate) fn check_refspec(spec: &str) -> Result<(), MirrorError> {
    let invalid = |reason| MirrorError::InvalidRefspec {
        spec: spec.chars().take(200).collect(),
        reason,
    };
    let body = spec.strip_prefix('+').unwrap_or(spec);
    let (src, dst) = body
        .split_once(':')
        .ok_or_else(|| invalid("expected `[+]refs/<source>:refs/<destination>`"))?;
    for side in [src, dst] {
        if !side.starts_with("refs/") {
            return Err(invalid(
                "both sides must be full reference names starting with `refs/`",
            ));
        }
        if side.contains('*') {
            return Err(invalid("wildcards are not accepted; name each reference"));
        }
        if !Reference::is_valid_name(side) {
            return Err(invalid("not a valid reference name"));
        }
    }
    Ok(())
}

/// Parse a wanted commit id (full hexadecimal only: abbreviations could be
/// ambiguous and are never what a webhook carries).
pub(crate) fn parse_want(want: &str) -> Result<Oid, MirrorError> {
    let invalid = || MirrorError::InvalidCommit {
        want: want.chars().take(80).collect(),
    };
    if !matches!(want.len(), 40 | 64) || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Oid::from_str(want).map_err(|_| invalid())
}

/// Which wanted commits the mirror has.
pub(crate) struct Presence {
    /// Not in the mirror.
    pub(crate) missing: Vec<String>,
    /// Some commit is listed but cannot be read: the mirror is damaged.
    pub(crate) damaged: bool,
}

impl Presence {
    pub(crate) fn complete(&self) -> bool {
        self.missing.is_empty() && !self.damaged
    }
}

pub(crate) fn presence(repo: &Repo, want: &[Oid]) -> Presence {
    let mut found = Presence {
        missing: Vec::new(),
        damaged: false,
    };
    let odb = repo.git.odb().ok();
    for oid in want {
        if repo.git.find_commit(*oid).is_ok() {
            continue;
        }
        // Listed in an index (or loose) but unreadable: libgit2 reports a
        // damaged pack entry as "not found" too, so ask the index directly.
        if odb.as_ref().is_none_or(|odb| odb.exists(*oid)) {
            found.damaged = true;
        } else {
            found.missing.push(oid.to_string());
        }
    }
    found
}

/// Whether every reference in the mirror points at an object it has. A
/// reference to a lost object would make the next fetch claim to have it, and
/// the server would never send it again.
pub(crate) fn refs_intact(repo: &Repo) -> bool {
    let (Ok(odb), Ok(refs)) = (repo.git.odb(), repo.git.references()) else {
        return false;
    };
    refs.flatten()
        .filter_map(|r| r.target())
        .all(|oid| odb.exists(oid))
}

/// Fetch `refspecs` from `remote` into `repo`, giving up after `timeout`.
pub(crate) fn fetch(
    repo: &Repo,
    remote: &RemoteUrl,
    token: Option<&str>,
    refspecs: &[String],
    timeout: Duration,
) -> Result<(), FetchFailure> {
    let mut anonymous = repo
        .git
        .remote_anonymous(&remote.git_url)
        .map_err(|e| FetchFailure::Remote(redact(e.message(), token)))?;
    let deadline = Instant::now() + timeout;
    let timed_out = Cell::new(false);
    let in_time = || {
        let ok = Instant::now() < deadline;
        if !ok {
            timed_out.set(true);
        }
        ok
    };
    let mut callbacks = RemoteCallbacks::new();
    callbacks
        .credentials(credentials_callback(remote, token))
        .transfer_progress(|_| in_time())
        .sideband_progress(|_| in_time());
    let mut proxy = ProxyOptions::new();
    if remote.kind == RemoteKind::Https {
        // The usual proxy settings (`https_proxy`, `no_proxy`, git config);
        // loopback and local remotes never go through a proxy.
        proxy.auto();
    }
    let mut opts = FetchOptions::new();
    opts.remote_callbacks(callbacks)
        .proxy_options(proxy)
        .download_tags(AutotagOption::None)
        .prune(FetchPrune::Off)
        .update_fetchhead(false)
        .follow_redirects(RemoteRedirect::None);
    let mut run = || anonymous.fetch(refspecs, Some(&mut opts), None);
    let result = match remote.kind {
        // The local transport opens the source repository inside libgit2.
        RemoteKind::File => with_open_lock(run),
        RemoteKind::Https | RemoteKind::LoopbackHttp => run(),
    };
    match result {
        Ok(()) => Ok(()),
        // Our deadline (checked as data arrives), or libgit2's socket
        // time-out (a server that stopped answering).
        Err(e)
            if timed_out.get() || e.code() == ErrorCode::Timeout || Instant::now() >= deadline =>
        {
            Err(FetchFailure::TimedOut)
        }
        Err(e) => Err(classify(&e, token)),
    }
}

fn classify(e: &git2::Error, token: Option<&str>) -> FetchFailure {
    let message = redact(e.message(), token);
    if e.code() == ErrorCode::Auth {
        return FetchFailure::Remote(format!(
            "{message}; the installation token was refused: check that the App is installed on this repository \
             with `contents: read` and that the token has not expired"
        ));
    }
    if e.code() == ErrorCode::Certificate {
        return FetchFailure::Remote(format!(
            "{message}; the server's TLS certificate was not accepted (is ca-certificates installed?)"
        ));
    }
    // Socket errors are `Os`, so neither `Os` nor `Filesystem` counts as local
    // damage; stale lock files, the usual `Os` failure of a mirror, are
    // removed before each fetch (`store::remove_stale_locks`).
    let local = matches!(
        e.class(),
        ErrorClass::Odb
            | ErrorClass::Zlib
            | ErrorClass::Repository
            | ErrorClass::Object
            | ErrorClass::Reference
            | ErrorClass::Index
            | ErrorClass::FetchHead
            | ErrorClass::Sha1
    );
    if local {
        FetchFailure::Local(message)
    } else {
        FetchFailure::Remote(message)
    }
}

/// The credentials callback: the token as the password of `x-access-token`,
/// offered once, and only to the clone URL's own scheme, host and port. A
/// second request means the token was refused; offering it again would loop.
pub(crate) fn credentials_callback<'a>(
    remote: &'a RemoteUrl,
    token: Option<&'a str>,
) -> impl FnMut(&str, Option<&str>, CredentialType) -> Result<Cred, git2::Error> + 'a {
    let mut offered = false;
    move |url, _user, allowed| {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(git2::Error::from_str(
                "the server asks for credentials and no installation token was given",
            ));
        };
        if !remote.same_origin(url) {
            return Err(git2::Error::from_str(
                "the server asks for credentials for another address; the token is only sent to the clone URL's host",
            ));
        }
        if !allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            return Err(git2::Error::from_str(
                "the server does not accept a user name and password",
            ));
        }
        if offered {
            return Err(git2::Error::new(
                ErrorCode::Auth,
                ErrorClass::Http,
                "authentication failed",
            ));
        }
        offered = true;
        Cred::userpass_plaintext(TOKEN_USER, token)
    }
}

/// libgit2's socket timeouts (connect, and each read or write), process-wide:
/// the deadline in [`fetch`] is only checked when data arrives, so a server
/// that stops answering needs these. Set once, by the first cache created.
pub(crate) fn set_socket_timeouts(timeout: Duration) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ms = i32::try_from(timeout.as_millis())
            .unwrap_or(i32::MAX)
            .max(1);
        // SAFETY: these options are plain integers in libgit2, read when a
        // socket is opened or waited on. Every network operation in secarch
        // goes through the mirror cache, and this runs once, inside
        // `MirrorCache::new`, before that cache can fetch; `Once` keeps later
        // caches from writing them again while a fetch may be reading them.
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
            let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::url::check_url;

    const TOKEN: &str = "ghs_unitTestToken0123456789";

    #[test]
    fn offers_the_token_once_to_the_clone_host_only() {
        let remote = check_url("https://github.com/o/r.git", false, None).unwrap();
        let mut cb = credentials_callback(&remote, Some(TOKEN));
        let pass = CredentialType::USER_PASS_PLAINTEXT;
        let cred = cb("https://evil.example/o/r.git", None, pass).map(|_| ());
        let err = cred.expect_err("another host must not get the token");
        assert!(err.message().contains("only sent to the clone URL's host"));
        let err = cb("https://github.com/o/r.git", None, CredentialType::SSH_KEY).map(|_| ());
        assert!(err.is_err());
        let cred = cb("https://github.com/o/r.git", None, pass).expect("token offered");
        assert!(cred.has_username());
        let again = cb("https://github.com/o/r.git", None, pass).map(|_| ());
        let err = again.expect_err("a second request means the token was refused");
        assert_eq!(err.code(), ErrorCode::Auth);
        assert!(!err.message().contains(TOKEN));
    }

    #[test]
    fn libgit2_is_built_with_https() {
        assert!(
            git2::Version::get().https(),
            "git2 must be built with its `https` feature"
        );
    }

    #[test]
    fn without_a_token_says_so() {
        let remote = check_url("https://github.com/o/r.git", false, None).unwrap();
        let mut cb = credentials_callback(&remote, None);
        let err = cb(
            "https://github.com/o/r.git",
            None,
            CredentialType::USER_PASS_PLAINTEXT,
        )
        .map(|_| ())
        .unwrap_err();
        assert!(err.message().contains("no installation token"));
    }

    #[test]
    fn refspecs_and_commit_ids_are_checked() {
        for ok in [
            "+refs/heads/main:refs/heads/main",
            "refs/pull/42/head:refs/pull/42/head",
        ] {
            check_refspec(ok).unwrap();
        }
        for bad in [
            "refs/heads/main",
            "main:main",
            "+refs/heads/*:refs/heads/*",
            "refs/heads/a..b:refs/heads/x",
            "refs/heads/main:refs/heads/main:x",
            ":refs/heads/main",
        ] {
            assert!(check_refspec(bad).is_err(), "{bad}");
        }
        assert!(parse_want(&"a".repeat(40)).is_ok());
        for bad in ["abc1234", &"g".repeat(40), &"a".repeat(41), "HEAD"] {
            assert!(parse_want(bad).is_err(), "{bad}");
        }
    }
}
