use std::collections::BTreeMap;

use proptest::prelude::*;
use time::OffsetDateTime;

use super::*;
use crate::policy::parse_policy;
use crate::signoff::authorize::Membership;
use crate::signoff::reply::{answer_text, help_text};

const OLD: &str = "aaaaaaa1111111111111111111111111111111111";
const SAME: &str = "bbbbbbb2222222222222222222222222222222222";
const HEAD: &str = "ccccccc3333333333333333333333333333333333";

fn print(commit: &str, dockerfile: &str) -> ContentPrint {
    ContentPrint::new(
        commit,
        &[
            ("Dockerfile".to_string(), dockerfile.to_string()),
            ("api/openapi.yaml".to_string(), "a1".to_string()),
        ],
        Some(("docs/sad.md", b"# Scope\n".as_slice())),
    )
}

/// OLD has other content than HEAD (the Dockerfile changed); SAME has HEAD's content (a rebase).
fn prints() -> BTreeMap<String, ContentPrint> {
    [print(OLD, "d1"), print(SAME, "d2")]
        .into_iter()
        .map(|p| (p.commit.clone(), p))
        .collect()
}

fn config(extra: &str) -> SignoffConfig {
    let yaml = format!(
        "signoff:\n  reviewers: {{users: [dana, eve], teams: [acme/sec]}}\n  no_change_rationale_min: 20\n{extra}"
    );
    parse_policy(Some(("secarch.yml", &yaml)))
        .expect("policy")
        .signoff
}

fn people() -> PullPeople {
    let mut p = PullPeople {
        author: "alice".into(),
        commits: Vec::new(),
    };
    p.add_commit(
        HEAD,
        Some("bob"),
        Some("bob@example.org"),
        None,
        None,
        "Port\n\nCo-authored-by: Dana <dana@example.org>",
    );
    p
}

fn facts() -> Vec<ReviewerFacts> {
    let mut gus = ReviewerFacts {
        login: "gus".into(),
        ..Default::default()
    };
    gus.teams.insert("acme/sec".into(), Membership::Active);
    let mut pat = ReviewerFacts {
        login: "pat".into(),
        ..Default::default()
    };
    pat.teams.insert("acme/sec".into(), Membership::Pending);
    let mut dana = ReviewerFacts {
        login: "dana".into(),
        ..Default::default()
    };
    dana.emails.push("DANA@example.org".into());
    let ci = ReviewerFacts {
        login: "ci".into(),
        is_bot: true,
        ..Default::default()
    };
    vec![gus, pat, dana, ci]
}

fn at(minute: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000 + 60 * minute).expect("time")
}

fn comment(id: u64, author: &str, minute: i64, body: &str) -> Comment {
    Comment {
        id,
        author: author.into(),
        created_at: at(minute),
        updated_at: at(minute),
        body: body.into(),
        bound_head: None,
    }
}

fn review(id: u64, author: &str, minute: i64, state: ReviewState, commit: &str) -> Review {
    Review {
        id,
        author: author.into(),
        submitted_at: at(minute),
        state,
        commit_id: commit.into(),
    }
}

struct Case {
    config: SignoffConfig,
    comments: Vec<Comment>,
    reviews: Vec<Review>,
}

impl Case {
    fn new() -> Case {
        Case {
            config: config(""),
            comments: Vec::new(),
            reviews: Vec::new(),
        }
    }

    fn comment(mut self, author: &str, minute: i64, body: &str) -> Case {
        let id = 100 + self.comments.len() as u64;
        self.comments.push(comment(id, author, minute, body));
        self
    }

    fn review(mut self, author: &str, minute: i64, state: ReviewState, commit: &str) -> Case {
        let id = 500 + self.reviews.len() as u64;
        self.reviews.push(review(id, author, minute, state, commit));
        self
    }

    fn run(&self) -> SignoffRecord {
        let head = print(HEAD, "d2");
        let commits = [OLD.to_string(), SAME.to_string(), HEAD.to_string()];
        tally(&TallyInput {
            config: &self.config,
            people: &people(),
            commits: &commits,
            head: &head,
            reviewers: &facts(),
            comments: &self.comments,
            reviews: &self.reviews,
            prints: &prints(),
        })
    }
}

fn valid(r: &SignoffRecord) -> Vec<&str> {
    r.valid.iter().map(|s| s.login.as_str()).collect()
}

fn rejection(r: &SignoffRecord) -> Vec<(&str, &Rejection)> {
    r.rejected
        .iter()
        .map(|x| (x.login.as_str(), &x.reason))
        .collect()
}

#[test]
fn authorized_user_approves_the_head() {
    let r = Case::new().comment("eve", 1, "/secarch approve").run();
    assert_eq!(valid(&r), ["eve"]);
    let s = &r.valid[0];
    assert_eq!(s.commit, HEAD);
    assert_eq!(s.fingerprint.as_deref(), Some(r.head_fingerprint.as_str()));
    assert_eq!(s.source, Source::Comment { id: 100, line: 1 });
    assert!(r.satisfied());
    assert_eq!(r.answers[0].answer, Answer::Accepted);
    let v = r.verdict_state();
    assert_eq!(v.valid[0].commit, HEAD);
    assert_eq!(v.valid[0].via, "comment");
    assert!(v.rejected.is_empty() && v.blockers.is_empty());
}

#[test]
fn four_eyes_rejections_get_a_reply() {
    let r = Case::new()
        .comment("alice", 1, "/secarch approve")
        .comment("bob", 2, "/secarch approve")
        .comment("dana", 3, "/secarch approve")
        .comment("zed", 4, "/secarch approve")
        .run();
    assert!(r.valid.is_empty());
    let got = rejection(&r);
    assert!(matches!(
        got[0],
        ("alice", Rejection::Denied(Denial::PullAuthor))
    ));
    assert!(matches!(
        got[1],
        ("bob", Rejection::Denied(Denial::Contributor { .. }))
    ));
    // Dana is a listed reviewer but co-authored a commit (matched by her e-mail).
    assert!(matches!(
        got[2],
        (
            "dana",
            Rejection::Denied(Denial::Contributor {
                role: crate::signoff::CommitRole::CoAuthor,
                ..
            })
        )
    ));
    assert!(matches!(
        got[3],
        ("zed", Rejection::Denied(Denial::NotAuthorized { .. }))
    ));
    assert_eq!(r.answers.len(), 4);
    let text = answer_text(&r.answers[0].answer, "alice", &config(""), &r).expect("reply");
    assert!(
        text.contains("@alice") && text.contains("own change") && text.contains("@dana"),
        "{text}"
    );
    assert_eq!(r.verdict_state().rejected.len(), 4);
}

#[test]
fn team_members_count_when_active_only() {
    let r = Case::new()
        .comment("gus", 1, "/secarch approve")
        .comment("pat", 2, "/secarch approve")
        .run();
    assert_eq!(valid(&r), ["gus"]);
    assert!(matches!(&r.valid[0].grant, Grant::Team(t) if t == "acme/sec"));
    assert!(
        matches!(rejection(&r)[..], [("pat", Rejection::Denied(Denial::NotAuthorized { pending }))] if pending == &["acme/sec"])
    );
}

#[test]
fn bots_are_ignored_without_an_answer() {
    let r = Case::new()
        .comment("ci", 1, "/secarch approve")
        .comment("renovate[bot]", 2, "/secarch help")
        .review("ci", 3, ReviewState::Approved, HEAD)
        .run();
    assert!(r.valid.is_empty() && r.rejected.is_empty() && r.answers.is_empty());
}

#[test]
fn edited_comments_sign_nothing_off_but_still_revoke() {
    let mut case = Case::new().comment("eve", 1, "/secarch approve");
    case.comments[0].updated_at = at(5);
    let r = case.run();
    assert!(r.valid.is_empty());
    assert_eq!(rejection(&r), [("eve", &Rejection::Edited)]);

    let mut case =
        Case::new()
            .comment("eve", 1, "/secarch approve")
            .comment("eve", 2, "/secarch revoke");
    case.comments[1].updated_at = at(9);
    assert!(case.run().valid.is_empty());
}

#[test]
fn commands_in_code_or_quotes_do_nothing() {
    let r = Case::new()
        .comment(
            "eve",
            1,
            "Type this:\n```\n/secarch approve\n```\n> /secarch approve",
        )
        .run();
    assert!(r.valid.is_empty() && r.answers.is_empty());
}

#[test]
fn approve_a_commit_of_the_pull() {
    // SAME has the head's content: valid, bound to SAME.
    let r = Case::new()
        .comment("eve", 1, "/secarch approve bbbbbbb")
        .run();
    assert_eq!(r.valid[0].commit, SAME);
    // Not a commit of the pull request.
    let r = Case::new()
        .comment("eve", 1, "/secarch approve 1234567")
        .run();
    assert!(matches!(
        rejection(&r)[..],
        [("eve", Rejection::Commit(CommitError::NotInPull { .. }))]
    ));
    // OLD had other content: stale, naming the file that broke it.
    let r = Case::new()
        .comment("eve", 1, "/secarch approve aaaaaaa1")
        .run();
    assert!(r.valid.is_empty());
    assert_eq!(r.stale[0].changed, ["Dockerfile"]);
    assert!(!r.satisfied());
}

#[test]
fn no_change_needs_the_policys_rationale_length() {
    let r = Case::new()
        .comment("eve", 1, "/secarch approve no-change: fine")
        .run();
    assert!(matches!(
        rejection(&r)[..],
        [("eve", Rejection::RationaleTooShort { chars: 4, min: 20 })]
    ));
    let why = "the port is bound to localhost only";
    let r = Case::new()
        .comment("eve", 1, &format!("/secarch approve no-change: {why}"))
        .run();
    assert_eq!(r.valid[0].no_change_rationale.as_deref(), Some(why));
    assert_eq!(
        r.verdict_state().valid[0].no_change_rationale.as_deref(),
        Some(why)
    );
}

#[test]
fn pushes_keep_or_invalidate_by_content() {
    // Approved when the head was SAME, then an unrelated push / a rebase to HEAD: still valid.
    let mut case = Case::new().comment("eve", 1, "/secarch approve");
    case.comments[0].bound_head = Some(SAME.into());
    let r = case.run();
    assert_eq!(valid(&r), ["eve"]);
    assert_eq!(r.valid[0].commit, SAME);

    // Approved when the head was OLD, then the Dockerfile changed: stale, named.
    let mut case = Case::new().comment("eve", 1, "/secarch approve");
    case.comments[0].bound_head = Some(OLD.into());
    let r = case.run();
    assert!(r.valid.is_empty());
    let reason = r.stale[0].reason();
    assert!(
        reason.contains("content changed since aaaaaaa") && reason.contains("Dockerfile"),
        "{reason}"
    );
    assert_eq!(r.verdict_state().rejected[0].reason, reason);

    // Approving again binds to the new content and replaces the stale one.
    let mut case = case.comment("eve", 9, "/secarch approve");
    case.comments[1].bound_head = Some(HEAD.into());
    let r = case.run();
    assert_eq!(valid(&r), ["eve"]);
    assert!(r.stale.is_empty());

    // A commit that can no longer be read.
    let mut case = Case::new().comment("eve", 1, "/secarch approve");
    case.comments[0].bound_head = Some("dddddddd".into());
    let r = case.run();
    assert!(r.stale[0].reason().contains("can no longer be read"));
}

#[test]
fn revoke_withdraws() {
    let r = Case::new()
        .comment("eve", 1, "/secarch approve")
        .comment("eve", 2, "/secarch revoke")
        .run();
    assert!(r.valid.is_empty());
    assert_eq!(r.missing(), 1);
    // Revoking someone else's sign-off is not possible.
    let r = Case::new()
        .comment("eve", 1, "/secarch approve")
        .comment("gus", 2, "/secarch revoke")
        .run();
    assert_eq!(valid(&r), ["eve"]);
}

#[test]
fn approving_reviews_sign_off_their_commit() {
    let r = Case::new()
        .review("eve", 1, ReviewState::Approved, SAME)
        .review("gus", 1, ReviewState::Approved, OLD)
        .review("zed", 1, ReviewState::Approved, HEAD)
        .review("gus", 0, ReviewState::Commented, HEAD)
        .run();
    assert_eq!(valid(&r), ["eve"]);
    assert_eq!(r.valid[0].source, Source::Review { id: 500 });
    assert_eq!(r.stale[0].signoff.login, "gus");
    assert!(matches!(rejection(&r)[..], [("zed", Rejection::Denied(_))]));
    assert_eq!(r.verdict_state().valid[0].via, "review");

    let mut case = Case::new().review("eve", 1, ReviewState::Approved, HEAD);
    case.config = config("  accept_reviews: false\n");
    assert!(case.run().valid.is_empty());
}

#[test]
fn changes_requested_block_until_resolved() {
    let base = Case::new().comment("eve", 1, "/secarch approve").review(
        "gus",
        2,
        ReviewState::ChangesRequested,
        HEAD,
    );
    let r = base.run();
    assert_eq!(valid(&r), ["eve"]);
    assert_eq!(r.blockers[0].login, "gus");
    assert!(!r.satisfied());
    assert_eq!(r.verdict_state().blockers[0].login, "gus");
    assert!(help_text(&config(""), &r).contains("@gus requested changes"));

    let approve = base.review("gus", 3, ReviewState::Approved, HEAD).run();
    assert!(approve.blockers.is_empty() && approve.satisfied());
    assert_eq!(valid(&approve), ["eve", "gus"]);

    let revoke = Case::new()
        .comment("eve", 1, "/secarch approve")
        .review("gus", 2, ReviewState::ChangesRequested, HEAD)
        .comment("gus", 3, "/secarch revoke")
        .run();
    assert!(revoke.blockers.is_empty() && revoke.satisfied());

    let dismissed = Case::new()
        .comment("eve", 1, "/secarch approve")
        .review("gus", 2, ReviewState::Dismissed, HEAD)
        .run();
    assert!(dismissed.satisfied());

    // Changes requested by someone who may not sign off: not secarch's to count.
    let other = Case::new()
        .comment("eve", 1, "/secarch approve")
        .review("zed", 2, ReviewState::ChangesRequested, HEAD)
        .run();
    assert!(other.satisfied());

    // A request for changes after one's own approval replaces it.
    let turned = Case::new()
        .comment("eve", 1, "/secarch approve")
        .review("eve", 2, ReviewState::ChangesRequested, HEAD)
        .run();
    assert!(turned.valid.is_empty() && turned.blockers.len() == 1);
}

#[test]
fn two_required_with_one_present() {
    let mut case = Case::new().comment("eve", 1, "/secarch approve");
    case.config = config("  required: 2\n");
    let r = case.run();
    assert_eq!(r.missing(), 1);
    assert!(!r.satisfied());
    let r = case.comment("eve", 2, "/secarch approve").run();
    assert_eq!(r.missing(), 1, "the same reviewer twice is one sign-off");
    let r = Case {
        config: config("  required: 2\n"),
        ..Case::new()
    }
    .comment("eve", 1, "/secarch approve")
    .comment("gus", 2, "/secarch approve")
    .run();
    assert!(r.satisfied());
}

#[test]
fn help_unknown_and_overflow_answers() {
    let r = Case::new()
        .comment("zed", 1, "/secarch aprove\n/secarch help\n/secarch recheck")
        .run();
    let answers: Vec<&Answer> = r.answers.iter().map(|a| &a.answer).collect();
    assert!(
        matches!(answers[0], Answer::Unknown { problem } if problem.contains("did you mean `/secarch approve`"))
    );
    assert_eq!(answers[1], &Answer::Help);
    assert_eq!(answers[2], &Answer::Accepted);
    let cfg = config("");
    let help = answer_text(answers[1], "zed", &cfg, &r).expect("help");
    for needed in [
        "/secarch approve no-change: <rationale>",
        "at least 20 characters",
        "@dana, @eve, @acme/sec",
        "0 of 1",
        "Still needed: 1",
    ] {
        assert!(help.contains(needed), "{needed:?} in {help}");
    }
    let unknown = answer_text(answers[0], "zed", &cfg, &r).expect("reply");
    assert!(unknown.contains("/secarch revoke"), "{unknown}");
    assert_eq!(answer_text(answers[2], "zed", &cfg, &r), None);

    let r = Case::new()
        .comment("eve", 1, &"/secarch recheck\n".repeat(20))
        .run();
    assert_eq!(
        r.answers.last().map(|a| &a.answer),
        Some(&Answer::Overflow(
            crate::signoff::command::Overflow::TooManyCommands
        ))
    );
}

/// Everything that can happen, in any order of arrival.
fn busy_case() -> Case {
    let mut c = Case::new()
        .comment("eve", 1, "/secarch approve")
        .comment("gus", 1, "/secarch approve aaaaaaa")
        .comment("alice", 2, "/secarch approve")
        .comment("eve", 3, "/secarch revoke")
        .comment(
            "eve",
            3,
            "/secarch approve no-change: unchanged exposure, internal only",
        )
        .comment("zed", 4, "/secarch help")
        .review("pat", 2, ReviewState::Approved, HEAD)
        .review("gus", 3, ReviewState::ChangesRequested, HEAD)
        .review("gus", 3, ReviewState::Approved, SAME)
        .review("dana", 5, ReviewState::Dismissed, HEAD);
    c.comments[4].bound_head = Some(SAME.into());
    c
}

proptest! {
    #[test]
    fn order_of_arrival_does_not_matter(
        comments in Just(busy_case().comments).prop_shuffle(),
        reviews in Just(busy_case().reviews).prop_shuffle(),
    ) {
        let expected = busy_case().run();
        let case = Case { config: config(""), comments, reviews };
        let got = case.run();
        prop_assert_eq!(&got.valid, &expected.valid);
        prop_assert_eq!(&got.stale, &expected.stale);
        prop_assert_eq!(&got.blockers, &expected.blockers);
        prop_assert_eq!(&got.rejected, &expected.rejected);
    }
}

#[test]
fn the_busy_case_is_what_the_rules_say() {
    let r = busy_case().run();
    // Same-minute ties are broken by id: eve's revoke (id 103) comes before her no-change
    // approval (id 104); gus's request for changes (review 501) before his approval (502).
    assert_eq!(valid(&r), ["gus", "eve"]);
    assert!(r.valid[1].no_change_rationale.is_some());
    assert_eq!(r.valid[1].commit, SAME);
    assert!(r.blockers.is_empty());
    assert!(r.stale.is_empty());
    let rejected: Vec<&str> = r.rejected.iter().map(|x| x.login.as_str()).collect();
    assert_eq!(
        rejected,
        ["pat", "alice"],
        "a review sorts before a comment of the same second"
    );
}
