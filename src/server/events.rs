//! Webhook payloads → secarch's own events.
//!
//! Only the fields secarch needs are read, leniently (GitHub adds fields, older payloads and GHES
//! lack some): a known event whose JSON does not even have those is malformed (400); an event or
//! action secarch does not act on is [`Parsed::Ignored`] (202). Nothing here can produce a 5xx.
//!
//! This runs on the request path, before the answer, for every delivery (a `pull_request` body is
//! ~28 KB, nearly all of it fields secarch never reads). So the payload structs borrow their
//! strings from the body, and everything else is skipped without being built (no
//! `serde_json::Value`): the scan of the body is the whole cost, and it is paid once.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::github::RepoRef;

/// Where a job runs: which installation, which repository, and where git fetches it from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoTarget {
    pub installation_id: u64,
    pub repo: RepoRef,
    /// `repository.clone_url` of the payload (https; `file://` only when allowed).
    pub clone_url: String,
}

/// A pull request to evaluate, with the head the delivery saw (the job re-reads the newest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullHint {
    pub number: u64,
    pub head_sha: Option<String>,
}

/// A merge queue group (`merge_group.checks_requested`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeGroup {
    pub head_sha: String,
    pub head_ref: String,
    pub base_sha: String,
    pub base_ref: String,
}

/// What a delivery asks secarch to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `ping`: GitHub checking the hook.
    Ping,
    /// Evaluate these pull requests (opened, pushed, reopened, ready, base changed, re-run).
    EvaluatePulls {
        target: RepoTarget,
        pulls: Vec<PullHint>,
        /// `pull_request.synchronize`, `check_run.rerequested`, … (for logs).
        cause: String,
        /// "Re-run" in GitHub: post a fresh run even when the outcome did not change.
        rerun: bool,
    },
    /// Re-run requested for a commit whose pull requests GitHub did not list (forks): evaluate
    /// the open pull requests with this head.
    EvaluateHead {
        target: RepoTarget,
        head_sha: String,
        cause: String,
        rerun: bool,
    },
    /// A merge-queue group to vouch for.
    MergeGroup {
        target: RepoTarget,
        group: MergeGroup,
    },
    /// `installation.*`: logged; a deleted or suspended installation's client is dropped.
    Installation {
        action: String,
        installation_id: u64,
        account: Option<String>,
    },
}

/// The result of reading a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Event(Event),
    /// Known or unknown, but nothing to do; the reason is logged.
    Ignored(String),
}

/// A known event whose body lacks what secarch needs (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed `{event}` payload: {message}")]
pub struct PayloadError {
    pub event: String,
    pub message: String,
}

/// Read a delivery: `X-GitHub-Event` and the raw body.
pub fn parse(event: &str, body: &[u8]) -> Result<Parsed, PayloadError> {
    match event {
        "ping" => {
            decode::<IgnoredAny>(event, body)?;
            Ok(Parsed::Event(Event::Ping))
        }
        "pull_request" => pull_request(decode(event, body)?),
        "pull_request_review" => pull_request_review(decode(event, body)?),
        "check_run" => check_run(decode(event, body)?),
        "check_suite" => check_suite(decode(event, body)?),
        "merge_group" => merge_group(decode(event, body)?),
        "installation" => installation(decode(event, body)?),
        other => Ok(Parsed::Ignored(format!("event `{other}` is not handled"))),
    }
}

fn decode<'a, T: Deserialize<'a>>(event: &str, body: &'a [u8]) -> Result<T, PayloadError> {
    serde_json::from_slice(body).map_err(|e| PayloadError {
        event: event.to_string(),
        message: e.to_string(),
    })
}

// Strings are `Cow<'a, str>` with `#[serde(borrow)]`, spelled out: serde recognises the borrowing
// `Cow` only by that name (behind an alias it would allocate every time). Borrowed unless the
// JSON string has escapes.

#[derive(Deserialize)]
struct Installation<'a> {
    id: u64,
    #[serde(default, borrow)]
    account: Option<Account<'a>>,
}

#[derive(Deserialize)]
struct Account<'a> {
    #[serde(default, borrow)]
    login: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Repository<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    owner: Account<'a>,
    #[serde(default, borrow)]
    clone_url: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Sha<'a> {
    #[serde(borrow)]
    sha: Cow<'a, str>,
}

#[derive(Deserialize)]
struct PullRequest<'a> {
    number: u64,
    #[serde(borrow)]
    head: Sha<'a>,
}

#[derive(Deserialize)]
struct PullRequestPayload<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    pull_request: PullRequest<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(default, borrow)]
    installation: Option<Installation<'a>>,
    /// Whether `changes` is an object with a `base` key (`pull_request.edited`).
    #[serde(default, deserialize_with = "changes_base")]
    changes: bool,
}

/// `changes.base` is there: any value for `changes` is accepted, and nothing in it is built.
fn changes_base<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct HasBase;
    impl<'de> Visitor<'de> for HasBase {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut base = false;
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                base |= key == "base";
                map.next_value::<IgnoredAny>()?;
            }
            Ok(base)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(HasBase)
}

/// Where a delivery's job runs. `Ok(Err(reason))`: nothing to do (not an App delivery).
/// `Err`: the repository's owner or name is not a GitHub name — API paths and mirror
/// directories are built from them, so the payload is refused as malformed.
fn target(
    event: &str,
    repository: &Repository<'_>,
    installation: Option<&Installation<'_>>,
) -> Result<Result<RepoTarget, String>, PayloadError> {
    let Some(inst) = installation else {
        return Ok(Err(
            "no `installation` in the payload: not a GitHub App delivery".into(),
        ));
    };
    let repo =
        RepoRef::parse(&repository.owner.login, &repository.name).map_err(|e| PayloadError {
            event: event.to_string(),
            message: format!("`repository`: {e}"),
        })?;
    Ok(Ok(RepoTarget {
        installation_id: inst.id,
        repo,
        clone_url: repository.clone_url.to_string(),
    }))
}

fn pull_request(p: PullRequestPayload<'_>) -> Result<Parsed, PayloadError> {
    let act = match &*p.action {
        "opened" | "synchronize" | "reopened" | "ready_for_review" => true,
        // An edit matters only when the base branch changed (the policy and range change).
        "edited" => p.changes,
        _ => false,
    };
    if !act {
        return Ok(Parsed::Ignored(format!(
            "pull_request.{} does not change the evaluation",
            p.action
        )));
    }
    evaluate_one(
        "pull_request",
        &p.repository,
        p.installation.as_ref(),
        p.pull_request,
        format!("pull_request.{}", p.action),
    )
}

/// Evaluate one pull request of an installed repository (ignored without an installation).
fn evaluate_one(
    event: &str,
    repository: &Repository<'_>,
    installation: Option<&Installation<'_>>,
    pull: PullRequest<'_>,
    cause: String,
) -> Result<Parsed, PayloadError> {
    Ok(match target(event, repository, installation)? {
        Ok(target) => Parsed::Event(Event::EvaluatePulls {
            target,
            pulls: vec![PullHint {
                number: pull.number,
                head_sha: Some(pull.head.sha.into_owned()),
            }],
            cause,
            rerun: false,
        }),
        Err(reason) => Parsed::Ignored(reason),
    })
}

#[derive(Deserialize)]
struct ReviewPayload<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    pull_request: PullRequest<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(default, borrow)]
    installation: Option<Installation<'a>>,
}

/// A submitted or dismissed review may be a sign-off (an APPROVED review by an authorized
/// reviewer): re-evaluate, so the sign-off logic sees it.
fn pull_request_review(p: ReviewPayload<'_>) -> Result<Parsed, PayloadError> {
    if !matches!(&*p.action, "submitted" | "dismissed") {
        return Ok(Parsed::Ignored(format!(
            "pull_request_review.{} does not change the evaluation",
            p.action
        )));
    }
    evaluate_one(
        "pull_request_review",
        &p.repository,
        p.installation.as_ref(),
        p.pull_request,
        format!("pull_request_review.{}", p.action),
    )
}

#[derive(Deserialize)]
struct PullNumber<'a> {
    number: u64,
    #[serde(default, borrow)]
    head: Option<Sha<'a>>,
}

#[derive(Deserialize)]
struct Suite<'a> {
    #[serde(borrow)]
    head_sha: Cow<'a, str>,
    #[serde(default, borrow)]
    pull_requests: Vec<PullNumber<'a>>,
}

#[derive(Deserialize)]
struct CheckRunPayload<'a> {
    /// GitHub's schema does not require `action` on `check_run` (it does on `check_suite`):
    /// without one there is nothing to act on, not a malformed delivery.
    #[serde(default, borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    check_run: Suite<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(default, borrow)]
    installation: Option<Installation<'a>>,
}

#[derive(Deserialize)]
struct CheckSuitePayload<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    check_suite: Suite<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(default, borrow)]
    installation: Option<Installation<'a>>,
}

fn check_run(p: CheckRunPayload<'_>) -> Result<Parsed, PayloadError> {
    rerequested(
        "check_run",
        &p.action,
        p.check_run,
        &p.repository,
        p.installation.as_ref(),
    )
}

fn check_suite(p: CheckSuitePayload<'_>) -> Result<Parsed, PayloadError> {
    rerequested(
        "check_suite",
        &p.action,
        p.check_suite,
        &p.repository,
        p.installation.as_ref(),
    )
}

/// "Re-run" in GitHub's UI: evaluate the pull requests the run or suite belongs to.
fn rerequested(
    event: &str,
    action: &str,
    suite: Suite<'_>,
    repository: &Repository<'_>,
    installation: Option<&Installation<'_>>,
) -> Result<Parsed, PayloadError> {
    if action != "rerequested" {
        return Ok(Parsed::Ignored(format!(
            "{event}.{action} does not change the evaluation"
        )));
    }
    let target = match target(event, repository, installation)? {
        Ok(t) => t,
        Err(reason) => return Ok(Parsed::Ignored(reason)),
    };
    let cause = format!("{event}.{action}");
    if suite.pull_requests.is_empty() {
        return Ok(Parsed::Event(Event::EvaluateHead {
            target,
            head_sha: suite.head_sha.into_owned(),
            cause,
            rerun: true,
        }));
    }
    let pulls = suite
        .pull_requests
        .into_iter()
        .map(|p| PullHint {
            number: p.number,
            head_sha: p.head.map(|h| h.sha.into_owned()),
        })
        .collect();
    Ok(Parsed::Event(Event::EvaluatePulls {
        target,
        pulls,
        cause,
        rerun: true,
    }))
}

#[derive(Deserialize)]
struct MergeGroupBody {
    head_sha: String,
    head_ref: String,
    base_sha: String,
    base_ref: String,
}

#[derive(Deserialize)]
struct MergeGroupPayload<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    merge_group: MergeGroupBody,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(default, borrow)]
    installation: Option<Installation<'a>>,
}

fn merge_group(p: MergeGroupPayload<'_>) -> Result<Parsed, PayloadError> {
    if p.action != "checks_requested" {
        return Ok(Parsed::Ignored(format!(
            "merge_group.{} needs no check",
            p.action
        )));
    }
    let target = match target("merge_group", &p.repository, p.installation.as_ref())? {
        Ok(t) => t,
        Err(reason) => return Ok(Parsed::Ignored(reason)),
    };
    let g = p.merge_group;
    Ok(Parsed::Event(Event::MergeGroup {
        target,
        group: MergeGroup {
            head_sha: g.head_sha,
            head_ref: g.head_ref,
            base_sha: g.base_sha,
            base_ref: g.base_ref,
        },
    }))
}

#[derive(Deserialize)]
struct InstallationPayload<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    installation: Installation<'a>,
}

fn installation(p: InstallationPayload<'_>) -> Result<Parsed, PayloadError> {
    Ok(Parsed::Event(Event::Installation {
        action: p.action.into_owned(),
        installation_id: p.installation.id,
        account: p.installation.account.map(|a| a.login.into_owned()),
    }))
}

/// Pull request numbers in a merge-group head ref, e.g.
/// `refs/heads/gh-readonly-queue/main/pr-123-<sha>` → `[123]`. Every `pr-N-` segment counts.
pub fn merge_group_pulls(head_ref: &str) -> Vec<u64> {
    head_ref
        .split('/')
        .filter_map(|seg| seg.strip_prefix("pr-"))
        .filter_map(|rest| rest.split('-').next()?.parse().ok())
        .collect()
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
