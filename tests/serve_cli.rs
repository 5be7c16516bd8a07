//! `secarch serve` configuration with the real binary: a password in a URL setting never reaches
//! an error, `--help` or a log line (the README promises that secrets never appear in them).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::outcome;

const PASSWORD: &str = "hunter2";

fn test_key() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/TEST-ONLY-github-app-private-key.pem")
}

/// `secarch serve ARGS` with a complete configuration except for what `env` overrides; logs at
/// `trace` so that any log line quoting a setting would show up.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let cache = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secarch"));
    cmd.arg("serve")
        .args(args)
        .env("SECARCH_APP_ID", "12")
        .env("SECARCH_PRIVATE_KEY_PATH", test_key())
        .env("SECARCH_WEBHOOK_SECRET", "webhook-secret-for-tests")
        .env("SECARCH_CACHE_DIR", cache.path())
        .env("SECARCH_LISTEN", "127.0.0.1:0")
        .env("SECARCH_LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("secarch runs")
}

fn assert_refused_without_password(out: &Output, what: &str) {
    let (code, stdout, stderr) = outcome(out);
    assert_eq!(code, 2, "{what}: {stdout}{stderr}");
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "{what} printed the password: {stdout}{stderr}"
    );
    assert!(
        stderr.contains("SECARCH_GITHUB_API_URL"),
        "{what}: the error names the setting: {stderr}"
    );
}

#[test]
fn a_password_in_the_api_url_is_never_printed() {
    for url in [
        "https://user:hunter2@ghe.example/api/v3",
        "http://user:hunter2@ghe.example/api/v3",
        "https://:hunter2@ghe.example/api/v3",
        // Not a URL at all: the text is quoted back, still without the password.
        "https://user:hunter2@ghe example/api/v3",
        "https://user:hun/ter2@ghe.example/api/v3",
    ] {
        let what = format!("SECARCH_GITHUB_API_URL={url}");
        let out = serve(&[], &[("SECARCH_GITHUB_API_URL", url)]);
        assert_refused_without_password(&out, &what);
        let (_, _, stderr) = outcome(&out);
        if !url.contains(' ') && !url.contains("/ter2") {
            assert!(
                stderr.contains("ghe.example/api/v3"),
                "{what}: the host and path stay visible: {stderr}"
            );
        }
        let out = serve(&["--github-api-url", url], &[]);
        assert_refused_without_password(&out, &format!("--github-api-url {url}"));
    }
}

#[test]
fn help_does_not_show_a_password_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_secarch"))
        .args(["serve", "--help"])
        .env(
            "SECARCH_GITHUB_API_URL",
            "https://user:hunter2@ghe.example/api/v3",
        )
        .env("SECARCH_WEBHOOK_SECRET", "webhook-secret-for-tests")
        .output()
        .expect("secarch runs");
    let (code, stdout, stderr) = outcome(&out);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("SECARCH_GITHUB_API_URL"), "{stdout}");
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("webhook-secret-for-tests"), "{stdout}");
}
