//! Where the output goes: a reader that went away ends a command quietly, a full disk is an error.
//! The real binary, with its stdout set to the end of a pipe nobody reads or to `/dev/full`.

mod common;

use std::process::{Command, Stdio};

use common::{TestRepo, good_document};

fn run_with_stdout(args: &[&str], cwd: &std::path::Path, stdout: Stdio) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_secarch"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run secarch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The write end of a pipe whose read end is already closed: every write fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

fn repo() -> TestRepo {
    let r = TestRepo::new();
    r.write("docs/security/security-architecture.md", &good_document())
        .write("README.md", "# app\n");
    r.commit("initial");
    r
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let r = repo();
    let cases: &[(&[&str], i32)] = &[
        (&["config", "show", "--defaults"], 0),
        (&["config", "show"], 0),
        (&["schema", "policy"], 0),
        (&["check", "--base", "HEAD", "--head", "HEAD"], 0),
        (&["lint"], 0),
    ];
    for (args, code) in cases {
        let (got, stderr) = run_with_stdout(args, r.path(), closed_pipe());
        assert_eq!(got, *code, "secarch {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "secarch {args:?}: {stderr}");
        assert!(stderr.trim().is_empty(), "secarch {args:?} said: {stderr}");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_disk_is_an_error_not_a_silent_success() {
    let r = repo();
    for args in [
        &["config", "show", "--defaults"][..],
        &["check", "--base", "HEAD", "--head", "HEAD"][..],
        &["lint", "--format", "json"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let (code, stderr) = run_with_stdout(args, r.path(), Stdio::from(full));
        assert_eq!(code, 2, "secarch {args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the output") && stderr.contains("space"),
            "secarch {args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
