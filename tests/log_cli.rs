//! `secarch log` end to end: real git repositories in temp dirs, the real binary. Also the root
//! commit as a base for `secarch check` (the empty tree).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::{TestRepo, outcome, secarch};

const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// root (Dockerfile, code) → docs → a port exposed → a test fixture Dockerfile (excluded).
fn history() -> (TestRepo, Vec<String>) {
    let r = TestRepo::new();
    r.write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 8080\n")
        .write("src/main.rs", "fn main() {}\n")
        .write("README.md", "# app\n");
    let root = r.commit("initial import");
    r.write("README.md", "# app\n\nMore words, with a comma.\n");
    let docs = r.commit("docs: explain, with a comma");
    r.write(
        "Dockerfile",
        "FROM debian:12\nUSER app\nEXPOSE 8080\nEXPOSE 8443\n",
    );
    let expose = r.commit("serve TLS on 8443");
    r.write("tests/fixtures/Dockerfile", "FROM scratch\nUSER root\n");
    let excluded = r.commit("test fixture only");
    (r, vec![excluded, expose, docs, root])
}

fn log_json(r: &TestRepo, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["log", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = outcome(&secarch(&all, r.path()));
    assert_eq!(code, 0, "{out} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn ids(json: &serde_json::Value) -> Vec<String> {
    json["commits"]
        .as_array()
        .expect("commits[]")
        .iter()
        .map(|c| c["commit"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn human_output_has_one_line_per_commit_and_a_summary() {
    let (r, commits) = history();
    let (code, out, err) = outcome(&secarch(&["log"], r.path()));
    assert_eq!(code, 0, "{out} {err}");
    let lines: Vec<&str> = out.lines().collect();
    for (line, id) in lines.iter().zip(&commits) {
        assert!(line.starts_with(&id[..7]), "{line} / {id}\n{out}");
    }
    let expose = lines[1];
    assert!(expose.contains("review"), "{expose}");
    assert!(expose.contains("[container]"), "{expose}");
    assert!(expose.contains("Dockerfile (new EXPOSE 8443)"), "{expose}");
    assert!(expose.contains("2026-11-01"), "the date: {expose}");
    assert!(
        lines[0].contains("- ") && !lines[0].contains("review"),
        "excluded path: {}",
        lines[0]
    );
    assert!(!lines[2].contains("review"), "docs only: {}", lines[2]);
    assert!(
        lines[3].contains("(root)") && lines[3].contains("review"),
        "{}",
        lines[3]
    );
    assert!(out.contains("4 commits replayed"), "{out}");
    assert!(out.contains("2 triggered"), "{out}");
    assert!(
        out.contains("container") && out.contains("policy: embedded default"),
        "{out}"
    );
    assert!(out.contains("complete, down to the root commit"), "{out}");
}

#[test]
fn json_output_names_each_commit_and_counts_categories() {
    let (r, commits) = history();
    let json = log_json(&r, &[]);
    assert_eq!(ids(&json), commits);
    let c = &json["commits"];
    assert_eq!(c[1]["triggered"], true);
    assert_eq!(c[1]["categories"], serde_json::json!(["container"]));
    assert_eq!(c[1]["triggers"][0]["path"], "Dockerfile");
    assert_eq!(c[1]["triggers"][0]["change"], "modified");
    assert!(
        c[1]["triggers"][0]["signals"].to_string().contains("8443"),
        "{}",
        c[1]
    );
    assert_eq!(c[1]["base"], commits[2].as_str());
    assert_eq!(c[1]["date"], "2026-11-01T10:00:00Z");
    assert_eq!(c[0]["triggered"], false, "only an excluded path: {}", c[0]);
    assert_eq!(c[0]["files"], 1);
    // The root commit is compared with the empty tree: everything in it is new.
    assert_eq!(c[3]["root"], true);
    assert_eq!(c[3]["base"], EMPTY_TREE);
    assert_eq!(c[3]["files"], 3);
    assert_eq!(c[3]["triggers"][0]["change"], "added");
    let s = &json["summary"];
    assert_eq!(s["commits"], 4);
    assert_eq!(s["triggered"], 2);
    assert_eq!(s["categories"]["container"], 2);
    assert_eq!(s["end"], "complete");
    assert_eq!(s["first_parent"], true);
    assert_eq!(s["policy"], "embedded default");
    assert_eq!(s["head"], commits[0].as_str());
}

#[test]
fn csv_output_has_a_header_and_one_quoted_row_per_commit() {
    let (r, commits) = history();
    let (code, out, err) = outcome(&secarch(&["log", "--format", "csv"], r.path()));
    assert_eq!(code, 0, "{out} {err}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header[..5],
        ["commit", "date", "author", "summary", "triggered"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert_eq!(&rows[0][0], commits[0]);
    assert_eq!(&rows[2][3], "docs: explain, with a comma", "quoted: {out}");
    assert_eq!(&rows[1][4], "true");
    assert_eq!(&rows[1][5], "container");
    assert_eq!(&rows[1][6], "Dockerfile");
    assert!(rows[1][7].contains("8443"), "{:?}", rows[1]);
    assert_eq!(&rows[3][11], "true", "root column: {:?}", rows[3]);
}

#[test]
fn max_count_since_and_ranges_choose_the_commits() {
    let (r, commits) = history();
    let json = log_json(&r, &["-n", "2"]);
    assert_eq!(ids(&json), commits[..2]);
    assert_eq!(json["summary"]["end"], "limit");
    assert_eq!(json["summary"]["commits"], 2);

    let json = log_json(&r, &["--since", &commits[2]]);
    assert_eq!(ids(&json), commits[..2]);
    assert_eq!(json["summary"]["end"], "complete");
    assert_eq!(json["summary"]["since"], commits[2].as_str());

    let range = format!("{}..{}", commits[3], commits[1]);
    assert_eq!(ids(&log_json(&r, &[&range])), commits[1..3]);
    assert_eq!(ids(&log_json(&r, &[&commits[2]])), commits[2..]);
    assert_eq!(
        ids(&log_json(&r, &[&format!("{}..", commits[1])])),
        commits[..1]
    );

    let (code, _, err) = outcome(&secarch(
        &["log", "--since", "HEAD~1", "HEAD~2..HEAD"],
        r.path(),
    ));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give one of them"), "{err}");

    let (code, out, err) = outcome(&secarch(&["log", "--triggered-only"], r.path()));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        out.contains("4 commits replayed"),
        "the summary counts all: {out}"
    );
}

#[test]
fn a_policy_file_applies_to_every_commit() {
    let (r, _) = history();
    let policy = r.path().join("candidate.yml");
    std::fs::write(
        &policy,
        "watch:\n  use_defaults: false\n  include:\n    docs: [\"**/*.md\"]\n",
    )
    .unwrap();
    let json = log_json(&r, &["--policy", policy.to_str().unwrap()]);
    let triggered: Vec<bool> = json["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["triggered"].as_bool().unwrap())
        .collect();
    // README.md: added in the root commit and edited in the docs commit; nothing else watched.
    assert_eq!(triggered, [false, false, true, true], "{json}");
    assert_eq!(
        json["summary"]["categories"],
        serde_json::json!({"docs": 2})
    );
    assert!(
        json["summary"]["policy"]
            .as_str()
            .unwrap()
            .contains("candidate.yml (--policy)"),
        "{json}"
    );

    // Without --policy, the repository's own policy at the head of the walk.
    r.write(
        ".github/secarch.yml",
        "watch:\n  use_defaults: false\n  include:\n    code: [\"src/**\"]\n",
    );
    r.commit("policy: watch the code");
    let json = log_json(&r, &[]);
    // The policy file is always watched (category `policy`).
    assert_eq!(
        json["summary"]["categories"],
        serde_json::json!({"code": 1, "policy": 1}),
        "{json}"
    );
    assert!(
        json["summary"]["policy"]
            .as_str()
            .unwrap()
            .starts_with(".github/secarch.yml at ")
    );

    std::fs::write(&policy, "watch:\n  use_defaults: maybe\n").unwrap();
    let (code, _, err) = outcome(&secarch(
        &["log", "--policy", policy.to_str().unwrap()],
        r.path(),
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("candidate.yml") && err.contains("--policy"),
        "{err}"
    );
}

#[test]
fn merges_are_compared_with_their_first_parent() {
    let r = TestRepo::new();
    r.write("Dockerfile", "FROM debian:12\nUSER app\n")
        .write("a.txt", "a\n");
    r.commit("initial");
    r.branch("topic");
    r.write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 9000\n");
    let topic = r.commit("topic: expose 9000");
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "b\n");
    r.commit("main moves on");
    r.git(&["merge", "-q", "--no-ff", "-m", "Merge topic", "topic"]);
    let merge = r.git(&["rev-parse", "HEAD"]);

    let json = log_json(&r, &[]);
    let got = ids(&json);
    assert_eq!(got.len(), 3, "first-parent line: {json}");
    assert_eq!(got[0], merge);
    assert!(
        !got.contains(&topic),
        "the topic commit is not on the first-parent line"
    );
    let m = &json["commits"][0];
    assert_eq!(m["merge"], true);
    assert_eq!(m["triggered"], true, "the merge brought the port in: {m}");
    assert_eq!(
        m["files"], 1,
        "what the merge brought in, not main's own change: {m}"
    );

    let json = log_json(&r, &["--every-commit"]);
    let got = ids(&json);
    assert!(got.contains(&topic) && !got.contains(&merge), "{got:?}");
    assert_eq!(got.len(), 3);
    assert_eq!(json["summary"]["first_parent"], false);
    assert_eq!(json["summary"]["triggered"], 2, "initial and topic: {json}");
}

#[test]
fn renames_name_both_paths() {
    let r = TestRepo::new();
    r.write("Dockerfile", "FROM debian:12\nUSER app\n");
    r.commit("initial");
    r.git(&["mv", "Dockerfile", "deploy.Dockerfile.txt"]);
    r.commit("move the Dockerfile away");
    let json = log_json(&r, &["-n", "1"]);
    let t = &json["commits"][0]["triggers"][0];
    assert_eq!(t["change"], "renamed", "{json}");
    assert_eq!(t["old_path"], "Dockerfile");
    assert_eq!(t["path"], "deploy.Dockerfile.txt");
    let (_, out, _) = outcome(&secarch(&["log", "-n", "1"], r.path()));
    assert!(out.contains("Dockerfile → deploy.Dockerfile.txt"), "{out}");
}

#[test]
fn a_shallow_clone_says_where_the_history_is_cut() {
    let (r, commits) = history();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    let dest = clone.path().join("c");
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "2", &url, dest.to_str().unwrap()])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(status.success());
    let (code, out, err) = outcome(&secarch(&["log", "--format", "json"], &dest));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Two commits fetched: the boundary's parent is missing, so only the newest is replayed.
    assert_eq!(ids(&json), commits[..1]);
    assert_eq!(json["summary"]["end"], "shallow");
    assert_eq!(
        json["summary"]["shallow_boundary"],
        serde_json::json!([commits[1]])
    );
    let (_, out, _) = outcome(&secarch(&["log"], &dest));
    assert!(
        out.contains("shallow") && out.contains("git fetch --unshallow"),
        "{out}"
    );
    assert!(!out.contains("down to the root"), "{out}");
    assert!(
        !out.contains("(root)"),
        "the boundary is not a root commit: {out}"
    );
}

#[test]
fn errors_say_what_to_do() {
    let empty = TestRepo::new();
    let (code, _, err) = outcome(&secarch(&["log"], empty.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no commits yet"), "{err}");

    let (r, _) = history();
    let (code, _, err) = outcome(&secarch(&["log", "nosuch"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown revision 'nosuch' (RANGE)"), "{err}");
    let (code, _, err) = outcome(&secarch(&["log", "--since", "nosuch"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown revision 'nosuch' (--since)"), "{err}");
    let (code, _, err) = outcome(&secarch(&["log", "a...b"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("A..B"), "{err}");

    let outside = tempfile::tempdir().unwrap();
    let (code, _, err) = outcome(&secarch(&["log"], outside.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not inside a git repository"), "{err}");
}

/// A long history, written with `git fast-import` (thousands of `git commit` runs would be slow).
fn long_history(commits: usize) -> TestRepo {
    let r = TestRepo::new();
    let mut stream = String::new();
    for n in 0..commits {
        let body = format!("FROM debian:12\nEXPOSE {}\n", 1000 + n);
        stream += &format!(
            "commit refs/heads/main\ncommitter Dev <dev@example.com> {} +0000\ndata 10\nchange {:03}\nM 100644 inline Dockerfile\ndata {}\n{body}\n",
            1_700_000_000 + n,
            n % 1000,
            body.len()
        );
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(r.path())
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    r
}

#[test]
fn a_reader_that_goes_away_ends_the_walk_quietly() {
    // Far more than a pipe buffer of output.
    let r = long_history(3000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_secarch"))
        .args(["log"])
        .current_dir(r.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is gone (dropped above), as with `secarch log | head -1`.
    let out = child.wait_with_output().unwrap();
    assert!(
        first.contains("review") && first.contains("[container]"),
        "{first}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_accepts_the_empty_tree_as_base_for_a_root_commit() {
    let r = TestRepo::new();
    r.write("Dockerfile", "FROM debian:12\nUSER app\nEXPOSE 8080\n")
        .write("README.md", "# app\n");
    let root = r.commit("initial import");
    for base in [EMPTY_TREE, &EMPTY_TREE[..7]] {
        let (code, out, err) = outcome(&secarch(
            &["check", "--base", base, "--head", &root, "--format", "json"],
            r.path(),
        ));
        assert_eq!(code, 1, "the Dockerfile triggers: {out} {err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["base"], EMPTY_TREE);
        assert_eq!(json["range"]["commits"], 1);
        assert_eq!(json["range"]["files"], 2);
        assert_eq!(json["triggers"][0]["path"], "Dockerfile");
        assert_eq!(json["triggers"][0]["change"], "added");
    }
    // `ROOT^` does not exist: the error says what to pass instead.
    let (code, _, err) = outcome(&secarch(&["check", "--base", "HEAD^"], r.path()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("root commit"), "{err}");
    assert!(err.contains(&format!("--base {EMPTY_TREE}")), "{err}");
}

#[test]
fn terminal_escapes_in_subjects_and_paths_are_not_printed() {
    let r = TestRepo::new();
    r.write("Dockerfile", "FROM debian:12\n");
    r.commit("initial");
    r.write("deploy/\u{1b}[2Jx/Dockerfile", "FROM debian:12\n");
    r.commit("evil \u{1b}]0;title\u{7} \u{1b}[31mred");
    let (code, out, err) = outcome(&secarch(&["log"], r.path()));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("evil") && out.contains("[31mred"), "{out}");
    assert!(out.contains("[2Jx/Dockerfile"), "{out}");
}
