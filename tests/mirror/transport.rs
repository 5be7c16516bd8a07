//! secarch's smart-HTTP transport against servers that misbehave: redirects,
//! refused tokens, servers that are not git, an untrusted TLS certificate,
//! and the proxy rules (checked in a child process, since proxies come from
//! the environment).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secarch::mirror::{MirrorCache, MirrorConfig, MirrorError};

use super::{TOKEN, cache, config, http, refs, source};

fn fetch_error(url: &str, token: Option<&str>) -> MirrorError {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    cache
        .sync("octo/repo", url, token, &refs(), &[])
        .err()
        .expect("the fetch must fail")
}

fn basic_token() -> String {
    format!(
        "Basic {}",
        http::base64(format!("x-access-token:{TOKEN}").as_bytes())
    )
}

#[test]
fn a_redirect_is_not_followed() {
    let target = http::CannedServer::start(
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
    );
    let redirect = http::CannedServer::start(format!(
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{}/octo/repo.git/info/refs?service=git-upload-pack\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n",
        target.port
    ));
    let url = format!("http://127.0.0.1:{}/octo/repo.git", redirect.port);
    let err = fetch_error(&url, Some(TOKEN));
    let text = err.to_string();
    assert!(matches!(err, MirrorError::Fetch { .. }), "{err:?}");
    assert!(
        text.contains("HTTP 302 Found") && text.contains("redirects are not followed"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(redirect.seen().len(), 1, "{:?}", redirect.seen());
    assert!(target.seen().is_empty(), "followed: {:?}", target.seen());
}

#[test]
fn a_forbidden_answer_to_the_token_is_an_authentication_failure() {
    let server = http::CannedServer::start(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
    );
    let url = format!("http://127.0.0.1:{}/octo/repo.git", server.port);
    let err = fetch_error(&url, Some(TOKEN));
    let text = format!("{err} | {err:?}");
    assert!(text.contains("HTTP 403 Forbidden"), "{text}");
    assert!(
        text.contains("the installation token was refused"),
        "{text}"
    );
    assert!(
        !text.contains(TOKEN) && !text.contains("TestOnlyToken"),
        "{text}"
    );
    // Asked once without, once with the token; no loop.
    let auth: Vec<_> = server.seen().into_iter().map(|s| s.authorization).collect();
    assert_eq!(auth, [None, Some(basic_token())]);
}

#[test]
fn a_server_that_is_not_git_is_named() {
    let server = http::CannedServer::start(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            .to_string(),
    );
    let url = format!("http://127.0.0.1:{}/octo/repo.git", server.port);
    let text = fetch_error(&url, Some(TOKEN)).to_string();
    assert!(
        text.contains("application/x-git-upload-pack-advertisement")
            && text.contains("\"text/html\""),
        "{text}"
    );
    assert_eq!(server.seen()[0].authorization, None, "not asked: not sent");
}

#[test]
fn a_missing_repository_says_so() {
    let server = http::CannedServer::start(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
    );
    let url = format!("http://127.0.0.1:{}/octo/gone.git", server.port);
    let text = fetch_error(&url, None).to_string();
    assert!(
        text.contains("HTTP 404 Not Found") && text.contains("is the App installed"),
        "{text}"
    );
}

/// A server that sends more than the cache could hold is cut off, and the
/// error names the bound and the setting that raises it.
#[test]
fn a_fetch_larger_than_the_cache_is_cut_off() {
    let mut body = String::from("001e# service=git-upload-pack\n0000");
    for i in 0..2000 {
        let line = format!("{:040x} refs/heads/b{i:05}\n", i + 1);
        body.push_str(&format!("{:04x}{line}", line.len() + 4));
    }
    body.push_str("0000");
    let server = http::CannedServer::start(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let url = format!("http://127.0.0.1:{}/octo/huge.git", server.port);
    let tmp = tempfile::tempdir().unwrap();
    let small = MirrorCache::new(MirrorConfig {
        max_bytes: 4096,
        ..config(tmp.path())
    })
    .unwrap();
    let err = small
        .sync("octo/repo", &url, None, &refs(), &[])
        .err()
        .expect("the fetch must fail");
    let text = err.to_string();
    assert!(
        text.contains("more than 4096 bytes") && text.contains("SECARCH_CACHE_MAX_MB"),
        "{text}"
    );
    // The same fetch would be cut off again: the server must not repeat it.
    assert!(!err.is_transient(), "{err:?}");
}

/// A 5xx may pass, another 4xx will not: only the first is worth a retry.
#[test]
fn server_errors_are_transient_and_client_errors_are_not() {
    for (status, transient) in [("503 Service Unavailable", true), ("410 Gone", false)] {
        let server = http::CannedServer::start(format!(
            "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        let url = format!("http://127.0.0.1:{}/octo/repo.git", server.port);
        let tmp = tempfile::tempdir().unwrap();
        let err = cache(tmp.path())
            .sync("octo/repo", &url, None, &refs(), &[])
            .err()
            .expect("the fetch must fail");
        assert_eq!(err.is_transient(), transient, "{status}: {err}");
    }
}

/// How the server uses the cache: a sync over HTTP inside `spawn_blocking`
/// on a multi-threaded runtime, where the transport's blocking client is
/// created and dropped (it must never be on an async worker thread).
#[test]
fn an_http_fetch_runs_on_the_blocking_pool_of_a_runtime() {
    let src = source();
    let server = http::GitHttpServer::start(src.repo.path().parent().unwrap().to_path_buf(), TOKEN);
    let name = src.repo.path().file_name().unwrap().to_string_lossy();
    let url = format!("http://127.0.0.1:{}/{name}", server.port);
    let tmp = tempfile::tempdir().unwrap();
    let cache = Arc::new(cache(tmp.path()));
    let want = vec![src.main.clone(), src.pr.clone()];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pr = runtime.block_on(async move {
        let cache = Arc::clone(&cache);
        tokio::task::spawn_blocking(move || {
            let guard = cache.sync("octo/repo", &url, Some(TOKEN), &refs(), &want)?;
            Ok::<_, MirrorError>(guard.resolve_commit("refs/pull/7/head").ok())
        })
        .await
    });
    assert_eq!(pr.unwrap().unwrap(), Some(src.pr.clone()));
}

/// A TLS server on loopback whose certificate nothing trusts
/// (`tests/mirror/tls/`): the handshake fails on the client's side.
fn untrusted_tls_server() -> u16 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mirror/tls");
    let cert = std::fs::read(dir.join("cert.der")).unwrap();
    let key = std::fs::read(dir.join("key.der")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert)],
            PrivateKeyDer::try_from(key).unwrap(),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let _ = tls.read(&mut [0; 64]);
        }
    });
    port
}

#[test]
fn an_untrusted_certificate_is_named() {
    let port = untrusted_tls_server();
    let err = fetch_error(
        &format!("https://127.0.0.1:{port}/octo/repo.git"),
        Some(TOKEN),
    );
    let text = err.to_string();
    assert!(matches!(err, MirrorError::Fetch { .. }), "{err:?}");
    assert!(
        text.contains("invalid peer certificate")
            && text.contains("the server's TLS certificate was not accepted"),
        "{text}"
    );
}

/// Set in the child process of [`proxies_come_from_the_environment_for_https_only`].
const CHILD: &str = "SECARCH_TEST_PROXY_CHILD";

/// A listener standing in for a proxy: reports each request line it gets.
fn fake_proxy() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let _ = BufReader::new(stream).read_line(&mut line);
            if tx.send(line.trim_end().to_string()).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// Runs this test binary's [`proxy_child`] with every proxy variable set to
/// `proxy` and `SECARCH_TEST_PROXY_CHILD=<url>`.
fn run_child(url: &str, proxy: &str) -> std::process::Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "transport_tests::proxy_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, url)
    .env_remove("REQUEST_METHOD");
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env(var, proxy);
    }
    for var in ["no_proxy", "NO_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.output().unwrap()
}

/// In the child: fetch the URL given, print the outcome.
#[test]
fn proxy_child() {
    let Ok(url) = std::env::var(CHILD) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path());
    match cache.sync("octo/repo", &url, Some(TOKEN), &refs(), &[]) {
        Ok(_) => println!("CHILD-FETCHED"),
        Err(e) => println!("CHILD-FAILED: {e}"),
    }
}

#[test]
fn proxies_come_from_the_environment_for_https_only() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let (port, requests) = fake_proxy();
    let proxy = format!("http://127.0.0.1:{port}");

    // https: through the environment's proxy (a CONNECT tunnel to the host).
    let out = run_child("https://github.invalid/octo/repo.git", &proxy);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("CHILD-FAILED"), "{stdout}");
    let first = requests.recv_timeout(Duration::from_secs(20));
    assert_eq!(
        first.as_deref(),
        Ok("CONNECT github.invalid:443 HTTP/1.1"),
        "{stdout}"
    );

    // Loopback http: never through a proxy, even with every variable set.
    let src = source();
    let server = http::GitHttpServer::start(src.repo.path().parent().unwrap().to_path_buf(), TOKEN);
    let name = src.repo.path().file_name().unwrap().to_string_lossy();
    let out = run_child(&format!("http://127.0.0.1:{}/{name}", server.port), &proxy);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("CHILD-FETCHED"), "{stdout}");
    assert!(
        requests.try_recv().is_err(),
        "the proxy was used for loopback"
    );
    assert!(server.seen().len() >= 2, "{:?}", server.seen());
}
