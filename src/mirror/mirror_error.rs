//! Errors of the mirror cache. Every message is safe to log: tokens are never
//! stored in an error, and text that comes from libgit2 or from the caller is
//! passed through [`crate::redact`] first.

use std::path::PathBuf;
use std::time::Duration;

use crate::git::GitError;

/// Why a mirror could not be made ready.
#[derive(thiserror::Error, Debug)]
pub enum MirrorError {
    /// `repo_full_name` is not a safe `owner/name`.
    #[error(
        "invalid repository name {name:?}: {reason}; expected `owner/name` as GitHub spells it"
    )]
    InvalidName { name: String, reason: &'static str },

    /// The clone URL breaks the URL policy (see `mirror::url`).
    #[error("refusing to fetch from {url}: {reason}")]
    UrlRejected { url: String, reason: String },

    /// A fetch refspec the cache does not accept.
    #[error("invalid fetch refspec {spec:?}: {reason}")]
    InvalidRefspec { spec: String, reason: &'static str },

    /// A wanted commit that is not a full hexadecimal object id.
    #[error("invalid commit id {want:?}: pass the full 40-character hexadecimal id")]
    InvalidCommit { want: String },

    /// Another process holds the cache root.
    #[error(
        "the mirror cache at {} is in use by another process; give each secarch server its own cache directory",
        root.display()
    )]
    RootInUse { root: PathBuf },

    /// secarch's HTTP transport could not be registered with libgit2.
    #[error("{message}; HTTP(S) remotes cannot be fetched in this process")]
    Transport { message: String },

    /// A file-system operation on the cache failed.
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    /// Opening or creating the mirror repository failed.
    #[error("mirror of {repo}: {source}")]
    Git {
        repo: String,
        #[source]
        source: GitError,
    },

    /// The fetch failed (network, authentication, server, or a mirror that
    /// stayed broken after being re-created). `transient`: trying again may
    /// succeed (network, 5xx); not for refused credentials, an answer over
    /// the size bound or a server that is not a git server.
    #[error("fetching {repo} failed: {message}")]
    Fetch {
        repo: String,
        message: String,
        transient: bool,
    },

    /// The fetch did not finish within the configured time.
    #[error(
        "fetching {repo} timed out after {}s; the server may be slow or the repository very large (raise the fetch timeout)",
        after.as_secs()
    )]
    Timeout { repo: String, after: Duration },

    /// After fetching, some wanted commits are still missing.
    #[error(
        "{repo}: commit(s) {} not found after fetching; the branch may have been force-pushed since the event, \
         or the fetched refs do not contain them",
        missing.join(", ")
    )]
    MissingCommits { repo: String, missing: Vec<String> },
}

impl MirrorError {
    /// Whether trying the same sync again later may succeed. A refused URL, an invalid name,
    /// a fetch over the cache's size bound or refused credentials fail the same way every
    /// time: retrying them only wastes time and network (and says "temporary" when it is not).
    pub fn is_transient(&self) -> bool {
        match self {
            MirrorError::InvalidName { .. }
            | MirrorError::UrlRejected { .. }
            | MirrorError::InvalidRefspec { .. }
            | MirrorError::InvalidCommit { .. }
            | MirrorError::RootInUse { .. }
            | MirrorError::Transport { .. } => false,
            MirrorError::Fetch { transient, .. } => *transient,
            MirrorError::Io { .. }
            | MirrorError::Git { .. }
            | MirrorError::Timeout { .. }
            | MirrorError::MissingCommits { .. } => true,
        }
    }

    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> MirrorError {
        let action = action.into();
        move |source| MirrorError::Io { action, source }
    }
}
