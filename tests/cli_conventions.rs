//! What people expect of a command-line tool: `--color`, shell completions, a manual page, and
//! server logs without escape codes when nobody reads them on a terminal. The real binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestRepo, good_document};

const ESC: &str = "\u{1b}[";

fn run(args: &[&str], cwd: &std::path::Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secarch"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("secarch runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repo_with_lint_error() -> TestRepo {
    let r = TestRepo::new();
    let doc = good_document().replace("trust: trusted", "trust: sort-of");
    r.write("docs/security/security-architecture.md", &doc);
    r.commit("initial");
    r
}

#[test]
fn color_is_chosen_by_the_flag_and_off_when_piped() {
    let r = repo_with_lint_error();
    let (_, piped, _) = run(&["lint"], r.path(), &[]);
    assert!(
        !piped.contains(ESC),
        "no colour into a pipe by default: {piped:?}"
    );
    let (_, always, _) = run(&["lint", "--color", "always"], r.path(), &[]);
    assert!(always.contains(ESC), "--color always colours: {always:?}");
    let (_, never, _) = run(
        &["--color", "never", "lint"],
        r.path(),
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!never.contains(ESC), "--color never wins: {never:?}");
    let (code, _, err) = run(&["lint", "--color", "sometimes"], r.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("auto") && err.contains("always") && err.contains("never"),
        "{err}"
    );
}

#[test]
fn completions_for_each_shell_and_a_manual_page() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = run(&["completions", shell], dir.path(), &[]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("secarch"), "{shell}: {out}");
        assert!(out.contains("check") && out.contains("lint"), "{shell}");
    }
    let (code, man, err) = run(&["man"], dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        man.starts_with(".ie") || man.contains(".TH secarch"),
        "{man}"
    );
    for word in ["check", "lint", "init", "serve", "\\-\\-color"] {
        assert!(man.contains(word), "the manual page names {word}: {man}");
    }
}

#[test]
fn pretty_server_logs_have_no_escape_codes_off_a_terminal() {
    let cache = tempfile::tempdir().unwrap();
    let key = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/TEST-ONLY-github-app-private-key.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_secarch"))
        .args([
            "serve",
            "--log-format",
            "pretty",
            "--reconcile-interval",
            "0",
        ])
        .env_remove("NO_COLOR")
        .env("SECARCH_APP_ID", "12")
        .env("SECARCH_PRIVATE_KEY_PATH", &key)
        .env("SECARCH_WEBHOOK_SECRET", "webhook-secret-for-tests")
        .env("SECARCH_CACHE_DIR", cache.path())
        .env("SECARCH_LISTEN", "127.0.0.1:0")
        .env("SECARCH_GITHUB_API_URL", "http://127.0.0.1:9")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secarch serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            if line.contains("secarch serve started") {
                let _ = tx.send(text.clone());
                return;
            }
        }
        let _ = tx.send(text);
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = rx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("secarch serve started"), "{text}");
    assert!(!text.contains(ESC), "escape codes in a piped log: {text:?}");
}
