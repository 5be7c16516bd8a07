//! What the fake GitHub knows: installations, repositories, pull requests and everything the
//! App reads or writes on them. Fields are public so tests can seed and inspect freely.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use serde_json::Value;

/// The whole fake world.
#[derive(Debug, Default)]
pub struct State {
    pub installations: BTreeMap<u64, FakeInstallation>,
    /// Keyed by `(owner, name)`.
    pub repos: BTreeMap<(String, String), FakeRepo>,
    /// Keyed by `(org, team_slug)`, then user login.
    pub teams: BTreeMap<(String, String), BTreeMap<String, FakeTeamMember>>,
    /// Installation tokens issued: token → (installation, expiry).
    pub tokens: HashMap<String, IssuedToken>,
    /// Every credential the fake issued or accepted (tokens and JWTs), to prove none leaks.
    pub secrets_seen: Vec<String>,
    pub(super) next_id: u64,
}

impl State {
    /// A fresh id (ids are unique across kinds, like GitHub's large id space).
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&FakeRepo> {
        self.repos.get(&(owner.to_string(), name.to_string()))
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut FakeRepo> {
        self.repos.get_mut(&(owner.to_string(), name.to_string()))
    }
}

#[derive(Debug, Clone)]
pub struct FakeInstallation {
    pub id: u64,
    /// The user or organization login the App is installed on.
    pub account: String,
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub installation_id: u64,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone, Default)]
pub struct FakeRepo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    /// `None`: the App is not installed on this repository.
    pub installation_id: Option<u64>,
    pub pulls: BTreeMap<u64, FakePull>,
    pub check_runs: Vec<FakeCheckRun>,
    /// Conversation comments of all issues and pull requests.
    pub comments: Vec<FakeComment>,
    /// login → (`role_name`, legacy `permission`).
    pub roles: BTreeMap<String, (String, String)>,
    /// Served as `clone_url` instead of the made-up https URL (e.g. `file://` to a local
    /// repository built by the test, which the App may fetch with file remotes allowed).
    pub clone_url_override: Option<String>,
}

impl FakeRepo {
    pub fn clone_url(&self) -> String {
        self.clone_url_override
            .clone()
            .unwrap_or_else(|| format!("https://github.example/{}/{}.git", self.owner, self.name))
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakePull {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub draft: bool,
    pub author: String,
    pub base_ref: String,
    pub base_sha: String,
    pub head_ref: String,
    pub head_sha: String,
    /// The head repository's clone URL (a fork's, for fork PRs).
    pub head_clone_url: Option<String>,
    pub commits: Vec<FakeCommit>,
    pub reviews: Vec<FakeReview>,
    pub requested_users: Vec<String>,
    pub requested_teams: Vec<String>,
}

impl FakePull {
    /// An open pull request by `author` from `head_sha` onto `base_sha` (branches `feature` → `main`).
    pub fn new(author: &str, base_sha: &str, head_sha: &str) -> Self {
        FakePull {
            title: "Change the gateway".into(),
            state: "open".into(),
            author: author.into(),
            base_ref: "main".into(),
            base_sha: base_sha.into(),
            head_ref: "feature".into(),
            head_sha: head_sha.into(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakeCommit {
    pub sha: String,
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    /// The GitHub account linked to the author e-mail, if any.
    pub author_login: Option<String>,
    pub committer_name: String,
    pub committer_email: String,
    pub committer_login: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FakeReview {
    pub id: u64,
    pub user: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`.
    pub state: String,
    pub commit_id: String,
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct FakeComment {
    pub id: u64,
    pub issue_number: u64,
    pub user: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct FakeTeamMember {
    /// `member` or `maintainer`.
    pub role: String,
    /// `active` or `pending`.
    pub state: String,
}

/// A check run, as the App created and updated it.
#[derive(Debug, Clone, Default)]
pub struct FakeCheckRun {
    pub id: u64,
    pub app_id: u64,
    pub name: String,
    pub head_sha: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub external_id: Option<String>,
    pub details_url: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
    /// All annotations received, in order (GitHub appends on update).
    pub annotations: Vec<Value>,
}
