//! The URL policy, refusals, and what a failed fetch reports (never the token).

use std::time::{Duration, Instant};

use secarch::mirror::{MirrorCache, MirrorConfig, MirrorError};

use super::{TOKEN, cache, config, file_url, http, refs, source};

#[test]
fn file_remotes_are_refused_unless_allowed() {
    let src = source();
    let tmp = tempfile::tempdir().unwrap();
    let cache = MirrorCache::new(MirrorConfig {
        allow_file_remotes: false,
        ..config(tmp.path())
    })
    .unwrap();
    for url in [
        file_url(src.repo.path()),
        src.repo.path().display().to_string(),
    ] {
        let err = cache
            .sync("octo/repo", &url, None, &refs(), &[])
            .err()
            .expect(&url);
        assert!(matches!(err, MirrorError::UrlRejected { .. }), "{err:?}");
        assert!(
            err.to_string().contains("SECARCH_ALLOW_FILE_REMOTES=1"),
            "{err}"
        );
    }
    assert!(
        !tmp.path().join("octo").exists(),
        "nothing is created for a refused sync"
    );
}

#[test]
fn unsafe_urls_names_and_refspecs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let https = "https://github.com/octo/repo.git";
    for url in [
        "ssh://git@github.com/octo/repo.git",
        "git@github.com:octo/repo.git",
        "ext::sh -c 'touch /tmp/pwned'",
        "git://github.com/octo/repo.git",
        "http://github.com/octo/repo.git",
    ] {
        let err = cache
            .sync("octo/repo", url, Some(TOKEN), &refs(), &[])
            .err()
            .expect(url);
        assert!(
            matches!(err, MirrorError::UrlRejected { .. }),
            "{url}: {err:?}"
        );
        assert!(!err.is_transient(), "a refused URL is refused again: {url}");
    }
    for name in ["owner/../x", "../../etc", "owner/x/y", "owner/.."] {
        let err = cache
            .sync(name, https, None, &refs(), &[])
            .err()
            .expect(name);
        assert!(
            matches!(err, MirrorError::InvalidName { .. }),
            "{name}: {err:?}"
        );
    }
    let bad_spec = ["+refs/heads/*:refs/heads/*".to_string()];
    let err = cache
        .sync("octo/repo", https, None, &bad_spec, &[])
        .err()
        .unwrap();
    assert!(matches!(err, MirrorError::InvalidRefspec { .. }), "{err:?}");
    let err = cache
        .sync("octo/repo", https, None, &refs(), &["abc123".to_string()])
        .err()
        .unwrap();
    assert!(matches!(err, MirrorError::InvalidCommit { .. }), "{err:?}");
    let entries: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        entries,
        [".lock"],
        "nothing but the lock file under the root"
    );
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn network_errors_are_reported_without_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let port = closed_port();
    for url in [
        format!("https://127.0.0.1:{port}/octo/repo.git"),
        format!("http://127.0.0.1:{port}/octo/repo.git"),
    ] {
        let err = cache
            .sync("octo/repo", &url, Some(TOKEN), &refs(), &[])
            .err()
            .expect(&url);
        let text = format!("{err} | {err:?}");
        assert!(matches!(err, MirrorError::Fetch { .. }), "{text}");
        assert!(
            !text.contains(TOKEN) && !text.contains("TestOnlyToken"),
            "{text}"
        );
        assert!(text.contains("fetching octo/repo failed"), "{text}");
        assert!(text.to_lowercase().contains("connect"), "{text}");
    }
    assert_eq!(cache.metrics().fetch_failures, 2);
}

#[test]
fn a_server_that_stops_answering_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(60));
        drop(held);
    });
    let tmp = tempfile::tempdir().unwrap();
    let cache = MirrorCache::new(MirrorConfig {
        fetch_timeout: Duration::from_secs(2),
        ..config(tmp.path())
    })
    .unwrap();
    let start = Instant::now();
    let url = format!("http://127.0.0.1:{port}/octo/repo.git");
    let err = cache
        .sync("octo/repo", &url, Some(TOKEN), &refs(), &[])
        .err()
        .expect("time-out");
    assert!(matches!(err, MirrorError::Timeout { .. }), "{err:?}");
    // The request's time-out is what is left of this fetch's 2 s deadline;
    // the bound only proves the fetch did not hang (the server holds on 60 s).
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn smart_http_with_the_token_as_basic_auth_after_the_server_asks() {
    let src = source();
    let server = http::GitHttpServer::start(src.repo.path().parent().unwrap().to_path_buf(), TOKEN);
    let name = src
        .repo
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let url = format!("http://127.0.0.1:{}/{name}", server.port);
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    let want = [src.main.clone(), src.pr.clone()];

    let guard = cache
        .sync("octo/repo", &url, Some(TOKEN), &refs(), &want)
        .expect("fetch over http");
    assert_eq!(guard.resolve_commit("refs/pull/7/head").unwrap(), src.pr);
    drop(guard);
    let seen = server.seen();
    assert!(
        seen[0].authorization.is_none(),
        "no credentials before the server asks"
    );
    let basic = format!(
        "Basic {}",
        http::base64(format!("x-access-token:{TOKEN}").as_bytes())
    );
    assert!(
        seen.iter()
            .any(|s| s.authorization.as_deref() == Some(basic.as_str()))
    );
    assert!(seen.iter().all(|s| !s.target.contains(TOKEN)), "{seen:?}");
    // secarch's own transport (reqwest), not libgit2's: GET then POST.
    let agent = concat!("secarch/", env!("CARGO_PKG_VERSION"));
    assert!(
        seen.iter().all(|s| s.user_agent.as_deref() == Some(agent)),
        "{seen:?}"
    );
    let advertisement = format!("/{name}/info/refs?service=git-upload-pack");
    let upload = format!("/{name}/git-upload-pack");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("GET", advertisement.as_str())
    );
    assert!(
        seen.iter()
            .any(|s| s.method == "POST" && s.target == upload),
        "{seen:?}"
    );

    // A refused token: an authentication error, without the token, and asked once.
    let wrong = "ghs_WrongToken0123456789abcdef";
    let before = server.seen().len();
    let err = cache
        .sync("octo/other", &url, Some(wrong), &refs(), &want)
        .err()
        .expect("refused");
    let text = format!("{err} | {err:?}");
    assert!(
        !text.contains(wrong) && !text.contains("WrongToken"),
        "{text}"
    );
    assert!(text.contains("token was refused"), "{text}");
    assert!(
        server.seen().len() - before <= 3,
        "no retry loop: {:?}",
        &server.seen()[before..]
    );

    let err = cache
        .sync("octo/third", &url, None, &refs(), &want)
        .err()
        .expect("no token");
    assert!(err.to_string().contains("no installation token"), "{err}");
}
