//! What the fake answers, per operation. Bodies start from GitHub's own example responses in the
//! description (`components/examples`, inlined) with the fake's state laid over them, so clients
//! decode the same shapes they will meet in production.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::openapi::Description;
use super::state::*;

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
    fn json(status: u16, body: Value) -> Reply {
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

fn not_found() -> Reply {
    error(404, "Not Found")
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Dispatch a call to its handler.
pub fn handle(state: &mut State, ctx: &Ctx, call: Call) -> Reply {
    if call.op == "apps/create-installation-access-token" {
        return create_token(state, ctx, &call);
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
                    json!({"permission": legacy, "role_name": role, "user": t.user(&user)}),
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

fn checks_create(repo: &mut FakeRepo, t: &Templates, call: &Call, id: u64) -> Reply {
    let body = call.body.clone().unwrap_or(Value::Null);
    let conclusion = str_field(&call.body, "conclusion");
    let mut run = FakeCheckRun {
        id,
        app_id: t.ctx.app_id,
        name: str_field(&call.body, "name").unwrap_or_default(),
        head_sha: str_field(&call.body, "head_sha").unwrap_or_default(),
        status: if conclusion.is_some() {
            "completed".into()
        } else {
            str_field(&call.body, "status").unwrap_or_else(|| "queued".into())
        },
        conclusion,
        ..Default::default()
    };
    apply_check_fields(&mut run, &body);
    let reply = Reply::json(201, t.check_run(repo, &run));
    repo.check_runs.push(run);
    reply
}

fn check_run(repo: &mut FakeRepo, t: &Templates, call: &Call) -> Reply {
    let Some(id) = num(call, "check_run_id") else {
        return not_found();
    };
    let Some(pos) = repo.check_runs.iter().position(|r| r.id == id) else {
        return not_found();
    };
    if call.op == "checks/update" {
        if repo.check_runs[pos].app_id != t.ctx.app_id {
            return error(403, "Resource not accessible by integration");
        }
        let body = call.body.clone().unwrap_or(Value::Null);
        let run = &mut repo.check_runs[pos];
        if let Some(c) = str_field(&call.body, "conclusion") {
            run.conclusion = Some(c);
            run.status = "completed".into();
        }
        if let Some(s) = str_field(&call.body, "status") {
            run.status = s;
        }
        if let Some(n) = str_field(&call.body, "name") {
            run.name = n;
        }
        apply_check_fields(run, &body);
    }
    let run = repo.check_runs[pos].clone();
    Reply::json(200, t.check_run(repo, &run))
}

/// Fields shared by create and update; annotations are appended.
fn apply_check_fields(run: &mut FakeCheckRun, body: &Value) {
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(v) = s("external_id") {
        run.external_id = Some(v);
    }
    if let Some(v) = s("details_url") {
        run.details_url = Some(v);
    }
    if let Some(v) = s("started_at") {
        run.started_at = Some(v);
    }
    if let Some(v) = s("completed_at") {
        run.completed_at = Some(v);
    }
    if let Some(out) = body.get("output") {
        let o = |k: &str| out.get(k).and_then(Value::as_str).map(str::to_string);
        run.title = o("title").or(run.title.take());
        run.summary = o("summary").or(run.summary.take());
        run.text = o("text").or(run.text.take());
        if let Some(a) = out.get("annotations").and_then(Value::as_array) {
            run.annotations.extend(a.iter().cloned());
        }
    }
}

fn checks_for_ref(repo: &FakeRepo, t: &Templates, call: &Call) -> Reply {
    let git_ref = call.params.get("ref").cloned().unwrap_or_default();
    let shas: Vec<String> = std::iter::once(git_ref.clone())
        .chain(
            repo.pulls
                .values()
                .filter(|p| {
                    [
                        p.head_ref.clone(),
                        format!("heads/{}", p.head_ref),
                        format!("refs/heads/{}", p.head_ref),
                    ]
                    .contains(&git_ref)
                })
                .map(|p| p.head_sha.clone()),
        )
        .collect();
    let name = query(call, "check_name");
    let status = query(call, "status");
    let app_id = query(call, "app_id").and_then(|a| a.parse::<u64>().ok());
    let latest = query(call, "filter").unwrap_or("latest") == "latest";
    let mut runs: Vec<&FakeCheckRun> = repo
        .check_runs
        .iter()
        .filter(|r| shas.contains(&r.head_sha))
        .filter(|r| name.is_none_or(|n| r.name == n))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .filter(|r| app_id.is_none_or(|a| r.app_id == a))
        .collect();
    if latest {
        let mut newest: BTreeMap<(&str, u64), u64> = BTreeMap::new();
        for r in &runs {
            let e = newest.entry((&r.name, r.app_id)).or_default();
            *e = (*e).max(r.id);
        }
        runs.retain(|r| newest.get(&(r.name.as_str(), r.app_id)) == Some(&r.id));
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    let total = runs.len();
    let items = runs.into_iter().map(|r| t.check_run(repo, r)).collect();
    paginate(
        items,
        call,
        |page| json!({"total_count": total, "check_runs": page}),
    )
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

/// GitHub-style pagination: `per_page` (default 30, max 100), `page`, `Link` with next/last.
fn paginate(items: Vec<Value>, call: &Call, wrap: impl FnOnce(Vec<Value>) -> Value) -> Reply {
    let per_page = query(call, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = query(call, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let start = ((page - 1) * per_page).min(items.len());
    let end = (start + per_page).min(items.len());
    let slice = items[start..end].to_vec();
    let mut reply = Reply::json(200, wrap(slice));
    if page < pages {
        let link_to = |p: usize| {
            let mut q: Vec<(String, String)> = call
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .cloned()
                .collect();
            q.push(("page".into(), p.to_string()));
            let qs: Vec<String> = q
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect();
            format!("{}?{}", call.self_url, qs.join("&"))
        };
        reply.headers.push((
            "link".into(),
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                link_to(page + 1),
                link_to(pages)
            ),
        ));
    }
    reply
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn query<'a>(call: &'a Call, name: &str) -> Option<&'a str> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn num(call: &Call, name: &str) -> Option<u64> {
    call.params.get(name)?.parse().ok()
}

fn str_field(body: &Option<Value>, key: &str) -> Option<String> {
    body.as_ref()?.get(key)?.as_str().map(str::to_string)
}

fn team(slug: &str) -> Value {
    json!({"id": 1, "slug": slug, "name": slug, "node_id": "T_1", "url": "", "html_url": "", "permission": "pull",
           "members_url": "", "repositories_url": "", "description": null, "privacy": "closed", "parent": null})
}

/// Deep merge: objects merged key by key (patch wins), anything else replaced.
pub fn merge(base: Value, patch: Value) -> Value {
    match (base, patch) {
        (Value::Object(mut b), Value::Object(p)) => {
            for (k, v) in p {
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Value::Object(b)
        }
        (_, p) => p,
    }
}

/// Response bodies: GitHub's examples with the fake's data over them.
struct Templates<'a> {
    ctx: &'a Ctx<'a>,
}

impl Templates<'_> {
    fn example(&self, op: &str, status: &str) -> Value {
        self.ctx
            .desc
            .and_then(|d| d.example(op, status))
            .unwrap_or_else(|| json!({}))
    }

    fn user(&self, login: &str) -> Value {
        let base = self
            .example("repos/get-collaborator-permission-level", "200")
            .get("user")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let bot = login.ends_with("[bot]");
        let id = login
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
            % 1_000_000;
        merge(
            base,
            json!({"login": login, "id": id, "type": if bot { "Bot" } else { "User" },
            "html_url": format!("https://github.example/{login}")}),
        )
    }

    fn repo(&self, r: &FakeRepo) -> Value {
        let base = self
            .example("pulls/get", "200")
            .pointer("/base/repo")
            .cloned()
            .unwrap_or_else(|| json!({}));
        merge(
            base,
            json!({"id": r.id, "name": r.name, "full_name": format!("{}/{}", r.owner, r.name),
            "owner": self.user(&r.owner), "clone_url": r.clone_url(), "private": true, "fork": false, "default_branch": "main"}),
        )
    }

    fn pull(&self, r: &FakeRepo, p: &FakePull) -> Value {
        let base = self.example("pulls/get", "200");
        let head_repo = merge(
            self.repo(r),
            json!({"clone_url": p.head_clone_url.clone().unwrap_or_else(|| r.clone_url())}),
        );
        merge(
            base,
            json!({
                "number": p.number, "state": p.state, "title": p.title, "body": p.body, "draft": p.draft,
                "merged": false, "user": self.user(&p.author),
                "html_url": format!("https://github.example/{}/{}/pull/{}", r.owner, r.name, p.number),
                "head": {"ref": p.head_ref, "sha": p.head_sha, "label": format!("{}:{}", r.owner, p.head_ref), "repo": head_repo, "user": self.user(&r.owner)},
                "base": {"ref": p.base_ref, "sha": p.base_sha, "label": format!("{}:{}", r.owner, p.base_ref), "repo": self.repo(r), "user": self.user(&r.owner)},
                "requested_reviewers": p.requested_users.iter().map(|u| self.user(u)).collect::<Vec<_>>(),
                "requested_teams": p.requested_teams.iter().map(|s| team(s)).collect::<Vec<_>>(),
            }),
        )
    }

    fn commit(&self, c: &FakeCommit) -> Value {
        let base = self
            .example("pulls/list-commits", "200")
            .get(0)
            .cloned()
            .unwrap_or_else(|| json!({}));
        let account = |l: &Option<String>| l.as_deref().map_or(Value::Null, |l| self.user(l));
        let mut v = merge(
            base,
            json!({
                "sha": c.sha,
                "commit": {"message": c.message,
                    "author": {"name": c.author_name, "email": c.author_email, "date": now_rfc3339()},
                    "committer": {"name": c.committer_name, "email": c.committer_email, "date": now_rfc3339()}},
            }),
        );
        // Replace (not merge) the accounts: unlinked e-mails give `null`.
        v["author"] = account(&c.author_login);
        v["committer"] = account(&c.committer_login);
        v
    }

    fn review(&self, r: &FakeReview) -> Value {
        let base = self
            .example("pulls/list-reviews", "200")
            .get(0)
            .cloned()
            .unwrap_or_else(|| json!({}));
        merge(
            base,
            json!({"id": r.id, "user": self.user(&r.user), "body": r.body, "state": r.state,
            "commit_id": r.commit_id, "submitted_at": now_rfc3339()}),
        )
    }

    fn comment(&self, r: &FakeRepo, c: &FakeComment) -> Value {
        let base = self.example("issues/create-comment", "201");
        merge(
            base,
            json!({"id": c.id, "user": self.user(&c.user), "body": c.body, "created_at": c.created_at,
            "updated_at": c.updated_at, "author_association": "MEMBER",
            "html_url": format!("https://github.example/{}/{}/pull/{}#issuecomment-{}", r.owner, r.name, c.issue_number, c.id)}),
        )
    }

    fn check_run(&self, r: &FakeRepo, c: &FakeCheckRun) -> Value {
        let base = self.example("checks/create", "201");
        merge(
            base,
            json!({
                "id": c.id, "name": c.name, "head_sha": c.head_sha, "status": c.status, "conclusion": c.conclusion,
                "external_id": c.external_id, "details_url": c.details_url, "started_at": c.started_at,
                "completed_at": c.completed_at,
                "html_url": format!("https://github.example/{}/{}/runs/{}", r.owner, r.name, c.id),
                "output": {"title": c.title, "summary": c.summary, "text": c.text, "annotations_count": c.annotations.len()},
                "app": {"id": c.app_id, "slug": self.ctx.app_slug},
                "pull_requests": [],
            }),
        )
    }
}
