//! One fetch into a mirror: an anonymous remote (nothing saved in the mirror's
//! config), the token handed only to secarch's HTTP transport for the clone
//! URL's origin (`session.rs`), no tags, no FETCH_HEAD, no redirects, and a
//! deadline.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, ErrorClass, ErrorCode, FetchOptions, FetchPrune, Oid, Reference,
    RemoteCallbacks, RemoteRedirect,
};

use super::mirror_error::MirrorError;
use super::session::{self, Failure, Session};
use super::url::{RemoteKind, RemoteUrl};
use crate::git::{Repo, with_open_lock};
use crate::redact::redact;

/// Why a fetch failed, with a message already redacted.
#[derive(Debug)]
pub(crate) enum FetchFailure {
    /// The local mirror looks damaged (object database, refs, files): worth
    /// re-creating it and trying once more.
    Local(String),
    /// The remote side or the network: may pass.
    Remote(String),
    /// Refused credentials or certificate, an answer over the size bound, a
    /// server that is not a git server: fails the same way if tried again.
    Permanent(String),
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
    let odb = repo.git2().odb().ok();
    for oid in want {
        if repo.git2().find_commit(*oid).is_ok() {
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
    let (Ok(odb), Ok(refs)) = (repo.git2().odb(), repo.git2().references()) else {
        return false;
    };
    refs.flatten()
        .filter_map(|r| r.target())
        .all(|oid| odb.exists(oid))
}

/// Fetch `refspecs` from `remote` into `repo`, giving up after `timeout`.
///
/// `http(s)://` remotes go through secarch's transport (`transport.rs`),
/// which reads this fetch's token, origin and deadline from the session
/// installed on this thread for the duration of `Remote::fetch` (libgit2
/// calls the transport on the calling thread; see `session.rs`).
pub(crate) fn fetch(
    repo: &Repo,
    remote: &RemoteUrl,
    token: Option<&str>,
    refspecs: &[String],
    timeout: Duration,
    max_bytes: u64,
) -> Result<(), FetchFailure> {
    // A fresh anonymous remote per fetch: nothing is saved in the mirror's
    // config. Dropped at the end of this function, on this thread, with its
    // transport (and the session's HTTP client).
    let mut anonymous = repo
        .git2()
        .remote_anonymous(&remote.git_url)
        .map_err(|e| FetchFailure::Remote(redact(e.message(), token)))?;
    let deadline = Instant::now() + timeout;
    let session = match remote.kind {
        RemoteKind::File => None,
        RemoteKind::Https | RemoteKind::LoopbackHttp => {
            Some(Arc::new(Session::new(remote, token, deadline, max_bytes)))
        }
    };
    let result = {
        let _entered = session.clone().map(session::enter);
        run_fetch(&mut anonymous, remote, refspecs, deadline)
    };
    let Err((e, timed_out)) = result else {
        return Ok(());
    };
    let failure = session.as_ref().and_then(|s| s.failure());
    // Our deadline (checked as data arrives and as each request's time-out),
    // or a time-out the transport saw.
    if timed_out
        || failure == Some(Failure::TimedOut)
        || e.code() == ErrorCode::Timeout
        || Instant::now() >= deadline
    {
        return Err(FetchFailure::TimedOut);
    }
    Err(match failure {
        Some(Failure::Refused(message)) => refused(&redact(&message, token)),
        Some(Failure::Certificate(message)) => certificate(&redact(&message, token)),
        Some(Failure::Permanent(message)) => FetchFailure::Permanent(redact(&message, token)),
        Some(Failure::Other(message)) => FetchFailure::Remote(redact(&message, token)),
        Some(Failure::TimedOut) | None => classify(&e, token),
    })
}

/// The libgit2 part of [`fetch`]: the error, and whether our deadline
/// stopped it.
fn run_fetch(
    anonymous: &mut git2::Remote<'_>,
    remote: &RemoteUrl,
    refspecs: &[String],
    deadline: Instant,
) -> Result<(), (git2::Error, bool)> {
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
        .transfer_progress(|_| in_time())
        .sideband_progress(|_| in_time());
    let mut opts = FetchOptions::new();
    opts.remote_callbacks(callbacks)
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
    result.map_err(|e| (e, timed_out.get()))
}

fn refused(message: &str) -> FetchFailure {
    FetchFailure::Permanent(format!(
        "{message}; the installation token was refused: check that the App is installed on this repository \
         with `contents: read` and that the token has not expired"
    ))
}

fn certificate(message: &str) -> FetchFailure {
    FetchFailure::Permanent(format!(
        "{message}; the server's TLS certificate was not accepted (is ca-certificates installed?)"
    ))
}

fn classify(e: &git2::Error, token: Option<&str>) -> FetchFailure {
    let message = redact(e.message(), token);
    if e.code() == ErrorCode::Auth {
        return refused(&message);
    }
    if e.code() == ErrorCode::Certificate {
        return certificate(&message);
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

#[cfg(test)]
mod tests {
    use super::*;

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
