//! History walks and commit metadata.

use super::Fixture;
use crate::git::walk::co_author_emails;

#[test]
fn file_history_lists_versions_newest_first() {
    let f = Fixture::new("main");
    f.write("docs/arch.md", "v1\n");
    let c1 = f.commit("add doc");
    f.write("other.txt", "o\n");
    f.commit("unrelated");
    f.write("docs/arch.md", "v2\n");
    let c3 = f.commit("edit doc");
    f.remove("docs/arch.md");
    let c4 = f.commit("delete doc");
    f.write("docs/arch.md", "v3\n");
    let c5 = f.commit("restore doc");

    let repo = f.repo();
    let h = repo.file_history("HEAD", "docs/arch.md", 10).unwrap();
    let got: Vec<(&str, Option<&str>, &str)> = h
        .iter()
        .map(|v| (v.commit.as_str(), v.blob.as_deref(), v.summary.as_str()))
        .collect();
    let (b5, b3, b1) = (
        f.blob(&c5, "docs/arch.md"),
        f.blob(&c3, "docs/arch.md"),
        f.blob(&c1, "docs/arch.md"),
    );
    assert_eq!(
        got,
        vec![
            (c5.as_str(), Some(b5.as_str()), "restore doc"),
            (c4.as_str(), None, "delete doc"),
            (c3.as_str(), Some(b3.as_str()), "edit doc"),
            (c1.as_str(), Some(b1.as_str()), "add doc"),
        ]
    );
    assert_eq!(h[0].author_name, "Ada Author");
    assert_eq!(h[0].author_email, "ada@example.com");
    assert_eq!(h[0].committer_email, "cy@example.com");
    assert!(h[0].time > h[1].time, "newest first by committer time");

    let two = repo.file_history("HEAD", "docs/arch.md", 2).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[1].commit, c4);
    assert!(repo.file_history("HEAD", "never.md", 5).unwrap().is_empty());
    assert!(repo.file_history("HEAD", "../x", 5).is_err());
}

#[test]
fn file_history_follows_first_parents_through_merges() {
    let f = Fixture::new("main");
    f.write("doc.md", "v1\n");
    let c1 = f.commit("add");
    f.git(&["checkout", "-q", "-b", "topic"]);
    f.write("doc.md", "topic edit\n");
    f.commit("edit on topic");
    f.git(&["checkout", "-q", "main"]);
    f.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);
    let merge = f.git(&["rev-parse", "HEAD"]);
    let h = f.repo().file_history("main", "doc.md", 10).unwrap();
    let commits: Vec<&str> = h.iter().map(|v| v.commit.as_str()).collect();
    // Along first parents the merge is where main's copy changed.
    assert_eq!(commits, vec![merge.as_str(), c1.as_str()]);
}

#[test]
fn commits_touching_filters_paths_and_bounds() {
    let f = Fixture::new("main");
    f.write("README.md", "r\n");
    let c0 = f.commit("root");
    f.write("deploy/Dockerfile", "FROM a\n");
    f.write("src/main.rs", "fn main() {}\n");
    let c1 = f.commit("container");
    f.write("src/lib.rs", "\n");
    f.commit("code only");
    f.remove("deploy/Dockerfile");
    f.write("deploy/k8s.yaml", "kind: Pod\n");
    let c3 = f.commit("move to k8s");

    let repo = f.repo();
    let watched = |p: &str| p.starts_with("deploy/");
    let t = repo.commits_touching(&c0, "HEAD", &watched, 10).unwrap();
    let got: Vec<(&str, Vec<&str>)> = t
        .iter()
        .map(|c| {
            (
                c.commit.as_str(),
                c.paths.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (c3.as_str(), vec!["deploy/Dockerfile", "deploy/k8s.yaml"]),
            (c1.as_str(), vec!["deploy/Dockerfile"]),
        ]
    );
    assert_eq!(t[0].summary, "move to k8s");
    assert_eq!(t[0].author_email, "ada@example.com");
    assert_eq!(t[0].path_count, 2);

    assert_eq!(
        repo.commits_touching(&c0, "HEAD", &watched, 1)
            .unwrap()
            .len(),
        1
    );
    assert!(
        repo.commits_touching(&c1, &c1, &watched, 10)
            .unwrap()
            .is_empty()
    );
    // Empty lower bound: the whole history, root commit included.
    let all = repo
        .commits_touching("", "HEAD", &|p| p == "README.md", 10)
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].commit, c0);
}

#[test]
fn merges_count_only_for_what_they_changed_themselves() {
    let f = Fixture::new("main");
    f.write("deploy/app.yml", "replicas: 1\n");
    let c0 = f.commit("root");
    f.git(&["checkout", "-q", "-b", "topic"]);
    f.write("deploy/app.yml", "replicas: 2\n");
    let topic = f.commit("scale");
    f.git(&["checkout", "-q", "main"]);
    f.write("notes.txt", "n\n");
    f.commit("notes");
    f.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);
    let repo = f.repo();
    let t = repo
        .commits_touching(&c0, "HEAD", &|p| p.starts_with("deploy/"), 10)
        .unwrap();
    let commits: Vec<&str> = t.iter().map(|c| c.commit.as_str()).collect();
    assert_eq!(commits, vec![topic.as_str()]);

    // An "evil merge" that changes a watched file itself is listed.
    f.git(&["checkout", "-q", "-b", "topic2", &c0]);
    f.write("other.txt", "o\n");
    f.commit("other");
    f.git(&["checkout", "-q", "main"]);
    f.git(&["merge", "-q", "--no-ff", "--no-commit", "topic2"]);
    f.write("deploy/app.yml", "replicas: 3\n");
    let evil = f.commit("merge topic2 with a twist");
    let t = repo
        .commits_touching(&c0, "HEAD", &|p| p.starts_with("deploy/"), 10)
        .unwrap();
    let commits: Vec<&str> = t.iter().map(|c| c.commit.as_str()).collect();
    assert_eq!(commits, vec![evil.as_str(), topic.as_str()]);
}

#[test]
fn commit_info_reads_people_and_co_authors() {
    let f = Fixture::new("main");
    f.write("a.txt", "a\n");
    f.git(&["add", "-A"]);
    let msg = "Add a\n\nBody text.\n\nCo-authored-by: Bea <bea@example.com>\nco-authored-by: Dee <12+dee@users.noreply.github.com>\nCO-AUTHORED-BY: Bea Again <BEA@example.com>\n";
    f.git(&["commit", "-q", "-m", msg]);
    let info = f.repo().commit_info("HEAD").unwrap();
    assert_eq!(info.id, f.git(&["rev-parse", "HEAD"]));
    assert_eq!(info.summary, "Add a");
    assert_eq!(
        (info.author_name.as_str(), info.author_email.as_str()),
        ("Ada Author", "ada@example.com")
    );
    assert_eq!(
        (info.committer_name.as_str(), info.committer_email.as_str()),
        ("Cy Committer", "cy@example.com")
    );
    assert_eq!(info.time, 1_700_000_000);
    assert_eq!(
        info.co_author_emails,
        vec!["bea@example.com", "12+dee@users.noreply.github.com"]
    );
}

#[test]
fn co_author_lines_are_found_anywhere_and_malformed_ones_skipped() {
    let msg = "Fix\n\n  Co-authored-by: Ann <ann@x.org>  \nSigned-off-by: S <s@x.org>\n\
               Co-authored-by: bare@x.org\nCo-authored-by: no email here\nCo-authored-by:\n\
               Not-co-authored-by: Z <z@x.org>\n";
    assert_eq!(co_author_emails(msg), vec!["ann@x.org", "bare@x.org"]);
    assert!(co_author_emails("").is_empty());
    assert!(co_author_emails("Co-authored-by").is_empty());
}
