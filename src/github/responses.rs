//! GitHub's answers, reduced to the fields secarch uses.
//!
//! Decoding is lenient on purpose: every field has a default and nullable ones are `Option`, so a
//! field GitHub drops or adds (or an older GHES omits) does not fail an evaluation.

use serde::Deserialize;

use crate::policy::Permission;

/// `owner/name` of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoRef {
    pub owner: String,
    pub name: String,
}

impl RepoRef {
    /// A reference without checks, for names secarch itself wrote (tests, constants). Names
    /// from a payload or an API answer go through [`RepoRef::parse`].
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        RepoRef {
            owner: owner.into(),
            name: name.into(),
        }
    }

    /// A reference from untrusted text (a webhook payload, an API answer): `owner` and `name`
    /// must be names GitHub could have given, so they cannot change the shape of an API path
    /// built from them (`..` would climb out of `/repos/{owner}/{repo}/…`).
    pub fn parse(owner: &str, name: &str) -> Result<RepoRef, InvalidName> {
        check_owner(owner)?;
        check_repo_name(name)?;
        Ok(RepoRef::new(owner, name))
    }
}

/// An owner or repository name GitHub would not give, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not a valid GitHub name: {reason}")]
pub struct InvalidName {
    pub what: &'static str,
    /// The offending name, cut to 100 characters.
    pub value: String,
    pub reason: &'static str,
}

/// GitHub's longest repository name; logins are shorter (39), but GitHub Enterprise Server
/// accepts longer ones from its identity provider.
const MAX_NAME: usize = 100;

/// A user or organization login: ASCII letters, digits and `-` (GitHub Enterprise Server
/// also `_`, from LDAP or SAML names). Never `.`, so never a dot segment.
pub fn check_owner(owner: &str) -> Result<(), InvalidName> {
    check_name("owner", owner, |c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '_'
    })
}

/// A repository name: ASCII letters, digits, `-`, `_` and `.`, but not `.` or `..`.
pub fn check_repo_name(name: &str) -> Result<(), InvalidName> {
    check_name("repository name", name, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    })?;
    if name == "." || name == ".." {
        return Err(InvalidName {
            what: "repository name",
            value: name.to_string(),
            reason: "`.` and `..` are path segments, not names",
        });
    }
    Ok(())
}

fn check_name(
    what: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidName> {
    let invalid = |reason| InvalidName {
        what,
        value: value.chars().take(MAX_NAME).collect(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }
    if value.len() > MAX_NAME {
        return Err(invalid("it is longer than 100 characters"));
    }
    if !value.chars().all(allowed) {
        return Err(invalid("it holds a character GitHub does not allow there"));
    }
    Ok(())
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A user or bot account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct User {
    pub login: String,
    pub id: u64,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl User {
    /// Bots never sign off (product rule); GitHub marks them by `type` and the `[bot]` suffix.
    pub fn is_bot(&self) -> bool {
        self.kind.eq_ignore_ascii_case("bot") || self.login.ends_with("[bot]")
    }
}

/// A pull request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PullRequest {
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    pub title: String,
    pub body: Option<String>,
    pub draft: bool,
    pub merged: bool,
    pub user: Option<User>,
    pub html_url: String,
    pub head: BranchRef,
    pub base: BranchRef,
}

/// One side (`head`/`base`) of a pull request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BranchRef {
    /// Branch name.
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub sha: String,
    /// `None` when the head fork was deleted.
    pub repo: Option<Repository>,
}

/// A repository as embedded in pull requests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Repository {
    pub id: u64,
    pub name: String,
    pub full_name: String,
    pub owner: Option<User>,
    pub private: bool,
    pub fork: bool,
    pub clone_url: String,
    pub default_branch: String,
}

/// A commit of a pull request (`GET .../pulls/{n}/commits`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PullCommit {
    pub sha: String,
    pub commit: CommitDetail,
    /// The GitHub account of the author, `None` when the e-mail is not linked to one.
    pub author: Option<User>,
    pub committer: Option<User>,
}

/// The git-level part of a commit: identities and the message (co-author trailers live there).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CommitDetail {
    pub message: String,
    pub author: Option<GitIdentity>,
    pub committer: Option<GitIdentity>,
}

/// Name, e-mail and date of a git author/committer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GitIdentity {
    pub name: String,
    pub email: String,
    pub date: Option<String>,
}

/// A pull request review.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Review {
    pub id: u64,
    pub user: Option<User>,
    pub body: Option<String>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
    pub state: String,
    /// The commit the review was made against (binds an approval to content).
    pub commit_id: Option<String>,
    pub submitted_at: Option<String>,
    pub html_url: String,
}

/// An issue (or pull request conversation) comment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IssueComment {
    pub id: u64,
    pub user: Option<User>,
    pub body: Option<String>,
    pub created_at: String,
    /// Differs from `created_at` when the comment was edited (edited sign-offs do not count).
    pub updated_at: String,
    pub html_url: String,
    pub author_association: String,
}

/// Users and teams whose review is requested on a pull request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestedReviewers {
    pub users: Vec<User>,
    pub teams: Vec<Team>,
}

/// A team (as listed in requested reviewers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Team {
    pub id: u64,
    pub slug: String,
    pub name: String,
}

/// The App installation that covers a repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Installation {
    pub id: u64,
    pub app_id: u64,
    pub account: Option<User>,
}

/// A check run as GitHub reports it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    /// `queued`, `in_progress`, `completed`, …
    pub status: String,
    pub conclusion: Option<String>,
    pub external_id: Option<String>,
    pub details_url: Option<String>,
    pub html_url: Option<String>,
    pub output: CheckRunOutputInfo,
    pub app: Option<AppInfo>,
}

/// The output summary GitHub returns with a check run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckRunOutputInfo {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub annotations_count: u64,
}

/// The App that owns a check run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AppInfo {
    pub id: u64,
    pub slug: Option<String>,
}

/// `GET /repos/{o}/{r}/commits/{ref}/check-runs` page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CheckRunList {
    pub check_runs: Vec<CheckRun>,
}

/// A user's permission on a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollaboratorPermission {
    /// Effective level: from `role_name` when it is one of GitHub's five roles, else (custom
    /// role) from the legacy `permission` it is based on. `None` = no access (`none`).
    pub level: Option<Permission>,
    /// GitHub's fine-grained `role_name` (`admin`, `maintain`, `write`, `triage`, `read`, or a
    /// custom role's name).
    pub role_name: String,
    /// GitHub's legacy `permission` (`admin`, `write`, `read`, `none`: maintain reads `write`,
    /// triage reads `read`).
    pub permission: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawCollaboratorPermission {
    pub permission: String,
    pub role_name: Option<String>,
}

impl CollaboratorPermission {
    pub(crate) fn from_raw(raw: RawCollaboratorPermission) -> Self {
        let role_name = raw.role_name.unwrap_or_else(|| raw.permission.clone());
        let level = match parse_level(&role_name) {
            Some(level) => level,
            None => parse_level(&raw.permission).flatten(),
        };
        CollaboratorPermission {
            level,
            role_name,
            permission: raw.permission,
        }
    }
}

/// `Some(level)` for the six names GitHub uses (`none` → `Some(None)`), `None` for anything else.
fn parse_level(name: &str) -> Option<Option<Permission>> {
    Some(match name.to_ascii_lowercase().as_str() {
        "admin" => Some(Permission::Admin),
        "maintain" => Some(Permission::Maintain),
        "write" | "push" => Some(Permission::Write),
        "triage" => Some(Permission::Triage),
        "read" | "pull" => Some(Permission::Read),
        "none" => None,
        _ => return None,
    })
}

/// Whether a user is in a team (`GET /orgs/{org}/teams/{slug}/memberships/{user}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamMembership {
    /// 404: not a member (or the team is invisible to the App).
    NotMember,
    /// `state: active` — counts.
    Active { maintainer: bool },
    /// `state: pending` (invitation not accepted) or an unknown state — does not count.
    Inactive { state: String },
}

impl TeamMembership {
    /// Only an active membership authorizes.
    pub fn is_active(&self) -> bool {
        matches!(self, TeamMembership::Active { .. })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawTeamMembership {
    pub state: String,
    pub role: String,
}

impl From<RawTeamMembership> for TeamMembership {
    fn from(raw: RawTeamMembership) -> Self {
        if raw.state == "active" {
            TeamMembership::Active {
                maintainer: raw.role == "maintainer",
            }
        } else {
            TeamMembership::Inactive { state: raw.state }
        }
    }
}

/// `GET /installation/repositories` answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RepositoryList {
    pub repositories: Vec<Repository>,
}

/// `POST /app/installations/{id}/access_tokens` answer.
#[derive(Deserialize)]
pub(crate) struct RawInstallationToken {
    pub token: String,
    #[serde(default)]
    pub expires_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(permission: &str, role: Option<&str>) -> CollaboratorPermission {
        CollaboratorPermission::from_raw(RawCollaboratorPermission {
            permission: permission.into(),
            role_name: role.map(Into::into),
        })
    }

    #[test]
    fn role_name_wins_and_custom_roles_fall_back() {
        assert_eq!(
            perm("write", Some("maintain")).level,
            Some(Permission::Maintain)
        );
        assert_eq!(perm("read", Some("triage")).level, Some(Permission::Triage));
        assert_eq!(
            perm("write", Some("security-auditor")).level,
            Some(Permission::Write)
        );
        assert_eq!(perm("none", Some("none")).level, None);
        assert_eq!(perm("admin", None).level, Some(Permission::Admin));
        assert_eq!(perm("weird", Some("weirder")).level, None);
    }

    #[test]
    fn lenient_decoding() {
        let pr: PullRequest = serde_json::from_str(
            r#"{"number":7,"body":null,"head":{"ref":"f","sha":"a","repo":null},"extra":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(pr.number, 7);
        assert!(pr.head.repo.is_none());
        assert_eq!(pr.head.ref_name, "f");
        let bot: User = serde_json::from_str(r#"{"login":"dependabot[bot]"}"#).unwrap();
        assert!(bot.is_bot());
    }
}
