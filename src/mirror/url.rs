//! The URL policy for clone URLs.
//!
//! - `https://host[:port]/path`: always allowed (GitHub's `clone_url`).
//! - `http://`: only to `127.0.0.1`, `[::1]` or `localhost` — a local
//!   smart-HTTP server in tests or behind a sidecar; never over a network in
//!   clear text, since the installation token travels with the request.
//! - `file:///abs/path` and absolute paths: only with
//!   `SECARCH_ALLOW_FILE_REMOTES=1` (tests, local experiments): otherwise a
//!   webhook could make the server copy any repository on its disk.
//! - Everything else is refused: `ssh://`, `git://`, scp-like `user@host:path`,
//!   transport helpers such as `ext::`, relative paths, `..` segments, and
//!   credentials, queries or fragments in the URL (the token travels in an
//!   `Authorization` header set by the HTTP transport, never in a URL).

use std::path::{Component, Path};

use url::Url;

use super::mirror_error::MirrorError;
use crate::redact::redact;

/// Environment variable that allows `file://` and path remotes.
pub const ALLOW_FILE_REMOTES_ENV: &str = "SECARCH_ALLOW_FILE_REMOTES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RemoteKind {
    Https,
    LoopbackHttp,
    File,
}

/// A clone URL that passed the policy.
#[derive(Debug, Clone)]
pub(crate) struct RemoteUrl {
    /// What libgit2 is given: the normalised URL, or a plain path.
    pub(crate) git_url: String,
    pub(crate) kind: RemoteKind,
    /// Scheme, host and port, for the transport's origin check.
    origin: Option<(String, String, Option<u16>)>,
}

impl RemoteUrl {
    /// Whether `url` (as libgit2 hands it to the transport) is on
    /// the clone URL's scheme, host and port: the token goes nowhere else.
    pub(crate) fn same_origin(&self, url: &str) -> bool {
        match (&self.origin, Url::parse(url)) {
            (Some(origin), Ok(other)) => *origin == origin_of(&other),
            _ => false,
        }
    }
}

fn origin_of(url: &Url) -> (String, String, Option<u16>) {
    (
        url.scheme().to_string(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default(),
    )
}

/// Check `raw` against the policy. `secret` is only used to redact the URL
/// echoed in the error.
pub(crate) fn check_url(
    raw: &str,
    allow_file: bool,
    secret: Option<&str>,
) -> Result<RemoteUrl, MirrorError> {
    let reject = |reason: &str| MirrorError::UrlRejected {
        url: redact(&describe(raw), secret),
        reason: reason.to_string(),
    };
    if raw.is_empty() || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(reject(
            "the URL is empty or contains spaces or control characters",
        ));
    }
    if has_dot_dot(raw) {
        return Err(reject("`..` path segments are not allowed"));
    }
    if raw.starts_with('/') {
        return file_remote(Path::new(raw), allow_file).map_err(reject);
    }
    let lower = raw.to_ascii_lowercase();
    let after_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if raw.contains('\\') || after_scheme.is_some_and(|rest| rest.starts_with('/')) {
        return Err(reject(
            "backslashes and empty hosts are not allowed in a URL",
        ));
    }
    let url = Url::parse(raw).map_err(|_| {
        reject("not an absolute URL; only https:// URLs are accepted (no ssh, git:// or scp-like user@host:path)")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(reject(
            "the URL carries credentials; pass the token separately, never inside the URL",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(reject("the URL has a query or fragment"));
    }
    let kind = match url.scheme() {
        "https" => RemoteKind::Https,
        "http" if is_loopback(&url) => RemoteKind::LoopbackHttp,
        "http" => {
            return Err(reject(
                "plain http is only allowed to 127.0.0.1, [::1] or localhost; use https",
            ));
        }
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|()| reject("not a local file URL"))?;
            return file_remote(&path, allow_file).map_err(reject);
        }
        _ => {
            return Err(reject(
                "unsupported scheme; only https:// is accepted (ssh, git://, ext:: and other transports are refused)",
            ));
        }
    };
    if url.host_str().is_none_or(str::is_empty) {
        return Err(reject("the URL has no host"));
    }
    Ok(RemoteUrl {
        git_url: url.as_str().to_string(),
        kind,
        origin: Some(origin_of(&url)),
    })
}

fn file_remote(path: &Path, allow_file: bool) -> Result<RemoteUrl, &'static str> {
    if !allow_file {
        return Err(
            "local paths and file:// URLs are only allowed with SECARCH_ALLOW_FILE_REMOTES=1",
        );
    }
    if !path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, Component::RootDir | Component::Normal(_)))
    {
        return Err("a local remote must be an absolute path without `.` or `..`");
    }
    let git_url = path
        .to_str()
        .ok_or("the path is not valid UTF-8")?
        .to_string();
    Ok(RemoteUrl {
        git_url,
        kind: RemoteKind::File,
        origin: None,
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `..` as a path segment, also percent-encoded (the URL parser would
/// silently resolve it; refuse instead of guessing what was meant).
fn has_dot_dot(raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase().replace("%2e", ".");
    lower.split(['/', '\\']).any(|segment| segment == "..")
}

/// A URL as shown in an error: scheme, host, port and path only.
fn describe(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(url) if url.has_host() => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}{}",
                url.scheme(),
                url.host_str().unwrap_or_default(),
                url.path()
            )
        }
        // Redacted before it is shortened: the cut could drop the `@` that marks credentials.
        _ => format!(
            "{:?}",
            crate::redact::url(raw)
                .chars()
                .take(100)
                .collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str, file: bool) -> RemoteUrl {
        check_url(raw, file, None).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    fn reason(raw: &str, file: bool) -> String {
        match check_url(raw, file, None) {
            Err(MirrorError::UrlRejected { reason, .. }) => reason,
            other => panic!("{raw}: expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn https_is_allowed_and_normalised() {
        let r = ok("https://GitHub.com/octo/repo.git", false);
        assert_eq!(r.kind, RemoteKind::Https);
        assert_eq!(r.git_url, "https://github.com/octo/repo.git");
        assert!(r.same_origin("https://github.com/octo/repo.git/info/refs"));
        assert!(r.same_origin("https://github.com:443/other"));
        assert!(!r.same_origin("https://evil.example/octo/repo.git"));
        assert!(!r.same_origin("http://github.com/octo/repo.git"));
        assert!(!r.same_origin("https://github.com:8443/octo/repo.git"));
    }

    #[test]
    fn http_only_to_loopback() {
        for url in [
            "http://127.0.0.1:8080/o/r.git",
            "http://localhost/o/r",
            "http://[::1]:1/o/r",
        ] {
            assert_eq!(ok(url, false).kind, RemoteKind::LoopbackHttp, "{url}");
        }
        assert!(reason("http://github.com/o/r.git", true).contains("only allowed to 127.0.0.1"));
        assert!(reason("http://10.0.0.1/o/r.git", true).contains("use https"));
    }

    #[test]
    fn file_remotes_need_the_switch() {
        assert!(reason("file:///srv/repo.git", false).contains("SECARCH_ALLOW_FILE_REMOTES=1"));
        assert!(reason("/srv/repo.git", false).contains("SECARCH_ALLOW_FILE_REMOTES=1"));
        let r = ok("file:///srv/repo.git", true);
        assert_eq!(
            (r.kind, r.git_url.as_str()),
            (RemoteKind::File, "/srv/repo.git")
        );
        assert_eq!(ok("/srv/repo.git", true).git_url, "/srv/repo.git");
        assert!(!r.same_origin("file:///srv/repo.git"));
    }

    #[test]
    fn other_transports_and_tricks_are_refused() {
        for raw in [
            "ssh://git@github.com/o/r.git",
            "git://github.com/o/r.git",
            "ext::sh -c touch% /tmp/x",
            "ext::ssh",
            "git@github.com:o/r.git",
            "fd::17",
            "relative/path",
            "./repo",
            "file:///srv/../etc/repo",
            "/srv/../etc",
            "/srv/%2E%2E/etc",
            "https://github.com/o/../r.git",
            "https://x-access-token:tok@github.com/o/r.git",
            "https://github.com/o/r.git?token=abc",
            "https://github.com/o/r.git#frag",
            "https:///o/r.git",
            "https:\\\\evil.example\\o\\r",
            "",
            "https://github.com/o/r.git\n",
        ] {
            assert!(check_url(raw, true, None).is_err(), "{raw} was accepted");
        }
    }

    #[test]
    fn rejected_urls_do_not_echo_credentials() {
        let err = check_url(
            "https://x-access-token:ghs_SECRET123@github.com/o/r",
            false,
            Some("ghs_SECRET123"),
        )
        .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRET123"), "{text}");
        assert!(text.contains("github.com/o/r"), "{text}");
    }
}
