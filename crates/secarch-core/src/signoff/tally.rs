//! The sign-off state of a pull request, recomputed from its comments and reviews.
//!
//! GitHub is the store: every evaluation folds *all* comments and reviews (oldest first; ties
//! broken by kind, then id, so the order they were fetched in never matters) into one
//! [`SignoffRecord`]. Per reviewer only the latest stance counts — an approval replaces an
//! earlier one, `/secarch revoke` withdraws it, a request for changes replaces it with a block.
//!
//! Rules that are not obvious:
//! - An edited comment signs nothing off (an admin can edit anyone's comment); its
//!   `/secarch revoke` still withdraws, because withdrawing can only make the check stricter.
//! - Bots are skipped without an answer, so two bots never reply to each other.
//! - A `CHANGES_REQUESTED` review by someone who may sign off blocks until that person approves
//!   (comment or review) or revokes, or the review is dismissed (a dismissed review counts as if
//!   it never was). A request for changes by anyone else is GitHub's business, not secarch's.
//! - Authorization is decided with today's facts for every event, not the facts when it was
//!   written: someone who left the team no longer counts.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::authorize::{Authorization, Denial, Grant, PullPeople, ReviewerFacts, authorize};
use super::binding::{CommitError, ContentPrint, PrintSource, resolve_commit};
use super::command::{Approval, Command, Overflow, parse_comment};
use crate::policy::SignoffConfig;

/// One pull-request (issue) comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub author: String,
    pub created_at: OffsetDateTime,
    /// Later than `created_at` when the comment was edited.
    pub updated_at: OffsetDateTime,
    pub body: String,
    /// The head a plain `/secarch approve` in this comment binds to: the head when the comment
    /// was first processed, as the App's acknowledgement recorded it. `None`: not processed
    /// before, so the current head.
    pub bound_head: Option<String>,
}

/// One pull-request review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: u64,
    pub author: String,
    pub submitted_at: OffsetDateTime,
    pub state: ReviewState,
    /// The commit the review was made on.
    pub commit_id: String,
}

/// A review's state as GitHub reports it now (a dismissed review reads `DISMISSED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

/// Everything the tally reads.
pub struct TallyInput<'a> {
    pub config: &'a SignoffConfig,
    pub people: &'a PullPeople,
    /// The pull request's commits (full ids).
    pub commits: &'a [String],
    /// The content at the current head.
    pub head: &'a ContentPrint,
    /// Facts for everyone who commented or reviewed, by login (any case). Someone missing is
    /// treated as a person without any grant.
    pub reviewers: &'a [ReviewerFacts],
    pub comments: &'a [Comment],
    pub reviews: &'a [Review],
    pub prints: &'a dyn PrintSource,
}

/// Where a sign-off (or an attempt) came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A comment, and the command's line in it.
    Comment {
        id: u64,
        line: usize,
    },
    Review {
        id: u64,
    },
}

/// An accepted sign-off and the content it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signoff {
    pub login: String,
    pub source: Source,
    pub at: OffsetDateTime,
    pub grant: Grant,
    /// The commit whose content was approved.
    pub commit: String,
    /// Its fingerprint (`None` when that commit can no longer be read).
    pub fingerprint: Option<String>,
    /// Set for `/secarch approve no-change: <rationale>`.
    pub no_change_rationale: Option<String>,
}

/// A sign-off that no longer counts because the reviewed content changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleSignoff {
    pub signoff: Signoff,
    /// The reviewed paths that differ between the bound commit and the head (empty when the
    /// bound commit could not be read).
    pub changed: Vec<String>,
}

impl StaleSignoff {
    /// "content changed since 3f2a9c1 (Dockerfile, deploy/app.yaml)".
    pub fn reason(&self) -> String {
        let since = short(&self.signoff.commit);
        if self.signoff.fingerprint.is_none() {
            return format!(
                "commit {since} it was bound to can no longer be read (force-pushed away?); approve again"
            );
        }
        const SHOWN: usize = 5;
        let mut files = self
            .changed
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if self.changed.len() > SHOWN {
            files.push_str(&format!(" and {} more", self.changed.len() - SHOWN));
        }
        format!(
            "content changed since {since} ({files}); approve again to sign off the new content"
        )
    }
}

/// An authorized reviewer's request for changes that still stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub login: String,
    pub review_id: u64,
    pub at: OffsetDateTime,
    pub commit: String,
}

/// Why an attempt to sign off was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Denied(Denial),
    Edited,
    Commit(CommitError),
    RationaleTooShort { chars: usize, min: u32 },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Denied(d) => d.fmt(f),
            Rejection::Edited => write!(
                f,
                "the comment was edited after it was posted, and edited comments do not count; post the command in a new comment"
            ),
            Rejection::Commit(e) => e.fmt(f),
            Rejection::RationaleTooShort { chars, min } => write!(
                f,
                "the no-change rationale has {chars} characters; the policy asks for at least {min} saying why the document needs no update"
            ),
        }
    }
}

/// A rejected attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub login: String,
    pub source: Source,
    pub at: OffsetDateTime,
    pub reason: Rejection,
}

/// What the front-end answers to one command (idempotently: it looks for its own earlier
/// answer to the comment before posting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Accepted (`approve`, `revoke`, `recheck`): a reaction.
    Accepted,
    /// A reply: the attempt was rejected, for this reason.
    Rejected(Rejection),
    /// `/secarch help`.
    Help,
    /// An unknown verb or a malformed argument; `problem` says what was wrong.
    Unknown { problem: String },
    /// The comment was too long or held too many commands.
    Overflow(Overflow),
}

/// One answer to a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentAnswer {
    pub comment_id: u64,
    pub line: usize,
    pub answer: Answer,
}

/// The sign-off state of a pull request at its current head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignoffRecord {
    pub required: u32,
    pub head: String,
    pub head_fingerprint: String,
    /// Bound to the head's content, one per reviewer, oldest first.
    pub valid: Vec<Signoff>,
    /// Latest sign-offs whose content changed since.
    pub stale: Vec<StaleSignoff>,
    pub blockers: Vec<Blocker>,
    pub rejected: Vec<Rejected>,
    pub answers: Vec<CommentAnswer>,
    /// Who may sign off, for messages.
    pub eligible: Vec<String>,
}

impl SignoffRecord {
    /// Valid sign-offs still needed.
    pub fn missing(&self) -> u32 {
        self.required
            .saturating_sub(u32::try_from(self.valid.len()).unwrap_or(u32::MAX))
    }

    /// Enough valid sign-offs and nobody blocking.
    pub fn satisfied(&self) -> bool {
        self.missing() == 0 && self.blockers.is_empty()
    }
}

/// A reviewer's latest stance.
enum Stance {
    Signed(Signoff),
    Blocking(Blocker),
}

/// Events in time order; a review sorts before a comment at the same second, then by id.
enum Event<'a> {
    Review(&'a Review),
    Comment(&'a Comment),
}

impl Event<'_> {
    fn key(&self) -> (OffsetDateTime, u8, u64) {
        match self {
            Event::Review(r) => (r.submitted_at, 0, r.id),
            Event::Comment(c) => (c.created_at, 1, c.id),
        }
    }
}

/// Fold the comments and reviews into the sign-off state.
pub fn tally(input: &TallyInput<'_>) -> SignoffRecord {
    let mut events: Vec<Event<'_>> = input
        .reviews
        .iter()
        .map(Event::Review)
        .chain(input.comments.iter().map(Event::Comment))
        .collect();
    events.sort_by_key(Event::key);

    let mut t = Tally {
        input,
        auth: BTreeMap::new(),
        prints: BTreeMap::new(),
        stances: BTreeMap::new(),
        rejected: Vec::new(),
        answers: Vec::new(),
    };
    for event in events {
        match event {
            Event::Review(r) => t.review(r),
            Event::Comment(c) => t.comment(c),
        }
    }
    t.finish()
}

struct Tally<'a, 'i> {
    input: &'a TallyInput<'i>,
    auth: BTreeMap<String, Authorization>,
    prints: BTreeMap<String, Option<ContentPrint>>,
    /// Lower-cased login → the event key of the reviewer's latest stance, and the stance.
    stances: BTreeMap<String, ((OffsetDateTime, u8, u64), Stance)>,
    rejected: Vec<Rejected>,
    answers: Vec<CommentAnswer>,
}

impl Tally<'_, '_> {
    fn authorization(&mut self, login: &str) -> Authorization {
        let key = login.to_ascii_lowercase();
        if let Some(a) = self.auth.get(&key) {
            return a.clone();
        }
        let facts = self
            .input
            .reviewers
            .iter()
            .find(|f| f.login.eq_ignore_ascii_case(login))
            .cloned()
            .unwrap_or_else(|| ReviewerFacts {
                login: login.to_string(),
                ..ReviewerFacts::default()
            });
        let a = authorize(self.input.config, self.input.people, &facts);
        self.auth.insert(key, a.clone());
        a
    }

    fn fingerprint(&mut self, commit: &str) -> Option<String> {
        if commit == self.input.head.commit {
            return Some(self.input.head.fingerprint.clone());
        }
        let prints = self.input.prints;
        self.prints
            .entry(commit.to_string())
            .or_insert_with(|| prints.print(commit))
            .as_ref()
            .map(|p| p.fingerprint.clone())
    }

    fn set(&mut self, login: &str, key: (OffsetDateTime, u8, u64), stance: Stance) {
        self.stances
            .insert(login.to_ascii_lowercase(), (key, stance));
    }

    fn clear(&mut self, login: &str) {
        self.stances.remove(&login.to_ascii_lowercase());
    }

    fn review(&mut self, r: &Review) {
        let accept = self.input.config.accept_reviews;
        match r.state {
            ReviewState::Approved | ReviewState::ChangesRequested => {}
            _ => return,
        }
        let grant = match self.authorization(&r.author) {
            Ok(g) => g,
            Err(Denial::Bot) => return,
            Err(d) => {
                // Only an approval is an attempt to sign off; a request for changes by someone
                // who may not sign off is not secarch's to count.
                if r.state == ReviewState::Approved && accept {
                    self.rejected.push(Rejected {
                        login: r.author.clone(),
                        source: Source::Review { id: r.id },
                        at: r.submitted_at,
                        reason: Rejection::Denied(d),
                    });
                }
                return;
            }
        };
        match r.state {
            ReviewState::Approved if accept => {
                let fingerprint = self.fingerprint(&r.commit_id);
                let signoff = Signoff {
                    login: r.author.clone(),
                    source: Source::Review { id: r.id },
                    at: r.submitted_at,
                    grant,
                    commit: r.commit_id.clone(),
                    fingerprint,
                    no_change_rationale: None,
                };
                self.set(&r.author, Event::Review(r).key(), Stance::Signed(signoff));
            }
            // Approving on GitHub lifts the reviewer's own block even where reviews do not
            // sign off.
            ReviewState::Approved => {
                if let Some((_, Stance::Blocking(_))) =
                    self.stances.get(&r.author.to_ascii_lowercase())
                {
                    self.clear(&r.author);
                }
            }
            _ => {
                let blocker = Blocker {
                    login: r.author.clone(),
                    review_id: r.id,
                    at: r.submitted_at,
                    commit: r.commit_id.clone(),
                };
                self.set(&r.author, Event::Review(r).key(), Stance::Blocking(blocker));
            }
        }
    }

    fn comment(&mut self, c: &Comment) {
        let parsed = parse_comment(&c.body);
        if parsed.commands.is_empty() && parsed.overflow.is_none() {
            return;
        }
        if matches!(self.authorization(&c.author), Err(Denial::Bot)) {
            return;
        }
        let edited = c.updated_at > c.created_at;
        for cmd in &parsed.commands {
            let source = Source::Comment {
                id: c.id,
                line: cmd.line,
            };
            let answer = match &cmd.command {
                Command::Approve(_) if edited => self.reject(c, source, Rejection::Edited),
                Command::Approve(approval) => self.approve(c, source, approval),
                Command::Revoke => {
                    self.clear(&c.author);
                    Answer::Accepted
                }
                Command::Recheck => Answer::Accepted,
                Command::Help => Answer::Help,
                Command::Unknown { verb } => Answer::Unknown {
                    problem: unknown_verb(verb),
                },
                Command::Malformed { problem, .. } => Answer::Unknown {
                    problem: problem.clone(),
                },
            };
            self.answers.push(CommentAnswer {
                comment_id: c.id,
                line: cmd.line,
                answer,
            });
        }
        if let Some(o) = parsed.overflow {
            self.answers.push(CommentAnswer {
                comment_id: c.id,
                line: 0,
                answer: Answer::Overflow(o),
            });
        }
    }

    fn approve(&mut self, c: &Comment, source: Source, approval: &Approval) -> Answer {
        let grant = match self.authorization(&c.author) {
            Ok(g) => g,
            Err(d) => return self.reject(c, source, Rejection::Denied(d)),
        };
        let head = || {
            c.bound_head
                .clone()
                .unwrap_or_else(|| self.input.head.commit.clone())
        };
        let (commit, rationale) = match approval {
            Approval::Head => (head(), None),
            Approval::Commit(prefix) => match resolve_commit(prefix, self.input.commits) {
                Ok(commit) => (commit, None),
                Err(e) => return self.reject(c, source, Rejection::Commit(e)),
            },
            Approval::NoChange { rationale, chars } => {
                let min = self.input.config.no_change_rationale_min;
                if u32::try_from(*chars).unwrap_or(u32::MAX) < min {
                    let reason = Rejection::RationaleTooShort { chars: *chars, min };
                    return self.reject(c, source, reason);
                }
                (head(), Some(rationale.clone()))
            }
        };
        let fingerprint = self.fingerprint(&commit);
        let signoff = Signoff {
            login: c.author.clone(),
            source,
            at: c.created_at,
            grant,
            commit,
            fingerprint,
            no_change_rationale: rationale,
        };
        self.set(&c.author, Event::Comment(c).key(), Stance::Signed(signoff));
        Answer::Accepted
    }

    fn reject(&mut self, c: &Comment, source: Source, reason: Rejection) -> Answer {
        self.rejected.push(Rejected {
            login: c.author.clone(),
            source,
            at: c.created_at,
            reason: reason.clone(),
        });
        Answer::Rejected(reason)
    }

    fn finish(self) -> SignoffRecord {
        let head = self.input.head;
        let mut stances: Vec<_> = self.stances.into_values().collect();
        stances.sort_by_key(|(key, _)| *key);
        let mut record = SignoffRecord {
            required: self.input.config.required,
            head: head.commit.clone(),
            head_fingerprint: head.fingerprint.clone(),
            valid: Vec::new(),
            stale: Vec::new(),
            blockers: Vec::new(),
            rejected: self.rejected,
            answers: self.answers,
            eligible: super::authorize::eligible(self.input.config),
        };
        for (_, stance) in stances {
            match stance {
                Stance::Blocking(b) => record.blockers.push(b),
                Stance::Signed(s) if s.fingerprint.as_deref() == Some(&head.fingerprint) => {
                    record.valid.push(s)
                }
                Stance::Signed(s) => {
                    let changed = self
                        .prints
                        .get(&s.commit)
                        .and_then(Option::as_ref)
                        .map(|p| p.changed_paths(head))
                        .unwrap_or_default();
                    record.stale.push(StaleSignoff {
                        signoff: s,
                        changed,
                    });
                }
            }
        }
        record
    }
}

/// The reply to `/secarch <verb>` with a verb secarch does not know.
fn unknown_verb(verb: &str) -> String {
    let closest = super::command::VERBS
        .iter()
        .map(|v| (strsim::damerau_levenshtein(v, verb), *v))
        .min()
        .filter(|(d, _)| *d <= 2 && !verb.is_empty());
    match (verb.is_empty(), closest) {
        (true, _) => "`/secarch` needs a command, e.g. `/secarch approve`".to_string(),
        (false, Some((_, v))) => {
            format!("`{verb}` is not a secarch command; did you mean `/secarch {v}`?")
        }
        (false, None) => format!("`{verb}` is not a secarch command"),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
#[path = "tally_tests.rs"]
mod tests;
