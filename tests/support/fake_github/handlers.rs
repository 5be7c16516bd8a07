//! What the fake answers, per operation. Bodies start from GitHub's own example responses in the
//! description (`components/examples`, inlined) with the fake's state laid over them, so clients
//! decode the same shapes they will meet in production.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::checks::{check_run, checks_create, checks_for_ref};
use super::openapi::Description;
use super::state::*;
use super::templates::{Templates, merge, now_rfc3339, paginate, team};

/// Operations the fake implements: (method, path template, operationId). Checked against the
/// description at start-up, and used for routing when the description is absent.
pub const ROUTES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        "apps/create-installation-access-token",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/installation",
        "apps/get-repo-installation",
    ),
    ("POST", "/repos/{owner}/{repo}/check-runs", "checks/create"),
    (
        "PATCH",
        "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        "checks/update",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        "checks/get",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        "checks/list-for-ref",
    ),
    ("GET", "/repos/{owner}/{repo}/pulls", "pulls/list"),
    (
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}",
        "pulls/get",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
        "pulls/list-commits",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "pulls/list-reviews",
    ),
    (
        "POST",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "pulls/request-reviewers",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "pulls/list-requested-reviewers",
    ),
    (
        "DELETE",
        "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        "pulls/remove-requested-reviewers",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        "issues/list-comments",
    ),
    (
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        "issues/create-comment",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}",
        "issues/get-comment",
    ),
    (
        "PATCH",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}",
        "issues/update-comment",
    ),
    (
        "GET",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        "repos/get-collaborator-permission-level",
    ),
    (
        "GET",
        "/orgs/{org}/teams/{team_slug}/memberships/{username}",
        "teams/get-membership-for-user-in-org",
    ),
    ("GET", "/app/installations", "apps/list-installations"),
    (
        "GET",
        "/installation/repositories",
        "apps/list-repos-accessible-to-installation",
    ),
];

/// Operations authenticated with the App JWT; all others need an installation token.
pub fn needs_app_jwt(operation: &str) -> bool {
    operation.starts_with("apps/") && operation != "apps/list-repos-accessible-to-installation"
}

/// A matched, validated, authenticated request.
pub struct Call<'a> {
    pub op: &'a str,
    pub params: &'a BTreeMap<String, String>,
    pub query: &'a [(String, String)],
    pub body: Option<Value>,
    /// The installation of the token used (`None` for JWT calls).
    pub installation: Option<u64>,
    /// `http://127.0.0.1:PORT` + path, for pagination links.
    pub self_url: String,
}

/// Fake-wide settings handlers need.
pub struct Ctx<'a> {
    pub desc: Option<&'a Description>,
    pub app_id: u64,
    pub app_slug: &'a str,
    pub token_lifetime: std::time::Duration,
}

/// An answer: status, JSON body, extra headers.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

/// GitHub's error body.
pub fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string()}),
    )
}

pub fn not_found() -> Reply {
    error(404, "Not Found")
}

/// Dispatch a call to its handler.
pub fn handle(state: &mut State, ctx: &Ctx, call: Call) -> Reply {
    if call.op == "apps/create-installation-access-token" {
        return create_token(state, ctx, &call);
    }
    if call.op == "apps/list-installations" {
        // The description types `account` as allOf(simple user, enterprise), so both `name`
        // and `slug` are required (GitHub's own example lacks them).
        let base = first_item(Templates { ctx }.example("apps/list-installations", "200"));
        let items = state
            .installations
            .values()
            .map(|i| {
                merge(
                    base.clone(),
                    json!({"id": i.id, "app_id": ctx.app_id, "app_slug": ctx.app_slug, "account": {"login": i.account, "name": i.account, "slug": i.account, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}}),
                )
            })
            .collect();
        return paginate(items, &call, Value::Array);
    }
    if call.op == "apps/list-repos-accessible-to-installation" {
        let t = Templates { ctx };
        let items: Vec<Value> = state
            .repos
            .values()
            .filter(|r| r.installation_id.is_some() && r.installation_id == call.installation)
            .map(|r| t.repo(r))
            .collect();
        let total = items.len();
        return paginate(
            items,
            &call,
            |page| json!({"total_count": total, "repositories": page}),
        );
    }
    if let Some(org) = call.params.get("org") {
        // Organization endpoints: the token's installation must be on that organization.
        let on_org = call
            .installation
            .and_then(|i| state.installations.get(&i))
            .is_some_and(|i| &i.account == org);
        if !on_org {
            return not_found();
        }
        return team_membership(state, &call);
    }
    let (Some(owner), Some(name)) = (call.params.get("owner"), call.params.get("repo")) else {
        return error(501, &format!("the fake does not implement {}", call.op));
    };
    let Some(repo) = state.repo(owner, name).cloned() else {
        return not_found();
    };
    if call.op == "apps/get-repo-installation" {
        return repo_installation(state, ctx, &repo);
    }
    // A token sees only its installation's repositories (GitHub answers 404 otherwise).
    if call.installation.is_none() || repo.installation_id != call.installation {
        return not_found();
    }
    let id = state.next_id();
    let Some(repo_mut) = state.repo_mut(owner, name) else {
        return not_found();
    };
    let t = Templates { ctx };
    match call.op {
        "checks/create" => checks_create(repo_mut, &t, &call, id),
        "checks/update" | "checks/get" => check_run(repo_mut, &t, &call),
        "checks/list-for-ref" => checks_for_ref(repo_mut, &t, &call),
        "pulls/list" => {
            let want = query(&call, "state").unwrap_or("open");
            let items = repo_mut
                .pulls
                .values()
                .filter(|p| want == "all" || p.state == want)
                .map(|p| t.pull(&repo, p))
                .collect();
            paginate(items, &call, Value::Array)
        }
        "pulls/get" => with_pull(repo_mut, &call, |repo_mut, p| {
            Reply::json(200, t.pull(repo_mut, p))
        }),
        "pulls/list-commits" => with_pull(repo_mut, &call, |_, p| {
            let items = p.commits.iter().map(|c| t.commit(c)).collect();
            paginate(items, &call, Value::Array)
        }),
        "pulls/list-reviews" => with_pull(repo_mut, &call, |_, p| {
            let items = p.reviews.iter().map(|r| t.review(r)).collect();
            paginate(items, &call, Value::Array)
        }),
        "pulls/request-reviewers" => request_reviewers(repo_mut, &t, &call),
        "pulls/list-requested-reviewers" => with_pull(repo_mut, &call, |_, p| {
            Reply::json(
                200,
                json!({
                    "users": p.requested_users.iter().map(|u| t.user(u)).collect::<Vec<_>>(),
                    "teams": p.requested_teams.iter().map(|s| team(s)).collect::<Vec<_>>(),
                }),
            )
        }),
        "pulls/remove-requested-reviewers" => remove_reviewers(repo_mut, &t, &call),
        "issues/list-comments" => {
            let Some(n) = num(&call, "issue_number") else {
                return not_found();
            };
            if !repo_mut.pulls.contains_key(&n) {
                return not_found();
            }
            let items = repo_mut
                .comments
                .iter()
                .filter(|c| c.issue_number == n)
                .map(|c| t.comment(&repo, c))
                .collect();
            paginate(items, &call, Value::Array)
        }
        "issues/create-comment" => {
            let Some(n) = num(&call, "issue_number") else {
                return not_found();
            };
            if !repo_mut.pulls.contains_key(&n) {
                return not_found();
            }
            let now = now_rfc3339();
            let c = FakeComment {
                id,
                issue_number: n,
                user: format!("{}[bot]", ctx.app_slug),
                body: str_field(&call.body, "body").unwrap_or_default(),
                created_at: now.clone(),
                updated_at: now,
            };
            let reply = Reply::json(201, t.comment(&repo, &c));
            repo_mut.comments.push(c);
            reply
        }
        "issues/get-comment" | "issues/update-comment" => {
            let Some(cid) = num(&call, "comment_id") else {
                return not_found();
            };
            let Some(c) = repo_mut.comments.iter_mut().find(|c| c.id == cid) else {
                return not_found();
            };
            if let Some(body) = str_field(&call.body, "body") {
                c.body = body;
                c.updated_at = now_rfc3339();
            }
            Reply::json(200, t.comment(&repo, c))
        }
        "repos/get-collaborator-permission-level" => {
            let user = call.params.get("username").cloned().unwrap_or_default();
            let Some((role, legacy)) = repo_mut.roles.get(&user) else {
                return not_found();
            };
            let base = t.example("repos/get-collaborator-permission-level", "200");
            Reply::json(
                200,
                merge(
                    base,
                    json!({"permission": legacy, "role_name": role, "user": merge(t.user(&user), json!({"role_name": role}))}),
                ),
            )
        }
        other => error(501, &format!("the fake does not implement {other}")),
    }
}

fn create_token(state: &mut State, ctx: &Ctx, call: &Call) -> Reply {
    let Some(id) = num(call, "installation_id") else {
        return not_found();
    };
    if !state.installations.contains_key(&id) {
        return not_found();
    }
    let serial = state.next_id();
    let token = format!(
        "ghs_fake{serial}x{:016x}",
        serial.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    );
    let expires = time::OffsetDateTime::now_utc() + ctx.token_lifetime;
    state.tokens.insert(
        token.clone(),
        IssuedToken {
            installation_id: id,
            expires_at: std::time::SystemTime::now() + ctx.token_lifetime,
        },
    );
    state.secrets_seen.push(token.clone());
    let expires_at = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let base = Templates { ctx }.example("apps/create-installation-access-token", "201");
    Reply::json(
        201,
        merge(base, json!({"token": token, "expires_at": expires_at})),
    )
}

fn repo_installation(state: &State, ctx: &Ctx, repo: &FakeRepo) -> Reply {
    let Some(inst) = repo
        .installation_id
        .and_then(|i| state.installations.get(&i))
    else {
        return not_found();
    };
    let t = Templates { ctx };
    let base = t.example("apps/get-repo-installation", "200");
    Reply::json(
        200,
        merge(
            base,
            json!({"id": inst.id, "app_id": ctx.app_id, "app_slug": ctx.app_slug, "account": t.user(&inst.account)}),
        ),
    )
}

fn team_membership(state: &State, call: &Call) -> Reply {
    let key = (
        call.params.get("org").cloned().unwrap_or_default(),
        call.params.get("team_slug").cloned().unwrap_or_default(),
    );
    let user = call.params.get("username").cloned().unwrap_or_default();
    match state.teams.get(&key).and_then(|t| t.get(&user)) {
        Some(m) => Reply::json(
            200,
            json!({"url": format!("https://api.github.example/teams/1/memberships/{user}"), "role": m.role, "state": m.state}),
        ),
        None => not_found(),
    }
}

fn request_reviewers(repo: &mut FakeRepo, t: &Templates, call: &Call) -> Reply {
    let list = |k: &str| -> Vec<String> {
        call.body
            .as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (users, teams) = (list("reviewers"), list("team_reviewers"));
    let roles = repo.roles.clone();
    let snapshot = repo.clone();
    with_pull(repo, call, |_, p| {
        if users.iter().any(|u| u == &p.author) {
            return error(422, "Review cannot be requested from pull request author.");
        }
        if let Some(u) = users
            .iter()
            .find(|u| roles.get(*u).is_none_or(|(r, _)| r == "none"))
        {
            return error(
                422,
                &format!(
                    "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {}/{} repository. ({u})",
                    snapshot.owner, snapshot.name
                ),
            );
        }
        for u in users.iter() {
            if !p.requested_users.contains(u) {
                p.requested_users.push(u.clone());
            }
        }
        for s in teams.iter() {
            if !p.requested_teams.contains(s) {
                p.requested_teams.push(s.clone());
            }
        }
        Reply::json(201, t.pull(&snapshot, p))
    })
}

fn remove_reviewers(repo: &mut FakeRepo, t: &Templates, call: &Call) -> Reply {
    let list = |k: &str| -> Vec<String> {
        call.body
            .as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (users, teams) = (list("reviewers"), list("team_reviewers"));
    let snapshot = repo.clone();
    with_pull(repo, call, |_, p| {
        p.requested_users.retain(|u| !users.contains(u));
        p.requested_teams.retain(|s| !teams.contains(s));
        Reply::json(200, t.pull(&snapshot, p))
    })
}

fn with_pull(
    repo: &mut FakeRepo,
    call: &Call,
    f: impl FnOnce(&FakeRepo, &mut FakePull) -> Reply,
) -> Reply {
    let Some(n) = num(call, "pull_number") else {
        return not_found();
    };
    let snapshot = repo.clone();
    match repo.pulls.get_mut(&n) {
        Some(p) => f(&snapshot, p),
        None => not_found(),
    }
}

pub fn query<'a>(call: &'a Call, name: &str) -> Option<&'a str> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn num(call: &Call, name: &str) -> Option<u64> {
    call.params.get(name)?.parse().ok()
}

pub fn str_field(body: &Option<Value>, key: &str) -> Option<String> {
    body.as_ref()?.get(key)?.as_str().map(str::to_string)
}

/// The first element of an example array (list operations), or `{}`.
fn first_item(v: Value) -> Value {
    v.as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_else(|| json!({}))
}
