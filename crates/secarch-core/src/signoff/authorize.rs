//! Who may sign off: the policy's reviewers, checked against facts a front-end gathered.
//!
//! Authorization is a pure function so that the App (team-membership and collaborator
//! endpoints), the Action (a workflow token) and the tests decide it the same way. The facts are
//! read at every evaluation, not remembered: someone who leaves the team stops counting.
//!
//! The four-eyes rule comes first and cannot be configured away: the pull request's author and
//! every author, committer and `Co-authored-by` of its commits reviewed their own work, and a
//! bot reviewed nothing. Only then does the policy grant: a listed user, an *active* member of
//! a listed team (an invitation that is still pending is not membership), or a repository
//! permission at least `min_permission`. A policy naming nobody falls back to
//! [`DEFAULT_MIN_PERMISSION`], so that a fresh installation can be signed off by the
//! repository's maintainers instead of staying red for ever.

use std::collections::BTreeMap;
use std::fmt;

use crate::git::co_author_emails;
use crate::policy::{Permission, SignoffConfig};

/// The permission that may sign off when the policy names no users, teams or
/// `min_permission`.
pub const DEFAULT_MIN_PERMISSION: Permission = Permission::Maintain;

/// What is known about one person who commented or reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewerFacts {
    pub login: String,
    /// GitHub's `type: "Bot"` (a login ending in `[bot]` counts as a bot too).
    pub is_bot: bool,
    /// E-mail addresses known to be this person's (e.g. the public profile e-mail); matched
    /// against the e-mails on commits.
    pub emails: Vec<String>,
    /// `org/team-slug` → membership, for the policy's teams. A team missing here was not
    /// looked up and counts as no membership.
    pub teams: BTreeMap<String, Membership>,
    /// The collaborator permission (`role_name`); `None` when unknown or none.
    pub permission: Option<Permission>,
}

/// Membership of one team (GitHub's team-membership endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// `state: active`.
    Active,
    /// `state: pending`: invited, not yet a member.
    Pending,
    /// 404: not a member.
    None,
}

/// What a person did on a commit of the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CommitRole {
    Author,
    Committer,
    CoAuthor,
}

/// One person named on a commit: the login GitHub mapped the e-mail to (the commit API's
/// `author`/`committer` objects) and/or the e-mail itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitPerson {
    pub commit: String,
    pub role: CommitRole,
    pub login: Option<String>,
    pub email: Option<String>,
}

/// Who wrote the pull request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullPeople {
    /// The pull request's author (`user.login`).
    pub author: String,
    pub commits: Vec<CommitPerson>,
}

impl PullPeople {
    /// Add one commit: its author and committer (login when GitHub knows it, e-mail from the
    /// commit) and every `Co-authored-by:` line of its message (read as loosely as
    /// [`co_author_emails`] does: one co-author too many is the safe mistake).
    #[allow(clippy::too_many_arguments)]
    pub fn add_commit(
        &mut self,
        commit: &str,
        author_login: Option<&str>,
        author_email: Option<&str>,
        committer_login: Option<&str>,
        committer_email: Option<&str>,
        message: &str,
    ) {
        let mut push = |role, login: Option<&str>, email: Option<&str>| {
            if login.is_some() || email.is_some() {
                self.commits.push(CommitPerson {
                    commit: commit.to_string(),
                    role,
                    login: login.map(str::to_string),
                    email: email.map(str::to_string),
                });
            }
        };
        push(CommitRole::Author, author_login, author_email);
        push(CommitRole::Committer, committer_login, committer_email);
        for email in co_author_emails(message) {
            push(CommitRole::CoAuthor, None, Some(&email));
        }
    }
}

/// Why someone may sign off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    User,
    Team(String),
    Permission(Permission),
}

/// Why someone may not sign off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Bot,
    PullAuthor,
    /// Author, committer or co-author of a commit of the pull request.
    Contributor {
        role: CommitRole,
        commit: String,
    },
    /// None of the policy's grants applies; `pending` names teams with an invitation not
    /// yet accepted (worth saying: accepting it fixes this).
    NotAuthorized {
        pending: Vec<String>,
    },
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::Bot => write!(f, "bot accounts cannot sign off"),
            Denial::PullAuthor => write!(
                f,
                "opened this pull request, and nobody signs off their own change"
            ),
            Denial::Contributor { role, commit } => write!(
                f,
                "is {} of commit {} in this pull request, and nobody signs off their own change",
                match role {
                    CommitRole::Author => "the author",
                    CommitRole::Committer => "the committer",
                    CommitRole::CoAuthor => "a co-author (Co-authored-by)",
                },
                short(commit)
            ),
            Denial::NotAuthorized { pending } if !pending.is_empty() => write!(
                f,
                "is not authorized yet: the invitation to {} is still pending; accept it, then comment again",
                pending.join(", ")
            ),
            Denial::NotAuthorized { .. } => write!(
                f,
                "is not authorized to sign off by this repository's policy (signoff.reviewers, signoff.min_permission)"
            ),
        }
    }
}

/// The decision for one person.
pub type Authorization = Result<Grant, Denial>;

/// May `who` sign off this pull request under `config`?
pub fn authorize(config: &SignoffConfig, pull: &PullPeople, who: &ReviewerFacts) -> Authorization {
    if who.is_bot || who.login.to_ascii_lowercase().ends_with("[bot]") {
        return Err(Denial::Bot);
    }
    if same_login(&pull.author, &who.login) {
        return Err(Denial::PullAuthor);
    }
    if let Some(p) = pull.commits.iter().find(|p| is_person(p, who)) {
        return Err(Denial::Contributor {
            role: p.role,
            commit: p.commit.clone(),
        });
    }
    let reviewers = &config.reviewers;
    if reviewers.users.iter().any(|u| same_login(u, &who.login)) {
        return Ok(Grant::User);
    }
    let membership = |team: &str| {
        who.teams
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(team))
            .map_or(Membership::None, |(_, m)| *m)
    };
    let teams = || reviewers.teams.iter().map(|t| t.value.as_str());
    if let Some(team) = teams().find(|t| membership(t) == Membership::Active) {
        return Ok(Grant::Team(team.to_string()));
    }
    if let (Some(need), Some(have)) = (min_permission(config), who.permission)
        && have >= need
    {
        return Ok(Grant::Permission(have));
    }
    Err(Denial::NotAuthorized {
        pending: teams()
            .filter(|t| membership(t) == Membership::Pending)
            .map(str::to_string)
            .collect(),
    })
}

/// The permission that grants sign-off: the policy's, else [`DEFAULT_MIN_PERMISSION`] when
/// the policy names nobody at all.
pub fn min_permission(config: &SignoffConfig) -> Option<Permission> {
    let r = &config.reviewers;
    match config.min_permission {
        Some(p) => Some(p),
        None if r.users.is_empty() && r.teams.is_empty() => Some(DEFAULT_MIN_PERMISSION),
        None => None,
    }
}

/// Who may sign off, for messages: `@user`, `@org/team`, "anyone with maintain permission".
pub fn eligible(config: &SignoffConfig) -> Vec<String> {
    let r = &config.reviewers;
    let mut out: Vec<String> = r
        .users
        .iter()
        .map(|u| format!("@{u}"))
        .chain(r.teams.iter().map(|t| format!("@{}", t.value)))
        .collect();
    if let Some(p) = min_permission(config) {
        let name = serde_json::to_value(p)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push(format!("anyone with {name} permission or higher"));
    }
    out
}

/// Whether a commit person is `who`: the same login, the same e-mail (any case), or a GitHub
/// no-reply address of the login (`login@users.noreply.github.com`,
/// `12345+login@users.noreply.github.com`). A private e-mail the front-end does not know
/// cannot be matched; the commit API's login (GitHub's own e-mail mapping) covers most.
fn is_person(p: &CommitPerson, who: &ReviewerFacts) -> bool {
    if p.login
        .as_deref()
        .is_some_and(|l| same_login(l, &who.login))
    {
        return true;
    }
    let Some(email) = p.email.as_deref() else {
        return false;
    };
    who.emails.iter().any(|e| e.eq_ignore_ascii_case(email))
        || noreply_login(email).is_some_and(|l| same_login(l, &who.login))
}

/// The login in a GitHub no-reply e-mail address.
fn noreply_login(email: &str) -> Option<&str> {
    let (local, domain) = email.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case("users.noreply.github.com") {
        return None;
    }
    Some(local.split_once('+').map_or(local, |(_, l)| l))
}

/// GitHub logins are case-insensitive.
fn same_login(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
