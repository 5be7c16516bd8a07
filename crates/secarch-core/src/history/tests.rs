//! The replay: the same triggers as classifying each commit's change set on
//! its own, in the walk's order, on one thread or several; bounded records.

use super::{MAX_TRIGGERS_KEPT, ReplayEnd, ReplayOptions, replay};
use crate::classify::{BlobReader, Classifier};
use crate::git::tests::Fixture;
use crate::git::{EMPTY_TREE, Repo, WalkSpec};
use crate::policy::Policy;

struct Blobs<'a>(&'a Repo);

impl BlobReader for Blobs<'_> {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0.read_blob(id).map_err(|e| e.to_string())
    }
}

fn spec() -> WalkSpec {
    WalkSpec {
        head: "HEAD".to_string(),
        since: None,
        first_parent: true,
        limit: None,
    }
}

#[test]
fn replay_matches_classifying_each_commit_alone_on_any_number_of_threads() {
    let f = Fixture::new("main");
    f.write("Dockerfile", "FROM debian:12\nUSER app\n");
    f.write(
        "package.json",
        "{\"dependencies\": {\"lodash\": \"4.17.0\"}}\n",
    );
    f.commit("root");
    // Enough commits for several batches on the pool.
    for n in 0..300 {
        match n % 3 {
            0 => f.write(
                "Dockerfile",
                format!("FROM debian:12\nUSER app\nEXPOSE {n}\n"),
            ),
            1 => f.write(
                "package.json",
                format!("{{\"dependencies\": {{\"lodash\": \"4.17.{n}\"}}}}\n"),
            ),
            _ => f.write("notes.txt", format!("{n}\n")),
        }
        f.commit(&format!("change {n}"));
    }
    let repo = f.repo();
    let classifier = Classifier::new(&Policy::embedded_default(), None).unwrap();
    let mut runs = Vec::new();
    for threads in [1, 2] {
        let mut records = Vec::new();
        let summary = replay(
            &repo,
            &classifier,
            &spec(),
            ReplayOptions { threads },
            &mut |r| {
                records.push(r.clone());
                true
            },
        )
        .unwrap();
        assert_eq!(summary.commits, 301);
        assert_eq!(summary.end, ReplayEnd::Complete);
        // The root (Dockerfile added) and every EXPOSE; lodash bumps are quiet.
        assert_eq!(summary.triggered, 101, "{summary:?}");
        assert_eq!(summary.categories.get("container"), Some(&101));
        runs.push(records);
    }
    assert_eq!(runs[0], runs[1], "the pool changes nothing but the time");
    let records = &runs[0];
    for r in records {
        let want =
            classifier.classify(&repo.change_set(&r.base, &r.commit).unwrap(), &Blobs(&repo));
        assert_eq!(r.triggers, want, "{}", r.summary);
    }
    assert_eq!(records.last().unwrap().base, EMPTY_TREE);
    assert_eq!(records[0].summary, "change 299");
}

#[test]
fn a_large_root_commit_keeps_a_bounded_record_and_a_stopped_visitor_ends_the_walk() {
    let f = Fixture::new("main");
    for n in 0..(MAX_TRIGGERS_KEPT + 10) {
        f.write(&format!("svc{n:03}/Dockerfile"), "FROM debian:12\n");
    }
    f.commit("root");
    f.write("a.txt", "a\n");
    f.commit("second");
    let repo = f.repo();
    let classifier = Classifier::new(&Policy::embedded_default(), None).unwrap();
    let mut records = Vec::new();
    let summary = replay(
        &repo,
        &classifier,
        &spec(),
        ReplayOptions::default(),
        &mut |r| {
            records.push(r.clone());
            true
        },
    )
    .unwrap();
    let root = &records[1];
    assert!(root.root);
    assert_eq!(root.trigger_count, MAX_TRIGGERS_KEPT + 10);
    assert_eq!(root.triggers.len(), MAX_TRIGGERS_KEPT);
    assert_eq!(root.categories, ["container"]);
    assert_eq!(
        summary.categories.get("container"),
        Some(&1),
        "commits, not files"
    );

    let mut seen = 0;
    let summary = replay(
        &repo,
        &classifier,
        &spec(),
        ReplayOptions::default(),
        &mut |_| {
            seen += 1;
            false
        },
    )
    .unwrap();
    assert_eq!(
        (seen, summary.commits, summary.end),
        (1, 1, ReplayEnd::Stopped)
    );
}
