//! Where the server gets a repository to evaluate.
//!
//! [`RepoProvider`] hides how the git objects arrive: the bare mirror cache (fetch with the
//! installation token, per-repository lock, size bound) in production, a local repository in
//! tests and air-gapped set-ups. Calls are blocking: the server runs them on Tokio's blocking
//! pool.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use crate::git::Repo;

/// What to make available before evaluating.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// `owner/name`, the mirror's key.
    pub repo_full_name: String,
    /// `repository.clone_url` from GitHub.
    pub clone_url: String,
    /// Installation token for https fetches; never logged (`Debug` redacts it).
    pub token: Option<SecretString>,
    /// Refs to fetch, e.g. `+refs/heads/main:refs/heads/main`, `+refs/pull/7/head:refs/pull/7/head`.
    pub fetch_refspecs: Vec<String>,
    /// Commits that must be present afterwards.
    pub want_shas: Vec<String>,
}

/// Why a repository could not be made available. The message is for the operator and the
/// check run: it never contains the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoError {
    pub message: String,
    /// Trying again later may succeed (network, a 5xx, a busy disk). `false` for what fails
    /// the same way every time (a refused clone URL, an answer over the cache's size bound,
    /// refused credentials): the job is not retried and the check run says what to change.
    pub transient: bool,
}

impl RepoError {
    pub fn permanent(message: impl Into<String>) -> Self {
        RepoError {
            message: message.into(),
            transient: false,
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        RepoError {
            message: message.into(),
            transient: true,
        }
    }
}

impl std::fmt::Display for RepoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::mirror::MirrorError> for RepoError {
    fn from(e: crate::mirror::MirrorError) -> Self {
        RepoError {
            transient: e.is_transient(),
            message: e.to_string(),
        }
    }
}

/// Provides an up-to-date repository for a [`SyncRequest`] (blocking).
pub trait RepoProvider: Send + Sync {
    /// Make the requested commits available and call `work` with the repository.
    fn with_repo(
        &self,
        request: &SyncRequest,
        work: &mut dyn FnMut(&Repo),
    ) -> Result<(), RepoError>;
}

/// The production provider: bare mirrors fetched with the installation token
/// ([`crate::mirror::MirrorCache`]: URL policy, per-repository lock, LRU size bound).
pub struct MirrorRepos {
    pub cache: crate::mirror::MirrorCache,
}

impl RepoProvider for MirrorRepos {
    fn with_repo(
        &self,
        request: &SyncRequest,
        work: &mut dyn FnMut(&Repo),
    ) -> Result<(), RepoError> {
        let guard = self.cache.sync(
            &request.repo_full_name,
            &request.clone_url,
            request.token.as_ref().map(ExposeSecret::expose_secret),
            &request.fetch_refspecs,
            &request.want_shas,
        )?;
        work(guard.repo());
        Ok(())
    }
}

/// Opens `file://` clone URLs in place (no copy, no fetch): for tests and for air-gapped
/// deployments that keep up-to-date repositories on disk. Refuses every other URL.
#[derive(Debug, Clone)]
pub struct LocalRepos {
    /// Mirrors `SECARCH_ALLOW_FILE_REMOTES`: without it, `file://` URLs are refused too.
    pub allow_file_remotes: bool,
}

impl LocalRepos {
    fn path_of(&self, clone_url: &str) -> Result<PathBuf, RepoError> {
        let Some(path) = clone_url.strip_prefix("file://") else {
            return Err(RepoError::permanent(format!(
                "cannot fetch {}: this server has no git mirror for network remotes (only file:// clone URLs are opened)",
                crate::redact::url(clone_url)
            )));
        };
        if !self.allow_file_remotes {
            return Err(RepoError::permanent(format!(
                "refusing the file:// clone URL {}: set SECARCH_ALLOW_FILE_REMOTES=1 to allow local remotes",
                crate::redact::url(clone_url)
            )));
        }
        Ok(PathBuf::from(path))
    }
}

impl RepoProvider for LocalRepos {
    fn with_repo(
        &self,
        request: &SyncRequest,
        work: &mut dyn FnMut(&Repo),
    ) -> Result<(), RepoError> {
        let path = self.path_of(&request.clone_url)?;
        let repo = Repo::open(&path).map_err(|e| RepoError::permanent(e.to_string()))?;
        for sha in &request.want_shas {
            repo.resolve_commit(sha).map_err(|e| {
                RepoError::transient(format!(
                    "commit {sha} is not in {} ({e})",
                    request.repo_full_name
                ))
            })?;
        }
        work(&repo);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_network_and_unallowed_file_urls() {
        let req = |url: &str| SyncRequest {
            repo_full_name: "o/r".into(),
            clone_url: url.into(),
            token: Some("ghs_secret".into()),
            fetch_refspecs: vec![],
            want_shas: vec![],
        };
        let on = LocalRepos {
            allow_file_remotes: true,
        };
        let off = LocalRepos {
            allow_file_remotes: false,
        };
        let e = on
            .with_repo(&req("https://github.com/o/r.git"), &mut |_| {})
            .unwrap_err();
        assert!(e.message.contains("no git mirror"), "{e}");
        assert!(!e.transient);
        let e = on
            .with_repo(&req("https://user:hunter2@github.com/o/r.git"), &mut |_| {})
            .unwrap_err();
        assert!(
            !e.message.contains("hunter2") && e.message.contains("github.com/o/r.git"),
            "{e}"
        );
        let e = off
            .with_repo(&req("file:///tmp/x"), &mut |_| {})
            .unwrap_err();
        assert!(e.message.contains("SECARCH_ALLOW_FILE_REMOTES"), "{e}");
        assert!(!e.transient);
        assert!(!format!("{:?}", req("x")).contains("ghs_secret"));
    }
}
